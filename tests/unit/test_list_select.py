"""The quick select for long choice lists renders exactly what WTForms' own select does."""

from __future__ import annotations

from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice

from peeredu.web.forms import ListSelectField

CHOICES = [
    SelectChoice("", "All"),
    SelectChoice("1", 'Hold "forår" & <script>alert(1)</script>'),
    SelectChoice("2", "Rødovre Kommune"),
    SelectChoice("3", ""),
]


class Plain(Form):
    cohort = SelectField("Cohort", choices=CHOICES, validate_choice=False)


class Quick(Form):
    cohort = ListSelectField("Cohort", choices=CHOICES, validate_choice=False)


def test_the_same_html_as_wtforms_with_the_choice_selected_and_text_escaped() -> None:
    for chosen in ("", "1", "3", "missing"):
        plain = str(Plain(data={"cohort": chosen}).cohort())
        quick = str(Quick(data={"cohort": chosen}).cohort())
        assert quick == plain
    assert "<script>" not in quick and "&lt;script&gt;" in quick
    assert 'selected value="1"' in str(Quick(data={"cohort": "1"}).cohort())

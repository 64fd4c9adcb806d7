"""The privacy notice and the accessibility statement: public, linked from every page's
footer, in the visitor's language, with the operator's details from configuration."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest

from peeredu.accounts.models import Role
from tests.factories import PASSWORD

PAGES = ("/privatliv", "/tilgaengelighed")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.footer_links: list[str] = []
        self.marks: list[str] = []
        self.h1 = ""
        self._where: list[str] = []
        self._in_footer = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        attributes = dict(attrs)
        self._where.append(tag)
        if tag == "footer":
            self._in_footer = True
        if self._in_footer and tag == "a":
            self.footer_links.append(attributes.get("href", ""))
        if tag == "mark":
            self.marks.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "footer":
            self._in_footer = False
        if self._where:
            self._where.pop()

    def handle_data(self, data: str) -> None:
        if self._where and self._where[-1] == "h1":
            self.h1 += data
        if self._where and self._where[-1] == "mark":
            self.marks[-1] += data


def parse(response: Any) -> _Page:
    assert response.status_code == 200
    page = _Page()
    page.feed(response.get_data(as_text=True))
    return page


@pytest.mark.parametrize("path", ["/login", "/verify", *PAGES])
def test_every_page_links_both_from_its_footer(client: Any, path: str) -> None:
    assert set(PAGES) <= set(parse(client.get(path)).footer_links)


def test_signed_in_pages_link_them_too(client: Any, make: Any) -> None:
    make.user(Role.TEACHER, email="t@example.org")
    client.login("t@example.org", PASSWORD)
    assert set(PAGES) <= set(parse(client.get("/")).footer_links)


def test_danish_by_default_with_visible_markers_for_what_is_not_configured(client: Any) -> None:
    privacy = client.get("/privatliv")
    page = parse(privacy)
    text = privacy.get_data(as_text=True)
    assert page.h1 == "Privatlivspolitik"
    assert len(page.marks) >= 4  # controller, address, contact, DPO, legal basis
    assert "artikel 9" in text and "Datatilsynet" in text
    assert "12 måneder" in text  # the retention period's default
    assert "HR på din arbejdsplads" in text
    statement = client.get("/tilgaengelighed")
    page = parse(statement)
    text = statement.get_data(as_text=True)
    assert page.h1 == "Tilgængelighedserklæring"
    assert "delvist i overensstemmelse" in text and "WCAG) 2.1 niveau AA" in text
    assert "Digitaliseringsstyrelsen" in text and "lov nr. 692 af 8. juni 2018" in text
    assert "10 arbejdsdage" in text and "Telefon:" in text
    assert page.marks  # date, contact, known issues


CONFIGURED = {
    "OPERATOR_NAME": "Region Hovedstaden, Skolen for Recovery",
    "OPERATOR_ADDRESS": "Kongens Vænge 2, 3400 Hillerød",
    "PRIVACY_CONTACT_EMAIL": "privacy@example.org",
    "DPO_CONTACT": "dpo@example.org",
    "PRIVACY_LEGAL_BASIS": "Databeskyttelsesforordningens artikel 6, stk. 1, litra e.",
    "ACCESSIBILITY_CONTACT_EMAIL": "a11y@example.org",
    "ACCESSIBILITY_CONTACT_PHONE": "70 20 00 00",
    "ACCESSIBILITY_STATEMENT_URL": "https://was.digst.dk/kursus-example-dk",
    "ACCESSIBILITY_STATEMENT_DATE": "1. marts 2027",
    "ACCESSIBILITY_STATUS": "full",
    "ACCESSIBILITY_KNOWN_ISSUES": "Ingen kendte problemer.",
    "RETENTION_MONTHS": 24,
}


def test_configured_operator_details_replace_every_marker(app: Any, client: Any) -> None:
    app.config.update(CONFIGURED)
    for path in PAGES:
        assert parse(client.get(path)).marks == [], path
    privacy = client.get("/privatliv").get_data(as_text=True)
    assert "Kongens Vænge 2, 3400 Hillerød" in privacy
    assert 'href="mailto:privacy@example.org"' in privacy
    assert "24 måneder" in privacy
    statement = client.get("/tilgaengelighed").get_data(as_text=True)
    assert "fuldt ud i overensstemmelse" in statement and "1. marts 2027" in statement
    assert 'href="mailto:a11y@example.org"' in statement and "70 20 00 00" in statement
    assert 'href="https://was.digst.dk/kursus-example-dk"' in statement


def test_english_on_request(client: Any) -> None:
    client.submit("/language", {"locale": "en"})
    assert parse(client.get("/privatliv")).h1 == "Privacy notice"
    assert parse(client.get("/tilgaengelighed")).h1 == "Accessibility statement"

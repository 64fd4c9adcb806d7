"""The certificate as a PDF (fpdf2), with a QR code (segno) pointing at its verification page.

The caller passes the text in the reader's language; this module only lays it out. Core PDF
fonts cover Danish letters (Latin-1), so the text stays extractable without embedding a font.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

import segno
from fpdf import FPDF


@dataclass(frozen=True)
class CertificateText:
    heading: str  # "Kursusbevis"
    school: str  # "Skolen for Recovery"
    name: str
    statement: str  # "har gennemført ..."
    facts: Sequence[tuple[str, str]]  # (label, value)
    code_label: str
    code: str  # for display, e.g. "7K2M-9QXR-4TZB-K"
    verify_hint: str  # "Check the certificate at ..."
    verify_url: str
    language: str  # "da" or "en", for the document's metadata


def _latin1(text: str) -> str:
    """Core fonts are Latin-1; replace the few typographic characters outside it."""
    replacements = {"–": "-", "—": "-", "“": '"', "”": '"', "’": "'", "…": "..."}
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text.encode("latin-1", "replace").decode("latin-1")


def render(text: CertificateText) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(_latin1(f"{text.heading} - {text.name}"))
    pdf.set_author(_latin1(text.school))
    pdf.set_lang(text.language)
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    width = pdf.w - 2 * pdf.l_margin

    pdf.set_font("helvetica", size=12)
    pdf.set_y(30)
    pdf.cell(width, 8, _latin1(text.school), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", style="B", size=30)
    pdf.cell(width, 18, _latin1(text.heading), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("helvetica", style="B", size=22)
    pdf.cell(width, 12, _latin1(text.name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("helvetica", size=13)
    pdf.multi_cell(width, 7, _latin1(text.statement), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)

    label_width = 55
    for label, value in text.facts:
        pdf.set_font("helvetica", style="B", size=11)
        pdf.cell(label_width, 8, _latin1(label))
        pdf.set_font("helvetica", size=11)
        pdf.multi_cell(width - label_width, 8, _latin1(value), new_x="LMARGIN", new_y="NEXT")

    qr = io.BytesIO()
    segno.make(text.verify_url, error="m").save(qr, kind="png", scale=6, border=2)
    qr.seek(0)
    top = 215
    pdf.image(qr, x=pdf.l_margin, y=top, w=40, h=40)
    pdf.set_xy(pdf.l_margin + 46, top + 4)
    pdf.set_font("helvetica", style="B", size=11)
    pdf.cell(0, 7, _latin1(text.code_label), new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(pdf.l_margin + 46)
    pdf.set_font("courier", style="B", size=16)
    pdf.cell(0, 9, text.code, new_x="LMARGIN", new_y="NEXT")
    pdf.set_x(pdf.l_margin + 46)
    pdf.set_font("helvetica", size=10)
    pdf.multi_cell(width - 46, 6, _latin1(f"{text.verify_hint} {text.verify_url}"))
    return bytes(pdf.output())

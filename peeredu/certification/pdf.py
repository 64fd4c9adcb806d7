"""The certificate as a PDF (fpdf2): one A4 page that HR files and the learner can frame.

The caller passes the text in the reader's language; this module only lays it out, top to
bottom in reading order: the operator (logo and name), the heading, the participant, what was
completed, the facts, the completed modules, the signature line and a footer with the
verification code, its URL and a QR code that points at the same URL.

Why fpdf2 and not HTML through WeasyPrint: fpdf2 is pure Python and already a dependency,
WeasyPrint needs Pango and Cairo on every server. fpdf2 embeds TrueType fonts (subset), so
the vendored DejaVu fonts (``static/fonts/``, with their licence) carry æøå and typographic
quotes and dashes; the text extracts as Unicode.
Tagging is the part fpdf2 does not offer for text: it tags images with alternative text
only. ``_tagged`` adds the rest with the same structure builder fpdf2 uses for images, so
every piece of text is a heading or a paragraph of the document's structure, in the order it
is read, and the frame and rules are marked as artifacts. fpdf2 has no PDF/UA mode, so the
document is tagged and titled as PDF/UA asks but does not claim PDF/UA conformance.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import segno
from fpdf import FPDF
from fpdf.enums import Align, MethodReturnValue, XPos, YPos
from fpdf.prefs import ViewerPreferences

FONTS = Path(__file__).resolve().parent.parent / "static" / "fonts"
# Family name -> {style: file}; the families the page uses, embedded as subsets.
FONT_FILES = {
    "serif": {"B": "DejaVuSerif-Bold.ttf"},
    "sans": {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"},
}

INK = (27, 27, 31)  # the site's --ink
ACCENT = (11, 90, 122)  # --accent
ACCENT_DARK = (8, 63, 86)  # --accent-dark
MUTED = (84, 88, 96)  # grey that keeps 7:1 contrast on white
SOFT = (236, 244, 247)  # a light tint of the accent, behind the facts

PAGE_W, PAGE_H = 210.0, 297.0
MARGIN = 22.0
WIDTH = PAGE_W - 2 * MARGIN
LOGO_BOX = (64.0, 20.0)  # the logo fits in this (w, h), keeping its proportions
SIGNATURE_TOP = 219.0
FOOTER_TOP = 251.0


@dataclass(frozen=True)
class CertificateText:
    language: str  # "da" or "en", the document's /Lang
    title: str  # the document's title, e.g. "Kursusbevis – Maria Jensen"
    operator: str  # who issues it, e.g. "Skolen for Recovery"
    logo: Path | None  # PNG or SVG, checked when the app starts
    logo_alt: str
    heading: str  # "Kursusbevis"
    name: str
    statement: str  # "har gennemført Peer-uddannelsen"
    facts: Sequence[tuple[str, str]]  # (label, value), laid out two by two
    modules_heading: str
    modules: Sequence[str]  # the completed modules' titles, in course order
    issued_label: str
    issued: str  # a long date
    signatory: Sequence[str]  # under the signature line: name, title (or the operator)
    code_label: str
    code: str  # for display, e.g. "7K2M-9QXR-4TZB-K"
    verify_hint: str  # "Anyone can check this certificate at"
    verify_url: str
    qr_alt: str


class LogoError(ValueError):
    """The logo file cannot be used; the message says why."""


def check_logo(path: Path) -> None:
    """Raise LogoError unless ``path`` is a readable PNG or SVG that fpdf2 can draw."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LogoError(f"there is no file at {path}") from None
    except OSError as error:
        raise LogoError(f"{path} cannot be read ({error.strerror})") from None
    if not (data.startswith(b"\x89PNG\r\n\x1a\n") or b"<svg" in data[:4096]):
        raise LogoError(f"{path} is neither a PNG nor an SVG file")
    trial = FPDF()
    trial.add_page()
    try:
        trial.image(io.BytesIO(data), x=0, y=0, w=LOGO_BOX[0], h=LOGO_BOX[1])
    except Exception as error:  # fpdf2 raises many kinds for a file it cannot draw
        raise LogoError(f"{path} cannot be drawn: {error}") from None


def render(text: CertificateText) -> bytes:
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    for family, styles in FONT_FILES.items():
        for style, filename in styles.items():
            pdf.add_font(family, style, FONTS / filename)
    pdf.set_title(text.title)
    pdf.set_author(text.operator)
    pdf.set_subject(text.statement)
    pdf.set_creator("peeredu")
    pdf.set_lang(text.language)
    pdf.set_xmp_metadata(_xmp(text))
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_page()

    _frame(pdf)
    _header(pdf, text)
    _modules(pdf, text, bottom=SIGNATURE_TOP - 6)
    _signature(pdf, text)
    _footer(pdf, text)
    return bytes(pdf.output())


def _xmp(text: CertificateText) -> str:
    """Title, author, subject and language also as XMP, where PDF/UA checkers look for them.

    Written here rather than by fpdf2's PDF/A mode: that mode leaves out the document
    information dictionary, and Chromium's viewer takes the title shown in its tab from there.
    """
    lang = quoteattr("x-default")
    return "\n".join(
        [
            '<x:xmpmeta xmlns:x="adobe:ns:meta/">',
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
            '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">',
            f"<dc:title><rdf:Alt><rdf:li xml:lang={lang}>{escape(text.title)}</rdf:li>"
            "</rdf:Alt></dc:title>",
            f"<dc:creator><rdf:Seq><rdf:li>{escape(text.operator)}</rdf:li></rdf:Seq></dc:creator>",
            f"<dc:description><rdf:Alt><rdf:li xml:lang={lang}>{escape(text.statement)}"
            "</rdf:li></rdf:Alt></dc:description>",
            f"<dc:language><rdf:Bag><rdf:li>{escape(text.language)}</rdf:li></rdf:Bag>"
            "</dc:language>",
            "</rdf:Description>",
            "</rdf:RDF>",
            "</x:xmpmeta>",
        ]
    )


# -- Tagging --------------------------------------------------------------------------------


@contextmanager
def _tagged(pdf: FPDF, role: str) -> Iterator[None]:
    """What is drawn inside is one structure element (P, H1, H2...) of the document, in order.

    fpdf2's structure builder tags only images; this uses the same builder for text.
    """
    mcid = pdf.struct_builder.next_mcid_for_page(pdf.page)
    pdf._add_marked_content(struct_type=f"/{role}", mcid=mcid)
    pdf._out(f"/{role} <</MCID {mcid}>> BDC")
    yield
    pdf._out("EMC")


@contextmanager
def _artifact(pdf: FPDF) -> Iterator[None]:
    """Decoration (frame, rules, tints): not read out by a screen reader."""
    pdf._out("/Artifact BMC")
    yield
    pdf._out("EMC")


def _paragraph(
    pdf: FPDF,
    value: str,
    *,
    font: tuple[str, str, float],
    height: float,
    color: tuple[int, int, int] = INK,
    role: str = "P",
    align: Align = Align.C,
    x: float = MARGIN,
    width: float = WIDTH,
) -> None:
    pdf.set_font(*font)
    pdf.set_text_color(*color)
    pdf.set_x(x)
    with _tagged(pdf, role):
        pdf.multi_cell(width, height, value, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _rule(pdf: FPDF, y: float, *, x: float = MARGIN, width: float = WIDTH) -> None:
    with _artifact(pdf):
        pdf.set_draw_color(*ACCENT)
        pdf.set_line_width(0.3)
        pdf.line(x, y, x + width, y)


# -- The parts, top to bottom ---------------------------------------------------------------


def _frame(pdf: FPDF) -> None:
    with _artifact(pdf):
        pdf.set_draw_color(*ACCENT_DARK)
        pdf.set_line_width(1.2)
        pdf.rect(9, 9, PAGE_W - 18, PAGE_H - 18)
        pdf.set_line_width(0.3)
        pdf.rect(12, 12, PAGE_W - 24, PAGE_H - 24)


def _header(pdf: FPDF, text: CertificateText) -> None:
    top = 36.0
    if text.logo is not None:
        top = 22.0
        box_w, box_h = LOGO_BOX
        pdf.image(
            text.logo,
            x=(PAGE_W - box_w) / 2,
            y=top,
            w=box_w,
            h=box_h,
            keep_aspect_ratio=True,
            alt_text=text.logo_alt,
        )
        top += box_h + 3
    pdf.set_y(top)
    _paragraph(pdf, text.operator, font=("sans", "B", 12), height=6, color=ACCENT_DARK)
    pdf.ln(6)
    _paragraph(pdf, text.heading, font=("serif", "B", 34), height=15, role="H1")
    _rule(pdf, pdf.get_y() + 4, x=(PAGE_W - 30) / 2, width=30)
    pdf.ln(9)
    _paragraph(pdf, text.name, font=("serif", "B", 24), height=11)
    pdf.ln(2)
    _paragraph(pdf, text.statement, font=("sans", "", 13), height=7, color=MUTED)
    pdf.ln(8)
    _facts(pdf, text.facts)


def _facts(pdf: FPDF, facts: Sequence[tuple[str, str]]) -> None:
    """Label over value, two to a row, on a light tint; read row by row."""
    column = WIDTH / 2
    rows = [facts[i : i + 2] for i in range(0, len(facts), 2)]
    row_h = 14.0
    top = pdf.get_y()
    with _artifact(pdf):
        pdf.set_fill_color(*SOFT)
        pdf.rect(MARGIN, top, WIDTH, row_h * len(rows) + 4, style="F")
    for r, row in enumerate(rows):
        for c, (label, value) in enumerate(row):
            x = MARGIN + 6 + c * column
            pdf.set_y(top + 3 + r * row_h)
            _paragraph(
                pdf, label, font=("sans", "", 9), height=5, color=MUTED,
                align=Align.L, x=x, width=column - 8,
            )  # fmt: skip
            _paragraph(
                pdf, value, font=("sans", "B", 11), height=6,
                align=Align.L, x=x, width=column - 8,
            )  # fmt: skip
    pdf.set_y(top + row_h * len(rows) + 4)


def _modules(pdf: FPDF, text: CertificateText, *, bottom: float) -> None:
    """The completed modules, numbered; the type shrinks until the list fits above ``bottom``."""
    if not text.modules:
        return
    pdf.ln(7)
    _paragraph(
        pdf, text.modules_heading, font=("serif", "B", 13), height=7, role="H2", align=Align.L
    )
    pdf.ln(1)
    number_w = 9.0
    size = 10.5
    while True:
        height = size * 0.5
        pdf.set_font("sans", "", size)
        lines = sum(len(_wrapped(pdf, title, WIDTH - number_w, height)) for title in text.modules)
        if pdf.get_y() + lines * height <= bottom or size <= 8:
            break
        size -= 0.5
    for number, title in enumerate(text.modules, start=1):
        y = pdf.get_y()
        with _tagged(pdf, "P"):
            pdf.set_text_color(*ACCENT_DARK)
            pdf.set_font("sans", "B", size)
            pdf.cell(number_w, height, f"{number}.")
            pdf.set_text_color(*INK)
            pdf.set_font("sans", "", size)
            pdf.set_xy(MARGIN + number_w, y)
            pdf.multi_cell(WIDTH - number_w, height, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _wrapped(pdf: FPDF, value: str, width: float, height: float) -> list[str]:
    lines = pdf.multi_cell(width, height, value, dry_run=True, output=MethodReturnValue.LINES)
    assert isinstance(lines, list)  # what output=LINES returns
    return lines


def _signature(pdf: FPDF, text: CertificateText) -> None:
    """Issue date on the left, the signature line on the right, the way letters end.

    Each caption sits under its line but is read before what is above it ("Issued", then
    the date)."""
    column = WIDTH / 2 - 8
    right = PAGE_W - MARGIN - column
    line_y = SIGNATURE_TOP + 12
    pdf.set_y(line_y + 1.5)
    _paragraph(
        pdf, text.issued_label, font=("sans", "", 9), height=5, color=MUTED,
        align=Align.L, width=column,
    )  # fmt: skip
    pdf.set_y(SIGNATURE_TOP + 5)
    _paragraph(pdf, text.issued, font=("sans", "", 11), height=6, align=Align.L, width=column)
    _rule(pdf, line_y, width=column)
    _rule(pdf, line_y, x=right, width=column)
    pdf.set_y(line_y + 1.5)
    for index, line in enumerate(text.signatory):
        _paragraph(
            pdf, line, font=("sans", "B" if index == 0 else "", 10 if index == 0 else 9),
            height=5, color=INK if index == 0 else MUTED, align=Align.L, x=right, width=column,
        )  # fmt: skip


def _footer(pdf: FPDF, text: CertificateText) -> None:
    """The code, the URL it is checked at and a QR code for the same URL."""
    _rule(pdf, FOOTER_TOP, x=MARGIN, width=WIDTH)
    qr_size = 27.0
    top = FOOTER_TOP + 5
    qr = io.BytesIO()
    segno.make(text.verify_url, error="m").save(qr, kind="png", scale=8, border=0)
    qr.seek(0)
    text_x = MARGIN + qr_size + 7
    text_w = WIDTH - qr_size - 7
    pdf.set_y(top)
    _paragraph(
        pdf, text.code_label, font=("sans", "", 9), height=5, color=MUTED,
        align=Align.L, x=text_x, width=text_w,
    )  # fmt: skip
    _paragraph(
        pdf, text.code, font=("sans", "B", 16), height=8,
        align=Align.L, x=text_x, width=text_w,
    )  # fmt: skip
    pdf.ln(1)
    _paragraph(
        pdf, text.verify_hint, font=("sans", "", 9), height=5, color=MUTED,
        align=Align.L, x=text_x, width=text_w,
    )  # fmt: skip
    # The URL on one line, smaller if it must be: a wrapped URL is hard to type.
    size = 10.0
    pdf.set_font("sans", "", size)
    while pdf.get_string_width(text.verify_url) > text_w and size > 6:
        size -= 0.5
        pdf.set_font("sans", "", size)
    pdf.set_x(text_x)
    pdf.set_text_color(*ACCENT_DARK)
    with _tagged(pdf, "P"):
        pdf.cell(text_w, 5, text.verify_url, link=text.verify_url)
    pdf.image(qr, x=MARGIN, y=top, w=qr_size, h=qr_size, alt_text=text.qr_alt)

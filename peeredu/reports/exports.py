"""Tables as files people open in a spreadsheet: CSV in chunks, XLSX written row by row.

Text never runs as a formula: a cell beginning with = + - @ (or a tab or return) is made plain
text, whichever program opens the file (CSV injection).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import IO, Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter


def safe_cell(value: str) -> str:
    """Text a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


Cell = str | int | float | date | None
_BUFFER_CHARS = 64 * 1024


def csv_lines(
    header: Sequence[str], records: Iterable[Sequence[Cell]], *, delimiter: str = ";"
) -> Iterator[str]:
    """CSV text in chunks: a BOM first (Excel then reads UTF-8), text made formula-safe.

    Chunks of about 64 kB: few enough writes to be fast, small enough to keep memory flat.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([safe_cell(text) for text in header])
    for record in records:
        writer.writerow([_csv_cell(value) for value in record])
        if buffer.tell() >= _BUFFER_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _csv_cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, str):
        return safe_cell(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def write_xlsx(
    header: Sequence[str],
    records: Iterable[Sequence[Cell]],
    target: IO[bytes],
    *,
    sheet_title: str,
    widths: Sequence[int] = (),
) -> int:
    """Write an XLSX workbook to ``target``; returns the number of records written.

    openpyxl's write-only mode keeps rows in a temporary file, not in memory. Text is written
    as text cells, never as formulas, whatever it starts with.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_sheet_title(sheet_title))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heading = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", text))
        cell.data_type = "s"
        cell.font = bold
        heading.append(cell)
    sheet.append(heading)
    count = 0
    for record in records:
        sheet.append([_xlsx_cell(sheet, value) for value in record])
        count += 1
    workbook.save(target)
    return count


def _sheet_title(title: str) -> str:
    # Excel allows 31 characters and none of []:*?/\ in a sheet's name.
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title).strip()
    return cleaned[:31] or "Sheet1"


def _xlsx_cell(sheet: Any, value: Cell) -> Any:
    if not isinstance(value, str):
        return value
    text: str = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not text.startswith("="):
        return text
    # openpyxl would store text beginning with "=" as a formula: make it a text cell.
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell

"""Reading an uploaded list of people (CSV or XLSX) for ``bulk_enrolment``.

``parse`` gives one ``Row`` per person as the file wrote them, or refuses the file as a whole
with a ``FileRefused`` that names what is wrong (type, size, empty, columns, too many rows).
CSV as Danish Excel writes it: ``;`` or ``,`` between cells, UTF-8 with or without a BOM, or
Windows-1252 (Excel's plain "CSV").
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

from openpyxl import load_workbook

from peeredu.errors import N_, DomainError

MAX_ROWS = 1000
MAX_BYTES = 1024 * 1024
COLUMNS = ("name", "email", "track", "organisation")
# The same columns as a Danish template names them.
DANISH_COLUMNS = ("navn", "e-mail", "spor", "organisation")
# What a column may be called in the first row (compared lower-cased, spaces trimmed).
HEADER_NAMES = {
    "name": "name",
    "navn": "name",
    "email": "email",
    "e-mail": "email",
    "e-mailadresse": "email",
    "email address": "email",
    "track": "track",
    "spor": "track",
    "organisation": "organisation",
    "organization": "organisation",
    "arbejdsplads": "organisation",
}
_XLSX_MAGIC = b"PK\x03\x04"


class FileRefused(DomainError):
    """The file as a whole cannot be read as a list of people; nothing was changed."""


@dataclass(frozen=True)
class Row:
    """One person as the file wrote them; ``line`` is the row's number in the file."""

    line: int
    name: str
    email: str
    track: str
    organisation: str

    def as_list(self) -> list[str | int]:
        return [self.line, self.name, self.email, self.track, self.organisation]

    @classmethod
    def from_list(cls, values: Sequence[object]) -> Row:
        line, name, email, track, organisation = values
        return cls(int(str(line)), str(name), str(email), str(track), str(organisation))


def parse(content: bytes, filename: str) -> list[Row]:
    """The people in an uploaded CSV or XLSX file, or FileRefused naming what is wrong."""
    if not content.strip():
        raise FileRefused(N_("The file is empty."))
    if len(content) > MAX_BYTES:
        raise FileRefused(
            N_("The file is larger than %(size)s MB. Split it into smaller files."),
            size=MAX_BYTES // (1024 * 1024),
        )
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "xlsx" or content.startswith(_XLSX_MAGIC):
        table = _xlsx_cells(content)
    elif extension in ("csv", "txt"):
        table = _csv_cells(content)
    else:
        raise FileRefused(
            N_("Upload a .csv or .xlsx file; %(name)s is neither. In Excel: Save as, then CSV."),
            name=filename or "?",
        )
    return _rows(table)


def _csv_cells(content: bytes) -> list[list[str]]:
    # Excel's "CSV UTF-8" starts with a BOM; its plain "CSV" is Windows-1252 in Denmark.
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
    first_line = text.lstrip().split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    return [list(cells) for cells in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _xlsx_cells(content: bytes) -> list[list[str]]:
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise FileRefused(N_("The file could not be read as an Excel workbook (.xlsx).")) from None
    try:
        sheet = workbook.worksheets[0]
        table = []
        for values in sheet.iter_rows(values_only=True):
            table.append(["" if v is None else _cell_text(v) for v in values])
            if len(table) > MAX_ROWS + 1 + 1000:  # blank rows count too; stop reading at once
                break
        return table
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows(table: list[list[str]]) -> list[Row]:
    lines = [
        (number, cells)
        for number, cells in enumerate(table, start=1)
        if any(c.strip() for c in cells)
    ]
    if not lines:
        raise FileRefused(N_("The file is empty."))
    _header_line, header = lines[0]
    positions: dict[str, int] = {}
    for index, heading in enumerate(header):
        column = HEADER_NAMES.get(heading.strip().lower())
        if column is not None and column not in positions:
            positions[column] = index
    missing = [c for c in COLUMNS if c not in positions]
    if missing:
        raise FileRefused(
            N_(
                "The first row must name the columns name, email, track and organisation"
                " (or navn, e-mail, spor, organisation). Missing: %(missing)s."
            ),
            missing=", ".join(missing),
        )
    people = lines[1:]
    if not people:
        raise FileRefused(N_("The file names the columns but has no rows of people."))
    if len(people) > MAX_ROWS:
        raise FileRefused(
            N_("The file has %(count)s rows of people; at most %(max)s at a time."),
            count=len(people),
            max=MAX_ROWS,
        )

    def value(cells: list[str], column: str) -> str:
        index = positions[column]
        return " ".join(cells[index].split()) if index < len(cells) else ""

    return [Row(number, *(value(cells, c) for c in COLUMNS)) for number, cells in people]

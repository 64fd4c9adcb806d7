"""Reading an uploaded list of participants: CSV as Danish Excel writes it, and XLSX."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from peeredu.accounts.bulk_files import MAX_BYTES, MAX_ROWS, FileRefused, Row, parse

ROWS = [
    ["Anna Hansen", "anna@example.org", "peer", "Region Hovedstaden"],
    ["Bo Æbelø", "bo@example.org", "kollega", "Københavns Kommune"],
]


def _csv(header: list[str], rows: list[list[str]], delimiter: str, encoding: str) -> bytes:
    lines = [delimiter.join(cells) for cells in [header, *rows]]
    return "\r\n".join(lines).encode(encoding)


def _xlsx(header: list[object], rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for cells in [header, *rows]:
        sheet.append(cells)
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


EXPECTED = [
    Row(2, "Anna Hansen", "anna@example.org", "peer", "Region Hovedstaden"),
    Row(3, "Bo Æbelø", "bo@example.org", "kollega", "Københavns Kommune"),
]


@pytest.mark.parametrize("delimiter", [";", ","])
@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp1252"])
def test_csv_with_either_delimiter_and_encoding_danish_excel_writes(delimiter, encoding):
    content = _csv(["navn", "e-mail", "spor", "organisation"], ROWS, delimiter, encoding)
    assert parse(content, "hold.csv") == EXPECTED


def test_a_bom_does_not_become_part_of_the_first_column_name():
    content = _csv(["name", "email", "track", "organisation"], ROWS, ";", "utf-8-sig")
    assert content.startswith(b"\xef\xbb\xbf")
    assert parse(content, "hold.csv")[0].name == "Anna Hansen"


def test_xlsx_with_english_headers_in_another_order_and_extra_columns():
    header = ["Organisation", "Note", "Email", "Name", "Track"]
    rows = [[r[3], "x", r[1], r[0], r[2]] for r in ROWS]
    assert parse(_xlsx(header, rows), "hold.xlsx") == EXPECTED


def test_numbers_and_empty_cells_in_a_workbook_are_text():
    rows: list[list[object]] = [["Anna", "anna@example.org", None, 42]]
    [row] = parse(_xlsx(["navn", "e-mail", "spor", "organisation"], rows), "hold.xlsx")
    assert (row.track, row.organisation) == ("", "42")


def test_blank_rows_are_skipped_and_row_numbers_are_the_files():
    content = _csv(
        ["navn", "e-mail", "spor", "organisation"], [ROWS[0], [";;;"], ROWS[1]], ";", "utf-8"
    )
    assert [r.line for r in parse(content, "hold.csv")] == [2, 4]


@pytest.mark.parametrize(
    ("content", "filename", "says"),
    [
        (b"", "hold.csv", "The file is empty."),
        (b"  \r\n", "hold.csv", "The file is empty."),
        (b"%PDF-1.4 something", "hold.pdf", "Upload a .csv or .xlsx file"),
        (b"PK\x03\x04 broken", "hold.xlsx", "could not be read as an Excel workbook"),
        (b"navn;e-mail;spor\r\nA;a@example.org;peer", "hold.csv", "Missing: organisation."),
        (
            b"fornavn;adresse\r\nA;a@example.org",
            "hold.csv",
            "Missing: name, email, track, organisation.",
        ),
        (b"navn;e-mail;spor;organisation\r\n", "hold.csv", "names the columns but has no rows"),
    ],
)
def test_a_bad_file_is_refused_naming_what_is_wrong(content, filename, says):
    with pytest.raises(FileRefused) as refused:
        parse(content, filename)
    assert says in str(refused.value)


def test_more_rows_than_the_limit_is_refused_with_the_count():
    rows = [[f"P {i}", f"p{i}@example.org", "peer", "X"] for i in range(MAX_ROWS + 1)]
    with pytest.raises(FileRefused) as refused:
        parse(_csv(["navn", "e-mail", "spor", "organisation"], rows, ";", "utf-8"), "hold.csv")
    assert f"{MAX_ROWS + 1} rows" in str(refused.value)
    rows.pop()
    assert (
        len(parse(_csv(["navn", "e-mail", "spor", "organisation"], rows, ";", "utf-8"), "x.csv"))
        == MAX_ROWS
    )


def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(FileRefused) as refused:
        parse(b"navn;e-mail;spor;organisation\r\n" + b"x" * MAX_BYTES, "hold.csv")
    assert "larger than 1 MB" in str(refused.value)

"""CSV and XLSX files written row by row from an iterator of plain rows, so that memory stays
flat whatever the number of rows.

CSV: UTF-8 with a byte order mark (spreadsheets then read the accents right), the `csv`
module's default dialect (comma, CRLF, quotes where needed), ISO dates and a decimal point
(`str` of a date and of a Decimal), booleans as True/False, nothing for a missing value.
XLSX: openpyxl's write-only workbook, typed cells (numbers, dates, booleans), written to a
temporary file that is then sent in chunks: an XLSX file is a zip archive whose directory
comes last, so no byte of it can be sent before the last row is written, but neither the rows
nor the file are ever held in memory. Rows beyond what a sheet may hold (1,048,576 with the
header) go on another sheet, headed the same.

A text cell that a spreadsheet would read as a formula (it starts with `=`, `+`, `-`, `@`, a
tab or a carriage return) gets a leading apostrophe, in both formats; numbers stay numbers.
"""

import csv
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import batched

BOM = "\ufeff"
UNSAFE_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_BATCH = 2000  # rows written per chunk of the response
FILE_CHUNK = 256 * 1024  # bytes of the XLSX file sent at a time
SHEET_ROWS = 1_048_576  # the most rows a sheet may have (Excel): more go on the next sheet

Row = Sequence[object]


def neutralised(value: str) -> str:
    """A text that no spreadsheet reads as a formula."""
    return "'" + value if value.startswith(UNSAFE_STARTS) else value


def row_guard(text_columns: Sequence[int]) -> Callable[[Row], Row]:
    """Neutralises the text cells (at `text_columns`) of a row; most rows come back as they
    are, unchanged and uncopied."""
    text = frozenset(text_columns)

    def guard(row: Row) -> Row:
        for index in text_columns:
            value = row[index]
            if value and value.startswith(UNSAFE_STARTS):
                return [
                    neutralised(cell) if i in text and cell else cell for i, cell in enumerate(row)
                ]
        return row

    return guard


def csv_chunks(
    headers: Sequence[str], rows: Iterable[Row], *, text_columns: Sequence[int]
) -> Iterator[bytes]:
    """The CSV file, a few thousand rows per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def taken() -> bytes:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    buffer.write(BOM)
    writer.writerow(headers)
    yield taken()
    guard = row_guard(text_columns)
    for chunk in batched(rows, CSV_BATCH, strict=False):
        writer.writerows(map(guard, chunk))
        yield taken()


def xlsx_chunks(
    headers: Sequence[str],
    rows: Iterable[Row],
    *,
    text_columns: Sequence[int],
    sheet_title: str,
) -> Iterator[bytes]:
    """The XLSX file: the workbook written to a temporary file, then read back in chunks."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def clean(value: str) -> str:
        # Control characters other than tab, CR and LF cannot be written into the sheet's XML.
        return ILLEGAL_CHARACTERS_RE.sub("", neutralised(value))

    text = frozenset(text_columns)
    workbook = Workbook(write_only=True)
    sheets = 0
    for number, row in enumerate(rows):
        if number % (SHEET_ROWS - 1) == 0:  # a sheet holds its header and SHEET_ROWS - 1 rows
            sheets += 1
            title = sheet_title if sheets == 1 else f"{sheet_title[:25]} ({sheets})"
            sheet = workbook.create_sheet(title=title)
            sheet.append(list(headers))
        sheet.append([clean(cell) if i in text and cell else cell for i, cell in enumerate(row)])
    if not sheets:
        workbook.create_sheet(title=sheet_title).append(list(headers))
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(FILE_CHUNK):
            yield chunk


SHEET_TITLE_FORBIDDEN = str.maketrans("", "", "[]:*?/\\")


def sheet_title(text: str) -> str:
    """A worksheet name Excel accepts: at most 31 characters, none of []:*?/\\."""
    return text.translate(SHEET_TITLE_FORBIDDEN)[:31] or "Sheet"

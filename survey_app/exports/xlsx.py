"""Streaming XLSX writer (XlsxWriter in constant-memory mode), every text cell formula-safe.

XlsxWriter would turn ``=…`` strings into formulas and ``http…`` into links:
both are switched off, and text goes through :func:`safe_cell` as in CSV, so a
cell stays text even after someone edits it in Excel.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from numbers import Number
from typing import IO

from survey_app.exports.safe import safe_cell
from survey_app.exports.table import Table, cell

__all__ = ["OPTIONS", "write_xlsx"]

OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
           "constant_memory": True}
_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def write_xlsx(tables: Sequence[Table], out: str | IO[bytes]) -> int:
    """Write each table to a sheet of one workbook; return the number of data rows."""
    import xlsxwriter  # here, not at import: only XLSX exports pay for it at start-up

    workbook = xlsxwriter.Workbook(out, {**OPTIONS, "in_memory": False})
    bold = workbook.add_format({"bold": True})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    count = 0
    for table in tables:
        sheet = workbook.add_worksheet(table.name.translate(_SHEET_FORBIDDEN)[:31])
        for col, title in enumerate(table.header):
            sheet.write_string(0, col, safe_cell(str(title)), bold)
        text, number_ = sheet.write_string, sheet.write_number
        for line, row in enumerate(table.rows, start=1):
            for col, value in enumerate(map(cell, row)):
                kind = type(value)
                if kind is str:
                    text(line, col, value)
                elif kind is int or kind is float:
                    number_(line, col, value)
                elif value is not None:
                    _write(sheet, line, col, value, day)
            count += 1
    workbook.close()
    return count


def _write(sheet, row: int, col: int, value, day) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, col, value)
    elif isinstance(value, Number):
        sheet.write_number(row, col, value)
    elif isinstance(value, datetime):
        sheet.write_datetime(row, col, value.replace(tzinfo=None), day)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), day)
    else:
        sheet.write_string(row, col, safe_cell(str(value)))

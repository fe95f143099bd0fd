"""Formula injection: the one escaping function, and the CSV and XLSX read back."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from survey_app.exports.csv import write_csv
from survey_app.exports.safe import safe_cell
from survey_app.exports.table import Table
from survey_app.exports.xlsx import write_xlsx

ATTACKS = ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "\t=1", "\r=1", " =1",
           "\u00a0=1", "ok\n=1+1", "ok\r\n-2", "ok\r@x", "\uff1d1+1"]
NAMES = ["Zoë Ñúñez", "Nguyễn Thị Thu", "ليلى حسن", "张伟", "Ольга", "O'Brien", "Mary-Jane"]


def lines_safe(cell: str) -> bool:
    """No line of the cell, nor the cell itself, can start a formula."""
    if cell[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return False
    lines = cell.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return all(line.lstrip(" \u00a0")[:1] not in {"=", "+", "-", "@", "\t", "\uff1d"}
               for line in lines)


@pytest.mark.parametrize("text", ATTACKS)
def test_every_line_that_could_start_a_formula_is_quoted(text):
    escaped = safe_cell(text)
    assert lines_safe(escaped)
    assert escaped.replace("'", "") == text.replace("'", "")  # only quotes were added


@pytest.mark.parametrize("value", [3, -1, 2.5, -0.25, True, None, date(2025, 1, 2)])
def test_numbers_and_dates_stay_what_they_are(value):
    assert safe_cell(value) is value


@pytest.mark.parametrize("text", [*NAMES, "", "plain text", "a=b", "3-1"])
def test_harmless_text_is_unchanged(text):
    assert safe_cell(text) == text


def _table():
    return Table("Students", ["name", "attack", "count"],
                 [(NAMES[i % len(NAMES)], attack, -i) for i, attack in enumerate(ATTACKS)])


def test_csv_reads_back_as_text_with_names_and_numbers_intact():
    buffer = io.BytesIO()
    assert write_csv(_table(), buffer) == len(ATTACKS)
    raw = buffer.getvalue()
    assert raw.startswith(b"\xef\xbb\xbf")  # utf-8-sig: Excel reads the names
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", keep_default_na=False)
    for cell in frame["attack"]:
        assert lines_safe(cell)
    assert frame["attack"].tolist()[:4] == ["'" + a for a in ATTACKS[:4]]
    assert frame["count"].tolist() == [-i for i in range(len(ATTACKS))]
    assert set(frame["name"]) == set(NAMES)


def test_xlsx_reads_back_as_text_not_formulas(tmp_path):
    path = tmp_path / "t.xlsx"
    write_xlsx([_table(), Table("Ünïcode sheet/1", ["url"], [("http://example.org",)])], path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook["Students"]
    rows = list(sheet.iter_rows(min_row=2))
    for (name, attack, count), expected in zip(rows, ATTACKS, strict=True):
        assert attack.data_type == "s"  # a string, never "f" (formula)
        assert lines_safe(attack.value)
        value = attack.value.replace("_x000D_", "\r")  # how XlsxWriter stores a CR
        assert value.replace("'", "").replace("\r", "") == expected.replace("\r", "")
        assert count.data_type == "n"
        assert name.value in NAMES
    link = workbook.worksheets[1]["A2"]
    assert link.hyperlink is None
    assert link.value == "http://example.org"
    frame = pd.read_excel(path, sheet_name="Students")
    assert frame["count"].dtype.kind == "i"


_ALPHABET = st.sampled_from(["a", "Z", "1", " ", "\u00a0", "\u3000", "\n", "\r", "\t", "=", "+",
                             "-", "@", "'", "\uff1d", "\uff0b", "\uff0d", "\uff20", "ü"])


@settings(max_examples=400, deadline=None)
@given(st.text(_ALPHABET, max_size=12))
def test_any_text_comes_out_safe_with_only_quotes_added(text):
    escaped = safe_cell(text)
    assert lines_safe(escaped)
    assert escaped.replace("'", "") == text.replace("'", "")
    assert safe_cell(escaped) == escaped  # escaping twice changes nothing more

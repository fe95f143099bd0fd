"""Every export kind in every format, from a district whose free text is hostile.

Two worlds written through the real write paths (tests/security/hostile.py): one holding the
XSS payloads (they must come out exactly as typed), one holding the OWASP formula prefixes
and non-Latin names (formulas come out as text, names survive, numbers stay numbers).
"""

from __future__ import annotations

import io
import re
import zipfile

import networkx as nx
import openpyxl
import pandas as pd
import pytest
from sqlmodel import Session

from survey_app.exports import service
from tests.security import hostile
from tests.security.figures import FIGURES, add
from tests.security.payloads import FORMULAS, XSS

NON_LATIN = ["Nguyễn Thị Hà", "حسن علي", "王小明", "Ὀδυσσεύς", "Лёва", "ሰላም"]
FORMULA_TEXTS = [*FORMULAS, *NON_LATIN]
#: A text cell that a spreadsheet would run: a formula prefix after any leading whitespace.
DANGEROUS = re.compile(r"^\s*[=+\-@\t\r]")
EXPORTS = [(kind, fmt) for kind, (_t, _d, formats) in service.KINDS.items() for fmt in formats]


def _world(tmp_path_factory, texts, adult_texts):
    return hostile.build_on_file(tmp_path_factory.mktemp("exports"), texts, adult_texts)


@pytest.fixture(scope="module")
def xss_world(tmp_path_factory):
    app, engine, world = _world(tmp_path_factory, XSS, hostile.PWNED)
    yield app, engine, world
    engine.dispose()


@pytest.fixture(scope="module")
def formula_world(tmp_path_factory):
    app, engine, world = _world(tmp_path_factory, FORMULA_TEXTS, list(reversed(FORMULA_TEXTS)))
    yield app, engine, world
    engine.dispose()


def _export(app, engine, world, kind, fmt) -> bytes:
    req = service.ExportRequest(kind=kind, fmt=fmt, district_id=world.district_id,
                                school_ids=(world.school_id,))
    out = io.BytesIO()
    with app.test_request_context(), Session(engine) as session:
        service.write_export(session=session, req=req, out=out)
    return out.getvalue()


def _cells(data: bytes, kind: str, fmt: str) -> list[tuple[object, str]]:
    """(value, type) of every cell: type 'f' formula, 'n' number, 's' text."""
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data))
        return [(c.value, c.data_type) for sheet in book.worksheets for row in sheet.iter_rows()
                for c in row if c.value is not None]
    if fmt == "graphml":
        graph = nx.read_graphml(io.BytesIO(data))
        values = [v for _n, d in graph.nodes(data=True) for v in d.values()]
        values += [v for _u, _v, d in graph.edges(data=True) for v in d.values()]
        return [(v, "s" if isinstance(v, str) else "n") for v in values]
    members = ([data] if kind in service.SINGLE_TABLE else
               [zipfile.ZipFile(io.BytesIO(data)).read(n)
                for n in zipfile.ZipFile(io.BytesIO(data)).namelist()])
    cells = []
    for member in members:
        assert member.startswith(b"\xef\xbb\xbf"), "CSV without a BOM: Excel garbles names"
        frame = pd.read_csv(io.BytesIO(member), encoding="utf-8-sig", dtype=str,
                            keep_default_na=False)
        cells += [(v, "s") for v in frame.to_numpy().ravel() if v != ""]
        cells += [(v, "s") for v in frame.columns]
    return cells


@pytest.mark.parametrize(("kind", "fmt"), EXPORTS)
def test_xss_payloads_come_out_exactly_as_typed(xss_world, kind, fmt):
    cells = _cells(_export(*xss_world, kind, fmt), kind, fmt)
    assert not [v for v, t in cells if t == "f"]
    text = "\n".join(str(v) for v, _t in cells)
    if kind == "equity":  # groups and rates only: no free text reaches it
        assert not any(p in text for p in XSS)
        return
    shown = [p for p in XSS if p in text]
    assert len(shown) >= len(XSS) - 2, f"{kind}.{fmt}: only {len(shown)} payloads as typed"
    add("export cells holding an XSS payload, checked exact",
        sum(any(p in str(v) for p in XSS) for v, _t in cells))


@pytest.mark.parametrize(("kind", "fmt"), EXPORTS)
def test_formulas_come_out_as_text(formula_world, kind, fmt):
    cells = _cells(_export(*formula_world, kind, fmt), kind, fmt)
    formulas = [v for v, t in cells if t == "f"]
    assert not formulas, f"{kind}.{fmt}: formula cells {formulas[:5]}"
    text = "\n".join(str(v) for v, _t in cells)
    if fmt == "graphml":  # for network tools, not spreadsheets: text preserved exactly
        kept = [t for t in FORMULA_TEXTS if t in text]
        assert len(kept) >= len(FORMULA_TEXTS) - 2, f"graphml changed names: {kept}"
        return
    dangerous = [v for v, t in cells if isinstance(v, str) and t != "n"
                 and any(DANGEROUS.match(line) for line in v.splitlines() or [v])]
    assert not dangerous, f"{kind}.{fmt}: cells a spreadsheet would run: {dangerous[:5]}"
    escaped = [v for v, _t in cells if isinstance(v, str) and v.startswith("'")]
    if kind != "equity":
        assert escaped, f"{kind}.{fmt}: no formula text reached the export"
        assert all(name in text for name in NON_LATIN), f"{kind}.{fmt}: a name was lost"
    if fmt == "xlsx":
        assert any(t == "n" for _v, t in cells), f"{kind}.{fmt}: no number stayed a number"
    add("formula cells checked escaped (CSV/XLSX)", len(escaped))
    add("export cells checked for formulas", len(cells))
    FIGURES["export kind x format"] = len(EXPORTS)


#: Names with characters XML 1.0 forbids (C0 controls but tab/newline/CR, U+FFFE/U+FFFF;
#: NUL never gets in: the roster import and PostgreSQL refuse it).
CONTROL_TEXTS = ["Ana\x01Lu", "Bo\x08b", "Cy\x0bd", "Dee\x1b[31m", "Eve\ufffe", "Fay\x02e",
                 "Gil\x7fy", "Hal\x0cz"]


@pytest.fixture(scope="module")
def control_world(tmp_path_factory):
    app, engine, world = _world(tmp_path_factory, CONTROL_TEXTS, list(reversed(CONTROL_TEXTS)))
    yield app, engine, world
    engine.dispose()


@pytest.mark.parametrize(("kind", "fmt"), EXPORTS)
def test_control_characters_never_break_an_export(control_world, kind, fmt):
    """Issue 13: a control character in a name made the GraphML unreadable while the
    command printed "Wrote…". Every export is read back by its standard reader."""
    cells = _cells(_export(*control_world, kind, fmt), kind, fmt)  # raises if unreadable
    if fmt == "graphml":
        text = "\n".join(str(v) for v, _t in cells)
        assert "Ana\ufffdLu" in text or kind != "network"  # replaced, the rest kept
        assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", text)

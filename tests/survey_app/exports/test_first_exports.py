"""Every export kind and format works on a district that has students and nothing else yet:
no survey window, no ties, no staff, no answers (the first thing a new district does)."""

from __future__ import annotations

import io
import zipfile

import networkx as nx
import pandas as pd
import pytest

from tests.survey_app.imports.test_real_rosters import DATA

SAMPLE = DATA / "lepo-roster-hub" / "sample_csv_en"  # 20 students; no staff, families, grades
FORMATS = [("flagged", "csv"), ("flagged", "xlsx"), ("responses", "csv"), ("responses", "xlsx"),
           ("network", "csv"), ("network", "xlsx"), ("network", "graphml"), ("equity", "csv"),
           ("equity", "xlsx")]


@pytest.fixture
def imported(runner):
    result = runner.invoke(args=["import-roster", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    return runner


@pytest.mark.parametrize(("kind", "fmt"), FORMATS)
def test_every_export_works_before_the_first_wave(imported, tmp_path, kind, fmt):
    out = tmp_path / f"{kind}.{fmt}"
    result = imported.invoke(args=["export", kind, "--format", fmt, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    if fmt == "graphml":
        nx.read_graphml(out)  # well-formed XML
    elif fmt == "xlsx":
        pd.read_excel(out, sheet_name=None)
    if kind == "flagged":
        frame = (pd.read_csv(out, encoding="utf-8-sig") if fmt == "csv"
                 else pd.read_excel(out))
        assert len(frame) == 20
        assert (frame["Flag codes"] == "no_data").all()
        assert frame["Grade"].isna().all()


def test_network_csv_zip_opens(imported, tmp_path):
    out = tmp_path / "network.zip"
    result = imported.invoke(args=["export", "network", "--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    if zipfile.is_zipfile(out):
        with zipfile.ZipFile(out) as archive:
            for name in archive.namelist():
                pd.read_csv(io.BytesIO(archive.read(name)), encoding="utf-8-sig")

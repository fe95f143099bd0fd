"""One entry point for every export: which kinds and formats exist, and writing one.

The command line and the download buttons both call :func:`write_export` after
recording the export in the audit log. Files are written to a binary stream
row by row, so memory stays flat as the district grows.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import date
from typing import IO

from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from survey_app.db import read_first
from survey_app.exports import graphml
from survey_app.exports.csv import write_csv
from survey_app.exports.equity import equity_table
from survey_app.exports.flagged import flagged_table
from survey_app.exports.responses import responses_tables
from survey_app.exports.table import Table
from survey_app.exports.xlsx import write_xlsx
from survey_app.models import SurveyWave
from survey_app.reading import loader
from survey_app.services import audit, waves

__all__ = ["AGGREGATE", "FORMATS", "KINDS", "ExportRequest", "WaveRefused", "capability",
           "content_type", "export_wave", "filename", "record", "write_export"]

#: kind → (title, description, formats)
KINDS = {
    "flagged": (_l("Students to connect with"),
                _l("SIS id, name, school, grade, the reasons in words and follow-ups."),
                ("csv", "xlsx")),
    "equity": (_l("Equity report"),
               _l("Every measure by group, with small groups hidden as on the screen."),
               ("csv", "xlsx")),
    "responses": (_l("Survey answers"),
                  _l("Every current answer, with the adults each respondent named in a separate table."),
                  ("csv", "xlsx")),
    "network": (_l("Support network"),
                _l("Students, adults and the ties between them, for network research tools."),
                ("graphml", "csv", "xlsx")),
}
SINGLE_TABLE = ("flagged", "equity")
#: Kinds holding only suppressed aggregates (never a name or an id): analysts may take these.
AGGREGATE = ("equity",)
FORMATS = {"csv": ("text/csv", "csv"), "xlsx": (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "graphml": ("application/graphml+xml", "graphml"), "zip": ("application/zip", "zip")}


class ExportError(ValueError):
    """An export that does not exist in the asked format."""


class WaveRefused(ExportError):
    """The export's survey window is not one an export may read: ``reason`` is
    ``"draft"`` (not open yet: nothing to export), ``"purged"`` (its answers are gone) or
    ``"unknown"`` (no such window in the district)."""

    def __init__(self, reason: str, name: str | None = None) -> None:
        super().__init__(f"survey window {name or '?'} is {reason}: it cannot be exported"
                         if reason != "unknown" else "no such survey window in this district")
        self.reason = reason
        self.name = name


def export_wave(*, session: Session, req: ExportRequest,
                today: date | None = None) -> SurveyWave | None:
    """The survey window the export reads: the asked one, else the current one (None
    before any has opened). A draft window (not open yet) or a purged one (its answers
    deleted) is refused with :class:`WaveRefused`, before anything is audited or written."""
    if req.wave_id is not None:
        wave = session.get(SurveyWave, req.wave_id)
        if wave is None or wave.district_id != req.district_id:
            raise WaveRefused("unknown")
    elif req.kind == "responses":
        return None  # every window's answers: a purged window has none left
    else:
        ctx = loader.context(session=session, district_id=req.district_id,
                              today=req.today or today)
        wave = session.get(SurveyWave, ctx.wave_id) if ctx.wave_id is not None else None
        if wave is None:
            return None
    state = waves.state(wave, req.today or today)
    if state in (waves.WaveState.DRAFT, waves.WaveState.PURGED):
        raise WaveRefused(state.value, wave.name)
    return wave


@dataclass(frozen=True)
class ExportRequest:
    kind: str
    fmt: str
    district_id: int
    school_ids: tuple[int, ...]
    school_code: str | None = None
    deidentify: bool = False
    salt: str | None = None
    today: date | None = None
    all_waves: bool = False  # network: every wave, not only the current one
    #: The survey window read (None: the current one; responses: every window).
    wave_id: int | None = None

    def check(self) -> None:
        if self.kind not in KINDS or self.fmt not in KINDS[self.kind][2]:
            raise ExportError(f"{self.kind} cannot be exported as {self.fmt}")


def capability(kind: str) -> str:
    """The capability a download of ``kind`` needs; every kind not listed as aggregate
    counts as identifiable."""
    return "exports.aggregate" if kind in AGGREGATE else "exports.identifiable"


def _tables(session: Session, req: ExportRequest):
    today = req.today or date.today()
    if req.kind == "flagged":
        return [flagged_table(session=session, district_id=req.district_id,
                              school_ids=req.school_ids, today=today, wave_id=req.wave_id)]
    if req.kind == "equity":
        return [equity_table(session=session, district_id=req.district_id,
                             school_ids=req.school_ids, today=today, wave_id=req.wave_id)]
    if req.kind == "responses":
        return responses_tables(session=session, school_ids=req.school_ids, wave_id=req.wave_id)
    return graphml.network_graph(session=session, district_id=req.district_id,
                                 school_ids=req.school_ids, deidentify=req.deidentify,
                                 salt=req.salt, today=today, all_waves=req.all_waves,
                                 wave_id=req.wave_id)


def _packed(req: ExportRequest) -> str:
    """The file format actually written: several CSV tables travel in one ZIP."""
    return "zip" if req.fmt == "csv" and req.kind not in SINGLE_TABLE else req.fmt


def content_type(req: ExportRequest) -> str:
    return FORMATS[_packed(req)][0]


def filename(req: ExportRequest) -> str:
    day = (req.today or date.today()).isoformat()
    scope = req.school_code or "district"
    suffix = "-deidentified" if req.deidentify else ""
    return f"{req.kind}-{scope}-{day}{suffix}.{FORMATS[_packed(req)][1]}"


def record(*, session: Session, req: ExportRequest, staff_id: int | None,
           ip: str | None = None, outcome: str = "ok") -> None:
    """Audit the export before anything leaves the server (FERPA disclosures log); a
    file that could not be built is recorded with ``outcome="failed"``."""
    audit.record(session=session, staff_id=staff_id, action="export", target_type=req.kind,
                 target_id=req.school_code or "district",
                 school_id=req.school_ids[0] if len(req.school_ids) == 1 else None,
                 detail={"format": req.fmt, "schools": list(req.school_ids),
                         "deidentify": req.deidentify, "wave_id": req.wave_id},
                 ip=ip, outcome=outcome)


def write_export(*, session: Session, req: ExportRequest, out: IO[bytes]) -> None:
    """Write the export to ``out`` (a binary stream that supports ``write``).

    Read in a transaction that does not take SQLite's write lock (when none has
    begun yet: callers commit the audit record first), so survey answers are saved
    while a large export is written.
    """
    req.check()
    read_first(session)
    export_wave(session=session, req=req)  # purged meanwhile (a job): refused, not empty
    built = _tables(session, req)
    if req.kind == "network":
        if req.fmt == "graphml":
            graphml.write_graphml(built, out)
            return
        built = graphml.network_tables(built)
    if req.fmt == "xlsx":
        write_xlsx(built, out)
    elif req.kind in SINGLE_TABLE:
        write_csv(built[0], out)
    else:
        _zip_csvs(built, out)


def _zip_csvs(tables: list[Table], out: IO[bytes]) -> None:
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for table in tables:
            with archive.open(f"{table.name}.csv", "w", force_zip64=True) as member:
                write_csv(table, member)

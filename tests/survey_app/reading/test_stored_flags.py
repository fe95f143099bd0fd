"""Stored flags: an export reuses a school's flags until anything they are worked out from changes."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import event
from sqlmodel import select

from survey_app.db import FLAG_TABLES, FLAGS_VERSION, counter, holds_write_lock
from survey_app.exports import service
from survey_app.exports.flagged import flagged_table
from survey_app.models import (
    DistrictSettings,
    FlagSnapshot,
    FollowUp,
    StudentFlags,
    SupportTie,
)
from survey_app.reading import flag_tables, loader, stored_flags
from survey_app.reading.loader import Context
from survey_app.services import caseload, retention


def _csv(app, session, world) -> bytes:
    req = service.ExportRequest(kind="flagged", fmt="csv", district_id=world.district.id,
                                school_ids=(world.school.id,))
    out = io.BytesIO()
    with app.test_request_context():
        service.write_export(session=session, req=req, out=out)
    session.commit()
    return out.getvalue()


def _rows(app, session, world) -> tuple[list, list]:
    """The flagged export's rows, and the caseload's (always worked out afresh) as the export shows them."""
    today = date.today()
    with app.test_request_context():
        table = flagged_table(session=session, district_id=world.district.id,
                              school_ids=(world.school.id,), today=today)
        # Students with no data only: the caseload lists them on request (test_exports).
        exported = [(r[0], r[6], r[7], r[8], r[9]) for r in table.rows
                    if r[6] != "no_data" or r[10]]
        ctx = loader.context(session=session, district_id=world.district.id, today=today)
        rows = caseload.caseload_page(session=session, ctx=ctx, school_ids=(world.school.id,),
                                      filters=caseload.Filters(), today=today,
                                      per_page=10**6).rows  # every row
        expected = [(r.sis_id, "; ".join(r.codes), "\n".join(r.reasons), r.strengths,
                     None if r.codes == ["no_data"] else r.reliable) for r in rows]
    session.commit()
    return exported, expected


def _refuse_to_work_out(monkeypatch):
    def refuse(**_kwargs):
        raise AssertionError("the flags were worked out again")

    monkeypatch.setattr(flag_tables, "load_school", refuse)


def test_a_second_export_reads_the_stored_flags(app, session, surveyed, monkeypatch):
    first = _csv(app, session, surveyed)
    stored = session.get(FlagSnapshot, surveyed.school.id)
    assert stored is not None
    assert stored.data_version == counter(session, FLAGS_VERSION)
    students = session.exec(select(StudentFlags).where(
        StudentFlags.school_id == surveyed.school.id)).all()
    assert {s.student_id for s in students} == {s.id for s in surveyed.students}
    session.commit()
    _refuse_to_work_out(monkeypatch)
    assert _csv(app, session, surveyed) == first
    frame = pd.read_csv(io.BytesIO(first), encoding="utf-8-sig")
    assert frame["Reasons"].str.contains("Coach Zoë").any()  # names kept in the stored reasons


def test_a_change_to_what_the_flags_read_is_seen_by_the_next_export(app, session, surveyed):
    before, expected = _rows(app, session, surveyed)
    assert before == expected
    tie = session.exec(select(SupportTie).where(
        SupportTie.student_id == surveyed.students[0].id)).one()
    session.delete(tie)  # their one adult is gone
    session.commit()
    after, expected = _rows(app, session, surveyed)
    assert after == expected
    assert after != before


def test_new_flag_rules_are_applied_at_once(app, session, surveyed):
    before, _expected = _rows(app, session, surveyed)
    assert any("single_anchor" in row[1] for row in before)
    rules = {"enabled": sorted(loader.FlagRules().enabled - {"single_anchor"})}
    session.add(DistrictSettings(district_id=surveyed.district.id, flag_rules=rules))
    session.commit()
    after, expected = _rows(app, session, surveyed)
    assert after == expected
    assert not any("single_anchor" in row[1] for row in after)


def test_follow_ups_are_read_live_beside_stored_flags(app, session, surveyed, monkeypatch):
    before, _expected = _rows(app, session, surveyed)
    quiet = surveyed.students[2]
    assert quiet.sis_id not in [row[0] for row in before]
    session.add(FollowUp(student_id=quiet.id, owner_id=surveyed.users["counselor"].id,
                         note="call home"))
    session.commit()
    after, expected = _rows(app, session, surveyed)
    assert after == expected
    assert quiet.sis_id in [row[0] for row in after]
    _refuse_to_work_out(monkeypatch)  # a follow-up leaves the stored flags current
    assert _csv(app, session, surveyed)


def test_every_table_the_flags_read_moves_the_flags_version(app, session, surveyed):
    """A table read while working flags out but missing from FLAG_TABLES would leave stored
    flags current after a write to it: stale flags in every export."""
    seen: set[str] = set()

    def record(_conn, _cursor, statement, *_args):
        seen.update(re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', statement, re.IGNORECASE))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        with app.test_request_context():
            ctx = loader.context(session=session, district_id=surveyed.district.id)
            stored_flags._work_out(session, ctx, surveyed.school.id)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    session.rollback()
    assert {"support_tie", "student", "adult", "invitation"} <= seen  # it saw the queries
    assert seen - {"data_version"} <= FLAG_TABLES


def test_the_cli_export_reads_without_holding_the_write_lock(runner, session, surveyed,
                                                             tmp_path, monkeypatch):
    seen = []
    real = stored_flags.school_flags

    def spy(*, session, ctx, school_id):
        seen.append(holds_write_lock(session))
        return real(session=session, ctx=ctx, school_id=school_id)

    monkeypatch.setattr(stored_flags, "school_flags", spy)
    out = tmp_path / "flagged.csv"
    result = runner.invoke(args=["export", "flagged", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert seen
    assert not any(seen)
    assert session.get(FlagSnapshot, surveyed.school.id) is not None  # and it stored them


def test_refresh_flags_stores_each_school_then_finds_them_current(runner, session, surveyed,
                                                                  monkeypatch):
    result = runner.invoke(args=["refresh-flags"])
    assert result.exit_code == 0, result.output
    assert "stored: 2 school(s); already current: 0." in result.output
    assert session.get(FlagSnapshot, surveyed.school.id) is not None
    session.commit()
    _refuse_to_work_out(monkeypatch)
    result = runner.invoke(args=["refresh-flags", "--school", surveyed.school.code])
    assert result.exit_code == 0, result.output
    assert "stored: 0 school(s); already current: 1." in result.output


def test_purging_a_wave_forgets_the_stored_flags(app, session, surveyed):
    _csv(app, session, surveyed)
    assert session.exec(select(StudentFlags)).first() is not None
    session.commit()
    retention.purge_wave(session=session, district_id=surveyed.district.id,
                         ordinal=surveyed.wave.ordinal, force=True)
    session.commit()
    assert session.exec(select(StudentFlags)).first() is None
    assert session.exec(select(FlagSnapshot)).first() is None


@pytest.mark.parametrize("seed", ["1", "2"])
def test_the_snapshot_key_is_the_same_in_every_process(seed):
    """Sets print in a per-process order: a key built from ``repr`` would never match."""
    code = ("from survey_app.reading import loader, stored_flags; "
            "from relationships import FlagRules; "
            "print(stored_flags.snapshot_key(loader.Context(district_id=1, wave=2, wave_id=5, "
            "rules=FlagRules(), min_n=10)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONHASHSEED": seed}, check=True)
    here = stored_flags.snapshot_key(Context(district_id=1, wave=2, wave_id=5,
                                           rules=loader.FlagRules(), min_n=10))
    assert done.stdout.strip() == here


def test_each_packed_tie_field_holds_every_value_it_can_take():
    """A tie's categories travel as code + 1 in a few bits: a category added to loader.py
    that no longer fits would decode as another one."""
    from relationships.input_tables import COLUMNS, SUPPORT_TYPES

    fields = {"source": "ties", "setting": "ties", "kind": "adults", "role": "adults"}
    for name, table in fields.items():
        assert len(COLUMNS[table][name].categories) <= flag_tables._FIELD_MAX[name], name
    assert 1 << len(SUPPORT_TYPES) == flag_tables._FIELD_MAX["support"] + 1
    assert flag_tables._FIELD_MAX["reliability"] > 4  # 1–4, and one value for "not given"
    offsets = sorted(flag_tables._PACKED.items(), key=lambda kv: kv[1])
    for (name, start), (_next, end) in zip(offsets, offsets[1:], strict=False):
        assert flag_tables._FIELD_MAX[name] < 1 << (end - start), name  # no field overlaps
    last, start = offsets[-1]
    assert start + flag_tables._FIELD_MAX[last].bit_length() <= 63  # a signed BIGINT


def test_the_narrow_load_gives_the_ties_and_adults_of_the_counselor_pages_load(
        app, runner, session):
    """flag_tables packs each tie into integers; loader.py loads it column by column. On a
    demo district (staff picked and typed, merged adults, answers left out) they agree."""
    from relationships.input_tables import SUPPORT_TYPES
    from survey_app.models import District, School

    result = runner.invoke(args=["demo", "--students", "120", "--seed", "5"])
    assert result.exit_code == 0, result.output
    district = session.exec(select(District)).first()
    ctx = loader.context(session=session, district_id=district.id)
    waves = loader.waves_for_flags(ctx)
    tie_columns = ["tie_id", "student_id", "adult_id", "source", "wave", *SUPPORT_TYPES,
                   "reliability", "setting"]
    compared = staff_ties = 0
    waves_seen: set[int] = set()
    for school in session.exec(select(School)).all():
        narrow = flag_tables.load_school(session=session, ctx=ctx, school_id=school.id,
                                         waves=waves)
        full = loader.load_school_tables(session=session, ctx=ctx, school_ids=[school.id],
                                          waves=waves)
        ties = narrow.ties[tie_columns].sort_values("tie_id").reset_index(drop=True)
        expected = full.ties[tie_columns].sort_values("tie_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(ties, expected, check_dtype=False,
                                      check_categorical=False)
        keys = ["adult_id", "kind", "role", "staff_id"]
        named = narrow.adults.loc[narrow.adults["adult_id"].isin(ties["adult_id"]), keys]
        reference = full.adults.loc[full.adults["adult_id"].isin(ties["adult_id"]), keys]
        pd.testing.assert_frame_equal(
            named.astype(str).sort_values("adult_id").reset_index(drop=True),
            reference.astype(str).sort_values("adult_id").reset_index(drop=True))
        compared += len(ties)
        staff_ties += int(ties["adult_id"].isin(
            named.loc[named["staff_id"] != "<NA>", "adult_id"]).sum())
        waves_seen |= set(ties["wave"].tolist())
    session.rollback()
    assert compared > 100
    assert staff_ties > 0  # the staff id field was decoded, not only typed adults
    assert len(waves_seen) > 1  # and the wave field

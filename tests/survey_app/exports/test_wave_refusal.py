"""Exports refuse a survey window that has not opened (draft) or was purged: every kind and
format, on the web (a translated message, status 400, nothing audited, never a 500) and on
the command line (a clear error, non-zero exit, no file)."""

from __future__ import annotations

import io
from datetime import date, timedelta

import openpyxl
import pytest
from sqlmodel import select

from survey_app.models import AuditEvent, SurveyWave
from survey_app.models.base import utcnow
from survey_app.services import retention

EVERY = [("flagged", "csv"), ("flagged", "xlsx"), ("responses", "csv"), ("responses", "xlsx"),
         ("network", "csv"), ("network", "xlsx"), ("network", "graphml"), ("equity", "csv"),
         ("equity", "xlsx")]


@pytest.fixture
def windows(session, surveyed):
    """Fall (open, surveyed), Winter (purged), Spring (opens next month)."""
    district = surveyed.district.id
    winter = SurveyWave(district_id=district, ordinal=2, name="Winter",
                        opens_on=date.today() - timedelta(days=60),
                        closes_on=date.today() - timedelta(days=30))
    spring = SurveyWave(district_id=district, ordinal=3, name="Spring",
                        opens_on=date.today() + timedelta(days=30))
    session.add_all([winter, spring])
    session.commit()
    retention.purge_wave(session=session, district_id=district, ordinal=2, force=True)
    session.commit()
    assert session.get(SurveyWave, winter.id).purged_at is not None
    return {"fall": surveyed.wave, "winter": winter, "spring": spring}


def _exports(session) -> int:
    session.rollback()
    return len(session.exec(select(AuditEvent).where(AuditEvent.action == "export")).all())


@pytest.mark.parametrize(("kind", "fmt"), EVERY)
def test_cli_refuses_a_draft_or_purged_window(runner, session, windows, tmp_path, kind, fmt):
    for ordinal, words in ((3, "has not opened yet"), (2, "was purged"), (9, "no survey window 9")):
        out = tmp_path / f"{kind}-{ordinal}.{fmt}"
        result = runner.invoke(args=["export", kind, "--format", fmt, "--out", str(out),
                                     "--wave", str(ordinal)])
        assert result.exit_code != 0, result.output
        assert words in result.output
        assert "Traceback" not in result.output
        assert not out.exists()
    assert _exports(session) == 0
    out = tmp_path / f"{kind}.{fmt}"  # the open window is exported
    result = runner.invoke(args=["export", kind, "--format", fmt, "--out", str(out),
                                 "--wave", "1"])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0


def test_cli_refuses_when_the_current_window_is_purged(runner, session, surveyed, tmp_path):
    """With no --wave, the current window is exported: once purged, that is refused too
    (the responses export reads every window by default, and a purged one has none left)."""
    retention.purge_wave(session=session, district_id=surveyed.district.id, ordinal=1,
                         force=True)
    session.commit()
    for kind in ("flagged", "equity", "network"):
        result = runner.invoke(args=["export", kind, "--out", str(tmp_path / kind)])
        assert result.exit_code == 1, result.output
        assert "was purged" in result.output
    result = runner.invoke(args=["export", "responses", "--out", str(tmp_path / "r.zip")])
    assert result.exit_code == 0, result.output


def _post(client, kind, fmt, wave, lang="en"):
    return client.post(f"/exports/download?lang={lang}",
                       data={"kind": kind, f"{kind}-fmt": fmt, f"{kind}-school": "",
                             f"{kind}-wave": wave})


@pytest.mark.parametrize(("kind", "fmt"), EVERY)
def test_web_refuses_a_draft_or_purged_window(client, session, windows, login_as, kind, fmt):
    login_as(windows["fall"] and _admin(session))
    for wave, words in ((windows["spring"], "has not opened yet"),
                        (windows["winter"], "was purged")):
        response = _post(client, kind, fmt, str(wave.id))
        assert response.status_code == 400, response.status_code
        page = response.get_data(as_text=True)
        assert words in page
        assert wave.name in page
        assert 'aria-invalid="true"' in page  # on the window field, read out with its message
    for forged in ("999999", "abc", "-1", "1e3", "²"):
        response = _post(client, kind, fmt, forged)
        assert response.status_code == 400, (forged, response.status_code)
        assert "That survey window does not exist" in response.get_data(as_text=True)
    # None chosen: the current window, the latest that has opened, is Winter, purged; the
    # answers export then reads every window (a purged one has none left).
    response = _post(client, kind, fmt, "")
    if kind == "responses":
        assert response.status_code == 200
        response.close()
    else:
        assert response.status_code == 400
        assert "was purged" in response.get_data(as_text=True)
    assert _exports(session) == (kind == "responses")


def test_web_message_is_in_the_readers_language(client, session, windows, login_as):
    login_as(_admin(session))
    page = _post(client, "flagged", "csv", str(windows["winter"].id), lang="es")
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    assert "Winter" in text
    assert "was purged" not in text
    assert 'lang="es"' in text


def test_web_offers_only_open_and_closed_windows(client, session, windows, login_as):
    login_as(_admin(session))
    page = client.get("/exports/").get_data(as_text=True)
    assert f'<option selected value="{windows["fall"].id}">' in page
    assert f'value="{windows["winter"].id}"' not in page
    assert f'value="{windows["spring"].id}"' not in page


def test_web_exports_the_open_window(client, session, windows, login_as):
    login_as(_admin(session))
    response = _post(client, "flagged", "xlsx", str(windows["fall"].id))
    assert response.status_code == 200
    openpyxl.load_workbook(io.BytesIO(response.data))
    response.close()
    session.rollback()
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "export")).one()
    assert event.detail["wave_id"] == windows["fall"].id


def test_a_job_whose_window_was_purged_meanwhile_fails_cleanly(app, session, surveyed):
    """A large export runs later in the worker: a window purged in between is refused
    there, with a message, not written empty."""
    from survey_app.exports import service

    retention.purge_wave(session=session, district_id=surveyed.district.id, ordinal=1,
                         force=True)
    session.commit()
    req = service.ExportRequest(kind="flagged", fmt="csv", district_id=surveyed.district.id,
                                school_ids=(surveyed.school.id,), wave_id=surveyed.wave.id,
                                today=utcnow().date())
    with app.test_request_context(), pytest.raises(service.WaveRefused) as refused:
        service.write_export(session=session, req=req, out=io.BytesIO())
    assert refused.value.reason == "purged"


def _admin(session):
    from survey_app.models import StaffUser

    return session.exec(select(StaffUser).where(StaffUser.role == "district_admin")).first()

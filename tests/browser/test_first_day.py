"""A new district's first day in real Chromium, before a single answer exists.

Fresh install → ``init-district`` makes the district and its first admin → the
admin imports a real roster on the web page (checked first, then confirmed) →
adds a survey window → invitations are made → letters print → the flagged
export downloads, and every student in it is flagged ``no_data`` with its reason.
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import date, timedelta

import pandas as pd
import pytest

from tests.browser.conftest import PHONE, describe
from tests.survey_app.imports.test_real_rosters import DATA

pytestmark = pytest.mark.browser
SAMPLE = DATA / "lepo-roster-hub" / "sample_csv_en"  # 20 students, no grades, no families
PASSWORD = "first day password"


def _zip(tmp_path):
    path = tmp_path / "roster.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for csv in sorted(SAMPLE.glob("*.csv")):
            archive.write(csv, csv.name)
    return path


def test_first_day_from_fresh_install_to_flagged_export(app, runner, make_page, live_server,
                                                        axe_check, tmp_path, monkeypatch):
    monkeypatch.setenv("FIRST_PW", PASSWORD)
    made = runner.invoke(args=["init-district", "Riverside Unified", "--admin",
                               "admin@riverside.example", "--password-env", "FIRST_PW"])
    assert made.exit_code == 0, made.output
    page = make_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{live_server}/staff/login")
    page.fill("input[name=email]", "admin@riverside.example")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()

    page.goto(f"{live_server}/exports/roster")
    page.set_input_files("input[name=package]", str(_zip(tmp_path)))
    page.click("text=Check the file")
    page.wait_for_load_state()
    assert "/jobs/" in page.url  # the check is a job: a worker runs it
    ran = runner.invoke(args=["jobs", "work", "--burst"])
    assert ran.exit_code == 0, ran.output
    page.reload()
    assert page.locator("h2#report-title").inner_text() == "Check the changes before saving them"
    students = page.locator("tr", has=page.locator("th", has_text="Students")).first
    assert students.locator("td").nth(0).inner_text() == "20"  # new
    page.screenshot(path="/tmp/shots-12/first-day-check.png", full_page=True)
    assert not axe_check(page), describe(axe_check(page))
    page.set_viewport_size(PHONE)  # the check's page, differences and all, fits a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size({"width": 1280, "height": 800})
    page.click("text=Save these changes")
    page.wait_for_load_state()
    assert "/jobs/" in page.url  # the save is a job: a worker runs it
    ran = runner.invoke(args=["jobs", "work", "--burst"])
    assert ran.exit_code == 0, ran.output
    page.reload()
    assert page.locator("h2#report-title").inner_text() == "The roster is imported"

    page.goto(f"{live_server}/admin/settings")
    today = date.today()
    page.fill("input[name=name]", "Fall")
    page.fill("input[name=opens_on]", today.isoformat())
    page.fill("input[name=closes_on]", (today + timedelta(days=30)).isoformat())
    page.click("text=Add the window")
    page.wait_for_load_state()
    made = runner.invoke(args=["invitations", "create"])
    assert made.exit_code == 0, made.output
    assert "20 student invitations" in made.output  # unknown grades are invited

    page.goto(f"{live_server}/letters?kind=student")
    assert page.locator("article.letter").count() == 20

    page.goto(f"{live_server}/exports/")
    card = page.locator("form", has=page.locator("input[name=kind][value=flagged]"))
    with page.expect_download() as download:
        card.locator("button[type=submit]").click()
    path = tmp_path / "flagged.csv"
    shutil.copy(download.value.path(), path)
    frame = pd.read_csv(path, encoding="utf-8-sig")
    assert len(frame) == 20
    assert frame["sourcedId"].is_unique
    assert (frame["Flag codes"] == "no_data").all()
    assert frame["Reasons"].str.contains("No survey and no staff marks yet").all()
    assert frame["Grade"].isna().all()  # unknown, never kindergarten
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server}/exports/roster")
    page.screenshot(path="/tmp/shots-12/first-day-roster-phone.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not page.requests.outside(live_server)

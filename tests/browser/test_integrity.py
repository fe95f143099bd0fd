"""Survey integrity in a real Chromium at 390×844.

* A slow line (1.5 s of latency added on the way in: every survey post reaches the app
  1.5 s after Chromium sent it) and two taps on Next 0.4 s apart, on every page of both
  surveys: the app receives both posts, stores one save each, and no adult twice.
  (Chromium's own throttling, DevTools ``emulateNetworkConditions``, holds a request in
  the browser, so the second tap cancels the first before it leaves: the server never
  sees two. A real slow line has the first post on its way already.)
* Every respondent page: the smallest interactive target (links, buttons, fields, and
  each radio or checkbox with its label) is at least 44 × 44 CSS px.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlmodel import Session

from survey_app.db import get_engine
from survey_app.models import Adult, Answer, PageSubmission, SupportTie
from survey_app.services import invitations
from tests.browser.conftest import EVERY_ENGINE, FIGURES
from tests.conftest import TEST_CONFIG
from tests.factories import build_world, make_user

pytestmark = pytest.mark.browser
SECRET = TEST_CONFIG["SECRET_KEY"]
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))
LATENCY_MS = 1500
PHONE_HEIGHT = 844
#: The goal (issue 15): a grade-4 student naming three adults scrolls at most three screens
#: on every page. The adults page with three open blocks was 5.2 (8.6 before the blocks
#: got shorter); saved adults now fold to one line each.
SCREENS_AT_MOST = 3
TAP_GAP_S = 0.4

STUDENT = [("home", {"radio": ["home_internet-0", "home_quiet_place-0"],
                     "check": ["home_devices-0"]}),
           ("after_school", {"radio": ["home_adult_after_school-0", "home_transport-0",
                                       "home_caregiving-2"]}),
           ("adults", {"fill": {"adults-0-name": "Rosa"}, "select": {"adults-0-relation": "aunt_uncle"},
                       "radio": ["adults-0-reliability-0", "adults-0-lives_with-1"],
                       "check": ["adults-0-support-0"]}),
           ("school", {"radio": ["school_trusted_adult-0", "school_wants_mentor-0"]})]
FAMILY = [("contact", {"check": ["contact_channels-0"], "fill": {"contact_times": "evenings"},
                       "radio": ["contact_interpreter-1"]}),
          ("home", {"radio": ["home_internet-0", "home_adult_after_school-0"],
                    "check": ["home_devices-0"]}),
          ("adults", {"fill": {"adults-0-name": "Tío Pepe"},
                      "select": {"adults-0-relation": "aunt_uncle"},
                      "radio": ["adults-0-reliability-0"]}),
          ("school", {"radio": ["school_trusted_person-0"]}),
          ("help", {"check": ["help_requests-0"]})]


@pytest.fixture
def district(app):
    with Session(get_engine(app), expire_on_commit=False) as s:
        world = build_world(s)
        make_user(s, world.district, "staff", world.school, given_name="Ana",
                  family_name="Rivera")
        s.commit()

    def invite(kind="student", language="en"):
        with Session(get_engine(app), expire_on_commit=False) as s:
            inv = invitations._new_invitation(
                secret=SECRET, wave_id=world.wave.id, kind=kind, language=language,
                student_id=world.students[0].id if kind == "student" else None,
                household_id=world.students[0].household_id if kind == "family" else None)
            s.add(inv)
            s.commit()
            return invitations.access(inv, secret=SECRET, base_url="")

    def count(model):
        with Session(get_engine(app)) as s:
            return s.execute(select(func.count()).select_from(model)).scalar_one()

    world.invite, world.count = invite, count
    return world


def _slow_line(app) -> dict[str, int]:
    """Survey page posts reach the app ``LATENCY_MS`` after they were sent; count them."""
    posts: dict[str, int] = {}
    lock = threading.Lock()
    inner = app.wsgi_app

    def wsgi(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") == "POST" and path.startswith("/survey/"):
            environ["wsgi.input"] = _Buffered(environ)  # all of it sent before the wait
            time.sleep(LATENCY_MS / 1000)
            with lock:
                posts[path] = posts.get(path, 0) + 1
        return inner(environ, start_response)

    app.wsgi_app = wsgi
    return posts


class _Buffered:
    """The request body read at once (so the browser has finished sending it)."""

    def __init__(self, environ):
        import io

        length = int(environ.get("CONTENT_LENGTH") or 0)
        self._body = io.BytesIO(environ["wsgi.input"].read(length))

    def read(self, *args):
        return self._body.read(*args)

    def readline(self, *args):
        return self._body.readline(*args)

    def __iter__(self):
        return iter(self._body)


def _left(page, name: str, seconds: float = 30) -> None:
    """Wait until the page moved on from ``name`` or shows the soft-required reminder."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            if not page.url.split("?")[0].endswith(f"/{name}") or page.locator(
                    "#skipped").count():
                page.wait_for_load_state("load")
                return
        except Exception:  # noqa: BLE001 - the page is navigating; look again
            pass
        time.sleep(0.2)
    page.screenshot(path=str(SHOTS / f"stuck-{name}.png"), full_page=True)
    raise AssertionError(f"still on {name}")


def _fill(page, answers: dict) -> None:
    for field_id, text in answers.get("fill", {}).items():
        page.fill(f"#{field_id}", text)
    for field_id, value in answers.get("select", {}).items():
        page.select_option(f"#{field_id}", value)
    for field_id in answers.get("radio", []) + answers.get("check", []):
        page.locator(f"label[for='{field_id}']").click()


@EVERY_ENGINE  # two posts of one page race: each engine locks in its own way
@pytest.mark.parametrize(("kind", "steps"), [("student", STUDENT), ("family", FAMILY)])
def test_double_tap_on_a_slow_line_saves_each_page_once(app, live_server, page, district,
                                                        kind, steps):
    posts = _slow_line(app)
    access = district.invite(kind)
    page.goto(f"{live_server}/r/{access.token}")
    for name, answers in steps:
        page.wait_for_url(f"**/survey/{name}", timeout=30_000)
        _fill(page, answers)
        page.locator(".actions button.primary").scroll_into_view_if_needed()
        box = page.locator(".actions button.primary").bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.click(x, y)  # a tap on Next, and another 0.4 s later
        time.sleep(TAP_GAP_S)
        page.mouse.click(x, y)
        _left(page, name)
        if page.locator("#skipped").count():  # a soft-required reminder: go on
            page.locator(".actions button.primary").click()
    page.wait_for_url("**/survey/done", timeout=30_000)
    page.screenshot(path=str(SHOTS / f"double-tap-{kind}-done.png"))
    got = {p.rsplit("/", 1)[1]: n for p, n in posts.items()}
    assert all(got.get(name, 0) >= 2 for name, _a in steps), got  # both taps reached us
    assert district.count(PageSubmission) == len(steps)
    assert district.count(Adult) == 1
    with Session(get_engine(app)) as s:
        versions = s.execute(select(Answer.item_id, Answer.entry, func.count())
                             .group_by(Answer.item_id, Answer.entry)).all()
    assert [v for v in versions if v[2] != 1] == []  # every answer saved once
    assert district.count(SupportTie) == (1 if kind == "student" else len(
        [s for s in district.students if s.household_id == district.students[0].household_id]))
    FIGURES.append(f"double tap ({kind}): {len(steps)} pages, {sum(got.values())} posts "
                   f"received, {district.count(PageSubmission)} saves, 1 adult")


SMALLEST = """() => {
  // Listen buttons show only where the browser has a local voice: measure them anyway.
  document.querySelectorAll('button.listen[hidden]').forEach((b) => { b.hidden = false; });
  const seen = [];
  const visible = (el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    return r.width > 1 && r.height > 1 && s.visibility !== 'hidden' && !el.closest('[hidden]')
      && !el.closest('[aria-hidden=true]') && r.right > 0;
  };
  for (const el of document.querySelectorAll('a[href], button, input, select, textarea, summary')) {
    if (!visible(el) && !(el.matches('input[type=radio], input[type=checkbox]'))) continue;
    if (el.matches('input[type=hidden]')) continue;
    let box = el.getBoundingClientRect();
    if (el.matches('input[type=radio], input[type=checkbox]')) {
      const label = document.querySelector(`label[for="${el.id}"]`);
      if (!label || !visible(label)) continue;
      box = label.getBoundingClientRect();  // the label is the target (and the box in it)
    }
    const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' ' +
      (el.textContent || el.value || '').trim().slice(0, 30);
    seen.push([Math.min(box.width, box.height), name, Math.round(box.width), Math.round(box.height)]);
  }
  seen.sort((a, b) => a[0] - b[0]);
  return seen.slice(0, 5);
}"""


def _smallest(page, where: str, results: dict) -> None:
    page.wait_for_load_state("load")  # with its stylesheet
    found = page.evaluate(SMALLEST)
    results[where] = found[0] if found else None


def test_every_respondent_page_has_44px_targets(app, live_server, make_page, district):
    """In English with and without JavaScript, and in Chinese, whose short words make the
    narrowest links (the header's name of the app, 连心校园, was 42 px wide)."""
    results: dict[str, list] = {}
    for kind, steps in (("student", STUDENT), ("family", FAMILY)):
        for javascript, lang in ((True, "en"), (False, "en"), (True, "zh_Hans")):
            page = make_page(javascript=javascript)
            page.goto(f"{live_server}/?lang={lang}")
            _smallest(page, f"home {lang}", results)
            page.fill("#code", "WRONG-CODE-0000")
            page.locator("form button.primary").click()
            _smallest(page, f"home with an error {lang}", results)
            access = district.invite(kind)
            page.goto(f"{live_server}/r/{access.token}?lang={lang}")
            for name, answers in steps:
                page.wait_for_url(f"**/survey/{name}")
                _smallest(page, f"{kind} {name} {lang}", results)
                if name == "adults":
                    page.locator("button[value=add]").click()
                    page.wait_for_url("**/survey/adults**")
                    _smallest(page, f"{kind} {name}, two blocks", results)
                _fill(page, answers)
                page.locator(".actions button.primary").click()
                page.wait_for_load_state("load")
                if page.locator("#skipped").count():
                    _smallest(page, f"{kind} {name} reminder", results)
                    page.locator(".actions button.primary").click()
            page.wait_for_url("**/survey/done")
            _smallest(page, "done", results)
            page.locator("form[action$='/survey/leave'] button").click()
            _smallest(page, "left", results)
            page.goto(f"{live_server}/survey/home")
            _smallest(page, "lost", results)
    small = {where: r for where, r in results.items() if r and r[0] < 44}
    smallest = min((r for r in results.values() if r), key=lambda r: r[0])
    FIGURES.append(f"targets: {len(results)} respondent page states, smallest target "
                   f"{smallest[0]:.0f} px ({smallest[1]})")
    assert small == {}, small


def _adult(page, n: int, name: str) -> None:
    page.fill(f"#adults-{n}-name", name)
    page.select_option(f"#adults-{n}-relation", "aunt_uncle")
    for field in ("support-0", "support-3", "reliability-0", "lives_with-1"):
        page.locator(f"label[for='adults-{n}-{field}']").click()


def test_screens_a_grade_4_student_scrolls_naming_three_adults(app, live_server, page,
                                                               district):
    """Every page of the student survey for a grade-4 student naming three adults, measured
    as screens of 844 px (the page's full height / 844): the adults page at each step of
    naming them (one, two, three adults) and when the child comes back to it; at most 3."""
    with Session(get_engine(app), expire_on_commit=False) as s:
        student = s.get(type(district.students[0]), district.students[0].id)
        student.grade = 4
        s.add(student)
        s.commit()
    access = district.invite("student")
    page.goto(f"{live_server}/r/{access.token}")

    def measure(where: str) -> None:
        page.wait_for_load_state("load")
        height = page.evaluate("document.documentElement.scrollHeight")
        screens[where] = round(height / PHONE_HEIGHT, 2)
        page.screenshot(path=str(SHOTS / f"screens-grade4-{where.replace(' ', '-')}.png"),
                        full_page=True)

    screens: dict[str, float] = {}
    for name, answers in STUDENT:
        page.wait_for_url(f"**/survey/{name}")
        if name == "adults":
            for n, who in enumerate(("Rosa", "Coach Dee", "Grandpa Li")):
                if n:
                    page.locator("button[value=add]").click()
                    page.wait_for_url("**/survey/adults**")
                    # The saved adults are one line each; the new one is open.
                    assert page.locator("details.adult-folded").count() == n
                    assert page.locator("details.adult-folded[open]").count() == 0
                _adult(page, n, who)
                measure(f"adults ({n + 1} named)")
        else:
            _fill(page, answers)
            measure(name)
        page.locator(".actions button.primary").click()
        page.wait_for_load_state("load")
        if page.locator("#skipped").count():
            page.locator(".actions button.primary").click()
        if name == "school":
            break
        if name == "adults":  # back from the next page: the three adults, folded
            page.wait_for_url("**/survey/school")
            page.locator("button[value=back]").click()
            page.wait_for_url("**/survey/adults")
            assert page.locator("details.adult-folded").count() == 3
            measure("adults (back, three folded)")
            for box in page.locator("details.adult-folded > summary").all():
                size = box.bounding_box()
                assert min(size["width"], size["height"]) >= 44, size  # a tap target
            # Opening one shows its answers as given: nothing was lost by folding.
            page.locator("details.adult-folded > summary").nth(1).click()
            assert page.locator("#adults-1-name").input_value() == "Coach Dee"
            assert page.locator("#adults-1-reliability-0").is_checked()
            page.locator(".actions button.primary").click()
    page.wait_for_url("**/survey/done")
    with Session(get_engine(app)) as s:
        assert s.execute(select(func.count()).select_from(Adult)).scalar_one() == 3
        kept = s.execute(select(Answer.value).where(Answer.item_id == "adults",
                                                     Answer.current)).scalars().all()
    # Folded blocks are sent back with the page: every adult keeps all of its answers.
    assert sorted(v["name"] for v in kept) == ["Coach Dee", "Grandpa Li", "Rosa"]
    assert all(v["reliability"] and v["lives_with"] is False and len(v["support"]) == 2
               and v["relation"] == "aunt_uncle" for v in kept), kept
    FIGURES.append(f"screens at 390x844, grade 4, three adults: {screens}")
    assert max(screens.values()) <= SCREENS_AT_MOST, screens

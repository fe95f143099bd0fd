"""A small school with a story: students with and without adults, a family typing markup."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.survey_app.counsel import builders as b

XSS_NAMES = ("<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>")


@dataclass
class Story:
    world: object
    flagged: object  # one reliable adult at home (a family-typed name with markup), no school adult
    connected: object  # four reliable adults, one of them at school
    silent: object  # no survey, no marks
    adults: dict = field(default_factory=dict)


@pytest.fixture
def story(session, world) -> Story:
    """Three students of ``world.school`` with surveys, ties and marks."""
    w = world
    flagged, connected, silent = w.students
    teacher = w.users["staff"]
    silent.household_id = None  # a household of its own, which has not answered
    session.add(silent)
    nana = b.make_adult(session, w.district.id, name=XSS_NAMES[0], household_id=flagged.household_id)
    uncle = b.make_adult(session, w.district.id, name=XSS_NAMES[1], role="aunt_uncle")
    coach = b.make_adult(session, w.district.id, name="Coach Rivera", kind="community", role="coach")
    friend = b.make_adult(session, w.district.id, name="Mrs Okafor", kind="community",
                          role="family_friend")
    staff_adult = b.make_adult(session, w.district.id, staff=teacher, role="teacher")
    r1 = b.invite(session, w.wave, student=flagged)
    b.answer(session, r1, "home.internet", "phone_only")
    b.answer(session, r1, "home.devices", ["phone"])
    fam = b.invite(session, w.wave, household_id=flagged.household_id)
    b.answer(session, fam, "home.internet", "works_well")
    b.answer(session, fam, "home.quiet_place", "no")
    b.tie(session, flagged, nana, w.wave, response=r1, emotional=True, lives_with=True)
    b.tie(session, flagged, uncle, w.wave, source="family_survey", reliability=2,
          setting="family_elsewhere", response=fam)
    b.tie(session, flagged, staff_adult, w.wave, reliability=2, setting="school", response=r1)
    r2 = b.invite(session, w.wave, student=connected)
    for a, setting in ((nana, "home"), (coach, "community"), (friend, "community"),
                       (staff_adult, "school")):
        b.tie(session, connected, a, w.wave, setting=setting, response=r2, emotional=True,
              practical=True, future=True)
    b.mark(session, teacher, connected, w.wave, trusting=True)
    b.mark(session, teacher, flagged, w.wave, willing_mentor=True)
    session.commit()
    return Story(world=w, flagged=flagged, connected=connected, silent=silent,
                 adults={"nana": nana, "uncle": uncle, "coach": coach, "friend": friend,
                         "teacher": staff_adult})

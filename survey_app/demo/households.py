"""The family survey (one per household), help requests, engagement contacts and
context measures of the demo district."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from survey_app.demo import catalog as C
from survey_app.demo import networks as N
from survey_app.demo.shared import (
    DEVICES,
    LOST,
    NORMAL,
    ZERO,
    Ctx,
    answers,
    dumps_codes,
    emit_entries,
    pick,
    single,
)


def _masks_json(codes_: tuple, masks: np.ndarray) -> np.ndarray:
    table = np.array([N.json.dumps([c for b, c in enumerate(codes_) if m >> b & 1])
                      for m in range(1 << len(codes_))], dtype=object)
    return table[masks]


def _bits(rng, p: tuple, m: int) -> np.ndarray:
    return (rng.random((m, len(p))) < np.asarray(p)) @ (1 << np.arange(len(p)))


def familyanswers(ctx: Ctx, wave: int, resp: pd.DataFrame) -> None:
    rng, r = ctx.rng, ctx.roster
    hh = resp.who.to_numpy()
    m = len(resp)
    lang = r.hh_language[hh]
    answers(ctx, resp, "contact.language", dumps_codes(lang))
    channels = _bits(rng, (0.7, 0.5, 0.35, 0.2, 0.1), m)
    answers(ctx, resp, "contact.channels", _masks_json(C.CHANNELS, np.maximum(channels, 1)))
    times = np.asarray(C.CONTACT_TIMES, dtype=object)[rng.integers(len(C.CONTACT_TIMES), size=m)]
    answers(ctx, resp, "contact.times", dumps_codes(times))
    interp = np.where((lang != "en") & (rng.random(m) < 0.6), "yes", "no")
    answers(ctx, resp, "contact.interpreter", dumps_codes(interp))
    latent = ctx.home["internet"][hh]
    internet = single(ctx, latent, C.INTERNET, C.INTERNET_P, noise=0.05)
    internet[(latent >= 1) & (rng.random(m) < 0.3)] = '"need_help"'
    answers(ctx, resp, "home.internet", internet)
    answers(ctx, resp, "home.devices", DEVICES[ctx.home["devices"][hh]])
    answers(ctx, resp, "home.adult_after_school",
             single(ctx, ctx.home["after"][hh], C.AFTER_SCHOOL, C.AFTER_SCHOOL_P))
    work = _bits(rng, (0.7, 0.25, 0.1, 0.15), m)
    answers(ctx, resp, "home.work_hours", _masks_json(C.WORK_HOURS, np.maximum(work, 1)))
    transport = np.asarray(("walk", "bus", "car", "other", "other"))[ctx.home["transport"][hh]]
    answers(ctx, resp, "home.transport", dumps_codes(transport))
    help_ = np.asarray(("yes", "sometimes", "no"))[pick(rng, (0.5, 0.3, 0.2), m)]
    answers(ctx, resp, "home.homework_help", dumps_codes(help_))
    answers(ctx, resp, "home.homework_language",
             dumps_codes(np.where(rng.random(m) < 0.5, lang, "en")))
    _family_adults(ctx, wave, resp)
    pickup = np.asarray(("Grandma", "My sister", "Aunt", "Neighbour", "Uncle", "Godmother"),
                        dtype=object)[rng.integers(6, size=m)]
    answers(ctx, resp, "family.emergency_pickup", dumps_codes(pickup))
    for item, options, p in (("school.trusted_person", ("yes", "no", "not_sure"), (.6, .2, .2)),
                             ("school.asked_strengths", ("yes", "no"), (0.4, 0.6)),
                             ("school.good_news", ("never", "once", "several"), (.3, .35, .35))):
        answers(ctx, resp, item, dumps_codes(np.asarray(options)[pick(rng, p, m)]))
    _help_requests(ctx, resp)


def _household_children(r) -> tuple[np.ndarray, np.ndarray]:
    """Students are stored household by household: first index and count per household."""
    n_hh = len(r.hh_language)
    start = np.searchsorted(r.household, np.arange(n_hh))
    return start, np.bincount(r.household, minlength=n_hh)


FAMILY_SLOTS = 8


def family_network(ctx: Ctx) -> dict:
    """Each household's adults, drawn once (both waves report them, a few changed)."""
    rng, r = ctx.rng, ctx.roster
    n_hh = len(r.hh_language)
    hh_start, _hh_count = _household_children(r)
    fall = np.where(rng.random(n_hh) < 0.02, 0,
                    np.minimum(1 + rng.poisson(C.FAMILY_ADULTS_MEAN, n_hh), FAMILY_SLOTS))
    spring = np.clip(fall + pick(rng, C.SPRING_CHANGE_P, n_hh) - 1, 0, FAMILY_SLOTS)
    spring[fall == 0] = 0
    owner = np.repeat(np.arange(n_hh), FAMILY_SLOTS)
    entry = np.tile(np.arange(FAMILY_SLOTS), n_hh)
    relation = N.draw_relations(rng, entry, C.FIRST_RELATION_P, C.FAMILY_RELATION_P)
    school = r.school[hh_start]
    e = N.Entries(owner, entry, np.full(len(owner), -1), owner, school[owner], relation,
                  None, None)
    staff = N.pick_staff(rng, e, r, ctx.teacher_of)  # may turn a relation into "mentor"
    details = N.draw_details(rng, e.relation)
    return {"counts": {1: fall, 2: spring}, "relation": e.relation, "staff": staff,
            "details": details,
            "reliability": {1: details["reliability"],
                            2: N.drift(rng, details["reliability"], C.RELIABILITY_DRIFT_P)}}


def _family_adults(ctx: Ctx, wave: int, resp: pd.DataFrame) -> None:
    rng, r, net = ctx.rng, ctx.roster, ctx.family_net
    hh = resp.who.to_numpy()
    hh_start, hh_count = _household_children(r)
    # Isolated (zero/single) students and opted-out ones are never on a family's list.
    eligible = (r.consent != 2) & np.isin(ctx.profile, (NORMAL, LOST))
    has_child = np.add.reduceat(eligible, hh_start[hh]) > 0 if len(hh) else np.zeros(0, bool)
    counts = np.where(has_child & (hh_count[hh] > 0), net["counts"][wave][hh], 0)
    owner, entry = N.entry_positions(counts)
    h = hh[owner]
    flat = h * FAMILY_SLOTS + entry
    details = {key: value[flat] for key, value in net["details"].items()}
    details["reliability"] = net["reliability"][wave][flat]
    e = N.Entries(resp.response_id.to_numpy()[owner], entry, np.full(len(owner), -1), h,
                  r.school[hh_start[h]], net["relation"][flat],
                  resp.language.to_numpy()[owner], resp.day.to_numpy()[owner])
    d = N.entry_rows(rng, e, net["staff"][flat], ctx.staff_adult, ctx.next_adult,
                     details=details)
    # (entry, child) pairs: each adult helps every eligible child, or some of them (the
    # same ones in every wave: a fixed hash of household, entry and child).
    per = hh_count[h]
    pair_entry = np.repeat(np.arange(len(owner)), per)
    offset = np.arange(len(pair_entry)) - np.repeat(np.cumsum(per) - per, per)
    child = hh_start[h][pair_entry] + offset
    ok = eligible[child]
    spread = (child * 7919 + entry[pair_entry] * 104729) % 100
    chosen = ok & (spread < 80)
    firsts = np.flatnonzero(ok)[np.unique(pair_entry[ok], return_index=True)[1]]
    lacking = np.bincount(pair_entry[chosen], minlength=len(owner)) == 0
    chosen[firsts[lacking[pair_entry[firsts]]]] = True
    rows, kids = pair_entry[chosen], child[chosen]
    splits = np.split(kids + 1, np.cumsum(np.bincount(rows, minlength=len(owner)))[:-1])
    emit_entries(ctx, e, d, N.entry_json(d, e.relation, [s.tolist() for s in splits]))
    ctx.add("support_tie", N.tie_frame(d, kids, rows, e, wave, "family_survey"))


def _counselor_for(ctx: Ctx, students: np.ndarray) -> np.ndarray:
    r, rng = ctx.roster, ctx.rng
    out = np.zeros(len(students), dtype=np.int64)
    for s in (0, 1):
        where = np.flatnonzero(r.school[students] == s)
        pool = np.flatnonzero((r.staff_kind == "counselor") & (r.staff_school == s))
        out[where] = pool[rng.integers(len(pool), size=len(where))] + 1
    return out


def _help_requests(ctx: Ctx, resp: pd.DataFrame) -> None:
    """help.requests; each request becomes a follow-up per child in the counselor's queue."""
    rng, r, m = ctx.rng, ctx.roster, len(resp)
    asks = _bits(rng, (0.3, 0.3, 0.25, 0.15, 0.35, 0.2, 0.08), m) * (rng.random(m) < 0.12)
    answers(ctx, resp, "help.requests", _masks_json(C.HELP_TYPES, asks))
    answers(ctx, resp, "help.other", np.full(m, '"A winter coat"', dtype=object),
             mask=(asks & 64) > 0)
    hh_start, hh_count = _household_children(r)
    rows, kinds = np.nonzero((asks[:, None] >> np.arange(7)) & 1)
    hh = resp.who.to_numpy()[rows]
    per = hh_count[hh]
    row = np.repeat(np.arange(len(rows)), per)
    child = hh_start[hh][row] + np.arange(len(row)) - np.repeat(np.cumsum(per) - per, per)
    keep = r.consent[child] != 2
    row, child = row[keep], child[keep]
    day = resp.day.to_numpy()[rows][row]
    done = (day < np.datetime64(ctx.today - timedelta(60))) & (rng.random(len(row)) < 0.8)
    ctx.add("follow_up", pd.DataFrame({
        "student_id": child + 1, "kind": "help_request", "help_type":
        np.asarray(C.HELP_TYPES, dtype=object)[kinds[row]],
        "response_id": resp.response_id.to_numpy()[rows][row],
        "owner_id": _counselor_for(ctx, child), "due_on": (day + 14).tolist(),
        "status": np.where(done, "done", "open").astype(object)}))


def followups_for_flags(ctx: Ctx) -> None:
    """A few open follow-ups on students with no adults, some already overdue."""
    rng = ctx.rng
    students = np.flatnonzero(ctx.profile == ZERO)
    students = students[rng.random(len(students)) < 0.5]
    due = np.datetime64(ctx.today) + rng.integers(-10, 21, len(students))
    ctx.add("follow_up", pd.DataFrame({
        "student_id": students + 1, "kind": "flag", "flag_code": "no_reliable_adult",
        "owner_id": _counselor_for(ctx, students), "due_on": due.tolist(),
        "note": "Check in this week; ask about a mentor.", "status": "open"}))


def engagement(ctx: Ctx) -> None:
    """Contacts with about a third of households, logged by their children's teachers."""
    rng, r = ctx.rng, ctx.roster
    hh_start, _count = _household_children(r)
    n_hh = len(r.hh_language)
    contacts = np.where(rng.random(n_hh) < 0.35, rng.integers(1, 4, n_hh), 0)
    hh = np.repeat(np.arange(n_hh), contacts)
    first = hh_start[hh]
    school = r.school[first]
    staff = np.zeros(len(hh), dtype=np.int64)
    for s in (0, 1):
        where = np.flatnonzero(school == s)
        pool = np.flatnonzero(np.isin(r.staff_kind, ("teacher", "counselor"))
                              & (r.staff_school == s))
        staff[where] = pool[rng.integers(len(pool), size=len(where))] + 1
    m = len(hh)
    ctx.add("engagement", pd.DataFrame({
        "household_id": hh + 1, "school_id": school + 1, "staff_id": staff,
        "contacted_on": (np.datetime64(ctx.today) - rng.integers(1, 170, m)).tolist(),
        "channel": np.asarray(("call", "text", "email", "home_visit", "conference", "event"),
                              dtype=object)[pick(rng, (.3, .3, .1, .05, .15, .1), m)],
        "started_by": np.where(rng.random(m) < 0.7, "school", "family").astype(object),
        "positive": rng.random(m) < 0.55, "concern": rng.random(m) < 0.25,
        "two_way": rng.random(m) < 0.6}))


def context(ctx: Ctx) -> None:
    """Fall-term attendance, assignment completion and grade average for most students."""
    rng, r = ctx.rng, ctx.roster
    students = np.flatnonzero(rng.random(len(r.grade)) < 0.93)
    m = len(students)
    attendance = rng.beta(18, 1.4, m) - 0.03 * ctx.profile[students].clip(0, 1)
    ctx.add("context_measure", pd.DataFrame({
        "student_id": students + 1, "term": "Fall term",
        "attendance_rate": attendance.clip(0.3, 1).round(3),
        "assignment_completion": rng.beta(8, 2, m).round(3),
        "grade_average": rng.normal(2.9, 0.6, m).clip(0, 4).round(2)}))


def classroom_families(ctx: Ctx) -> None:
    """Teachers' side of family engagement, so a teacher's classroom view is full: most
    contacts are logged by one of the first child's own teachers, and teachers answer "Do I
    have a trusting relationship with this family?" (spring wave) for about 60 % of their
    students' families — mostly "yes" where a two-way, positive contact happened.

    Runs last: its draws move no other demo table."""
    rng, r = ctx.rng, ctx.roster
    start, count = ctx.teacher_of
    frame = pd.concat(ctx.out["engagement"], ignore_index=True)
    first = _household_children(r)[0][frame["household_id"].to_numpy() - 1]
    own = (count[first] > 0) & (rng.random(len(frame)) < 0.85)
    pick_ = start[first] + (rng.random(len(frame)) * np.maximum(count[first], 1)).astype(int)
    staff = frame["staff_id"].to_numpy().copy()
    staff[own] = r.pair_staff[pick_[own]] + 1
    ctx.out["engagement"] = [frame.assign(staff_id=staff)]
    warm = set(zip(staff[frame["two_way"] & frame["positive"]],
                   frame.loc[frame["two_way"] & frame["positive"], "household_id"], strict=True))
    pairs = pd.DataFrame({"staff_id": r.pair_staff + 1,
                          "household_id": r.household[r.pair_student] + 1}).drop_duplicates()
    pairs = pairs.loc[rng.random(len(pairs)) < 0.6]
    contacted = np.array([k in warm for k in zip(pairs["staff_id"], pairs["household_id"],
                                                 strict=True)], dtype=bool)
    trust = np.asarray(("yes", "not_yet", "dont_know"), dtype=object)[
        np.where(contacted, pick(rng, (.85, .1, .05), len(pairs)),
                 pick(rng, (.35, .45, .2), len(pairs)))]
    ctx.add("family_trust_mark", pairs.assign(wave_id=2, trust=trust,
                                              updated_at=pd.Timestamp(ctx.today, tz="UTC")))

"""Two survey waves: invitations with derived codes, responses, answers (ITEMS.md), adults,
support ties, staff marks and help-request follow-ups; then engagement and context data.

Student profiles make every flag of SURVEYS.md occur: *zero* names no adult (and has no
other source), *single* names exactly one, *lost* names fewer adults in spring.

Each student's and each family's adults are drawn once (a latent network) and both waves
report them, so that the spring survey differs from the fall one the way a real one does
(a few adults more or fewer, a few more or less sure), not by chance. School adults are
latent too: about two thirds of students have one or two staff members they count on; the
student names them and the staff member ✓s the student, mostly both.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import numpy as np
import pandas as pd

from survey_app import surveys as definitions
from survey_app.demo import catalog, households, networks
from survey_app.demo.shared import (
    DEVICES,
    LOST,
    NORMAL,
    SINGLE,
    ZERO,
    Ctx,
    answers,
    dumps_codes,
    emit_entries,
    maybe,
    pick,
    single,
)
from survey_app.services import codes

SLOTS = 10  # adults outside school a student can list (the survey allows 10)
SCHOOL_SLOTS = 2  # latent school adults per student


def add_surveys(rng, tables: dict, roster, *, secret: str, today: date,
                progress: Callable[[str], None]) -> None:
    n, n_hh = len(roster.grade), len(roster.hh_language)
    profile = np.where(roster.grade >= 3, pick(rng, catalog.PROFILE_P, n), NORMAL)
    # How connected a student is (0-1): more adults outside school and likelier a school
    # adult (needs cluster: a student short of one kind of support is often short of others).
    social = rng.random(n)
    base = np.minimum(1 + rng.poisson(np.asarray(catalog.OUTSIDE_ADULTS_MEAN)[roster.school]
                                      * (0.7 + 0.6 * social)), SLOTS)
    step = pick(rng, catalog.SPRING_CHANGE_P, n) - 1  # -1, 0, +1 adults in spring
    k_fall = np.select([profile == ZERO, profile == SINGLE, profile == LOST],
                       [0, 1, np.minimum(np.maximum(base, 3) + 1, SLOTS)], base)
    k_spring = np.select([profile == ZERO, profile == SINGLE, profile == LOST],
                         [0, 1, np.maximum(k_fall - 3, 0)], np.clip(base + step, 1, SLOTS))
    start = np.searchsorted(roster.pair_student, np.arange(n))
    count = np.searchsorted(roster.pair_student, np.arange(n), side="right") - start
    ctx = Ctx(rng, roster, secret, today, profile, k_fall, k_spring,
              rng.random(n_hh) < catalog.UNREACHED_P, _home_latent(rng, n_hh), None,
              (start, count), 1)
    ctx.staff_adult = _staff_adults(ctx)
    ctx.net = _student_network(ctx, social)
    ctx.family_net = households.family_network(ctx)
    ctx.engaged = _engagement_latent(ctx)
    for wave in (1, 2):
        progress(f"wave {wave}")
        _wave(ctx, wave)
    progress("follow-ups")
    households.followups_for_flags(ctx)
    households.engagement(ctx)
    households.context(ctx)
    households.classroom_families(ctx)
    for table, frames in ctx.out.items():
        tables[table] = pd.concat(frames, ignore_index=True)


def _engagement_latent(ctx: Ctx) -> dict:
    """Who answers the surveys and who does the staff mapping, wave by wave (mostly the
    same people in both waves)."""
    rng, r = ctx.rng, ctx.roster
    n, n_hh, n_staff = len(r.grade), len(r.hh_language), len(r.staff_kind)
    first_school = r.school[np.searchsorted(r.household, np.arange(n_hh))]
    out = {}
    for key, size, (p_engaged, p_fall, p_again, p_late) in (
            ("student", n, catalog.STUDENT_RESPONSE_P),
            ("family", n_hh, catalog.FAMILY_RESPONSE_P),
            ("maps", n_staff, catalog.STAFF_MAPS_P)):
        if key == "family":
            p_engaged = np.where(first_school == 0, *p_engaged)
        engaged = rng.random(size) < p_engaged
        fall = engaged & (rng.random(size) < p_fall)
        spring = np.where(fall, rng.random(size) < p_again,
                          engaged & (rng.random(size) < p_late))
        out[key] = (fall, spring)
    return out


def _school_adults(ctx: Ctx, social: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per student, up to two staff members (index, -1 for none) and whether the tie is real.

    Students with a tie count on their own teacher most often, else a coach, counselor or
    another school adult. Some students without one name a teacher they are not sure of.
    """
    rng, r = ctx.rng, ctx.roster
    n = len(r.grade)
    start, count = ctx.teacher_of
    title = r.staff_title
    pools = {"counselor": r.staff_kind == "counselor",
             "coach": (r.staff_kind == "other") & (title == "Coach"),
             "other": (r.staff_kind == "other") & (title != "Coach")}
    connected = np.isin(ctx.profile, (NORMAL, LOST)) & (
        rng.random(n) < np.asarray(catalog.SCHOOL_TIE_P)[r.school] * (0.8 + 0.4 * social))
    second = connected & (rng.random(n) < np.asarray(catalog.SECOND_SCHOOL_ADULT_P)[r.school])
    weak = ~connected & np.isin(ctx.profile, (NORMAL, LOST)) & (rng.random(n) < catalog.WEAK_TIE_P)
    staff = np.full((n, SCHOOL_SLOTS), -1)
    for slot, who, kinds_p in ((0, connected, catalog.FIRST_SCHOOL_ADULT_P),
                               (1, second, catalog.OTHER_SCHOOL_ADULT_P),
                               (0, weak, None)):
        kind = (np.zeros(n, dtype=np.int64) if kinds_p is None else
                np.take_along_axis(np.stack([pick(rng, p, n) for p in kinds_p]),
                                   r.school[None, :], axis=0)[0])
        own = who & (kind == 0) & (count > 0)
        pick_own = start + (rng.random(n) * count).astype(np.int64)
        staff[own, slot] = r.pair_staff[pick_own[own]]
        for k, pool_name in enumerate(("counselor", "coach", "other"), start=1):
            for s in (0, 1):
                where = np.flatnonzero(who & (kind == k) & (r.school == s))
                pool = np.flatnonzero(pools[pool_name] & (r.staff_school == s))
                if len(where) and len(pool):
                    staff[where, slot] = pool[rng.integers(len(pool), size=len(where))]
    staff[staff[:, 1] == staff[:, 0], 1] = -1
    return staff, connected[:, None] & (staff >= 0)


def _student_network(ctx: Ctx, social: np.ndarray) -> dict:
    """Every student's adults, drawn once: ``SLOTS`` outside school, then the school ones.

    Returns (n, width) arrays (relation, staff, real school tie, reliability per wave) and
    flattened per-slot details; a wave reports the first ``k`` outside slots and the school
    slots the student names.
    """
    rng, r = ctx.rng, ctx.roster
    n = len(r.grade)
    width = SLOTS + SCHOOL_SLOTS
    relation = np.empty((n, width), dtype=np.int64)
    relation[:, 0] = pick(rng, catalog.FIRST_RELATION_P, n)
    relation[:, 1:SLOTS] = pick(rng, catalog.OTHER_RELATION_P, n * (SLOTS - 1)).reshape(n, -1)
    relation[ctx.profile == SINGLE, 0] = networks.REL["parent_guardian"]
    school_staff, real = _school_adults(ctx, social)
    role = np.where(r.staff_kind == "teacher", "teacher", np.where(
        r.staff_kind == "counselor", "counselor",
        np.where(r.staff_title == "Coach", "coach", "school_staff")))
    staff_rel = np.array([networks.REL[x] for x in role.tolist()] + [networks.REL["teacher"]])
    relation[:, SLOTS:] = staff_rel[school_staff]
    staff = np.full((n, width), -1)
    staff[:, SLOTS:] = school_staff
    details = networks.draw_details(rng, relation.ravel())
    reliability = details["reliability"].reshape(n, width)
    reliability[ctx.profile == SINGLE, 0] = 4
    reliability[:, SLOTS:] = np.where(
        real, 4 - pick(rng, catalog.SCHOOL_RELIABILITY_P, n * SCHOOL_SLOTS).reshape(n, -1),
        1 + rng.integers(0, 2, (n, SCHOOL_SLOTS)))
    # The future: high-school students talk about it with more of their adults.
    future = catalog.SUPPORTS.index("future")
    high = np.repeat(r.school == 1, width)
    details["supports"][:, future] |= high & (rng.random(n * width) < catalog.HIGH_SCHOOL_FUTURE_P)
    spring = networks.drift(rng, reliability.ravel(), catalog.RELIABILITY_DRIFT_P).reshape(n, width)
    isolated = np.isin(ctx.profile, (ZERO, SINGLE))
    spring[isolated] = reliability[isolated]
    named = (school_staff >= 0) & (rng.random((n, SCHOOL_SLOTS)) < catalog.NAMES_SCHOOL_ADULT_P)
    slots = np.arange(SLOTS)
    masks = {wave: np.hstack([slots < k[:, None], named])
             for wave, k in ((1, ctx.k_fall), (2, ctx.k_spring))}
    return {"width": width, "relation": relation, "staff": staff, "real": real,
            "anchor_staff": school_staff, "reliability": {1: reliability, 2: spring},
            "details": details, "masks": masks}


def _home_latent(rng, n_hh: int) -> dict:
    internet = pick(rng, catalog.INTERNET_P, n_hh)
    # A computer: own, shared only, or none (phone or nothing); lacking one goes with
    # lacking working internet.
    computer = np.where(internet == 0, pick(rng, catalog.COMPUTER_P, n_hh),
                        pick(rng, catalog.COMPUTER_NO_INTERNET_P, n_hh))
    devices = (np.asarray((1, 2, 0))[computer] | ((rng.random(n_hh) < catalog.PHONE_P) * 4)
               | (computer == 2) * 4 * (rng.random(n_hh) < 0.8))
    return {"internet": internet, "devices": devices,
            "quiet": pick(rng, catalog.QUIET_P, n_hh), "after": pick(rng, catalog.AFTER_SCHOOL_P, n_hh),
            "transport": pick(rng, catalog.TRANSPORT_P, n_hh),
            "caregiving": pick(rng, catalog.CAREGIVING_P, n_hh)}


def _staff_adults(ctx: Ctx) -> np.ndarray:
    """One Adult per school staff member, reused by every tie that names them; named as the
    survey flow names it (the staff member's display name)."""
    r = ctx.roster
    staff = np.flatnonzero(r.staff_school >= 0)
    role = np.where(r.staff_kind[staff] == "teacher", "teacher", np.where(
        r.staff_kind[staff] == "counselor", "counselor",
        np.where(r.staff_title[staff] == "Coach", "coach", "school_staff"))).astype(object)
    ids = ctx.add("adult", pd.DataFrame({
        "district_id": 1, "kind": "staff", "role": role,
        "display_name": r.staff_name[staff], "staff_id": staff + 1}))
    mapping = np.zeros(len(r.staff_kind), dtype=np.int64)
    mapping[staff] = ids
    ctx.next_adult = int(ids[-1]) + 1 if len(ids) else 1
    return mapping


def _invite(ctx: Ctx, wave_id: int, kind: str, who: np.ndarray, language: np.ndarray,
            responds: np.ndarray, opens: date, closes: date) -> pd.DataFrame:
    """Invitations for ``who`` and responses for those who respond (ids, dates, status)."""
    rng, m = ctx.rng, len(who)
    raw = rng.bytes(16 * m).hex()
    nonces = [raw[i * 32:(i + 1) * 32] for i in range(m)]
    code_hash, token_hash = [], []
    for nonce in nonces:
        code_hash.append(codes.hash_secret(ctx.secret, codes.derive_code(ctx.secret, nonce)))
        token_hash.append(codes.hash_secret(ctx.secret, codes.derive_token(ctx.secret, nonce)))
    last = min(closes, ctx.today)
    span = max((last - opens).days, 1)
    day = np.datetime64(opens) + rng.integers(0, span, m)
    moment = pd.to_datetime(day) + pd.to_timedelta(rng.integers(8 * 3600, 21 * 3600, m), "s")
    moment = moment.tz_localize("UTC").to_pydatetime()
    submitted = responds & (rng.random(m) < 0.9)
    status = np.where(submitted, "submitted", np.where(responds, "started", "sent"))
    opened = np.where(responds, moment, None)
    inv = pd.DataFrame({
        "wave_id": wave_id, "kind": kind,
        "student_id": maybe(who + 1, np.full(m, kind == "student")),
        "household_id": maybe(who + 1, np.full(m, kind == "family")),
        "nonce": nonces, "code_hash": code_hash, "token_hash": token_hash,
        "language": language, "status": status.astype(object), "opened_at": opened,
        "submitted_at": np.where(submitted, moment, None)})
    inv_ids = ctx.add("invitation", inv)
    r = np.flatnonzero(responds)
    resp = pd.DataFrame({
        "invitation_id": inv_ids[r], "survey": kind,
        # The real definition's version, so that a started demo survey can be resumed.
        "version": definitions.current(kind).version, "language": language[r],
        "status": status[r].astype(object),
        "current_page": np.where(submitted[r], None, "adults").astype(object),
        "started_at": moment[r], "updated_at": moment[r],
        "submitted_at": np.where(submitted[r], moment[r], None)})
    resp["response_id"] = ctx.add("response", resp)
    resp["who"], resp["day"], resp["submitted"] = who[r], day[r], submitted[r]
    return resp


def _wave(ctx: Ctx, wave: int) -> None:
    rng, r, today = ctx.rng, ctx.roster, ctx.today
    opens, closes = ((today - timedelta(160), today - timedelta(130)) if wave == 1
                     else (today - timedelta(30), today + timedelta(14)))
    ctx.add("survey_wave", pd.DataFrame({
        "district_id": [1], "ordinal": [wave],
        "name": ["Fall survey" if wave == 1 else "Spring survey"],
        "opens_on": [opens], "closes_on": [closes]}))
    stu = np.flatnonzero(r.grade >= 3)
    active = (r.consent != 2) & ~ctx.unreached_hh[r.household]
    responds = ctx.engaged["student"][wave - 1][stu] | (ctx.profile[stu] > 0)
    resp = _invite(ctx, wave, "student", stu, r.language[stu], responds & active[stu],
                   opens, closes)
    named = _studentanswers(ctx, wave, resp)
    n_hh = len(r.hh_language)
    fam = _invite(ctx, wave, "family", np.arange(n_hh), r.hh_language,
                  ctx.engaged["family"][wave - 1] & ~ctx.unreached_hh, opens, closes)
    households.familyanswers(ctx, wave, fam)
    isolated = np.isin(ctx.profile, (ZERO, SINGLE))
    excluded = (r.consent == 2) | ctx.unreached_hh[r.household]
    k = len(r.staff_kind) + 1
    anchors = ctx.net["anchor_staff"]
    real = ctx.net["real"]
    anchor_keys = (np.arange(len(r.grade))[:, None] * k + anchors)[real]
    ctx.add("staff_mark", networks.staff_marks(rng, r, wave, ctx.engaged["maps"][wave - 1], named,
                                        anchor_keys, excluded=excluded, isolated=isolated))


def _studentanswers(ctx: Ctx, wave: int, resp: pd.DataFrame) -> np.ndarray:
    """Household items, the adults block and the school items; returns named staff keys."""
    rng, r = ctx.rng, ctx.roster
    who = resp.who.to_numpy()
    hh = r.household[who]
    home = {k: v[hh] for k, v in ctx.home.items()}
    internet = single(ctx, home["internet"], catalog.INTERNET, catalog.INTERNET_P)
    changed = rng.random(len(resp)) < 0.02  # changed their answer: two versions kept
    answers(ctx, resp, "home.internet", internet)
    ctx.out["answer"][-1].loc[changed, "version"] = 2
    earlier = pd.DataFrame({"response_id": resp.response_id.to_numpy()[changed],
                            "item_id": "home.internet", "entry": 0, "version": 1,
                            "current": False, "value": '"unreliable"',
                            "language": resp.language.to_numpy()[changed]})
    ctx.add("answer", earlier)
    devices = np.where(rng.random(len(resp)) < 0.05, rng.integers(0, 8, len(resp)),
                       home["devices"])
    answers(ctx, resp, "home.devices", DEVICES[devices])
    for item, key, codes_, p in (
            ("home.quiet_place", "quiet", catalog.QUIET, catalog.QUIET_P),
            ("home.adult_after_school", "after", catalog.AFTER_SCHOOL, catalog.AFTER_SCHOOL_P),
            ("home.transport", "transport", catalog.TRANSPORT, catalog.TRANSPORT_P),
            ("home.caregiving", "caregiving", catalog.CAREGIVING, catalog.CAREGIVING_P)):
        answers(ctx, resp, item, single(ctx, home[key], codes_, p))
    job = dumps_codes(np.where(rng.random(len(resp)) < 0.25, "yes", "no"))
    answers(ctx, resp, "home.job", job, mask=r.grade[who] >= 9)
    net = ctx.net
    mask = net["masks"][wave][who]
    owner, slot = np.nonzero(mask)
    counts = mask.sum(axis=1)
    entry = np.arange(len(owner)) - (np.cumsum(counts) - counts)[owner]
    flat = who[owner] * net["width"] + slot
    details = {key: value[flat] for key, value in net["details"].items()}
    details["reliability"] = net["reliability"][wave].ravel()[flat]
    e = networks.Entries(resp.response_id.to_numpy()[owner], entry, who[owner], hh[owner],
                  r.school[who[owner]], net["relation"].ravel()[flat],
                  resp.language.to_numpy()[owner], resp.day.to_numpy()[owner])
    staff = net["staff"].ravel()[flat]
    d = networks.entry_rows(rng, e, staff, ctx.staff_adult, ctx.next_adult, details=details)
    emit_entries(ctx, e, d, networks.entry_json(d, e.relation))
    rows = np.arange(len(owner))
    ctx.add("support_tie", networks.tie_frame(d, e.student, rows, e, wave, "student_survey"))
    _school_items(ctx, resp, owner, entry, staff, d["reliability"])
    k = len(r.staff_kind) + 1
    return (e.student * k + staff)[staff >= 0]


def _school_items(ctx: Ctx, resp, owner, entry, staff, reliability) -> None:
    rng, m = ctx.rng, len(resp)
    trusted = pd.Series(entry[(staff >= 0) & (reliability >= 3)]).groupby(
        owner[(staff >= 0) & (reliability >= 3)]).min()
    first = np.full(m, -1)
    first[trusted.index.to_numpy()] = trusted.to_numpy()
    done = resp.submitted.to_numpy()
    answer = np.where(first >= 0, "yes", np.where(rng.random(m) < 0.6, "no", "not_sure"))
    answers(ctx, resp, "school.trusted_adult", dumps_codes(answer), mask=done)
    answers(ctx, resp, "school.trusted_adult_entry", first.astype(str).astype(object),
             mask=done & (first >= 0))
    mentor = np.asarray(("yes", "maybe", "no"))[pick(rng, (0.25, 0.30, 0.45), m)]
    answers(ctx, resp, "school.wants_mentor", dumps_codes(mentor), mask=done)

"""Two survey waves: invitations with derived codes, responses, answers (ITEMS.md), adults,
support ties, staff marks and help-request follow-ups; then engagement and context data.

Student profiles make every flag of SURVEYS.md occur: *zero* names no adult (and has no
other source), *single* names exactly one, *lost* names fewer adults in spring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from survey_app.services import codes
from survey_app.services.demo import catalog as C
from survey_app.services.demo import networks as N
from survey_app.services.demo.generate import dumps_codes, maybe, pick

NORMAL, ZERO, SINGLE, LOST = 0, 1, 2, 3
_DEVICES = np.array([N.json.dumps([d for b, d in enumerate(
    ("own_computer", "shared_computer", "phone")) if m >> b & 1] or ["nothing"])
    for m in range(8)], dtype=object)
_PREFER_NOT = '"prefer_not"'


@dataclass
class Ctx:
    rng: np.random.Generator
    roster: object
    secret: str
    today: date
    profile: np.ndarray
    k_fall: np.ndarray
    k_spring: np.ndarray
    unreached_hh: np.ndarray
    home: dict
    staff_adult: np.ndarray
    teacher_of: tuple
    next_adult: int
    out: dict = field(default_factory=lambda: {})
    ids: dict = field(default_factory=lambda: {})

    def add(self, table: str, frame: pd.DataFrame) -> np.ndarray:
        """Append rows with the next ids of ``table``; return the ids."""
        start = self.ids.get(table, 1)
        ids = np.arange(start, start + len(frame))
        self.ids[table] = start + len(frame)
        self.out.setdefault(table, []).append(frame.assign(id=ids))
        return ids


def add_surveys(rng, tables: dict, roster, *, secret: str, today: date,
                progress: Callable[[str], None]) -> None:
    n, n_hh = len(roster.grade), len(roster.hh_language)
    profile = pick(rng, (0.83, 0.04, 0.06, 0.07), n)
    base = np.minimum(1 + rng.poisson(2.9, n), 10)
    k_fall = np.select([profile == ZERO, profile == SINGLE, profile == LOST],
                       [0, 1, np.maximum(base, 3) + 1], base)
    k_spring = np.select([profile == ZERO, profile == SINGLE, profile == LOST],
                         [0, 1, np.maximum(k_fall - 3, 0)],
                         np.clip(base + rng.integers(-1, 2, n), 0, 10))
    start = np.searchsorted(roster.pair_student, np.arange(n))
    count = np.searchsorted(roster.pair_student, np.arange(n), side="right") - start
    ctx = Ctx(rng, roster, secret, today, profile, k_fall, k_spring,
              rng.random(n_hh) < 0.03, _home_latent(rng, n_hh), None, (start, count), 1)
    ctx.staff_adult = _staff_adults(ctx)
    from survey_app.services.demo import households

    for wave in (1, 2):
        progress(f"wave {wave}")
        _wave(ctx, wave)
    progress("follow-ups")
    households.followups_for_flags(ctx)
    households.engagement(ctx)
    households.context(ctx)
    for table, frames in ctx.out.items():
        tables[table] = pd.concat(frames, ignore_index=True)


def _home_latent(rng, n_hh: int) -> dict:
    return {"internet": pick(rng, C.INTERNET_P, n_hh),
            "devices": ((rng.random(n_hh) < 0.55) * 1 + (rng.random(n_hh) < 0.30) * 2
                        + (rng.random(n_hh) < 0.75) * 4),
            "quiet": pick(rng, C.QUIET_P, n_hh), "after": pick(rng, C.AFTER_SCHOOL_P, n_hh),
            "transport": pick(rng, C.TRANSPORT_P, n_hh),
            "caregiving": pick(rng, C.CAREGIVING_P, n_hh)}


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
        "invitation_id": inv_ids[r], "survey": kind, "version": "1", "language": language[r],
        "status": status[r].astype(object),
        "current_page": np.where(submitted[r], None, "adults").astype(object),
        "started_at": moment[r], "updated_at": moment[r],
        "submitted_at": np.where(submitted[r], moment[r], None)})
    resp["response_id"] = ctx.add("response", resp)
    resp["who"], resp["day"], resp["submitted"] = who[r], day[r], submitted[r]
    return resp


def _answers(ctx: Ctx, resp: pd.DataFrame, item: str, values, mask=None) -> None:
    values = np.asarray(values, dtype=object)
    if mask is not None:
        resp, values = resp[mask], values[mask]
    ctx.add("answer", pd.DataFrame({
        "response_id": resp.response_id.to_numpy(), "item_id": item, "entry": 0, "version": 1,
        "current": True, "value": values, "language": resp.language.to_numpy()}))


def _single(ctx: Ctx, latent: np.ndarray, codes_: tuple, p: tuple, noise: float = 0.1):
    """A household condition as one respondent reports it (a little noise, some prefer-not)."""
    rng, m = ctx.rng, len(latent)
    idx = np.where(rng.random(m) < noise, pick(rng, p, m), latent)
    out = dumps_codes(np.asarray(codes_)[idx])
    out[rng.random(m) < C.PREFER_NOT_P] = _PREFER_NOT
    return out


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
    responds = (rng.random(len(stu)) < (0.78 if wave == 1 else 0.72)) | (ctx.profile[stu] > 0)
    resp = _invite(ctx, wave, "student", stu, r.language[stu], responds & active[stu],
                   opens, closes)
    named = _student_answers(ctx, wave, resp)
    n_hh = len(r.hh_language)
    fam = _invite(ctx, wave, "family", np.arange(n_hh), r.hh_language,
                  (rng.random(n_hh) < 0.55) & ~ctx.unreached_hh, opens, closes)
    from survey_app.services.demo import households

    households.family_answers(ctx, wave, fam)
    isolated = np.isin(ctx.profile, (ZERO, SINGLE))
    excluded = (r.consent == 2) | ctx.unreached_hh[r.household]
    ctx.add("staff_mark", N.staff_marks(rng, r, wave, named, excluded=excluded,
                                        isolated=isolated))


def _student_answers(ctx: Ctx, wave: int, resp: pd.DataFrame) -> np.ndarray:
    """Household items, the adults block and the school items; returns named staff keys."""
    rng, r = ctx.rng, ctx.roster
    who = resp.who.to_numpy()
    hh = r.household[who]
    home = {k: v[hh] for k, v in ctx.home.items()}
    internet = _single(ctx, home["internet"], C.INTERNET, C.INTERNET_P)
    changed = rng.random(len(resp)) < 0.02  # changed their answer: two versions kept
    _answers(ctx, resp, "home.internet", internet)
    ctx.out["answer"][-1].loc[changed, "version"] = 2
    earlier = pd.DataFrame({"response_id": resp.response_id.to_numpy()[changed],
                            "item_id": "home.internet", "entry": 0, "version": 1,
                            "current": False, "value": '"unreliable"',
                            "language": resp.language.to_numpy()[changed]})
    ctx.add("answer", earlier)
    devices = np.where(rng.random(len(resp)) < 0.05, rng.integers(0, 8, len(resp)),
                       home["devices"])
    _answers(ctx, resp, "home.devices", _DEVICES[devices])
    for item, key, codes_, p in (
            ("home.quiet_place", "quiet", C.QUIET, C.QUIET_P),
            ("home.adult_after_school", "after", C.AFTER_SCHOOL, C.AFTER_SCHOOL_P),
            ("home.transport", "transport", C.TRANSPORT, C.TRANSPORT_P),
            ("home.caregiving", "caregiving", C.CAREGIVING, C.CAREGIVING_P)):
        _answers(ctx, resp, item, _single(ctx, home[key], codes_, p))
    job = dumps_codes(np.where(rng.random(len(resp)) < 0.25, "yes", "no"))
    _answers(ctx, resp, "home.job", job, mask=r.grade[who] >= 9)
    counts = (ctx.k_fall if wave == 1 else ctx.k_spring)[who]
    owner, entry = N.entry_positions(counts)
    single = ctx.profile[who[owner]] == SINGLE
    relation = N.draw_relations(rng, entry, C.FIRST_RELATION_P, C.OTHER_RELATION_P)
    relation[single] = N.REL["parent_guardian"]
    e = N.Entries(resp.response_id.to_numpy()[owner], entry, who[owner], hh[owner],
                  r.school[who[owner]], relation, resp.language.to_numpy()[owner],
                  resp.day.to_numpy()[owner])
    staff = N.pick_staff(rng, e, r, ctx.teacher_of)
    d = N.entry_rows(rng, e, staff, ctx.staff_adult, ctx.next_adult, strong=single)
    _emit_entries(ctx, e, d, N.entry_json(d, e.relation))
    rows = np.arange(len(owner))
    ctx.add("support_tie", N.tie_frame(d, e.student, rows, e, wave, "student_survey"))
    _school_items(ctx, resp, owner, entry, staff, d["reliability"])
    k = len(r.staff_kind) + 1
    return (e.student * k + staff)[staff >= 0]


def _emit_entries(ctx: Ctx, e: N.Entries, d: dict, values: list[str]) -> None:
    if len(d["adults"]):
        ctx.out.setdefault("adult", []).append(d["adults"])
        ctx.next_adult = int(d["adults"].id.iloc[-1]) + 1
        ctx.ids["adult"] = ctx.next_adult
    ctx.add("answer", pd.DataFrame({
        "response_id": e.response_id, "item_id": "adults", "entry": e.entry, "version": 1,
        "current": True, "value": np.asarray(values, dtype=object), "language": e.language}))


def _school_items(ctx: Ctx, resp, owner, entry, staff, reliability) -> None:
    rng, m = ctx.rng, len(resp)
    trusted = pd.Series(entry[(staff >= 0) & (reliability >= 3)]).groupby(
        owner[(staff >= 0) & (reliability >= 3)]).min()
    first = np.full(m, -1)
    first[trusted.index.to_numpy()] = trusted.to_numpy()
    done = resp.submitted.to_numpy()
    answer = np.where(first >= 0, "yes", np.where(rng.random(m) < 0.6, "no", "not_sure"))
    _answers(ctx, resp, "school.trusted_adult", dumps_codes(answer), mask=done)
    _answers(ctx, resp, "school.trusted_adult_entry", first.astype(str).astype(object),
             mask=done & (first >= 0))
    mentor = np.asarray(("yes", "maybe", "no"))[pick(rng, (0.25, 0.30, 0.45), m)]
    _answers(ctx, resp, "school.wants_mentor", dumps_codes(mentor), mask=done)

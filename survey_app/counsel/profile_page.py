"""Shape a student's profile for the page: every label translated, nothing left to decide."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from survey_app.counsel.forms import (
    FREQUENCY_LABELS,
    DecisionForm,
    FollowUpForm,
    FollowUpUpdateForm,
    MentorForm,
)
from survey_app.reading import cache
from survey_app.services import followups, reconciliation, school_map, students
from survey_app.words import labels, reasons

CONDITION_LABELS = {
    "home.internet": labels.ITEM_NAMES["home.internet"],
    "home.devices": labels.ITEM_NAMES["home.devices"],
    "home.quiet_place": labels.ITEM_NAMES["home.quiet_place"],
    "home.adult_after_school": labels.ITEM_NAMES["home.adult_after_school"],
}


def _answer_text(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        return reasons.join(labels.answer_name(v) for v in value) or "—"
    return labels.answer_name(value)


def _conditions(profile) -> list[dict]:
    own, fam = profile.conditions.get("student", {}), profile.conditions.get("family", {})
    return [{"label": str(label), "student": _answer_text(own.get(item)),
             "family": _answer_text(fam.get(item)),
             "differ": item in own and item in fam and own[item] != fam[item]}
            for item, label in CONDITION_LABELS.items()]


def _said(entry: dict | None) -> str:
    if not entry:
        return ""
    parts = []
    if entry["reliability"] is not None:
        parts.append(str(labels.RELIABILITY_NAMES[entry["reliability"]]))
    if entry["support"]:
        parts.append(reasons.join(reasons.SUPPORT_WORDS[k] for k in entry["support"]))
    if entry["frequency"]:
        parts.append(str(labels.FREQUENCY_NAMES[entry["frequency"]]))
    return " · ".join(parts) or _("Named, nothing more")


def _adults(profile) -> list[dict]:
    out = []
    for row in profile.adults:
        mark = {None: "", True: _("✓ Trusting relationship"), False: _("No ✓ mark")}
        out.append({
            "name": row.name, "role": str(labels.ROLE_NAMES.get(row.role, row.role)),
            "setting": str(labels.SETTING_NAMES.get(row.setting, "")) if row.setting else "",
            "student": _said(row.by_source.get("student_survey")),
            "family": _said(row.by_source.get("family_survey")),
            "staff": mark[row.staff_trusting], "reliable": row.reliable,
            "disagreement": row.disagreement})
    return out


def _flags(profile) -> list[dict]:
    return [{"code": f.code, "name": reasons.flag_name(f.code),
             "sentence": reasons.sentence(f.code, f.params, profile.names),
             "evidence": students.evidence_names(profile, f)} for f in profile.flags]


def _kept(db, ctx, student, kind: str, make, *extra):
    """``make()`` once per version of this student's and household's answers (and of
    ``extra``, what else it reads; shared: read, never changed)."""
    return cache.memo(db, (kind, student.id, ctx.district_id, ctx.wave, ctx.wave_id,
                           repr(ctx.rules), *extra), make, student=student)


def _tables(db, ctx, student, tables):
    return tables if tables is not None else students.neighbourhood(session=db, ctx=ctx,
                                                                     student=student)


def _suggestions(db, ctx, student, tables=None) -> list[dict]:
    """Ranked from the student's neighbourhood; staff loads counted over the whole school
    (from its cached state, which follows survey saves cheaply: :func:`cache.state`); the
    suggestions are made again when the loads differ."""
    loads = school_map.anchor_loads(session=db, ctx=ctx, school_id=student.school_id)
    return _kept(db, ctx, student, "mentors", lambda: followups.suggestions(
        _tables(db, ctx, student, tables), student.id, wave=ctx.wave,
        min_reliability=ctx.rules.min_reliability,
        anchor_minimum=ctx.rules.anchor_load_minimum, loads=loads),
        hash(frozenset(loads.items())))


def _proposals(db, ctx, student, tables=None) -> list[dict]:
    return _kept(db, ctx, student, "matches", lambda: reconciliation.proposals(
        session=db, tables=_tables(db, ctx, student, tables), student_id=student.id))


def _mentors(db, ctx, profile) -> list[dict]:
    found = _suggestions(db, ctx, profile.student, profile.tables)
    return [{"staff_id": s["staff_id"], "name": profile.names.get(s["adult_id"], ""),
             "reasons": [reasons.mentor_reason(r["code"], r["params"]) for r in s["reasons"]],
             "form": MentorForm(staff_id=s["staff_id"])} for s in found]


def mentor_ids(db, ctx, student) -> set[int]:
    """Staff ids the student may be given as a mentor now (the current suggestions)."""
    return {s["staff_id"] for s in _suggestions(db, ctx, student)}


def find_proposal(db, ctx, student, keep: int, merge: int) -> dict | None:
    """The open "same person?" proposal (keep, merge) of this student, if there is one."""
    for p in _proposals(db, ctx, student):
        if (p["keep"], p["merge"]) == (keep, merge):
            return p
    return None


def _followups(db, ctx, profile, today: date) -> list[dict]:
    views = followups.for_student(session=db, student_id=profile.student.id,
                                  district_id=ctx.district_id, history=profile.history,
                                  today=today)
    out = []
    for v in views:
        r = v.row
        what = (reasons.help_request(r.help_type) if r.help_type
                else reasons.flag_name(r.flag_code) if r.flag_code
                else labels.KIND_OF_FOLLOWUP.get(r.kind, labels.KIND_OF_FOLLOWUP["other"]))
        form = FollowUpUpdateForm(prefix=f"f{r.id}", status=r.status)
        out.append({"id": r.id, "what": str(what), "note": r.note, "owner": v.owner,
                    "goal": r.goal, "notes": v.notes or [], "open": r.status not in
                    followups.CLOSED, "frequency": str(FREQUENCY_LABELS.get(
                        r.frequency or "", "")) if r.frequency else "",
                    "mentor": v.mentor, "due": r.due_on.isoformat() if r.due_on else "",
                    "status": str(labels.STATUS_NAMES.get(r.status, r.status)),
                    "overdue": v.overdue, "outcome": r.outcome, "form": form,
                    "gain": _gain(v)})
    return out


def _gain(v) -> str:
    if v.before is None or v.after is None:
        return ""
    return _("Reliable adults: %(before)d before, %(after)d after survey %(wave)d.",
             before=v.before, after=v.after, wave=v.after_wave)


def followup_form(db, student, flags=()) -> FollowUpForm:
    """The new-follow-up form: about a flag, a family's request, or something else."""
    form = FollowUpForm(prefix="new")
    form.owner_id.choices = [SelectChoice(i, n) for i, n in followups.owners(
        session=db, school_id=student.school_id, include_id=current_user.id)]
    form.about.choices = ([SelectChoice("kind:check_in", _("Regular check-ins")),
                           SelectChoice("kind:referral", _("Referral"))]
                          + [SelectChoice(f"flag:{f.code}", reasons.flag_name(f.code))
                             for f in flags]
                          + [SelectChoice(f"help:{k}", _("Help with %(what)s", what=v))
                             for k, v in reasons.HELP_WORDS.items()]
                          + [SelectChoice("", _("Something else"))])
    return form


def about(value: str | None) -> dict:
    """``flag:<code>`` / ``help:<type>`` from the form → the follow-up's keyword arguments."""
    kind, _sep, code = (value or "").partition(":")
    if kind == "flag" and code in reasons.FLAG_NAMES:
        return {"flag_code": code}
    if kind == "help" and code in reasons.HELP_WORDS:
        return {"help_type": code}
    if kind == "kind" and code in followups.PLAN_KINDS:
        return {"kind": code}
    return {}


def build(db, ctx, student, *, today: date) -> dict:
    """Everything ``counsel/student.html`` shows."""
    profile = students.load_profile(session=db, ctx=ctx, student=student)
    name = f"{student.preferred_name or student.given_name} {student.family_name}".strip()
    data = students.map_data(profile, labels.map_labels({student.id: name}))
    form = followup_form(db, student, flags=profile.flags)
    form.owner_id.data = current_user.id
    return {
        "student": student, "name": name, "school_name": profile.school_name,
        "grade": labels.grade_name(student.grade), "wave": profile.wave,
        "conditions": _conditions(profile), "adults": _adults(profile),
        "flags": _flags(profile),
        # No survey and no marks: unknown, which "none in the family, …" would misread.
        "strengths": str(reasons.UNKNOWN_STRENGTHS)
        if any(f.code == "no_data" for f in profile.flags)
        else reasons.strengths(profile.strengths) if profile.history else "",
        "history": profile.history, "context": profile.context,
        "map": {k: data[k] for k in ("nodes", "edges", "options")},
        "legend": data["legend"], "map_rows": _map_rows(data["rows"]),
        "followups": _followups(db, ctx, profile, today), "new_followup": form,
        "mentors": _mentors(db, ctx, profile),
        "matches": [dict(p, form=DecisionForm())
                    for p in _proposals(db, ctx, student, profile.tables)],
        "role_names": labels.ROLE_NAMES,
    }


def _map_rows(rows: list[dict]) -> list[dict]:
    return [{"name": r["name"], "role": r["role"], "sources": reasons.join(r["sources"]),
             "reliability": str(labels.RELIABILITY_NAMES.get(r["reliability"], "—")),
             "reliable": r["reliable"],
             "support": reasons.join(reasons.SUPPORT_WORDS[k] for k in r["support"])}
            for r in rows]

"""The classroom view in words: each student's "what might help" line, the home
conditions in short, and the families' shares, from the codes the services return."""

from __future__ import annotations

import pandas as pd
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from survey_app.i18n import native_name
from survey_app.services.classes import LOW_ATTENDANCE, LOW_COMPLETION, ClassRow
from survey_app.words import labels

INTERNET = {"works_well": _l("Internet works well"),
            "unreliable": _l("Internet often does not work"),
            "phone_only": _l("Internet only on a phone"), "none": _l("No internet")}
QUIET = {"always": _l("A quiet place to work"), "sometimes": _l("A quiet place sometimes"),
         "no": _l("No quiet place to work")}
ADULT = {"yes": _l("An adult at home after school"),
         "sometimes": _l("An adult at home sometimes"),
         "no": _l("No adult at home after school")}
TRUST = {"yes": _l("Yes"), "not_yet": _l("Not yet"), "dont_know": _l("I don't know")}
SORTS = {"priority": _l("Who needs help first"), "completion": _l("Assignment completion"),
         "attendance": _l("Attendance"), "grade": _l("Grade average"), "name": _l("Name")}
FILTERS = {"all": _l("Every student"),
           "priority": _l("Low completion beside an access barrier"),
           "barrier": _l("An access barrier at home"), "no_data": _l("No data yet")}
MEASURES = {"contact": _l("Families with a two-way contact with good news"),
            "trusted": _l("Families I feel I trust")}
BY = {"all": _l("Whole class"), "race_ethnicity": labels.BY_NAMES["race_ethnicity"],
      "gender": labels.BY_NAMES["gender"], "english_learner": labels.BY_NAMES["english_learner"]}


def percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)}%"


def home(row: ClassRow) -> list[str]:
    """What the surveys say about home, in short phrases."""
    c, out = row.conditions, []
    if c.get("internet") in INTERNET:
        out.append(str(INTERNET[c["internet"]]))
    if "no_device" in row.barriers:
        out.append(_("No computer for schoolwork"))
    elif c.get("device_own") or c.get("device_shared"):
        out.append(_("A computer for schoolwork"))
    if c.get("quiet_place") in QUIET:
        out.append(str(QUIET[c["quiet_place"]]))
    if c.get("adult_home") in ADULT:
        out.append(str(ADULT[c["adult_home"]]))
    if row.homework_help in ("yes", "sometimes"):
        out.append(_("Help with homework at home, in %(language)s",
                     language=native_name(row.help_language)) if row.help_language
                   else _("Help with homework at home"))
    elif row.homework_help == "no":
        out.append(_("No one at home can help with homework"))
    return out


def _access_line(row: ClassRow, low: bool) -> str | None:
    asked_internet, asked_device = "internet" in row.asked_for, "device" in row.asked_for
    if "no_internet" in row.barriers and low:
        return (_("No internet at home: assignments online may be the problem — the family "
                  "asked for help with internet.") if asked_internet else
                _("No internet at home: assignments online may be the problem — offer printed "
                  "work or time on a school computer."))
    if "no_internet" in row.barriers:
        return (_("No internet at home — the family asked for help with internet.")
                if asked_internet else _("No internet at home: keep work that needs it for school."))
    if "unreliable_internet" in row.barriers and low:
        return _("Internet at home often does not work: give more time for work online, or "
                 "offer printed work.")
    if "phone_only" in row.barriers:
        return _("Internet only on a phone: long assignments online may be hard — offer time on a "
                 "school computer.")
    if "no_device" in row.barriers:
        return (_("No computer at home for schoolwork — the family asked for a device.")
                if asked_device else
                _("No computer at home for schoolwork: a school device may help."))
    return None


def might_help(row: ClassRow) -> list[str]:
    """Plain suggestions for the row, the most pressing first."""
    if row.no_data:
        return [_("We know nothing yet about this student's home: the surveys would tell us.")]
    low = row.completion is not None and row.completion < LOW_COMPLETION
    out = [line for line in (_access_line(row, low),) if line]
    if low and not any(b != "unreliable_internet" for b in row.barriers) \
            and "unreliable_internet" not in row.barriers:
        out.append(_("Completion is low with no access barrier reported: ask the student what "
                     "gets in the way."))
    if row.conditions.get("quiet_place") == "no" and low:
        out.append(_("No quiet place at home: a homework club or study hall may help."))
    if row.homework_help in ("yes", "sometimes") and row.help_language \
            and row.help_language != "en" and low:
        out.append(_("Someone at home can help in %(language)s: send the work home with a note "
                     "in that language.", language=native_name(row.help_language)))
    if row.attendance is not None and row.attendance < LOW_ATTENDANCE:
        out.append(_("Often absent: a call home with good news may help."))
    if row.named_teacher is False and not row.mark.get("trusting"):
        out.append(_("Did not name you as an adult to count on: a few words one to one may help."))
    return out


def mark_text(mark: dict) -> str:
    parts = []
    if mark.get("trusting"):
        parts.append("✓")
    if mark.get("may_benefit"):
        parts.append("◐")
    if mark.get("willing_mentor"):
        parts.append("★")
    return " ".join(parts) or "—"


def named_text(named: bool | None, grade: int) -> str:
    """Whether the student named the teacher; the student survey starts in grade 3."""
    if named is None and grade < 3:
        return _("Not asked before grade 3")
    return {True: _("Yes"), False: _("No"), None: _("No answer yet")}[named]


def share_rows(table: pd.DataFrame, by: str, min_n: int, *, school: bool = False,
               whole: str | None = None) -> list[dict]:
    """A suppressed table as rows to show (group name, share as shown, number of families);
    the total row is the whole class (with ``school``, the whole school; else ``whole``)."""
    out = []
    for i, row in enumerate(table.to_dict("records")):
        total = i == len(table) - 1
        if by == "all" and not total:
            continue
        label = ((_("Whole school") if school else whole or _("Whole class")) if total
                 else labels.group_label(by, row[by]))
        rate = None if pd.isna(row["rate"]) else float(row["rate"])
        out.append({"label": label, "shown": labels.shown_rate(row, min_n),
                    "n": None if pd.isna(row["n"]) else int(row["n"]),
                    "width": round((rate or 0) * 100), "total": total})
    return out


def reading_line(found, *, compared: bool = True) -> str:
    """The one-line reading of the breakdowns (``compared``: some group is shown)."""
    if not compared:
        return _("No groups to compare yet: each has too few families to show.")
    if found is None:
        return _("No group of families shown here lags behind the class overall.")
    measure, by, value = found
    group = labels.group_label(by, value)
    if measure == "contact":
        return _("Families of %(group)s: fewer two-way contacts than the class overall.",
                 group=_group_words(by, value, group))
    return _("Families of %(group)s: fewer you feel you trust than the class overall.",
             group=_group_words(by, value, group))


def _group_words(by: str, value, group: str) -> str:
    if by == "english_learner":
        return _("English learners") if value is True or value == "True" else \
            _("students who are not English learners")
    return _("students in the group “%(name)s”", name=group)


def school_tables(view, min_n: int) -> dict:
    """The leaders' view as rows to show: per teacher, per grade, and by group."""
    out = {"teachers": [], "grades": {}, "groups": {}}
    for measure, table in view.teachers.items():
        rows = []
        for row in table.to_dict("records"):
            name = view.teacher_names.get(int(row["teacher"]), "")
            rate = None if pd.isna(row["rate"]) else float(row["rate"])
            rows.append({"label": name, "shown": labels.shown_rate(row, min_n),
                         "width": round((rate or 0) * 100), "rate": rate})
        # Thinnest engagement first; hidden shares last.
        rows.sort(key=lambda r: (r["rate"] is None, r["rate"] or 0, r["label"]))
        out["teachers"].append({"key": measure, "rows": rows})
    for measure, table in view.grades.items():
        out["grades"][measure] = ([] if table is None
                                  else share_rows(table, "grade", min_n, school=True))
    for measure, tables in view.groups.items():
        out["groups"][measure] = [{"title": BY[by], "rows": share_rows(t, by, min_n, school=True)}
                                  for by, t in tables.items()]
    return out

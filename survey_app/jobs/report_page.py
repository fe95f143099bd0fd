"""An import report as finished rows for a page, in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from survey_app.imports.report import LINK_PROBLEMS, REMOVAL_PROBLEMS, ImportReport, describe

KIND_LABELS = {
    "schools": _l("Schools"), "students": _l("Students"), "staff": _l("Staff"),
    "households": _l("Households"), "parents": _l("Parents and guardians"),
    "classes": _l("Classes"), "class members": _l("Students in classes"),
    "class teachers": _l("Teachers of classes"), "context measures": _l("Context data"),
}
OUTCOMES = ("created", "updated", "unchanged", "deleted")


def report_view(report: ImportReport) -> dict:
    """Counts, notes and problems ready for ``jobs/_import_report.html``."""
    return {
        "ok": report.ok, "dry_run": report.dry_run, "problem_count": report.problem_count,
        "hidden": report.problem_count - len(report.problems),
        "counts": [{"label": KIND_LABELS.get(kind, kind),
                    **{o: counts.get(o, 0) for o in OUTCOMES}}
                   for kind, counts in report.counts.items()],
        "notes": [describe(n) for n in report.notes],
        "problems": [{"file": p.file or "", "row": p.row or "", "column": p.column or "",
                      "text": describe(p)} for p in report.problems],
    }


def check_view(report: ImportReport) -> dict:
    """:func:`report_view` with what a roster check adds: who the file would remove, and
    whether the admin may confirm that (the only problem is too many removals)."""
    return {**report_view(report), "removed": report.removed,
            "confirmable": report.confirmable,
            "asks_removals": report.confirmable and report.asks(REMOVAL_PROBLEMS),
            "asks_links": report.confirmable and report.asks(LINK_PROBLEMS)}

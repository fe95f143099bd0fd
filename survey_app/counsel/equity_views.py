"""The equity view: a measure by group, as an SVG bar chart and the same numbers in a table."""

from __future__ import annotations

import pandas as pd
from flask import render_template, request

from relationships.equity import ALL
from survey_app.audited import audited
from survey_app.auth import permission_required
from survey_app.counsel.views import _context, _int_arg, bp, chosen_schools
from survey_app.db import get_session
from survey_app.services import caseload
from survey_app.services import equity as equity_service
from survey_app.words import labels

BAR_W, ROW_H, LABEL_W = 420, 30, 290


def _rows(table, by: str, min_n: int) -> list[dict]:
    out = []
    for i, row in enumerate(table.to_dict("records")):
        rate = None if pd.isna(row["rate"]) else float(row["rate"])
        gap = None if pd.isna(row["gap"]) else round(float(row["gap"]) * 100)
        out.append({"label": labels.group_label(by, row[by]), "n": None if pd.isna(row["n"])
                    else int(row["n"]), "count": None if pd.isna(row["count"])
                    else int(row["count"]), "rate": rate, "shown": labels.shown_rate(row, min_n),
                    "gap": gap, "total": i == len(table) - 1,
                    "y": i * ROW_H, "width": round((rate or 0) * BAR_W, 1)})
    return out


def _chart(rows: list[dict]) -> dict:
    total = rows[-1]
    return {"bar_w": BAR_W, "label_w": LABEL_W, "row_h": ROW_H,
            "height": len(rows) * ROW_H + 10, "width": LABEL_W + BAR_W + 190,
            "overall_x": None if total["rate"] is None
            else round(LABEL_W + total["rate"] * BAR_W, 1)}


@bp.get("/equity")
@permission_required("equity.view")
@audited.nothing("group figures with small groups hidden: no one's data")
def equity():
    """Show one measure by one grouping, with small groups hidden."""
    measure = request.args.get("measure", "no_school_adult")
    measure = measure if measure in equity_service.MEASURES else "no_school_adult"
    by = request.args.get("by", "race_ethnicity")
    by = by if by in equity_service.BREAKDOWNS else "race_ethnicity"
    school_id = _int_arg("school")
    chosen_schools(school_id)  # refuses a school outside the reader's
    # Every table the reader can see is suppressed together (all their schools and
    # each one), so no school's table and the sum of the others give a value away.
    schools = chosen_schools(None)
    db, ctx = get_session(), _context()
    values = equity_service.student_values(session=db, ctx=ctx, school_ids=schools)
    tables = equity_service.published_tables(session=db, ctx=ctx, school_ids=schools)
    area = school_id if school_id in schools else ALL
    table = equity_service.breakdown(values, by=by, measure=measure, min_n=ctx.min_n, area=area,
                                     tables=tables)
    rows = _rows(table, by, ctx.min_n)
    return render_template(
        "counsel/equity.html", rows=rows, chart=_chart(rows), measure=measure, by=by,
        average=measure in equity_service.AVERAGES,
        school_id=school_id, measure_names=labels.measure_names(ctx.rules),
        by_names=labels.BY_NAMES,
        schools=caseload.school_choices(session=db, school_ids=chosen_schools(None)),
        min_n=ctx.min_n)

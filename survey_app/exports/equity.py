"""The ``equity`` export: every measure by every grouping, suppressed exactly as on screen.

Values and suppression come from :mod:`survey_app.services.equity` (which uses
:func:`relationships.suppress_published` on every table the reader can see); group names and the "shown as" words
come from :mod:`survey_app.words.labels`, as for the equity view, so the file says what the screen says.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pandas as pd
from flask_babel import lazy_gettext as _l
from sqlmodel import Session

from survey_app.exports.table import Table
from survey_app.reading import loader
from survey_app.services import equity
from survey_app.words.labels import BY_NAMES, group_label, measure_names, shown_rate

__all__ = ["HEADER", "equity_table"]

HEADER = [_l("Measure"), _l("Grouped by"), _l("Group"), _l("Students"), _l("Count"),
          _l("Rate"), _l("Shown as"), _l("Gap to all students (points)"), _l("Hidden because")]
_REASONS = {"small_n": _l("small group"), "complementary": _l("would reveal a small group"),
            "small_count": _l("small group"),
            "coded": _l("rate close to none or to all")}


def equity_table(*, session: Session, district_id: int, school_ids, today: date) -> Table:
    """One long table: measure, grouping, group, then the numbers (hidden cells empty)."""
    ctx = loader.context(session=session, district_id=district_id, today=today)
    values = equity.student_values(session=session, ctx=ctx, school_ids=school_ids)
    tables = equity.published_tables(session=session, ctx=ctx, school_ids=school_ids)
    return Table("equity", [str(h) for h in HEADER],
                 _rows(values, tables, ctx.min_n, measure_names(ctx.rules)))


def _rows(values: pd.DataFrame, tables: dict, min_n: int, names: dict) -> Iterator[list]:
    for measure in equity.MEASURES:
        for by in equity.BREAKDOWNS:
            table = equity.breakdown(values, by=by, measure=measure, min_n=min_n,
                                     tables=tables)
            for row in table.to_dict("records"):
                gap = row["gap"]
                yield [str(names[measure]), str(BY_NAMES[by]),
                       group_label(by, row[by]), row["n"], row["count"], row["rate"],
                       shown_rate(row, min_n),
                       None if pd.isna(gap) else round(float(gap) * 100, 1),
                       str(_REASONS[row["suppressed"]]) if row["suppressed"] else None]

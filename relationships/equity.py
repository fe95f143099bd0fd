"""Equity breakdowns with small-cell suppression, complementary suppression and coding.

Practice follows NCES 2011-603 and Delaware's 5/95 rule: a group with fewer
than ``min_n`` students shows nothing; rates at or below 5 % or at or above
95 % are shown only as "≤5" / "≥95" (their count is hidden too, or the rate
could be recomputed); and when a table would let a hidden value be recovered
by subtracting the shown cells from the shown total, the next smallest cell
is hidden as well (or, failing that, the total).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relationships.rules import MIN_N
from relationships.suppression import ALL, PROTECTION, suppress_published

__all__ = ["ALL", "FEDERAL_RACE", "PROTECTION", "equity_breakdown", "equity_mean",
           "federal_race_category", "suppress_published"]

#: OneRoster race flag -> federal category code (Hispanic/Latino is separate).
FEDERAL_RACE = {
    "americanIndianOrAlaskaNative": "american_indian_alaska_native",
    "asian": "asian",
    "blackOrAfricanAmerican": "black_african_american",
    "nativeHawaiianOrOtherPacificIslander": "native_hawaiian_pacific_islander",
    "white": "white",
}


def _truthy(value):
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "t", "y")
    return value is True or (isinstance(value, int | np.integer) and value == 1)


def federal_race_category(flags):
    """Return the federal 7-category code from OneRoster race flags, or ``None``.

    Hispanic/Latino first; then exactly one race; more than one race (or the
    ``demographicRaceTwoOrMoreRaces`` flag) gives "two_or_more"; nothing true
    (all false or unknown) gives ``None`` (NA).

    Examples
    --------
    >>> federal_race_category({"hispanicOrLatinoEthnicity": "true", "white": "true"})
    'hispanic_latino'
    >>> federal_race_category({"asian": "TRUE", "white": "false"})
    'asian'
    >>> federal_race_category({"asian": True, "white": True})
    'two_or_more'
    >>> federal_race_category({"white": "false"}) is None
    True
    """
    if _truthy(flags.get("hispanicOrLatinoEthnicity")):
        return "hispanic_latino"
    races = [code for key, code in FEDERAL_RACE.items() if _truthy(flags.get(key))]
    if len(races) == 1 and not _truthy(flags.get("demographicRaceTwoOrMoreRaces")):
        return races[0]
    if races or _truthy(flags.get("demographicRaceTwoOrMoreRaces")):
        return "two_or_more"
    return None


def _cells(df, by, measure):
    values = df[measure].astype("boolean")
    frame = df[list(by)].copy()
    frame["_n"] = values.notna().astype(int)
    frame["_count"] = values.fillna(False).astype(int)
    frame = frame.loc[frame["_n"] > 0]
    cells = frame.groupby(list(by), observed=True, dropna=False)[["_n", "_count"]].sum()
    return cells.rename(columns={"_n": "n", "_count": "count"}).reset_index()


def _complement(values, hidden, total_shown, lower, upper):
    """Hide more cells of one additive column until no hidden value is recoverable.

    A lone hidden cell equals the total minus the shown cells, so a second
    (the smallest shown) is hidden too. Several hidden cells are still
    revealed when their sum sits at its bound (all at ``lower`` or all at
    ``upper``); then the total is hidden instead. Returns (hidden mask,
    whether the total must be hidden).
    """
    hidden = hidden.copy()
    if not total_shown or not hidden.any():
        return hidden, False
    if hidden.sum() == 1:
        candidates = np.flatnonzero(~hidden)
        if len(candidates) == 0:
            return hidden, True
        hidden[candidates[np.argmin(values[candidates])]] = True
    rest = values[hidden].sum()
    return hidden, bool(rest == lower[hidden].sum() or rest == upper[hidden].sum())


def _suppress(cells, min_n, low, high):
    n, count = cells["n"].to_numpy(), cells["count"].to_numpy()
    rate = count / n
    small = n < min_n
    coded = ~small & ((rate <= low) | (rate >= high))
    hide_n, hide_total_n = _complement(n, small, True, np.ones(len(n)),
                                       np.full(len(n), np.inf))
    upper = np.where(hide_n, np.inf, n)
    hide_count, hide_total_count = _complement(count, hide_n | coded, not hide_total_n,
                                               np.zeros(len(n)), upper)
    reason = np.where(small, "small_n", np.where(hide_n, "complementary", ""))
    reason = np.where((reason == "") & coded, "coded", reason)
    reason = np.where((reason == "") & hide_count, "complementary", reason)
    code = np.where(coded & ~hide_n, np.where(rate <= low, "le5", "ge95"), None)
    return hide_n, hide_count, reason, code, hide_total_n or hide_total_count


def equity_breakdown(df, by, measure, min_n=MIN_N, *, low=0.05, high=0.95):
    """Count and rate of a yes/no ``measure`` per group, suppressed for privacy.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per student with the ``by`` columns and a boolean ``measure``
        (NA rows are left out of both numerator and denominator).
    by : list of str
        Grouping columns (e.g. ``["race_ethnicity"]``, ``["grade", "gender"]``).
    measure : str
    min_n : int
        Smallest group shown (default 10).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, then ``n``, ``count`` (Int64, NA when hidden),
        ``rate`` (Float64, NA when hidden or coded), ``rate_code`` ("le5",
        "ge95" or None) and ``suppressed`` (None, "small_n", "coded",
        "complementary"); the last row is the total (``by`` columns "total").

    Examples
    --------
    >>> df = pd.DataFrame({"g": ["a"] * 20 + ["b"] * 20 + ["c"] * 3,
    ...                    "flag": [True] * 10 + [False] * 10 + [True] * 12 + [False] * 11})
    >>> t = equity_breakdown(df, by=["g"], measure="flag")
    >>> t[["g", "n", "count", "suppressed"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'g': 'a', 'n': None, 'count': None, 'suppressed': 'complementary'},
     {'g': 'b', 'n': 20, 'count': 12, 'suppressed': None},
     {'g': 'c', 'n': None, 'count': None, 'suppressed': 'small_n'},
     {'g': 'total', 'n': 43, 'count': 22, 'suppressed': None}]
    """
    if not 0 <= low < high <= 1:
        raise ValueError("need 0 <= low < high <= 1")
    cells = _cells(df, by, measure)
    hide_n, hide_count, reason, code, hide_total = _suppress(cells, min_n, low, high)
    total = {c: "total" for c in by}
    total.update(n=int(cells["n"].sum()), count=int(cells["count"].sum()))
    table = pd.concat([cells, pd.DataFrame([total])], ignore_index=True)
    t_n, t_count = total["n"], total["count"]
    t_rate = t_count / t_n if t_n else np.nan
    t_small = t_n < min_n
    t_coded = not t_small and t_n > 0 and (t_rate <= low or t_rate >= high)
    hide_n = np.append(hide_n, t_small or hide_total)
    hide_count = np.append(hide_count, t_small or t_coded or hide_total)
    table["rate_code"] = pd.Series(
        [*[None if c is None else str(c) for c in code], ("le5" if t_rate <= low else "ge95") if t_coded and not hide_total else None],
        dtype=object)
    table["suppressed"] = pd.Series(
        [*[str(r) if r else None for r in reason],
         "small_n" if t_small else "complementary" if hide_total else "coded" if t_coded
         else None], dtype=object)
    rate = table["count"] / table["n"].where(table["n"] > 0)
    table["rate"] = pd.array(np.where(hide_count, np.nan, rate), dtype="Float64")
    table["n"] = table["n"].astype("Int64").mask(hide_n)
    table["count"] = table["count"].astype("Int64").mask(hide_count)
    return table[[*by, "n", "count", "rate", "rate_code", "suppressed"]]


def equity_mean(df, by, value, min_n=MIN_N):
    """Mean of a numeric ``value`` per group, hidden where a group's size must be.

    A group of fewer than ``min_n`` students shows neither its size nor its
    mean, and when the shown sizes and the total would give a lone hidden size
    away, the next smallest group is hidden too (as for
    :func:`equity_breakdown`'s sizes). A mean near 0 or 1 reveals no one's
    value, so there is no 5 %/95 % coding.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per student with the ``by`` columns and ``value`` (NA rows are
        left out).
    by : list of str
    value : str
    min_n : int

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``n`` (Int64), ``mean`` (Float64; both NA when
        hidden) and ``suppressed`` (None, "small_n", "complementary"); the last
        row is the total (``by`` columns "total").

    Examples
    --------
    >>> df = pd.DataFrame({"g": ["a"] * 12 + ["b"] * 12 + ["c"] * 3,
    ...                    "att": [0.9] * 12 + [0.8] * 12 + [0.5] * 3})
    >>> t = equity_mean(df, by=["g"], value="att")
    >>> t[["g", "n", "suppressed"]].to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'g': 'a', 'n': None, 'suppressed': 'complementary'},
     {'g': 'b', 'n': 12, 'suppressed': None},
     {'g': 'c', 'n': None, 'suppressed': 'small_n'},
     {'g': 'total', 'n': 27, 'suppressed': None}]
    >>> round(float(t["mean"].iloc[1]), 2), round(float(t["mean"].iloc[-1]), 2)
    (0.8, 0.81)
    """
    known = df.loc[df[value].notna(), [*by, value]]
    cells = (known.groupby(list(by), observed=True, dropna=False)[value]
             .agg(n="size", mean="mean").reset_index())
    n = cells["n"].to_numpy()
    small = n < min_n
    hide_n, hide_total = _complement(n, small, True, np.ones(len(n)), np.full(len(n), np.inf))
    t_n = int(n.sum())
    t_small = t_n < min_n
    total = {c: "total" for c in by}
    total.update(n=t_n, mean=float(known[value].mean()) if t_n else np.nan)
    table = pd.concat([cells, pd.DataFrame([total])], ignore_index=True)
    hidden = np.append(hide_n, t_small or hide_total)
    reason = [*np.where(small, "small_n", np.where(hide_n, "complementary", "")),
              "small_n" if t_small else "complementary" if hide_total else ""]
    table["suppressed"] = pd.Series([str(r) or None for r in reason], dtype=object)
    table["n"] = table["n"].astype("Int64").mask(hidden)
    table["mean"] = pd.array(np.where(hidden, np.nan, table["mean"].astype(float)),
                             dtype="Float64")
    return table[[*by, "n", "mean", "suppressed"]]

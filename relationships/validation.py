"""Checking the input tables: unique ids, known references, values in range.

:func:`validate_tables` raises on the first bad record or drops and counts the bad
rows; everything in :mod:`relationships` that computes runs on checked tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from relationships.input_tables import COLUMNS, SETTINGS, SOURCES, _codes


def _key(*parts):
    """Combine non-negative integer arrays into one int64 key per row."""
    key = np.zeros(len(parts[0]), dtype=np.int64)
    for part in parts:
        part = np.asarray(part, dtype=np.int64)
        key = key * (int(part.max(initial=0)) + 1) + part
    return key


def _check_columns(tables):
    for name, spec in COLUMNS.items():
        missing = [c for c in spec if c not in getattr(tables, name).columns]
        if missing:
            raise ValueError(f"{name}: missing columns {missing}")


def _check_unique(frame, name, column):
    dup = frame[column].duplicated(keep=False)
    if dup.any():
        value = frame.loc[dup, column].iloc[0]
        raise ValueError(f"{name}: {column} {value} appears more than once")


def _problems(tables):
    """Yield ``(table, reason, bad_mask, id_column)`` for every row-level check."""
    s_index = pd.Index(tables.students["student_id"])
    a_index = pd.Index(tables.adults["adult_id"])
    staff_ids = pd.Index(tables.adults["staff_id"].dropna().astype("int64"))
    t = tables.ties
    s_idx = s_index.get_indexer(t["student_id"])
    a_idx = a_index.get_indexer(t["adult_id"])
    src = _codes(t["source"], SOURCES)
    rel = t["reliability"].to_numpy(dtype=float, na_value=np.nan)
    yield "ties", "unknown_student", s_idx < 0, "tie_id"
    yield "ties", "unknown_adult", a_idx < 0, "tie_id"
    yield "ties", "unknown_source", src < 0, "tie_id"
    yield "ties", "staff_mark_tie", src == 2, "tie_id"
    yield "ties", "reliability_out_of_range", (rel < 1) | (rel > 4), "tie_id"
    yield "ties", "unknown_setting", _codes(t["setting"], SETTINGS) < 0, "tie_id"
    yield "ties", "duplicate_tie_id", t["tie_id"].duplicated().to_numpy(), "tie_id"
    wave = t["wave"].to_numpy()
    key = _key(np.maximum(s_idx, 0), np.maximum(a_idx, 0), np.maximum(src, 0), wave)
    yield "ties", "duplicate_tie", pd.Series(key).duplicated().to_numpy(), "tie_id"
    m = tables.staff_marks
    ms = s_index.get_indexer(m["student_id"])
    mst = staff_ids.get_indexer(m["staff_id"])
    yield "staff_marks", "unknown_student", ms < 0, "student_id"
    yield "staff_marks", "unknown_staff", mst < 0, "staff_id"
    mkey = _key(np.maximum(ms, 0), np.maximum(mst, 0), m["wave"].to_numpy())
    yield "staff_marks", "duplicate_mark", pd.Series(mkey).duplicated().to_numpy(), "staff_id"
    c = tables.conditions
    cs = s_index.get_indexer(c["student_id"])
    yield "conditions", "unknown_student", cs < 0, "student_id"
    ckey = _key(np.maximum(cs, 0), c["wave"].to_numpy())
    yield "conditions", "duplicate", pd.Series(ckey).duplicated().to_numpy(), "student_id"
    te = tables.teaching
    yield "teaching", "unknown_student", s_index.get_indexer(te["student_id"]) < 0, "student_id"
    yield "teaching", "unknown_staff", staff_ids.get_indexer(te["staff_id"]) < 0, "staff_id"


def validate_tables(tables, *, errors="raise"):
    """Check the input tables; raise on the first bad record, or skip and count.

    Students and adults must have unique ids (always raised: nothing sensible
    can be computed otherwise). Row problems in ties, staff marks, conditions
    and teaching (unknown student/adult/staff, reliability outside 1-4,
    duplicate ties, ``staff_mark`` rows in ``ties``) raise a ``ValueError``
    naming the record with ``errors="raise"``; with ``errors="skip"`` those
    rows are dropped and counted.

    Returns
    -------
    tables : Tables
        The input (unchanged when nothing was skipped) or a filtered copy.
    skips : dict
        ``{"<table>.<reason>": count}`` for every skipped row.

    Examples
    --------
    >>> from relationships.input_tables import AdultRecord, StudentRecord, TieRecord, to_frames
    >>> t = to_frames(
    ...     students=[StudentRecord(1, school_id=10, grade=4)],
    ...     adults=[AdultRecord(7, kind="family", role="grandparent")],
    ...     ties=[TieRecord(1, 1, 7, "student_survey", 1, reliability=4),
    ...           TieRecord(2, 99, 7, "student_survey", 1, reliability=4)],
    ... )
    >>> validate_tables(t)
    Traceback (most recent call last):
    ...
    ValueError: ties: tie_id 2 is invalid (unknown_student)
    >>> clean, skips = validate_tables(t, errors="skip")
    >>> len(clean.ties), skips
    (1, {'ties.unknown_student': 1})
    """
    if errors not in ("raise", "skip"):
        raise ValueError("errors must be 'raise' or 'skip'")
    _check_columns(tables)
    _check_unique(tables.students, "students", "student_id")
    _check_unique(tables.adults, "adults", "adult_id")
    _check_unique(tables.adults.dropna(subset=["staff_id"]), "adults", "staff_id")
    drop, skips = {}, {}
    for name, reason, bad, id_col in _problems(tables):
        bad = np.asarray(bad, dtype=bool) & ~drop.get(name, np.zeros(len(bad), dtype=bool))
        if not bad.any():
            continue
        if errors == "raise":
            row = getattr(tables, name).iloc[int(np.argmax(bad))]
            raise ValueError(f"{name}: {id_col} {row[id_col]} is invalid ({reason})")
        skips[f"{name}.{reason}"] = int(bad.sum())
        drop[name] = drop.get(name, np.zeros(len(bad), dtype=bool)) | bad
    if not drop:
        return tables, skips
    kept = {n: getattr(tables, n).loc[~d].reset_index(drop=True) for n, d in drop.items()}
    return tables.replace(**kept), skips

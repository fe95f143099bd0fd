"""Turn fired cells of the flag matrix into :class:`Flag` objects (private).

Parameters carry exactly what a sentence needs; evidence is the tie ids the
rule counted (or the staff adult ids for the staff-view rules).
"""

from __future__ import annotations

import numpy as np

from relationships import _core
from relationships.rules import STUDENT_CODES, Flag

__all__ = ["anchor_flags", "no_device", "no_school_view", "student_flags"]


def _grouped(keys, values, n):
    """Return a list (length ``n``) of tuples of ``values`` grouped by ``keys``.

    Slices of one Python list: ``np.split`` into ``n`` small arrays costs ten
    times more at district scale (hundreds of thousands of students).
    """
    if not n:
        return []
    order = np.argsort(keys, kind="stable")
    ends = np.cumsum(np.bincount(keys, minlength=n)).tolist()
    flat = np.asarray(values)[order].tolist()
    return [tuple(flat[start:end]) for start, end in zip([0, *ends[:-1]], ends, strict=True)]


def _params(code, row, m, rules, extra):
    """Return the parameters of ``code`` for measures row ``row`` (dict of lists).

    A student opted out of the student survey (PPRA) named nobody: their flags
    are decided on their family's survey and staff marks alone, and each says
    so (``opted_out``: True).
    """
    params = _code_params(code, row, m, rules, extra)
    if code != "no_data" and m.get("opted_out") and m["opted_out"][row]:
        params["opted_out"] = True
    return params


def _code_params(code, row, m, rules, extra):
    if code == "no_data":
        return {"wave": extra["wave"]}
    if code == "no_reliable_adult":
        return {"count": 0}
    if code == "single_anchor":
        return {"count": 1, "adult_id": m["sole_adult_id"][row]}
    if code == "few_reliable_adults":
        return {"count": m["non_parent"][row], "minimum": rules.few_reliable_minimum}
    if code == "no_school_adult":
        return {"view": extra["view"][row], "named": m["school_student_view"][row],
                "marks": m["trusting_marks"][row]}
    if code == "narrow_web":
        present = [g for g in _core.GROUPS if m[f"setting_{g}"][row] > 0]
        return {"settings": present, "count": len(present), "minimum": rules.narrow_web_minimum}
    if code == "support_gap":
        return {"missing": [k for k in rules.support_gap_types if m[f"type_{k}"][row] == 0]}
    if code == "no_future_guide":
        return {"grade": m["grade"][row], "grades": list(rules.future_grades)}
    if code == "perception_gap":
        return {"marked_not_named": list(extra["unnamed"][row]),
                "named_not_marked": list(extra["unmarked"][row])}
    if code == "access_barrier":
        internet = m["internet"][row]
        return {"internet": internet if internet in rules.barrier_internet else None,
                "no_device": bool(extra["no_device"][row])}
    if code == "lost_adults":
        return {"count": m["reliable"][row], "previous": m["previous"][row],
                "wave": extra["wave"], "previous_wave": extra["wave"] - 1}
    return {"count": m["reliable"][row], "minimum": rules.five_adults_minimum}


def _staff_lists(ctx, pairs_array):
    n_a = ctx.n_adults
    return _grouped((pairs_array // n_a).astype(np.intp),
                    ctx.adult_ids[pairs_array % n_a], ctx.n_students)


def school_tie(m):
    """Per row: what keeps a student clear of ``no_school_adult``.

    A reliable tie to a staff member from any source (the student's naming at
    the district's reliability or met by a ✓, the family's naming), so the
    flag never contradicts the strengths' "at school". A student whose own
    survey is not back is also clear with a staff ✓ (the staff view is all
    there is).
    """
    tie = m["school"].to_numpy() > 0
    own = m["responded_student"].to_numpy(dtype=bool)
    return tie | (~own & (m["trusting_marks"].to_numpy() > 0))


def no_school_view(m):
    """Return "student", "staff", "both" or "" per row for ``no_school_adult``.

    The view says which evidence found no school adult: the student's own
    survey, the school's staff mapping (no ✓ for the student), or both.
    """
    student = m["responded_student"].to_numpy(dtype=bool)
    data = student | m["responded_family"].to_numpy(dtype=bool) | m["marks_any"].to_numpy(
        dtype=bool)
    staff = m["staff_mapped"].to_numpy(dtype=bool) & data & (m["trusting_marks"].to_numpy() == 0)
    view = np.where(student, np.where(staff, "both", "student"), np.where(staff, "staff", ""))
    return np.where(school_tie(m), "", view)


def no_device(m, rules):
    """Per row: answered the device questions and has no device (a phone counts when the
    rules say so): the ``access_barrier`` flag and its ``no_device`` parameter."""
    own = m["device_own"].to_numpy(dtype=bool, na_value=False)
    shared = m["device_shared"].to_numpy(dtype=bool, na_value=False)
    device = own | shared
    if rules.phone_is_device:
        device |= m["device_phone"].to_numpy(dtype=bool, na_value=False)
    answered = m[["device_own", "device_shared", "device_phone", "device_none"]].notna().any(
        axis=1).to_numpy()
    return answered & ~device


def student_flags(ctx, tables, measures, matrix, rules, keep=None):
    """Return the :class:`Flag` list for every fired cell (rows in ``keep`` only)."""
    fired = matrix.to_numpy().copy()  # to_numpy may hand back a read-only view
    if keep is not None:
        fired &= np.asarray(keep, dtype=bool)[:, None]
    if not fired.any():
        return []
    cols = [*measures.columns]
    m = {c: measures[c].tolist() for c in cols}
    m["internet"] = [None if v != v else v for v in measures["internet"].astype(object)]
    view = _core.staff_view(ctx)
    extra = {"wave": ctx.wave, "view": no_school_view(measures).tolist(),
             "no_device": no_device(measures, rules),
             "unnamed": _staff_lists(ctx, view["unnamed_pairs"]),
             "unmarked": _staff_lists(ctx, view["unmarked_pairs"])}
    rel = ctx.t_reliable
    tie_ids = tables.ties["tie_id"].to_numpy()[ctx.t_rows[rel]].tolist()
    evidence = _grouped(ctx.t_s[rel], tie_ids, ctx.n_students)
    ids = m["student_id"]
    flags = []
    for j, code in enumerate(STUDENT_CODES):
        for row in np.flatnonzero(fired[:, j]).tolist():
            if code in ("no_school_adult", "perception_gap"):
                flag_evidence = tuple(extra["unnamed"][row]) + tuple(extra["unmarked"][row])
            elif code in ("no_data", "access_barrier"):
                flag_evidence = ()
            else:
                flag_evidence = evidence[row]
            flags.append(Flag(code, ids[row], _params(code, row, m, rules, extra), flag_evidence))
    return flags


def anchor_flags(anchors, rules, wave):
    """Return staff-level ``anchor_load`` flags from a sole-anchor frame."""
    heavy = anchors.loc[anchors["students"] >= rules.anchor_load_minimum]
    return [
        Flag("anchor_load", None, {"staff_id": staff, "adult_id": adult, "school_id": school,
                                   "students": n, "minimum": rules.anchor_load_minimum,
                                   "wave": wave})
        for adult, staff, school, n in zip(
            heavy["adult_id"].tolist(), heavy["staff_id"].tolist(),
            heavy["school_id"].tolist(), heavy["students"].tolist(), strict=True)
    ]

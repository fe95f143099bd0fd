"""Ranges of hidden cells (propagated, exact) and widening a chain of them (private).

Part of :mod:`relationships.suppression`: the linear programmes (SciPy's
HiGHS) for the values interval propagation leaves close to the protection
level, and the fix for a value given away through relations whose cells are
all hidden.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["exact_narrow", "hideable", "propagate", "widen"]

_INF = math.inf


def hideable(s, key):
    """An empty group (size 0) is never hidden: nobody's secret, and an empty table shows it."""
    n_key = key if key[0] == "n" else s.n_of[key]
    return s.cells[n_key].value != 0


def widen(s, key, by_key):
    """Hide the smallest shown cell of the relation nearest to hidden ``key`` that has one.

    Breadth first through relations whose members are all hidden: a value is
    given away by a chain of them ending in shown cells, and hiding one of
    those adds room to the whole chain.
    """
    seen, queue = {key}, [key]
    while queue:
        nxt = []
        for k in queue:
            for members in by_key.get(k, ()):
                shown = sorted((m for m, _sign in members
                                if not s.cells[m].hidden and hideable(s, m)),
                               key=lambda m: s.cells[m].value)
                if shown:
                    return s.hide(shown[0])
                for m, _sign in members:
                    if m not in seen:
                        seen.add(m)
                        nxt.append(m)
        queue = nxt
    return False


def exact_narrow(s, relations, lo, hi, protection, need):
    """Hidden cells whose exact range (LP relaxation, HiGHS) is narrower than ``protection``.

    Solved for every hidden value, banded ones included: interval propagation
    reads one relation at a time and can leave a value that several pin together
    looking wide (a "≥95" band and its parts' sizes, say).
    """
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    candidates = list(lo)  # every hidden value, banded ones too: other relations can pin them
    if not candidates:
        return []
    index = {k: j for j, k in enumerate(lo)}
    data, rows, cols, rhs = [], [], [], []
    for i, members in enumerate(r for r in relations if any(m in index for m, _ in r)):
        known = 0.0
        for m, sign in members:
            if m in index:
                data.append(sign)
                rows.append(i)
                cols.append(index[m])
            else:
                known += sign * s.cells[m].value
        rhs.append(-known)
    a_eq = coo_matrix((data, (rows, cols)), shape=(len(rhs), len(index))).tocsr()
    ub_data, ub_rows, ub_cols, ub_rhs = [], [], [], []
    for ck, nk in s.n_of.items():  # count <= size, both hidden
        if ck in index and nk in index:
            i = len(ub_rhs)
            ub_data += [1.0, -1.0]
            ub_rows += [i, i]
            ub_cols += [index[ck], index[nk]]
            ub_rhs.append(0.0)
    a_ub = (coo_matrix((ub_data, (ub_rows, ub_cols)), shape=(len(ub_rhs), len(index))).tocsr()
            if ub_rhs else None)
    bounds = [(s.cells[k].lo, None if s.cells[k].hi == _INF else s.cells[k].hi) for k in lo]
    # Each connected part of the system on its own (smaller programmes, same ranges).
    link = abs(a_eq).T @ abs(a_eq)
    if a_ub is not None:
        link = link + abs(a_ub).T @ abs(a_ub)
    _n, label = connected_components(link.tocsr(), directed=False)
    rhs, ub_rhs = np.asarray(rhs, dtype=float), np.asarray(ub_rhs, dtype=float)
    parts = {}
    narrow = []
    for k in candidates:
        part = label[index[k]]
        if part not in parts:
            cols = np.flatnonzero(label == part)
            eq = np.flatnonzero(abs(a_eq[:, cols]).sum(axis=1).A1 > 0)
            ub = (np.flatnonzero(abs(a_ub[:, cols]).sum(axis=1).A1 > 0) if a_ub is not None
                  else np.array([], dtype=int))
            parts[part] = (cols, {
                "A_eq": a_eq[eq][:, cols] if len(eq) else None,
                "b_eq": rhs[eq] if len(eq) else None,
                "A_ub": a_ub[ub][:, cols] if len(ub) else None,
                "b_ub": ub_rhs[ub] if len(ub) else None,
                "bounds": [bounds[c] for c in cols], "method": "highs"})
        cols, args = parts[part]

        def solve(key, cols=cols, args=args):
            cost = np.zeros(len(cols))
            cost[np.searchsorted(cols, index[key])] = 1.0
            low, high = linprog(cost, **args), linprog(-cost, **args)
            ok = low.status == 0 and high.status == 0
            return (low.fun, -high.fun) if ok else (-np.inf, np.inf)

        low, high = solve(k)
        required = need[k]
        nk = s.n_of.get(k)
        if nk is not None and nk in index and high - low < required:
            required = min(required, solve(nk)[1])  # a count within its group's exact size
        if high - low < required - 1e-9:
            narrow.append(k)
    return narrow


def _range(members, k, lo, hi, value, hidden):
    """The range of hidden member ``k`` of ``sum(sign * x) = 0`` given the others' bounds."""
    rest_lo = rest_hi = 0.0
    sign_k = 1
    for m, sign in members:
        if m == k:
            sign_k = sign
            continue
        if hidden(m):
            a, b = lo[m], hi[m]
        else:
            a = b = value(m)
        rest_lo += sign * (a if sign > 0 else b)
        rest_hi += sign * (b if sign > 0 else a)
    # sign_k * x_k = -rest
    low, high = -rest_hi, -rest_lo
    if sign_k < 0:
        low, high = -high, -low
    return max(low, lo[k]), min(high, hi[k])


def propagate(s, rounds=30):
    """Bounds of every hidden cell implied by all relations together (interval propagation)."""
    lo = {k: float(c.lo) for k, c in s.cells.items() if c.hidden}
    hi = {k: float(c.hi) for k, c in s.cells.items() if c.hidden}

    def hidden(k):
        return k in lo

    def value(k):
        return s.cells[k].value

    relations = [[(w, 1), *((p, -1) for p in parts)] for w, parts in s.relations]
    relations = [r for r in relations if sum(hidden(m) for m, _ in r) >= 1]
    for _unused in range(rounds):
        changed = False
        for members in relations:
            for k, _sign in members:
                if not hidden(k):
                    continue
                a, b = _range(members, k, lo, hi, value, hidden)
                if a > lo[k] + 1e-9 or b < hi[k] - 1e-9:
                    lo[k], hi[k] = max(a, lo[k]), min(b, hi[k])
                    changed = True
        for ck, nk in s.n_of.items():  # a count is at most its size
            if hidden(ck):
                top = hi[nk] if hidden(nk) else value(nk)
                if top < hi[ck]:
                    hi[ck], changed = top, True
                if hidden(nk) and lo[ck] > lo[nk]:
                    lo[nk], changed = lo[ck], True
        if not changed:
            break
    return lo, hi, relations

"""Where the school map puts its groups, and how many of its labels overlap.

Pure geometry for :mod:`relationships.school_view`: a group is a box (a header
with a square and/or a label, then a grid of student cells); boxes are packed
into a rectangle shaped like the canvas (2:1), the first group (the students
with no adult at school, or the staff) down the left. Each label gets a reserved
width; the browser cuts a longer label to it ("…", whole name on hover), so no
two labels can overlap once the boxes do not.

Label sizes are estimated here (:func:`text_width`: a generous average glyph width,
wide glyphs counted double); the browser measures the real ones and counts
overlaps again (``data-overlaps`` on the map).

Examples
--------
>>> boxes = [Box(0, 0, 100, 20), Box(50, 10, 100, 20), Box(200, 0, 10, 10)]
>>> label_overlaps(boxes)
1
>>> pack([(300, 300), (100, 40), (100, 40)], ratio=2.0)[0]
(0.0, 0.0)
"""

from __future__ import annotations

import math
import unicodedata
from typing import NamedTuple

__all__ = ["CELL", "GAP", "MAX_LABEL", "Box", "grid", "label_overlaps", "pack", "text_width"]

CELL = 12  # one student's cell in a group's grid (px at zoom 1)
GAP = 18  # between groups
MAX_LABEL = 160  # px: longer labels are cut in the browser, whole on hover


class Box(NamedTuple):
    x: float
    y: float
    w: float
    h: float


def text_width(text: str, size: float) -> float:
    """A generous estimate of ``text``'s width in px at font ``size`` (sans-serif, bold):
    0.62 em a glyph, wide (CJK) glyphs 1 em, combining marks nothing."""
    width = 0.0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.62
    return width * size


def label_overlaps(boxes: list[Box]) -> int:
    """Pairs of boxes that intersect (touching edges do not count).

    Sorted by ``x`` with a sweep, so 10,000 labels cost milliseconds.
    """
    order = sorted(boxes, key=lambda b: b.x)
    count = 0
    for i, a in enumerate(order):
        for b in order[i + 1:]:
            if b.x >= a.x + a.w:
                break
            if a.x < b.x + b.w and b.y < a.y + a.h and a.y < b.y + b.h:
                count += 1
    return count


def _shelves(sizes, width):
    """Top-left corners of ``sizes`` packed in rows no wider than ``width``, and the
    total height."""
    x = y = row = 0.0
    out = []
    for w, h in sizes:
        if x > 0 and x + w > width:
            x, y, row = 0.0, y + row + GAP, 0.0
        out.append((x, y))
        x += w + GAP
        row = max(row, h)
    return out, y + row


def pack(sizes: list[tuple[float, float]], ratio: float = 2.0) -> list[tuple[float, float]]:
    """Top-left corners for boxes of ``sizes`` (width, height), in order: the first down
    the left, the others in rows to its right, with a row width chosen so the whole is
    as large as possible when fitted to a ``ratio`` (width / height) canvas."""
    if not sizes:
        return []
    (w0, h0), rest = sizes[0], sizes[1:]
    if not rest:
        return [(0.0, 0.0)]
    widest = max(w for w, _h in rest)
    total = sum(w + GAP for w, _h in rest)
    best = None
    for step in range(24):
        width = widest + (total - widest) * (step / 23) ** 2
        corners, height = _shelves(rest, width)
        used = max(x + w for (x, _y), (w, _h) in zip(corners, rest, strict=True))
        outer_w, outer_h = w0 + GAP + used, max(h0, height)
        scale = min(ratio / outer_w, 1.0 / outer_h)
        if best is None or scale > best[0]:
            best = (scale, corners)
    left = w0 + GAP
    return [(0.0, 0.0)] + [(left + x, y) for x, y in best[1]]


def grid(n: int, min_width: float) -> tuple[int, int]:
    """Columns and rows of a grid of ``n`` cells at least ``min_width`` wide, squarish."""
    cols = max(1, int(min_width // CELL), math.ceil(math.sqrt(n)))
    return cols, math.ceil(n / cols) if n else 0

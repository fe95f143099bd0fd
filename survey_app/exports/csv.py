"""Streaming CSV writer: ``utf-8-sig`` so Excel reads non-Latin names, every cell formula-safe."""

from __future__ import annotations

import csv
import io
from itertools import islice
from typing import IO

from survey_app.exports.safe import safe_cell
from survey_app.exports.table import Table, cell

_CHUNK = 2000

__all__ = ["write_csv"]


def write_csv(table: Table, out: IO[bytes]) -> int:
    """Write ``table`` to the binary stream ``out``; return the number of data rows."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in table.header])
    count = 0
    rows = iter(table.rows)
    take = (lambda: list(islice(rows, _CHUNK))) if table.escaped else (
        lambda: [list(map(cell, row)) for row in islice(rows, _CHUNK)])
    while chunk := take():
        writer.writerows(chunk)
        count += len(chunk)
    text.flush()
    text.detach()  # the caller owns ``out``
    return count

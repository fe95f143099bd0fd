"""A table to export: a name, translated column headers, and rows streamed one at a time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from survey_app.exports.safe import safe_cell, safe_text

__all__ = ["Table", "cell", "plain"]


@dataclass
class Table:
    name: str  # sheet name (XLSX) or file stem (a folder of CSVs)
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    #: The rows hold only str, int, float, date and None, every str already formula-safe
    #: (:func:`~survey_app.exports.safe.safe_text`): the CSV writer writes them as they are.
    escaped: bool = False


def plain(value: Any) -> Any:
    """NA, NaN and numpy scalars become what the writers know: None, int, float, str."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()  # numpy scalar → Python
    if isinstance(value, float) and value != value:  # NaN
        return None
    if type(value).__name__ in {"NAType", "NaTType"}:
        return None
    if isinstance(value, list | tuple | set | frozenset):
        return "; ".join(str(v) for v in value)
    return value


def cell(value: Any) -> Any:
    """``safe_cell(plain(value))``, with short cuts for the common ``str``, ``int`` and None."""
    kind = type(value)
    if kind is str:
        return safe_text(value)
    if kind is int or value is None:
        return value
    return safe_cell(plain(value))

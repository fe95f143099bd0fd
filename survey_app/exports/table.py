"""A table to export: a name, translated column headers, and rows streamed one at a time."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Table", "plain"]


@dataclass
class Table:
    name: str  # sheet name (XLSX) or file stem (a folder of CSVs)
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]


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

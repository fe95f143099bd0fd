"""The one formula-escaping function for every spreadsheet cell we write.

OWASP "CSV Injection": a cell whose text starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return may run as a formula in Excel, LibreOffice or Google
Sheets, and quoting does not help. Spreadsheets also skip leading spaces
before deciding, and some evaluate each line of a multi-line cell, so we
check after leading whitespace and on every line. A risky line gets a leading
``'``, which the spreadsheet shows as plain text. Numbers (int, float, bool,
dates) are returned untouched so numeric columns stay numeric.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from numbers import Number
from typing import Any
from urllib.parse import quote

__all__ = ["TRIGGERS", "attachment", "safe_cell", "safe_row", "safe_text"]

#: Characters that start a formula (OWASP), plus the full-width forms Excel also accepts.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

_SPACES = " \u00a0\u3000"
_LINE_BREAK = re.compile(r"(\r\n|\r|\n)")
_STARTS = frozenset(TRIGGERS)
_ANY_TRIGGER = re.compile("[" + re.escape("".join(TRIGGERS)) + "]")


def _risky(line: str) -> bool:
    return line.lstrip(_SPACES)[:1] in TRIGGERS


def safe_cell(value: Any) -> Any:
    """Return ``value`` made safe to open in a spreadsheet.

    ``'=HYPERLINK(...)'`` becomes ``"'=HYPERLINK(...)"``; ``"  -1+2"`` becomes
    ``"'  -1+2"``; in ``"Ana\\n@SUM(A1)"`` only the second line gets the quote;
    ``-3`` (a number) and ``"Zoë"`` come back unchanged.
    """
    if value is None or isinstance(value, Number | date):
        return value
    return safe_text(value if isinstance(value, str) else str(value))


def safe_text(text: str) -> str:
    """:func:`safe_cell` for a value known to be a ``str`` (the writers' fast path)."""
    if "\n" not in text and "\r" not in text:  # one line: only how it starts matters
        return "'" + text if text.lstrip(_SPACES)[:1] in _STARTS else text
    if _ANY_TRIGGER.search(text) is None:
        return text
    parts = _LINE_BREAK.split(text)  # lines at even indexes, line breaks at odd ones
    text = "".join("'" + p if i % 2 == 0 and _risky(p) else p for i, p in enumerate(parts))
    return "'" + text if _risky(text) else text  # a cell that starts with a tab or CR


def safe_row(values: list[Any] | tuple[Any, ...]) -> list[Any]:
    """Every cell of a row made safe."""
    return [safe_cell(v) for v in values]


_NOT_PRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NOT_PLAIN = re.compile(r"[^A-Za-z0-9._-]+")


def attachment(name: str) -> str:
    """A ``Content-Disposition`` value for a download named ``name`` (RFC 6266).

    Control characters and line breaks (a school code may hold one) are dropped, path
    separators and quotes become ``_``; ``filename`` is a plain-ASCII fallback and
    ``filename*`` the UTF-8 name, percent-encoded (RFC 8187), so no name can break the
    header or reach outside the download folder.
    """
    clean = _NOT_PRINTABLE.sub("", name).replace("/", "_").replace("\\", "_").strip(" .")
    clean = clean or "download"
    ascii_name = unicodedata.normalize("NFKD", clean).encode("ascii", "ignore").decode()
    fallback = _NOT_PLAIN.sub("_", ascii_name).strip("._") or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(clean, safe='')}"


"""What the app accepts from a request before any view reads it: no control characters,
and numbers parsed strictly with bounds.

* :class:`CleanRequest` drops NUL and the other control characters (tab, line feed and
  carriage return stay) from every query value and every staff form value, so no view,
  form or search can pass one on: PostgreSQL refuses a NUL in text ("a string literal
  cannot contain NUL"), SQLite would store it, and neither is anything a person meant to
  type. The survey pages' forms (blueprint ``respond``) get theirs as sent: their fields
  refuse one with a message in the respondent's language, and nothing reads them raw.
* :func:`whole_number` and :func:`page_number` read a number as plain ASCII digits
  within bounds (``"²".isdigit()`` is true yet ``int("²")`` raises; ``int("٣")`` is 3;
  a 40-digit number overflows a database integer). Used as ``type=`` of
  ``request.args.get``, a bad value is the default.
* :class:`IdConverter` replaces the ``<int:...>`` URL converter: ASCII digits, 1 to
  2**31 - 1 (a database integer), else 404.
"""

from __future__ import annotations

import re

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

__all__ = ["MAX_ID", "MAX_PAGE", "CleanRequest", "IdConverter", "clean_text", "id_number",
           "page_number",
           "whole_number"]

#: The largest id a database integer column holds (PostgreSQL ``integer``).
MAX_ID = 2**31 - 1
#: No list has this many pages; a bigger page number is the first page.
MAX_PAGE = 100_000
#: Whose forms check control characters themselves (and say so to the respondent).
RESPONDENT_BLUEPRINT = "respond"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DIGITS = re.compile(r"-?[0-9]{1,10}")


def clean_text(value: str) -> str:
    """``value`` without NUL and the other control characters (tab and line breaks kept)."""
    return _CONTROL.sub("", value) if _CONTROL.search(value) else value


def _cleaned(values: ImmutableMultiDict) -> ImmutableMultiDict:
    if not any(_CONTROL.search(k) or _CONTROL.search(v) for k, v in values.items(multi=True)):
        return values
    return ImmutableMultiDict([(clean_text(k), clean_text(v))
                               for k, v in values.items(multi=True)])


class CleanRequest(Request):
    """The app's request: query and form values come without control characters."""

    @cached_property
    def args(self) -> ImmutableMultiDict:  # type: ignore[override]
        return _cleaned(super().args)

    def _load_form_data(self) -> None:
        super()._load_form_data()
        if self.blueprint != RESPONDENT_BLUEPRINT:
            self.__dict__["form"] = _cleaned(self.__dict__["form"])


def whole_number(raw: str, *, low: int = -MAX_ID, high: int = MAX_ID) -> int:
    """``raw`` as an int: optional minus, ASCII digits, within ``low``..``high``.

    Raises ValueError otherwise (``request.args.get(..., type=whole_number)`` then gives
    the default)."""
    raw = raw.strip()
    if not _DIGITS.fullmatch(raw):
        raise ValueError(f"not a whole number: {raw[:20]!r}")
    number = int(raw)
    if not low <= number <= high:
        raise ValueError(f"out of range: {number}")
    return number


def page_number(raw: str) -> int:
    """A page number, 1 to ``MAX_PAGE`` (ValueError otherwise)."""
    return whole_number(raw, low=1, high=MAX_PAGE)


def id_number(raw: str) -> int:
    """A database id, 1 to ``MAX_ID`` (ValueError otherwise)."""
    return whole_number(raw, low=1, high=MAX_ID)


class IdConverter(IntegerConverter):
    """``<int:...>`` in a URL: ASCII digits only, at most a database integer."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

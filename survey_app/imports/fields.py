"""Parsing one cell of an import: each parser returns the value or reports a problem.

A parser takes the row, the column and the report; on bad input it records a
problem with file, row and column and returns :data:`BAD` so the caller can go on
and report every problem in the file, not only the first.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from relationships import federal_race_category
from survey_app.imports.package import Row
from survey_app.imports.report import ImportReport
from survey_app.models.enums import Consent

__all__ = ["BAD", "RACE_FLAGS", "federal_race_category", "parse_bool", "parse_consent",
           "parse_date", "parse_grade", "parse_number", "parse_text"]

BAD: Any = object()

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}

#: OneRoster grade codes → our integer grade (0 = kindergarten). None: no grade.
_GRADES = {"IT": -1, "PR": -1, "PK": -1, "TK": 0, "KG": 0, "PS": 13, "UG": None, "OTHER": None}

#: The raw OneRoster demographic flags, kept as given on ``Student.race_flags``.
RACE_FLAGS = ("americanIndianOrAlaskaNative", "asian", "blackOrAfricanAmerican",
              "nativeHawaiianOrOtherPacificIslander", "white", "demographicRaceTwoOrMoreRaces",
              "hispanicOrLatinoEthnicity")
_CONSENT = {"consented": Consent.CONSENTED, "consent": Consent.CONSENTED, "yes": Consent.CONSENTED,
            "opted_out": Consent.OPTED_OUT, "opted out": Consent.OPTED_OUT,
            "opt_out": Consent.OPTED_OUT, "no": Consent.OPTED_OUT,
            "no_answer": Consent.NO_ANSWER, "": Consent.NO_ANSWER}


def parse_text(row: Row, column: str, report: ImportReport, file: str, *, limit: int,
               required: bool = False) -> Any:
    value = row.get(column)
    if not value:
        if required:
            report.problem("required", file=file, row=row.number, column=column)
            return BAD
        return None
    if len(value) > limit:
        report.problem("value_too_long", file=file, row=row.number, column=column, limit=limit)
        return BAD
    return value


def parse_bool(row: Row, column: str, report: ImportReport, file: str) -> Any:
    value = row.get(column).lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if value in {"", "unknown", "null", "n/a"}:
        return None
    report.problem("bad_boolean", file=file, row=row.number, column=column, value=value[:40])
    return BAD


def parse_date(row: Row, column: str, report: ImportReport, file: str) -> Any:
    value = row.get(column)
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        report.problem("bad_date", file=file, row=row.number, column=column, value=value[:40])
        return BAD


def parse_grade(row: Row, column: str, report: ImportReport, file: str) -> Any:
    """The first grade of a OneRoster ``grades`` list; None when none is given."""
    value = row.get(column).split(",")[0].strip().upper()
    if not value:
        return None
    if value in _GRADES:
        return _GRADES[value]
    if value.isascii() and value.isdigit() and 1 <= int(value) <= 13:
        return int(value)
    report.problem("bad_grade", file=file, row=row.number, column=column, value=value[:40])
    return BAD


def parse_number(row: Row, column: str, report: ImportReport, file: str, *,
                 low: float, high: float) -> Any:
    value = row.get(column).rstrip("%").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = float("nan")
    if not low <= number <= high:  # also false for NaN and inf
        report.problem("bad_number", file=file, row=row.number, column=column,
                       value=value[:40], low=low, high=high)
        return BAD
    return number


def parse_consent(row: Row, column: str, report: ImportReport, file: str) -> Any:
    value = row.get(column).strip().lower()
    if value in _CONSENT:
        return _CONSENT[value].value
    report.problem("bad_consent", file=file, row=row.number, column=column, value=value[:40])
    return BAD

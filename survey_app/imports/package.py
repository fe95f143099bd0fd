"""Reading a roster package safely: a folder or a ZIP of CSV files, streamed row by row.

A ZIP from outside is untrusted: we refuse names that point outside the package,
packages that unpack to more than :data:`MAX_TOTAL_BYTES`, members whose
unpacked size is far beyond their packed size (ZIP bombs), and too many files.
Rows are read with the ``csv`` module, one at a time, so memory stays bounded
whatever the size of the district. Headers go through an alias table because
real exports deviate from the standard (``userSourcedId``, ``birthdate``,
``agents``, misspelt race columns).
"""

from __future__ import annotations

import csv
import io
import lzma
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from survey_app.imports.report import ImportReport, PackageError, Problem

__all__ = ["ALIASES", "MAX_FIELD_CHARS", "Package", "Row", "clean_text", "normalise_header",
           "open_package"]

MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 100  # typical CSV packs 5-15x; bombs pack 1000x and more
MAX_MEMBERS = 200
MAX_FIELD_CHARS = 10_000

csv.field_size_limit(MAX_FIELD_CHARS)


#: C0 controls, DEL and C1 controls. NUL cannot be stored by PostgreSQL, and none of them
#: is valid in XML 1.0 (the GraphML export), so none reaches the database: real exports
#: carry them by accident (a vertical tab from a spreadsheet cell, a NUL from a
#: bad conversion), never on purpose, so they are removed with a note rather than refused.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_BREAKS = re.compile("[\t\n\r\x0b\x0c\x85]+")


def clean_text(value: str) -> str:
    """``value`` without control characters; line breaks and tabs become one space."""
    return " ".join(_CONTROL.sub("", _BREAKS.sub(" ", value)).split())


def normalise_header(name: str) -> str:
    """``agentSourcedIds``, ``agent_sourced_ids`` and ``AgentSourcedIDs`` are one header."""
    return re.sub(r"[\s_\-]", "", name.strip().lstrip("\ufeff")).lower()


def _table(spec: dict[str, tuple[str, ...]]) -> dict[str, str]:
    table = {}
    for canonical, aliases in spec.items():
        for name in (canonical, *aliases):
            table[normalise_header(name)] = canonical
    return table


_BASE = {"sourcedId": (), "status": (), "dateLastModified": ()}
#: file stem → {normalised header → canonical header}. Unlisted headers are reported and ignored.
ALIASES: dict[str, dict[str, str]] = {
    "orgs": _table({**_BASE, "name": (), "type": (), "identifier": (),
                    "parentSourcedId": ("parent",)}),
    "users": _table({
        **_BASE, "sourcedId": ("userSourcedId",), "enabledUser": (),
        "orgSourcedIds": ("orgSourcedId", "orgs"), "role": (), "username": (),
        "userIds": ("userId",), "givenName": ("firstName",), "familyName": ("lastName",),
        "middleName": (), "identifier": (), "email": (), "sms": (), "phone": (),
        "agentSourcedIds": ("agents", "agentSourcedId"), "grades": ("grade",), "password": (),
        "userMasterIdentifier": (), "resourceSourcedIds": (),
        "preferredGivenName": ("preferredFirstName",), "preferredMiddleName": (),
        "preferredFamilyName": ("preferredLastName",), "primaryOrgSourcedId": (), "pronouns": (),
    }),
    "roles": _table({**_BASE, "userSourcedId": (), "roleType": (), "role": (), "beginDate": (),
                     "endDate": (), "orgSourcedId": (), "userProfileSourcedId": ()}),
    "demographics": _table({
        **_BASE, "sourcedId": ("userSourcedId",), "birthDate": (), "sex": ("gender",),
        "americanIndianOrAlaskaNative": ("americanIndianAlaskaNative",),
        "asian": (),
        "blackOrAfricanAmerican": ("blackAfricanAmerican",),
        "nativeHawaiianOrOtherPacificIslander": ("nativeHawaiianOrOtherPacificIslanders",
                                                 "nativeHawaiianPacificIslander"),
        "white": (),
        "demographicRaceTwoOrMoreRaces": ("twoOrMoreRaces", "demographicRaceTwoOrMoreRace"),
        "hispanicOrLatinoEthnicity": ("hispanicOrLatino", "hispanicLatinoEthnicity"),
        "countryOfBirthCode": (), "stateOfBirthAbbreviation": (), "cityOfBirth": (),
        "publicSchoolResidenceStatus": (),
    }),
    "classes": _table({**_BASE, "title": (), "grades": (), "courseSourcedId": (),
                       "classCode": (), "classType": (), "location": (), "schoolSourcedId": (),
                       "termSourcedIds": (), "subjects": (), "subjectCodes": (), "periods": ()}),
    "enrollments": _table({**_BASE, "classSourcedId": (), "schoolSourcedId": (),
                           "userSourcedId": (), "role": (), "primary": (), "beginDate": (),
                           "endDate": ()}),
    "manifest": _table({"propertyName": (), "value": ()}),
    "extra": _table({
        "sourcedId": ("userSourcedId", "studentSourcedId"),
        "english_learner": ("englishLearner", "el", "ell", "limitedEnglishProficiency"),
        "disability": ("iep", "iep504", "studentWithDisability"),
        "econ_disadvantaged": ("economicallyDisadvantaged", "econDisadvantaged"),
        "consent": ("surveyConsent",),
        "preferred_language": ("preferredLanguage", "language"),
        "home_language": ("homeLanguage",),
    }),
    "context": _table({
        "sourcedId": ("userSourcedId", "studentSourcedId"), "term": (),
        "attendance_rate": ("attendanceRate", "attendance"),
        "assignment_completion": ("assignmentCompletion", "completion"),
        "grade_average": ("gradeAverage", "gpa"),
    }),
}


@dataclass(frozen=True)
class Row:
    """One data row: canonical header → stripped text; ``number`` counts the header as 1."""

    number: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        return self.values.get(column, "")


class _Counting(io.RawIOBase):
    """Passes bytes through and tells ``progress`` how many went by."""

    def __init__(self, raw: IO[bytes], progress: Callable[[int], None]):
        self._raw, self._progress = raw, progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self._progress(len(data))
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


class Package:
    """The CSV files of a roster package, by lower-case file name."""

    def __init__(self, files: dict[str, tuple[int, Callable[[], IO[bytes]]]],
                 close: Callable[[], None] = lambda: None):
        self._files = files
        self.progress: Callable[[int], None] = lambda _n: None
        self.close = close  # the ZIP's file, when it is one

    def names(self) -> list[str]:
        return sorted(self._files)

    def has(self, name: str) -> bool:
        return name in self._files

    def size(self, name: str) -> int:
        return self._files[name][0] if name in self._files else 0

    def rows(self, name: str, kind: str, report: ImportReport, *,
             required: tuple[str, ...] = ()) -> Iterator[Row]:
        """Yield the rows of ``name``, reporting unknown headers and unreadable lines."""
        if name not in self._files:
            return
        try:
            with self._files[name][1]() as raw:
                yield from read_rows(raw, name, kind, report, required=required,
                                     progress=self.progress)
        except _ZIP_READ_ERRORS as error:
            # A member that cannot be unpacked: damaged (bad CRC, cut short), encrypted,
            # or bigger than the ZIP's directory says. Nothing from this package is saved.
            code = "zip_encrypted" if "encrypted" in str(error) else "zip_damaged"
            raise PackageError(Problem(code, file=name, params={"name": name})) from error


def read_rows(raw: IO[bytes], name: str, kind: str, report: ImportReport, *,
              required: tuple[str, ...] = (),
              progress: Callable[[int], None] = lambda _n: None) -> Iterator[Row]:
    """Stream the rows of one CSV; problems go into ``report`` with file, row and column."""
    stream = io.TextIOWrapper(io.BufferedReader(_Counting(raw, progress)),
                              encoding="utf-8-sig", newline="")
    reader = csv.reader(stream)
    try:
        header = next(reader, None)
        if header is None:
            report.note("empty_file", name=name)
            return
        columns = _map_header(header, name, kind, report, required)
        if columns is None:
            return
        seen = 0
        names = [c or "" for c in columns]  # "" collects the ignored columns, dropped below
        for line, cells in enumerate(reader, start=2):
            if not any(cells):
                continue
            seen += 1
            values = dict(zip(names, map(str.strip, cells), strict=False))
            values.pop("", None)
            if _CONTROL.search("".join(cells)):  # one search a row; cells only when needed
                for column, value in values.items():
                    if _CONTROL.search(value):
                        values[column] = clean_text(value)
                        report.stripped(name, line, column)
            yield Row(line, values)
        if not seen:
            report.note("empty_file", name=name)
    except UnicodeDecodeError:
        report.problem("not_utf8", file=name, row=reader.line_num + 1, line=reader.line_num + 1)
    except csv.Error as error:
        code = "field_too_long" if "field larger" in str(error) else "bad_csv"
        report.problem(code, file=name, row=reader.line_num, limit=f"{MAX_FIELD_CHARS:,}",
                       error=str(error))


def _map_header(header: list[str], name: str, kind: str, report: ImportReport,
                required: tuple[str, ...]) -> list[str | None] | None:
    aliases = ALIASES[kind]
    columns = [aliases.get(normalise_header(h)) for h in header]
    unknown = [h.strip() for h, c in zip(header, columns, strict=True) if c is None and h.strip()]
    if unknown:
        report.note("ignored_columns", name=name, columns=unknown)
    missing = [c for c in required if c not in columns]
    for column in missing:
        report.problem("missing_column", file=name, row=1, column=column, name=column)
    return None if missing else columns


_ZIP_READ_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError,
                    RuntimeError, OSError, lzma.LZMAError)
#: Compression methods Python unpacks: stored, deflate, bzip2, LZMA. Not Deflate64 (9),
#: which Windows Explorer uses for large files, nor PPMd, nor AES (99).
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}


def open_package(path: str | os.PathLike) -> Package:
    """A folder of CSVs or a ZIP, checked before anything is read."""
    path = Path(path)
    if path.is_dir():
        return Package({p.name.lower(): (p.stat().st_size, lambda p=p: p.open("rb"))
                        for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv"})
    if not zipfile.is_zipfile(path):
        with path.open("rb") as head:
            start = head.read(4)
        # A ZIP's first bytes are "PK\x03\x04": a cut-short download keeps them.
        raise PackageError(Problem("zip_damaged" if start.startswith(b"PK") else "not_zip",
                                   params={"name": path.name}))
    try:
        return _open_zip(path)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        raise PackageError(Problem("zip_damaged", params={"name": path.name})) from error


def _open_zip(path: Path) -> Package:
    archive = zipfile.ZipFile(path)
    members = [m for m in archive.infolist() if not m.is_dir()]
    if len(members) > MAX_MEMBERS:
        raise PackageError(Problem("zip_too_many", params={"limit": MAX_MEMBERS}))
    total, files = 0, {}
    for member in members:
        _check_member_name(member.filename)
        total += member.file_size
        if total > MAX_TOTAL_BYTES:
            raise PackageError(Problem("zip_too_big", params={"limit": MAX_TOTAL_BYTES >> 20}))
        if member.file_size > 1024 * 1024 and member.file_size > MAX_RATIO * max(
                member.compress_size, 1):
            raise PackageError(Problem("zip_ratio", params={"name": member.filename}))
        base = PurePosixPath(member.filename).name
        if base.startswith("._") or "__MACOSX" in member.filename:
            continue  # macOS resource forks beside the real files
        if not base.lower().endswith(".csv"):
            continue
        if member.flag_bits & 0x1:
            raise PackageError(Problem("zip_encrypted", params={"name": base}))
        if member.compress_type not in _METHODS:
            raise PackageError(Problem("zip_method", params={"name": base,
                                                             "method": member.compress_type}))
        if base.lower() in files:
            raise PackageError(Problem("duplicate_file", params={"name": base}))
        files[base.lower()] = (member.file_size, lambda m=member: archive.open(m))
    return Package(files, close=archive.close)


def _check_member_name(name: str) -> None:
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if (name.startswith(("/", "\\")) or "\\" in name or ".." in parts
            or (parts and re.match(r"^[A-Za-z]:", parts[0])) or "\x00" in name):
        raise PackageError(Problem("unsafe_name", params={"name": name[:200]}))

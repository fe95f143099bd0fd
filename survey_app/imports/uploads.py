"""Roster files uploaded through the browser, kept between the check and the confirmation.

The web import always checks first: the upload is saved to a private folder
named by a random token (never by the upload's own file name), checked, and
shown as differences; only when the admin confirms is the same file imported.
The token lives in the admin's session, so nobody else can confirm it. A
confirmed or abandoned upload is deleted; abandoned ones after a day.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
from pathlib import Path

from werkzeug.datastructures import FileStorage

__all__ = ["ROOT", "Staged", "discard", "find", "stage"]

ROOT = Path(tempfile.gettempdir()) / "survey-roster-uploads"
MAX_AGE_SECONDS = 24 * 3600


class Staged:
    """An uploaded package (and optional extra CSV) waiting to be confirmed."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.token = folder.name
        self.package = folder / "package.zip"
        extra = folder / "extra.csv"
        self.extra = extra if extra.exists() else None


def stage(package: FileStorage, extra: FileStorage | None = None) -> Staged:
    """Save the uploads under a new token."""
    _forget_old()
    ROOT.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = ROOT / secrets.token_urlsafe(24)
    folder.mkdir(mode=0o700)
    package.save(folder / "package.zip")
    if extra is not None and extra.filename:
        extra.save(folder / "extra.csv")
    return Staged(folder)


def find(token: object) -> Staged | None:
    """The staged upload of ``token`` (from the session), if it is still there."""
    if not isinstance(token, str) or not token or not token.replace("-", "").replace(
            "_", "").isalnum():
        return None
    folder = ROOT / token
    return Staged(folder) if (folder / "package.zip").is_file() else None


def discard(staged: Staged | None) -> None:
    if staged is not None:
        shutil.rmtree(staged.folder, ignore_errors=True)


def _forget_old() -> None:
    if not ROOT.is_dir():
        return
    limit = time.time() - MAX_AGE_SECONDS
    for folder in ROOT.iterdir():
        try:
            if folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            continue

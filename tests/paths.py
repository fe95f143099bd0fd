"""Where the shared material (``../shared`` beside the clone) is, in CI and in worktrees."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    candidates = [os.environ.get("SHARED_DIR"), ROOT.parent / "shared", Path("/work/shared")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "data").is_dir():
            return Path(candidate)
    return ROOT.parent / "shared"


ONEROSTER_SAMPLE = Path(os.environ.get("ONEROSTER_SAMPLE",
                                       shared_dir() / "data" / "oneroster" / "oat-sa-v1p1"))

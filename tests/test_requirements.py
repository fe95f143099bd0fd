"""The lock files: every requirement locked with hashes; no test tool in the runtime lock.

Fails when someone adds a requirement without running `make lock`, with that advice.
"""

from __future__ import annotations

import re
from pathlib import Path

from tools.audit_lock import verdict

ROOT = Path(__file__).resolve().parents[1]
DEV_ONLY = {"pytest", "hypothesis", "playwright", "axe-playwright-python", "openpyxl", "ruff",
            "uv", "pip-audit"}


def _names(path: Path) -> set[str]:
    """Requirement names of a requirements file (``-r`` lines and comments skipped)."""
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            names.add(_canonical(re.split(r"[\[<>=!~; ]", line)[0]))
    return names


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked(path: Path) -> dict[str, list[str]]:
    """name → the hash lines of its pin, from a uv/pip-tools lock."""
    locked: dict[str, list[str]] = {}
    current = None
    for line in path.read_text().splitlines():
        pin = re.match(r"^([A-Za-z0-9_.\-\[\]]+)==", line)
        if pin:
            current = _canonical(pin.group(1).split("[")[0])
            locked[current] = []
        elif current and "--hash=sha256:" in line:
            locked[current].append(line.strip())
    return locked


def test_every_runtime_requirement_is_locked_with_hashes():
    locked = _locked(ROOT / "requirements.lock")
    missing = _names(ROOT / "requirements.txt") - set(locked)
    assert not missing, f"not in requirements.lock: {sorted(missing)}; run `make lock`"
    assert all(locked.values()), "a locked package without hashes; run `make lock`"


def test_every_development_requirement_is_locked_at_the_runtime_versions():
    dev = _locked(ROOT / "requirements-dev.lock")
    missing = (_names(ROOT / "requirements.txt") | _names(ROOT / "requirements-dev.txt")) - set(dev)
    assert not missing, f"not in requirements-dev.lock: {sorted(missing)}; run `make lock`"
    runtime = (ROOT / "requirements.lock").read_text()
    for name in _locked(ROOT / "requirements.lock"):
        pin = re.search(rf"^{re.escape(name)}==(\S+)", runtime, re.M | re.I)
        assert pin, name
        assert re.search(rf"^{re.escape(name)}=={re.escape(pin.group(1))}",
                         (ROOT / "requirements-dev.lock").read_text(), re.M | re.I), name


def test_no_test_tool_is_installed_in_production():
    assert not DEV_ONLY & set(_locked(ROOT / "requirements.lock"))
    assert not DEV_ONLY & _names(ROOT / "requirements.txt")


def test_the_audit_fails_on_a_vulnerability_and_skips_when_it_could_not_look():
    found = {"dependencies": [
        {"name": "flask", "version": "0.1", "vulns": [{"id": "PYSEC-0", "fix_versions": ["1.0"]}]},
        {"name": "six", "version": "1.0", "vulns": []}]}
    status, lines = verdict(found)
    assert status == 1
    assert "flask 0.1: PYSEC-0 (fixed in 1.0)" in lines
    clean = {"dependencies": [{"name": "six", "version": "1.0", "vulns": []}]}
    assert verdict(clean)[0] == 0
    unreachable = {"dependencies": [{"name": "six", "version": "1.0",
                                     "skip_reason": "Dependency not found"}]}
    status, lines = verdict(unreachable)
    assert status == 0
    assert lines[0].startswith("skipped:")
    assert verdict({"error": "ConnectionError"})[0] == 0

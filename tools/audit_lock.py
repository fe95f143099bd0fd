"""Known vulnerabilities of the locked set: ``pip-audit`` against requirements.lock.

    python tools/audit_lock.py [LOCK ...]      (``make audit``; CI runs it)

Exit 0 when no locked package has a known vulnerability; 1 when one has (each listed
with its advisory and the first fixed version); 0 with a clear "skipped" message when
the advisory database cannot be reached (no network, or a mirror that does not serve
it), because then nothing was checked, which is not the same as nothing found.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def audit(lock: Path) -> dict:
    """pip-audit's JSON report for ``lock`` (hashes required, no resolution, no install)."""
    done = subprocess.run(
        [sys.executable, "-m", "pip_audit", "--disable-pip", "--require-hashes", "-r", str(lock),
         "--format", "json", "--progress-spinner", "off"],
        capture_output=True, text=True, timeout=600, check=False)
    try:
        return json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        return {"error": (done.stderr or done.stdout).strip()[-2000:]}


def verdict(report: dict) -> tuple[int, list[str]]:
    """(exit status, lines to print) for one report."""
    if "error" in report:
        return 0, [f"skipped: pip-audit could not reach the advisory database ({report['error']})"]
    deps = report.get("dependencies", [])
    checked = [d for d in deps if "skip_reason" not in d]
    found = [(d, v) for d in checked for v in d.get("vulns", [])]
    if deps and not checked:
        reason = deps[0].get("skip_reason", "")
        return 0, [f"skipped: the advisory database answered for none of the {len(deps)} "
                   f"locked packages, so nothing was checked ({reason})"]
    lines = [f"{d['name']} {d['version']}: {v['id']} (fixed in "
             f"{', '.join(v.get('fix_versions') or ['no release yet'])})" for d, v in found]
    unchecked = len(deps) - len(checked)
    lines.append(f"{len(checked)} locked packages checked, {len(found)} known vulnerabilities"
                 + (f", {unchecked} not known to the database" if unchecked else ""))
    return (1 if found else 0), lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("locks", nargs="*", type=Path, default=[ROOT / "requirements.lock"],
                        help="lock files with hashes (default: requirements.lock)")
    args = parser.parse_args(argv)
    status = 0
    for lock in args.locks:
        code, lines = verdict(audit(lock))
        for line in lines:
            sys.stdout.write(f"{lock.name}: {line}\n")
        status = max(status, code)
    return status


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: flagged CSV and XLSX exports and a OneRoster import on the demo district.

Builds a fresh SQLite demo district (``demo --students N``, not timed), then times, each
in its own process so each has its own peak memory:

- ``export flagged --format csv`` twice, then ``--format xlsx`` (the whole district):
  the first export works out every school's flags and stores them (``csv_cold_s``);
  the others read the stored flags, as every export does until something the flags
  are worked out from is written (``csv_s``, ``xlsx_s``; ``flask refresh-flags``
  stores them ahead, e.g. when a survey window closes). The two CSVs must be equal;
- the district written as a OneRoster 1.2 package (not timed), imported with
  ``import-roster`` into an empty database.

Prints one JSON object on its last line: ``csv_s``, ``csv_cold_s``, ``xlsx_s``, ``import_s``
(wall clock),
``peak_mb`` (the largest peak resident memory of the timed steps), and per-step detail
including ``*_cpu_s`` (user + system seconds of the step's process: on a shared machine the
wall clock mostly measures the neighbours).
Environment: ``EXPORT_STUDENTS`` (default 100000). Targets at 100,000 students:
CSV ≤ 5 s, XLSX ≤ 30 s, import ≤ 60 s (none is set for ``csv_cold_s``).
"""

from __future__ import annotations

import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import _cli  # noqa: E402  (benchmarks/ is the script's own folder)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(args: list[str], env: dict, *, quiet: bool = True) -> float:
    start = time.perf_counter()
    subprocess.run(args, cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL if quiet else None,
                   stderr=subprocess.DEVNULL if quiet else None)
    return time.perf_counter() - start


def _step(args: list[str], env: dict) -> dict:
    """Time one command in a child that reports its own peak memory."""
    probe = ("import resource, runpy, sys; sys.argv = sys.argv[1:]; "
             "import atexit; r = lambda: resource.getrusage(resource.RUSAGE_SELF); "
             "atexit.register(lambda: print('PEAK', r().ru_maxrss, r().ru_utime + r().ru_stime, "
             "file=sys.stderr)); runpy.run_path(sys.argv[0], run_name='__main__')")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", probe, str(BIN / "flask"), *args], cwd=ROOT,
                          env=env, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr[-3000:]}")
    seconds = time.perf_counter() - start
    _label, peak, cpu = next(line.split() for line in done.stderr.splitlines()
                             if line.startswith("PEAK"))
    return {"seconds": round(seconds, 2), "cpu_s": round(float(cpu), 2),
            "peak_mb": round(int(peak) / 1024)}


def _write_package(env: dict, target: Path, extra: Path) -> None:
    code = ("from survey_app import create_app; from survey_app.db import job_session; "
            "from survey_app.demo.oneroster_writer import write_oneroster; "
            "from pathlib import Path; import sys; app = create_app(); "
            "ctx = app.app_context(); ctx.push(); "
            "s = job_session(app).__enter__(); "
            "write_oneroster(session=s, target=Path(sys.argv[1]), extra=Path(sys.argv[2]))")
    subprocess.run([sys.executable, "-c", code, str(target), str(extra)], cwd=ROOT, env=env,
                   check=True)


def main() -> None:
    _cli.parse(__doc__, {'EXPORT_STUDENTS': 'demo students (default 100000)', 'EXPORT_ANALYZE': 'run ANALYZE after the demo load (1)'})
    students = int(os.environ.get("EXPORT_STUDENTS", "100000"))
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    results: dict = {"students": students}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        env = {**os.environ, "SURVEY_DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}"}
        _run([str(BIN / "alembic"), "upgrade", "head"], env)
        print(f"demo: {students} students…", file=sys.stderr)
        results["demo_s"] = round(_run([*flask, "demo", "--students", str(students), "--seed",
                                        "1", "--reset"], env), 1)
        # The demo loader leaves SQLite without planner statistics, and then the
        # caseload's "responded" subqueries scan by wave (see oneroster.refresh_statistics).
        # A production bulk load should ANALYZE; EXPORT_ANALYZE=0 measures without it.
        if os.environ.get("EXPORT_ANALYZE", "1") == "1":
            with sqlite3.connect(tmp / "demo.db") as conn:
                conn.execute("ANALYZE")
        results["analyzed"] = os.environ.get("EXPORT_ANALYZE", "1") == "1"
        # The first export works the flags out and stores them; the next ones read them
        # while nothing they are worked out from has been written (see survey_app.reading.stored_flags).
        for name, fmt in (("csv_cold", "csv"), ("csv", "csv"), ("xlsx", "xlsx")):
            out = tmp / f"{name}.{fmt}"
            step = _step(["--app", "wsgi", "export", "flagged", "--format", fmt, "--out",
                          str(out)], env)
            results[f"{name}_s"], results[f"{name}_peak_mb"] = step["seconds"], step["peak_mb"]
            results[f"{name}_cpu_s"] = step["cpu_s"]
            results[f"{name}_bytes"] = out.stat().st_size
            print(f"flagged {name}: {step}", file=sys.stderr)
        if (tmp / "csv_cold.csv").read_bytes() != (tmp / "csv.csv").read_bytes():
            sys.exit("the export from stored flags differs from the one that worked them out")
        package, extra = tmp / "oneroster.zip", tmp / "extra.csv"
        _write_package(env, package, extra)
        with zipfile.ZipFile(package) as archive:
            with archive.open("users.csv") as users:
                results["import_users"] = sum(1 for _line in users) - 1
        empty = {**os.environ, "SURVEY_DATABASE_URL": f"sqlite:///{tmp / 'empty.db'}"}
        _run([str(BIN / "alembic"), "upgrade", "head"], empty)
        step = _step(["--app", "wsgi", "import-roster", str(package), "--extra", str(extra)],
                     empty)
        results["import_s"], results["import_peak_mb"] = step["seconds"], step["peak_mb"]
        results["import_cpu_s"] = step["cpu_s"]
        print(f"import: {step}", file=sys.stderr)
    results["peak_mb"] = max(results["csv_cold_peak_mb"], results["csv_peak_mb"],
                             results["xlsx_peak_mb"], results["import_peak_mb"])
    results["children_peak_mb"] = round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
    print(json.dumps(results))


if __name__ == "__main__":
    main()

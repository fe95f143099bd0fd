"""Benchmark: ``flask --app wsgi demo --students 100000 --seed 1 --reset`` on a fresh SQLite file.

Runs ``alembic upgrade head`` and the demo command as subprocesses in a temporary directory
(progress bar on stderr passes through), then prints one JSON object on its last line:
{"students": …, "seconds": …, "rows": …, "peak_mb": …}. ``seconds`` times the demo command
only (wall clock); ``cpu_seconds`` its user+system CPU time, which says more than the wall
clock when other jobs share the machine; ``peak_mb`` the peak resident memory. Environment:
``DEMO_STUDENTS`` (default 100000).
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _cli  # noqa: E402  (benchmarks/ is the script's own folder)

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def main() -> None:
    _cli.parse(__doc__, {'DEMO_STUDENTS': 'students to build (default 100000)'})
    students = int(os.environ.get("DEMO_STUDENTS", "100000"))
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SURVEY_DATABASE_URL": f"sqlite:///{Path(tmp) / 'demo.db'}"}
        subprocess.run([str(BIN / "alembic"), "upgrade", "head"], cwd=ROOT, env=env,
                       check=True, capture_output=True)
        print(f"demo: {students} students into a fresh SQLite file…", file=sys.stderr)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", "demo", "--students", str(students),
             "--seed", "1", "--reset"], cwd=ROOT, env=env, check=True,
            stdout=subprocess.PIPE, text=True)
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(done.stdout, file=sys.stderr)
    rows = int(re.search(r"(\d+) rows", done.stdout).group(1))
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(json.dumps({"students": students, "seconds": round(seconds, 1), "rows": rows,
                      "peak_mb": round(after.ru_maxrss / 1024), "cpu_seconds": round(cpu, 1)}))


if __name__ == "__main__":
    main()

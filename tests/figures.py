"""Figures the slow tests measure, printed in the terminal summary by tests/conftest.py.

Under pytest-xdist each worker gathers its own; they travel back to the controller with
the worker's output and are printed there (tests/conftest.py), so a parallel run shows
the same sections as a run in one process.
"""

#: "fault figures": tests/faults (concurrency, killed workers, restarts, fuzzing, jobs).
FAULTS: list[str] = []
#: "browser figures": tests/browser (screens scrolled, double taps, sign-in times).
BROWSER: list[str] = []

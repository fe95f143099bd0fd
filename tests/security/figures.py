"""Counts the security tests gather; tests/conftest.py prints them after the run."""

FIGURES: dict[str, int | str] = {}
#: The names ``add`` counts: under pytest-xdist these are added up across the workers. Any
#: other figure is a value a test set (the same wherever it ran): the controller keeps one.
COUNTED: set[str] = set()


def add(name: str, n: int = 1) -> None:
    COUNTED.add(name)
    FIGURES[name] = int(FIGURES.get(name, 0)) + n

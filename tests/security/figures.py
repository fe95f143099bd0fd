"""Counts the security tests gather; tests/security/conftest.py prints them after the run."""

FIGURES: dict[str, int | str] = {}


def add(name: str, n: int = 1) -> None:
    FIGURES[name] = int(FIGURES.get(name, 0)) + n

"""relationships/ must not import the web app, the database or survey_app."""

import ast
from pathlib import Path

import pytest

FORBIDDEN = {"flask", "flask_babel", "flask_wtf", "sqlmodel", "sqlalchemy", "survey_app"}
PACKAGE = Path(__file__).resolve().parents[2] / "relationships"


def _imported(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module
        elif isinstance(node, ast.Call) and getattr(node.func, "id", "") == "__import__":
            if node.args and isinstance(node.args[0], ast.Constant):
                yield str(node.args[0].value)


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_package_has_modules():
    assert len(MODULES) >= 8


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_forbidden_imports(path):
    bad = {name for name in _imported(path) if name.split(".")[0] in FORBIDDEN}
    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_detector_catches_forbidden_import(tmp_path):
    sample = tmp_path / "bad.py"
    sample.write_text("import os\nfrom flask import g\nimport sqlalchemy.orm as orm\n")
    assert {n.split(".")[0] for n in _imported(sample)} & FORBIDDEN == {"flask", "sqlalchemy"}

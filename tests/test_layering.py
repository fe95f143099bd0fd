"""Imports run one way: no cycles, no upward imports (rules in tests/import_graph.py).

``python tests/import_graph.py`` prints the same findings and the counts.
"""

from __future__ import annotations

import json
import textwrap

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession

from tests import import_graph as graph

EDGES = graph.edges()
KNOWN = set(graph.modules())


def test_the_graph_sees_the_app():
    assert {"survey_app.db.sessions", "survey_app.words.reasons", "relationships.flags",
            "survey_app.demo.shared", "survey_app.imports.oneroster",
            "survey_app.reading.cache"} <= KNOWN
    assert len(EDGES) > 500


def test_no_import_cycles():
    found = graph.cycles(EDGES, KNOWN)
    assert not found, "import cycles: " + "; ".join(" → ".join(c) for c in found)


def test_no_upward_imports():
    found = graph.upward(EDGES)
    assert not found, "upward imports:\n" + "\n".join(
        f"{e.source} (line {e.line}) imports {e.target}: {why}" for e, why in found)


def test_no_blueprint_imports_another():
    found = graph.sideways(EDGES)
    assert not found, "blueprint imports another blueprint:\n" + "\n".join(
        f"{e.source} (line {e.line}) imports {e.target}" for e in found)


def test_the_request_path_never_imports_the_demo():
    users = {e.source for e in EDGES if graph._within(e.target, graph.DEMO)}
    assert users
    assert {u for u in users if not u.startswith(("survey_app.cli", "survey_app.demo"))} == set()


def test_the_factory_turns_on_the_condition_listener(app):
    from survey_app.models import conditions

    assert event.contains(OrmSession, "after_flush", conditions._after_flush)


# The detector itself, on a small tree: it must find what it is for.

def _tree(tmp_path, files: dict[str, str]):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp_path


@pytest.fixture
def planted(tmp_path):
    return _tree(tmp_path, {
        "relationships/__init__.py": "",
        "relationships/a.py": "def f():\n    from relationships import b  # hidden in a function\n",
        "relationships/b.py": "from relationships.a import f\nimport flask\n",
        "survey_app/__init__.py": "",
        "survey_app/models/__init__.py": "from survey_app.services import thing\n",
        "survey_app/services/__init__.py": "",
        "survey_app/services/thing.py": (
            "from typing import TYPE_CHECKING\nfrom survey_app.counsel import views\n"
            "if TYPE_CHECKING:\n    from survey_app.demo import gen\n"),
        "survey_app/services/clean.py": "from . import thing\n",
        "survey_app/counsel/__init__.py": "",
        "survey_app/counsel/views.py": "from survey_app.demo import gen\n",
        "survey_app/demo/__init__.py": "",
        "survey_app/demo/gen.py": "",
        "survey_app/cli/__init__.py": "from survey_app.demo import gen\n",
        "survey_app/admin/__init__.py": "",
        "survey_app/admin/views.py": "from survey_app.counsel.views import x\nfrom . import forms\n",
        "survey_app/admin/forms.py": "",
        "survey_app/jobs/__init__.py": "",
        "survey_app/jobs/views.py": "from survey_app.admin import forms\n",
    })


def test_detector_finds_a_cycle_hidden_in_a_function(planted):
    found = graph.cycles(graph.edges(planted), set(graph.modules(planted)))
    assert found == [["relationships.a", "relationships.b", "relationships.a"]]


def test_detector_finds_each_upward_import(planted):
    found = {(e.source, e.target) for e, _why in graph.upward(graph.edges(planted))}
    assert found == {
        ("relationships.b", "flask"),
        ("survey_app.models", "survey_app.services.thing"),
        ("survey_app.services.thing", "survey_app.counsel.views"),
        ("survey_app.counsel.views", "survey_app.demo.gen"),
    }  # not the TYPE_CHECKING import, the relative one, or the CLI's use of the demo


def test_detector_finds_each_blueprint_importing_another(planted):
    found = {(e.source, e.target) for e in graph.sideways(graph.edges(planted))}
    assert found == {("survey_app.admin.views", "survey_app.counsel.views"),
                     ("survey_app.jobs.views", "survey_app.admin.forms")}
    # not admin.views' own forms


def test_the_script_fails_and_names_the_cycle(planted, capsys):
    assert graph.main(["import_graph.py", str(planted)]) == 1
    out = capsys.readouterr().out
    assert "cycle: relationships.a → relationships.b → relationships.a" in out
    counts = json.loads(out.splitlines()[-1])
    assert "blueprint to blueprint: survey_app.admin.views (line 1) imports " \
        "survey_app.counsel.views" in out
    assert (counts["modules"], counts["cycles"], counts["upward_imports"],
            counts["blueprint_to_blueprint"]) == (18, 1, 4, 2)


LONGEST = 400


def test_no_module_is_over_400_lines():
    """Modules stay small enough to read whole (migrations are generated and left out)."""
    roots = [graph.ROOT / d for d in ("survey_app", "relationships", "tests", "benchmarks")]
    long = {str(p.relative_to(graph.ROOT)): n for root in roots for p in root.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > LONGEST}
    assert long == {}

"""The import graph of survey_app/ and relationships/, its cycles and its upward imports.

Computed from the code (``ast``, nothing is imported), so anyone can run it::

    python tests/import_graph.py            # this checkout
    python tests/import_graph.py /some/old/checkout

It prints every cycle, every upward import and every import from one blueprint into
another, then one JSON object with the counts on its last line, and exits 1 when there
is any. ``tests/test_layering.py`` runs the
same checks in the suite.

An edge is an import written in a module: at its top, inside a function (an import
moved into a function to dodge a circle is still a circle) or under ``try``; only
imports under ``if TYPE_CHECKING:`` are left out, since they never run. ``from a.b
import c`` is an edge to ``a.b.c`` when that is a module, otherwise to ``a.b``.
"""

from __future__ import annotations

import ast
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("survey_app", "relationships")

#: The blueprints: pages and their forms (whole packages, the exports package's own
#: ``__init__``, views and forms beside the export builders, and the job page). Nothing
#: below may import them, and none imports another (forms two blueprints show live in
#: ``survey_app/forms.py``).
BLUEPRINT_PACKAGES = ("survey_app.admin", "survey_app.counsel", "survey_app.main",
                      "survey_app.reminders", "survey_app.respond", "survey_app.staff")
BLUEPRINT_MODULES = ("survey_app.exports", "survey_app.exports.views", "survey_app.exports.forms",
                     "survey_app.jobs.views")
BLUEPRINTS = "blueprints"
#: (who, what it must not import, why): module names or package prefixes.
RULES: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("relationships", ("survey_app", "flask", "flask_babel", "flask_wtf", "flask_login",
                       "sqlalchemy", "sqlmodel"), "the library knows no app and no database"),
    ("survey_app.models", ("survey_app.services", "survey_app.reading", "survey_app.imports",
                           "survey_app.exports", "survey_app.words", "survey_app.cli", BLUEPRINTS),
     "models import no services"),
    ("survey_app.db", ("survey_app.models", "survey_app.services", "survey_app.cli", BLUEPRINTS),
     "the database layer knows no tables and no services"),
    ("survey_app.services", ("survey_app.cli", BLUEPRINTS), "services import no blueprints"),
    ("survey_app.reading", ("survey_app.cli", BLUEPRINTS), "the read side imports no blueprints"),
    ("survey_app.imports", ("survey_app.cli", BLUEPRINTS), "imports import no blueprints"),
    ("survey_app.words", ("survey_app.cli", BLUEPRINTS), "words import no blueprints"),
    ("survey_app.exports.", ("survey_app.cli", BLUEPRINTS), "exports import no blueprints"),
)
#: Only these may import the demo district (besides tests and benchmarks).
DEMO = "survey_app.demo"
DEMO_USERS = ("survey_app.cli", DEMO)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    line: int


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(root: Path = ROOT) -> dict[str, Path]:
    """Every first-party module (migrations and tests are not part of the app)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            found[module_name(path, root)] = path
    return found


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> Iterator[tuple[str, tuple[str, ...], int, int]]:
    """(module, names, level, line) of every import that can run."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, (), 0, node.lineno
        elif isinstance(node, ast.ImportFrom):
            yield node.module or "", tuple(a.name for a in node.names), node.level, node.lineno
        stack.extend(ast.iter_child_nodes(node))


def _absolute(source: str, is_package: bool, module: str, level: int) -> str:
    if not level:
        return module
    base = source.split(".")
    base = base[: len(base) - level + (1 if is_package else 0)]
    return ".".join([*base, module] if module else base)


def edges(root: Path = ROOT) -> list[Edge]:
    """Every import of a first-party module, and of the outside names the rules forbid."""
    known = modules(root)
    out = []
    for source, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for module, names, level, line in _imports(tree):
            target = _absolute(source, path.name == "__init__.py", module, level)
            if not names:
                out.append(Edge(source, target, line))
                continue
            for name in names:
                full = f"{target}.{name}"
                out.append(Edge(source, full if full in known else target, line))
    return sorted(set(out), key=lambda e: (e.source, e.line, e.target))


def _within(name: str, prefix: str) -> bool:
    if prefix.endswith("."):
        return name.startswith(prefix)
    return name == prefix or name.startswith(prefix + ".")


def is_blueprint(name: str) -> bool:
    return name in BLUEPRINT_MODULES or any(_within(name, p) for p in BLUEPRINT_PACKAGES)


def _package(name: str) -> str:
    """The blueprint a module belongs to (survey_app.counsel for survey_app.counsel.views)."""
    return ".".join(name.split(".")[:2])


def _forbids(forbidden: tuple[str, ...], target: str) -> bool:
    return any(is_blueprint(target) if f == BLUEPRINTS else _within(target, f) for f in forbidden)


def upward(all_edges: list[Edge]) -> list[tuple[Edge, str]]:
    """Each import that breaks a layering rule, with the rule's reason."""
    found = []
    for edge in all_edges:
        if _within(edge.target, DEMO) and not any(_within(edge.source, u) for u in DEMO_USERS):
            found.append((edge, "only the CLI, tests and benchmarks use the demo district"))
            continue
        for who, forbidden, why in RULES:
            if (_within(edge.source, who) and not is_blueprint(edge.source)
                    and _forbids(forbidden, edge.target)):
                found.append((edge, why))
                break
    return found


def sideways(all_edges: list[Edge]) -> list[Edge]:
    """Imports from one blueprint into another: each blueprint stands on the layers below
    it, never on another blueprint (what two share goes down a layer)."""
    return [e for e in all_edges if is_blueprint(e.source) and is_blueprint(e.target)
            and _package(e.source) != _package(e.target)]


def cycles(all_edges: list[Edge], known: set[str]) -> list[list[str]]:
    """The import cycles between first-party modules: one shortest cycle per strongly
    connected component (Tarjan's algorithm, iterative), each starting at its least name."""
    graph: dict[str, set[str]] = {m: set() for m in known}
    for e in all_edges:
        if e.target in known and e.target != e.source:
            graph[e.source].add(e.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    components = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(set(component))
    return sorted(_shortest_cycle(graph, c) for c in components)


def _shortest_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """The shortest cycle through the least-named module of a strongly connected component."""
    start = min(component)
    parents = {start: None}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & component):
                if child == start:
                    path = [node]
                    while parents[path[-1]] is not None:
                        path.append(parents[path[-1]])
                    return [*reversed(path), start]
                if child not in parents:
                    parents[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError("a strongly connected component has a cycle")


def main(argv: list[str]) -> int:
    root = Path(argv[1]).resolve() if len(argv) > 1 else ROOT
    known = modules(root)
    all_edges = edges(root)
    found_cycles = cycles(all_edges, set(known))
    found_upward = upward(all_edges)
    out = sys.stdout
    for cycle in found_cycles:
        out.write(f"cycle: {' → '.join(cycle)}\n")
    for edge, why in found_upward:
        out.write(f"upward: {edge.source} (line {edge.line}) imports {edge.target}: {why}\n")
    found_sideways = sideways(all_edges)
    for edge in found_sideways:
        out.write(f"blueprint to blueprint: {edge.source} (line {edge.line}) imports "
                  f"{edge.target}\n")
    out.write(json.dumps({"modules": len(known), "imports": len(all_edges),
                          "cycles": len(found_cycles), "upward_imports": len(found_upward),
                          "blueprint_to_blueprint": len(found_sideways)}) + "\n")
    return 1 if found_cycles or found_upward or found_sideways else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

"""One way to write SQL: ORM ``select()`` / ``update()`` / ``insert()`` / ``delete()`` on the
models, run through the session. Core tables (``Model.__table__``, ``metadata.tables``),
``text()`` and driver SQL (``exec_driver_sql``) only in the hot paths listed here (and in
the README's architecture section), each for a reason that is measured, not taste.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

from tests import import_graph as graph

#: module → why it may write SQL below the ORM.
HOT_PATHS = {
    "survey_app.services.responses": "survey save: statements built once, rows read as "
                                     "plain tuples (every page of every survey)",
    "survey_app.services.submissions": "survey save: the page's submission key, one Core "
                                       "insert per save",
    "survey_app.models.conditions": "survey save: household conditions decoded in the "
                                    "save's flush",
    "survey_app.services.invitations": "survey pages: the staff picker list and its "
                                       "version, read on every adult page",
    "survey_app.i18n": "every page: the district's languages, one statement built once",
    "survey_app.reading.flag_tables": "flag frame loading: a whole school's ties as driver "
                                      "rows (exports)",
    "survey_app.reading.stored_flags": "exports: a school's stored flags inserted in bulk",
    "survey_app.imports.roster_store": "bulk: roster import, Core executemany",
    "survey_app.imports.oneroster": "bulk: ANALYZE after a roster import",
    "survey_app.imports.roster_beside": "bulk, SQLite: a roster import copied back from its "
                                        "worked-out copy (INSERT … SELECT across attached "
                                        "databases) while the write lock is held: ~0.7 s "
                                        "for 30,000 students where the import held it ~9 s",
    "survey_app.demo.load": "bulk: the demo district's load (COPY-sized inserts, TRUNCATE)",
    "survey_app.db.versions": "the database layer: counters bumped inside every write",
    "survey_app.db.writing": "the database layer: SQLite's BEGIN IMMEDIATE",
}


def below_the_orm(path: Path) -> list[tuple[int, str]]:
    """(line, what) of each way of writing SQL below the ORM in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in ("sqlalchemy", "sqlmodel",
                                                                "sqlalchemy.sql"):
            found += [(node.lineno, "text()") for a in node.names if a.name == "text"]
        elif isinstance(node, ast.Attribute):
            if node.attr == "__table__":
                found.append((node.lineno, "Model.__table__"))
            elif node.attr == "exec_driver_sql":
                found.append((node.lineno, "exec_driver_sql"))
            elif node.attr == "tables" and isinstance(node.value, ast.Attribute) \
                    and node.value.attr == "metadata":
                found.append((node.lineno, "metadata.tables"))
    return sorted(found)


def outliers(root: Path = graph.ROOT) -> list[str]:
    out = []
    for name, path in graph.modules(root).items():
        if name.startswith("survey_app") and name not in HOT_PATHS:
            out += [f"{name} (line {line}): {what}" for line, what in below_the_orm(path)]
    return out


def test_sql_below_the_orm_only_in_the_hot_paths():
    found = outliers()
    assert not found, ("SQL below the ORM outside the hot paths (use select() on the models, "
                       "or add the module to HOT_PATHS with why):\n" + "\n".join(found))


def test_every_listed_hot_path_exists_and_needs_it():
    """A hot path that no longer writes SQL below the ORM leaves the list (and the README)."""
    known = graph.modules()
    assert {m for m in HOT_PATHS if m not in known} == set()
    assert {m for m in HOT_PATHS if not below_the_orm(known[m])} == set()


def test_the_readme_names_every_hot_path():
    readme = (graph.ROOT / "README.md").read_text(encoding="utf-8")
    missing = {m for m in HOT_PATHS
               if m.removeprefix("survey_app.").replace(".", "/") + ".py" not in readme}
    assert missing == set()


def test_the_detector_finds_each_way(tmp_path):
    (tmp_path / "survey_app").mkdir()
    (tmp_path / "relationships").mkdir()
    (tmp_path / "survey_app" / "__init__.py").write_text("")
    (tmp_path / "survey_app" / "bad.py").write_text(textwrap.dedent("""\
        from sqlalchemy import select, text
        from sqlmodel import SQLModel
        a = Model.__table__.c.id
        b = SQLModel.metadata.tables["x"]
        conn.exec_driver_sql("SELECT 1")
        c = xlsx.text(1, 2)  # another text: not SQL
        """))
    assert outliers(tmp_path) == [
        "survey_app.bad (line 1): text()", "survey_app.bad (line 3): Model.__table__",
        "survey_app.bad (line 4): metadata.tables", "survey_app.bad (line 5): exec_driver_sql"]

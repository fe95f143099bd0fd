"""The README says what is there: its folder picture names every folder of the repository
and every package and module of ``survey_app/``, its command table every command of the
app, and every command (and subcommand) answers ``--help``.

Before this test the picture had no ``sso.py``, ``reminders/``, ``db/snapshot.py``,
``tools/``, ``docs/`` or ``.ci/``, and the single sign-on section sent admins to a
``flask users create`` that does not exist.
"""

from __future__ import annotations

import re
import subprocess

import click
import pytest

from tests.paths import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
#: Commands Flask and its extensions bring, not ours to describe.
NOT_OURS = {"routes", "run", "shell", "limiter"}


def _picture() -> str:
    """The folder picture: the code block of the Architecture section opening on wsgi.py."""
    section = README[README.index("## Architecture"):]
    start = section.index("```\nwsgi.py")
    return section[start:section.index("```", start + 3)]


def _tracked() -> list[str]:
    try:
        out = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files are unknown")
    return out.splitlines()


def test_the_folder_picture_names_every_folder_and_module():
    words = set(re.findall(r"[\w.]+/?", _picture()))
    tracked = _tracked()
    folders = {path.split("/")[0] + "/" for path in tracked if "/" in path}
    app_parts = {path.split("/")[1] + ("/" if path.count("/") > 1 else "")
                 for path in tracked if path.startswith("survey_app/")}
    missing = sorted((folders | app_parts) - words - {"__init__.py"})
    assert not missing, f"the README's folder picture does not name {missing}"


def _commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _commands(command, (*prefix, name))


def test_every_command_answers_help_and_has_a_line_in_the_readme(app):
    runner = app.test_cli_runner()
    commands = [c for c in _commands(app.cli) if c[0] not in NOT_OURS]
    assert ("jobs", "work") in commands  # subcommands are walked too
    for command in commands:
        result = runner.invoke(args=[*command, "--help"])
        assert result.exit_code == 0, (command, result.output)
        assert "Usage:" in result.output, command
    table = README[README.index("## Commands"):README.index("### Dependencies")]
    undescribed = [" ".join(c) for c in commands if f"`{' '.join(c)}" not in table
                   and not (len(c) > 1 and f"`{c[0]} " in table)]
    assert not undescribed, f"commands without a line in the README's table: {undescribed}"
    named = re.findall(r"`flask (?:--app wsgi )?([a-z-]+)", README)
    top = {c[0] for c in commands}
    assert not set(named) - top - NOT_OURS, f"the README names {set(named) - top}"

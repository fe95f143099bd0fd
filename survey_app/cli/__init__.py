"""``flask --app wsgi …`` commands. Each module lists its commands in ``COMMANDS``."""

import click
from flask import Flask
from flask.cli import with_appcontext


def init_app(app: Flask) -> None:
    """Register every command module; each command runs inside the app context."""
    from survey_app.cli import demo, exports, invitations, jobs, ops, roster, users

    for module in (users, demo, roster, exports, ops, invitations, jobs):
        for command in module.COMMANDS:
            app.cli.add_command(_in_app_context(command))


def _in_app_context(command: click.Command) -> click.Command:
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            _in_app_context(sub)
    elif command.callback is not None and not getattr(command.callback, "_in_app", False):
        command.callback = with_appcontext(command.callback)
        command.callback._in_app = True
    return command

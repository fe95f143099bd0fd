"""``flask --app wsgi …`` commands. Each module adds its own group of commands."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every command module."""
    from survey_app.cli import demo, users

    for module in (users, demo):
        for command in module.COMMANDS:
            app.cli.add_command(command)

"""Data coming in: OneRoster roster packages and context files, read safely and checked.

Each import is one transaction whose :class:`~survey_app.imports.report.ImportReport`
says what it did or would do; :mod:`survey_app.exports` holds what goes out.
"""

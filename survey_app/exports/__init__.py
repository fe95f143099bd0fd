"""Data in and out: roster and context imports, formula-safe exports."""

from survey_app.exports.views import bp

__all__ = ["bp"]

"""Counselor workspace: caseload, student profile and support map, school map, equity view."""

from survey_app.counsel import equity_views, map_views, views  # noqa: F401  (routes on bp)
from survey_app.counsel.views import bp

__all__ = ["bp"]

"""Counselor workspace: caseload, student profile and support map, school map, equity view."""

from survey_app.counsel import (  # noqa: F401  (routes on bp)
    downloads,
    equity_views,
    map_views,
    views,
)
from survey_app.counsel.views import bp

__all__ = ["bp"]

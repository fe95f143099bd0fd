"""What people read: flag reasons as sentences, display names of codes, grade names.

Below the blueprints and above nothing but the services' constants, so services,
exports, admin and counselor pages all say the same thing the same way. The app
factory registers the template functions (:func:`init_app`), not a blueprint.
"""

from __future__ import annotations

from flask import Flask

from survey_app.words import labels


def init_app(app: Flask) -> None:
    """Every page shows grades and gaps the same way (``_macros/pager.html`` ``grade()``)."""
    app.add_template_global(labels.grade_name, "grade_name")
    app.add_template_global(labels.gap_points, "gap_points")

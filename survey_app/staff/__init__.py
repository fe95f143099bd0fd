from survey_app.staff import classes  # noqa: F401  (routes on bp)
from survey_app.staff.views import bp

__all__ = ["bp"]

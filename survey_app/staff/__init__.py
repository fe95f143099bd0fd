from survey_app.staff import (
    account,  # noqa: F401  (routes on bp)
    my_students,  # noqa: F401  (routes on bp)
)
from survey_app.staff.views import bp

__all__ = ["bp"]

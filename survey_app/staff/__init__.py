from survey_app.staff import (  # noqa: F401  (routes on bp)
    account,
    classes,
    my_students,
    sso,
)
from survey_app.staff.views import bp

__all__ = ["bp"]

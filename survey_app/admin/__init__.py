from survey_app.admin import sign_in  # noqa: F401  (routes on bp)
from survey_app.admin.views import bp

__all__ = ["bp"]

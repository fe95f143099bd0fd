from survey_app.staff.views import bp

__all__ = ["bp"]

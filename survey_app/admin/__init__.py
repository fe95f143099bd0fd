from survey_app.admin.views import bp

__all__ = ["bp"]

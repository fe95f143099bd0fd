from survey_app.main.views import bp

__all__ = ["bp"]

from survey_app.respond.views import bp

__all__ = ["bp"]

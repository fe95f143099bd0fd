from survey_app.reminders.views import bp

__all__ = ["bp"]

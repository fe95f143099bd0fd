"""The services' tests use the counsel tests' small school (``story``)."""

from tests.survey_app.counsel.conftest import story  # noqa: F401

"""The roster folders written from text are shared with the export tests (upload views)."""

from tests.survey_app.exports.conftest import extra_csv, roster  # noqa: F401  (fixtures)

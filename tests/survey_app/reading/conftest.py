"""The read side's tests use the counsel tests' small school and the export tests' surveyed pair."""

from tests.survey_app.counsel.conftest import story  # noqa: F401
from tests.survey_app.exports.conftest import surveyed  # noqa: F401

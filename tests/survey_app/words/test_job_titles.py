"""words/honorifics.job_title: OneRoster's staff roles in every language, anything else as is."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from survey_app.imports.roster_rows import STAFF_ROLES
from survey_app.words.honorifics import JOB_TITLES, job_title

LANGUAGES = ("en", "es", "ar", "fa", "ht", "ko", "pt", "ru", "so", "vi", "zh_Hans")


def test_every_staff_role_the_import_keeps_has_words():
    assert set(JOB_TITLES) >= STAFF_ROLES


@pytest.mark.parametrize("lang", LANGUAGES[1:])
def test_roles_are_translated_and_other_titles_kept(app, lang):
    with app.test_request_context(), force_locale(lang):
        for role in sorted(STAFF_ROLES):
            worded = job_title(role)
            assert worded, role
            with force_locale("en"):
                english = job_title(role)
            assert worded != english, (lang, role)  # translated, not the English fallback
            assert job_title(role.upper()) == worded
        assert job_title("Math Teacher") == "Math Teacher"
        assert job_title("<b>x</b>") == "<b>x</b>"  # escaped by the template, as any text
        assert job_title(None) is None
        assert job_title("") == ""

"""A language is offered only when its catalog is complete; the shipped ones must be."""

from pathlib import Path

import pytest

from survey_app.config import LANGUAGES, ROOT
from survey_app.i18n import catalog_gaps, complete_languages

CATALOGS = sorted((ROOT / "translations").glob("*/LC_MESSAGES/messages.po"))


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parts[-3])
def test_every_shipped_catalog_is_complete(po: Path):
    untranslated, fuzzy = catalog_gaps(po)
    assert (untranslated, fuzzy) == (0, 0), (
        f"{po.parts[-3]}: {untranslated} untranslated, {fuzzy} fuzzy — run `make translations` "
        "and fill them in"
    )


def test_foundation_languages_are_shipped():
    shipped = {po.parts[-3] for po in CATALOGS}
    assert {"es", "ar"} <= shipped


def test_an_incomplete_catalog_is_not_offered(tmp_path):
    folder = tmp_path / "xx" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "messages.po").write_text('msgid ""\nmsgstr ""\n\nmsgid "Hello"\nmsgstr ""\n')
    (folder / "messages.mo").write_bytes(b"")
    assert complete_languages(tmp_path, ("en", "xx"), "en") == ["en"]


def test_offered_languages_are_configured_ones(app):
    assert set(app.config["OFFERED_LANGUAGES"]) <= set(LANGUAGES)

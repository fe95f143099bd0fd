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


def _babel_gaps(po: Path) -> tuple[int, int]:
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh)
    real = [m for m in catalog if m.id]
    untranslated = sum(not all(m.string if isinstance(m.string, tuple) else (m.string,))
                       for m in real)
    return untranslated, sum(m.fuzzy for m in real)


SAMPLE_PO = r'''msgid ""
msgstr ""
"Plural-Forms: nplurals=2; plural=(n != 1);\n"

msgid "Done"
msgstr "Hecho"

#, fuzzy
msgid "Maybe"
msgstr "Quizá"

msgid ""
"A long "
"message"
msgstr ""

msgid "%(n)d adult"
msgid_plural "%(n)d adults"
msgstr[0] "%(n)d adulto"
msgstr[1] ""

msgid "Wrapped"
msgstr ""
"Envuelto"

#~ msgid "Old"
#~ msgstr ""
'''


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parts[-3])
def test_the_fast_scan_reads_catalogs_as_babel_does(po: Path):
    assert catalog_gaps(po) == _babel_gaps(po)


def test_the_fast_scan_counts_blanks_plurals_and_fuzzy(tmp_path):
    po = tmp_path / "messages.po"
    po.write_text(SAMPLE_PO, encoding="utf-8")
    assert catalog_gaps(po) == _babel_gaps(po) == (2, 1)


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


@pytest.fixture(scope="module")
def extracted_ids(tmp_path_factory) -> set[str]:
    """Every msgid marked in the code now (what `make translations` would extract)."""
    import subprocess
    import sys

    from babel.messages.pofile import read_po

    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-k", "ngettext:1,2", "-k", "lazy_ngettext:1,2",
         "--no-location", "-o", str(pot), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    with pot.open("rb") as fh:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}


@pytest.mark.parametrize("po", CATALOGS, ids=lambda p: p.parts[-3])
def test_every_catalog_covers_every_string_in_the_code(po: Path, extracted_ids):
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        present = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    missing = sorted(extracted_ids - present)
    assert not missing, (
        f"{po.parts[-3]} lacks {len(missing)} strings (run `make translations` and translate "
        f"them): {missing[:5]}"
    )

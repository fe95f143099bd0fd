"""Locale selection, text direction and the language switcher."""

import pytest

from survey_app.i18n import html_lang, native_name, text_direction


def test_english_by_default(client):
    assert b'<html lang="en" dir="ltr">' in client.get("/").data


@pytest.mark.parametrize(
    ("code", "tag"), [("es", b'lang="es" dir="ltr"'), ("ar", b'lang="ar" dir="rtl"')]
)
def test_lang_argument_sets_language_and_direction(client, code, tag):
    assert tag in client.get(f"/?lang={code}").data


def test_choice_is_remembered_in_the_session(client):
    client.get("/?lang=ar")
    assert b'lang="ar" dir="rtl"' in client.get("/").data


def test_accept_language_is_used_without_a_choice(client):
    page = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert b'lang="es"' in page.data


def test_explicit_choice_beats_accept_language(client):
    page = client.get("/?lang=ar", headers={"Accept-Language": "es"})
    assert b'lang="ar"' in page.data


def test_unknown_language_is_a_clear_400_in_the_current_language(client):
    client.get("/?lang=es")
    page = client.get("/?lang=xx")
    assert page.status_code == 400
    assert b'lang="es"' in page.data
    assert b"No tenemos ese idioma" in page.data


def test_switcher_names_each_language_in_itself(client):
    page = client.get("/").get_data(as_text=True)
    assert "español" in page
    assert "العربية" in page


def test_switcher_keeps_other_query_arguments(app):
    from survey_app.i18n import lang_url

    with app.test_request_context("/staff/?grade=3&lang=en"):
        assert lang_url("es") == "/staff/?grade=3&lang=es"


@pytest.mark.parametrize(
    ("code", "direction", "tag"),
    [("ar", "rtl", "ar"), ("fa", "rtl", "fa"), ("ur", "rtl", "ur"), ("en", "ltr", "en"),
     ("zh_Hans", "ltr", "zh-Hans")],
)
def test_direction_and_bcp47(code, direction, tag):
    assert text_direction(code) == direction
    assert html_lang(code) == tag


def test_native_names():
    assert native_name("es") == "español"
    assert native_name("ar") == "العربية"
    assert native_name("zh_Hans").startswith("中文")


def test_district_can_narrow_the_languages_offered(client, session, world):
    from survey_app.models import DistrictSettings

    session.add(DistrictSettings(district_id=world.district.id, languages=["es"]))
    session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "español" in page
    assert "العربية" not in page
    assert client.get("/?lang=ar").status_code == 400
    assert client.get("/?lang=en").status_code == 200  # the default language always stays


def test_settings_may_offer_every_complete_language(app, session, world):
    from survey_app.i18n import complete_languages_here
    from survey_app.models import DistrictSettings

    session.add(DistrictSettings(district_id=world.district.id, languages=["es"]))
    session.commit()
    with app.test_request_context("/"):
        assert "ar" in complete_languages_here()


def test_a_catalog_completed_after_start_is_offered_without_a_restart(make_app, tmp_path):
    """A worker that started while es was being rewritten (a checkout, a merge) used to
    answer ``?lang=es`` with 400 for the rest of its life (the fault suite's flake)."""
    import shutil

    from survey_app.config import ROOT

    folder = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", folder)
    po = folder / "es" / "LC_MESSAGES" / "messages.po"
    whole = po.read_text(encoding="utf-8")
    po.write_text(whole + '\nmsgid "Not yet"\nmsgstr ""\n', encoding="utf-8")  # mid-update
    app = make_app(BABEL_TRANSLATION_DIRECTORIES=str(folder))
    assert "es" not in app.config["OFFERED_LANGUAGES"]
    client = app.test_client()
    assert client.get("/?lang=es").status_code == 400
    po.write_text(whole, encoding="utf-8")
    page = client.get("/?lang=es")
    assert page.status_code == 200
    assert 'lang="es"' in page.get_data(as_text=True)
    assert client.get("/?lang=xx").status_code == 400  # never configured: still refused

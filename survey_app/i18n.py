"""Languages: one locale selector, text direction, and which languages are offered.

A language is *offered* only while its compiled catalog exists and its ``.po``
has no untranslated or fuzzy entry (ODK shows no blanks; neither do we).

SQL below the ORM (a hot path, see the README and ``tests/test_sql_style.py``): every
page: the district's languages, one statement built once.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlencode

from babel import Locale
from flask import Flask, abort, current_app, g, request, session
from flask_babel import get_locale, refresh
from flask_babel import lazy_gettext as _l

from survey_app.extensions import babel

RTL_SCRIPTS = frozenset({"rtl"})


def init_app(app: Flask) -> None:
    """Bind Flask-Babel with our selector and expose locale helpers to templates."""
    babel.init_app(app, locale_selector=select_locale)
    app.config["OFFERED_LANGUAGES"] = complete_languages(
        Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]),
        tuple(app.config["LANGUAGES"]),
        app.config["BABEL_DEFAULT_LOCALE"],
    )
    app.before_request(_remember_explicit_choice)
    app.context_processor(_template_helpers)


def complete_languages_here() -> list[str]:
    """Every configured language whose catalog is complete (what settings may offer)."""
    return current_app.config["OFFERED_LANGUAGES"]


def offered_languages() -> list[str]:
    """Languages a person may choose here: complete catalogs the district chose to offer.

    Read once per request; with no choice saved (or no database to ask) every complete
    language is offered, and the default language always is.
    """
    if "offered_languages" not in g:
        use_district_choice(_district_choice())
    return g.offered_languages


def use_district_choice(chosen) -> None:
    """Offer, for this request, what the district chose (``district_settings.languages``
    as a caller read it in this request's transaction, e.g. with ``district_languages()``
    in a statement it runs anyway); nothing changes once the request has decided."""
    if "offered_languages" in g:
        return
    complete = complete_languages_here()
    chosen = set(chosen or ())
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    g.offered_languages = (
        [c for c in complete if c in chosen or c == default] if chosen else complete
    )


@lru_cache(maxsize=1)
def district_languages():
    """The district's chosen languages as a column (a scalar subquery) for another
    statement, so a request that runs one anyway needs no statement of its own."""
    return _languages_query().scalar_subquery().label("district_languages")


@lru_cache(maxsize=1)
def _languages_query():
    """``SELECT languages FROM district_settings``, built once (a Core statement on the
    session's connection: no ORM compile or cache-key work on every request)."""
    from sqlalchemy import select

    from survey_app.models import DistrictSettings

    return select(DistrictSettings.__table__.c.languages).limit(1)


def _district_choice() -> set[str]:
    from sqlalchemy.exc import SQLAlchemyError

    from survey_app.db import get_session

    try:
        chosen = get_session().connection().execute(_languages_query()).scalar()
    except SQLAlchemyError:  # the error page of a database outage must still render
        try:
            get_session().rollback()
        except SQLAlchemyError:  # the connection went down with the statement
            pass
        return set()
    return set(chosen or ())


def select_locale() -> str:
    """Explicit choice (``?lang=``, then the session) → Accept-Language → default."""
    offered = offered_languages()
    chosen = g.get("explicit_lang") or session.get("lang")
    if chosen in offered:
        return chosen
    best = request.accept_languages.best_match(offered)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def _remember_explicit_choice() -> None:
    requested = request.args.get("lang")
    if requested is None:
        return
    if requested not in offered_languages() and not _completed_since_start(requested):
        abort(400, description=_l("We do not have that language. Please choose one from the list."))
    choose_language(requested)


def _completed_since_start(code: str) -> bool:
    """A configured language whose catalog was not complete when this process started
    but is now: offered from now on, without a restart.

    Which languages are complete is read once per process from the catalog files. A
    worker that starts while a catalog is being rewritten (a checkout, a merge,
    ``make translations``) saw it incomplete and refused ``?lang=`` for it with 400 for
    the rest of its life: the fault suite's 400 on ``/survey/home?lang=es`` under load.
    Only a configured language is read again (one line scan, ~2 ms), so a made-up
    ``?lang=`` costs nothing.
    """
    config = current_app.config
    if code not in config["LANGUAGES"] or code in config["OFFERED_LANGUAGES"]:
        return False
    folder = Path(config["BABEL_TRANSLATION_DIRECTORIES"]) / code / "LC_MESSAGES"
    if not (folder / "messages.mo").exists() or not (folder / "messages.po").exists():
        return False
    if catalog_gaps(folder / "messages.po") != (0, 0):
        return False
    config["OFFERED_LANGUAGES"] = [c for c in config["LANGUAGES"]
                                   if c in config["OFFERED_LANGUAGES"] or c == code]
    g.pop("offered_languages", None)
    return code in offered_languages()


def choose_language(code: str) -> None:
    """Make ``code`` (an offered language) this request's and the session's language."""
    g.explicit_lang = code
    session["lang"] = code
    refresh()  # a locale this request already looked up is looked up again


def text_direction(code: str) -> str:
    """``rtl`` for Arabic, Persian, Urdu…; ``ltr`` otherwise."""
    return _locale(code).text_direction


def html_lang(code: str) -> str:
    """BCP 47 tag for ``<html lang>``: Babel's ``zh_Hans`` is ``zh-Hans``."""
    return code.replace("_", "-")


def native_name(code: str) -> str:
    """A language named in itself (``español``, ``العربية``, ``中文``)."""
    locale = _locale(code)
    name = locale.language_name or code
    if locale.script == "Hans":
        name = f"{name}（{locale.scripts.get('Hans', 'Hans')}）"
    return name


@lru_cache(maxsize=64)
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def _template_helpers() -> dict:
    current = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
    return {
        "current_lang": current,
        "html_lang": html_lang(current),
        "text_dir": text_direction(current),
        "language_choices": [
            {"code": c, "name": native_name(c), "lang": html_lang(c), "dir": text_direction(c),
             "url": lang_url(c)}
            for c in offered_languages()
        ],
    }


def lang_url(code: str) -> str:
    """This page's URL with ``lang`` set to ``code`` (other query arguments kept)."""
    args = request.args.to_dict(flat=False)
    args["lang"] = [code]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def catalog_gaps(po_path: Path) -> tuple[int, int]:
    """Count untranslated and fuzzy entries of one ``.po`` file.

    A line scan, not ``babel.messages.pofile.read_po``: every process start
    checks every catalog, and the full parser took ~1.6 s of CPU for eleven of
    them. The catalog tests hold this to Babel's own reading of every shipped file.
    """
    untranslated = fuzzy = 0
    entry: dict = {"msgid": None, "fuzzy": False, "strings": []}
    field = None

    def close() -> None:
        nonlocal untranslated, fuzzy
        if entry["msgid"]:
            fuzzy += entry["fuzzy"]
            untranslated += not all(entry["strings"])

    for raw in po_path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("#,") and "fuzzy" in line:
            entry["pending_fuzzy"] = True
        elif line.startswith("msgid "):
            close()
            entry = {"msgid": _quoted(line[6:]), "fuzzy": entry.get("pending_fuzzy", False),
                     "strings": []}
            field = "msgid"
        elif line.startswith("msgid_plural "):
            field = "plural"
        elif line.startswith("msgstr"):
            entry["strings"].append(_quoted(line.split(" ", 1)[1]))
            field = "msgstr"
        elif line.startswith('"') and field == "msgid":
            entry["msgid"] += _quoted(line)
        elif line.startswith('"') and field == "msgstr":
            entry["strings"][-1] += _quoted(line)
    close()
    return untranslated, fuzzy


def _quoted(text: str) -> str:
    text = text.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == '"' else text


@lru_cache(maxsize=8)
def complete_languages(directory: Path, languages: tuple[str, ...], default: str) -> list[str]:
    """The configured languages whose catalog is compiled and complete (the default always is)."""
    offered = []
    for code in languages:
        folder = directory / code / "LC_MESSAGES"
        if code == default:
            offered.append(code)
        elif (folder / "messages.mo").exists() and (folder / "messages.po").exists():
            if catalog_gaps(folder / "messages.po") == (0, 0):
                offered.append(code)
    return offered

"""A reminder's words: rendered from translated templates in the invitation's language.

``templates/email/reminder.txt`` and ``reminder.html`` are rendered with the
recipient's locale forced (``flask_babel.force_locale``), so every word comes from
that language's catalog; the HTML part carries ``lang`` and ``dir`` (``rtl`` for
Arabic and Persian). Each message holds the survey's code and link and a link to
stop reminders, signed so that nobody can stop another family's reminders by
guessing, and valid forever (the opt-out it records is kept forever too).
"""

from __future__ import annotations

from flask import Flask
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from survey_app.i18n import html_lang, text_direction
from survey_app.services.invitations import Access
from survey_app.services.reminder_audience import Recipient
from survey_app.services.senders import Message

_SALT = "reminder-opt-out"


def _serializer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def opt_out_token(*, secret: str, key: str, household_id: int | None, language: str) -> str:
    """The signed part of a stop link: the address digest, its household, the language."""
    return _serializer(secret).dumps({"k": key, "h": household_id, "l": language})


def read_opt_out_token(*, secret: str, token: str) -> dict | None:
    """The token's contents, or None when it was not signed by us (or is malformed)."""
    if not token or len(token) > 400:
        return None
    try:
        data = _serializer(secret).loads(token)
    except BadSignature:
        return None
    if not (isinstance(data, dict) and isinstance(data.get("k"), str) and len(data["k"]) == 64
            and (data.get("h") is None or isinstance(data.get("h"), int))
            and isinstance(data.get("l"), str)):
        return None
    return data


def opt_out_url(base_url: str, token: str, language: str) -> str:
    return f"{base_url.rstrip('/')}/reminders/stop/{token}?lang={language}"


def build(app: Flask, recipient: Recipient, access: Access, *, stop_url: str,
          school_name: str) -> Message:
    """The message to ``recipient``, all in ``recipient.language`` (needs an app context)."""
    language = recipient.language
    values = {"code": access.code, "url": access.url, "stop_url": stop_url,
              "school": school_name, "via": recipient.via}
    with force_locale(language):
        subject = (_("A reminder: your child's survey") if recipient.via == "household"
                   else _("A reminder: your family's survey") if recipient.via == "family"
                   else _("A reminder: your survey"))
        text = app.jinja_env.get_template("email/reminder.txt").render(
            subject=subject, **values)
        html = app.jinja_env.get_template("email/reminder.html").render(
            subject=subject, lang=html_lang(language), dir=text_direction(language), **values)
    return Message(channel=recipient.channel, to=recipient.address, subject=subject, text=text,
                   html=html, language=language,
                   headers={"List-Unsubscribe": f"<{stop_url}>",
                            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})

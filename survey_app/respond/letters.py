"""Printable invitation letters: one page per student or family, each in its own language."""

from __future__ import annotations

import segno
from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup

from survey_app.i18n import html_lang, text_direction
from survey_app.services import invitations


def qr_svg(url: str) -> Markup:
    """The link as an inline SVG QR code (segno; nothing leaves the server)."""
    svg = segno.make(url, error="m").svg_inline(scale=4, border=2, omitsize=True)
    return Markup(svg)


def render_letters(rows: list[dict], *, secret: str, base_url: str, offered: list[str]) -> Markup:
    """Each letter rendered in the family's language (English when that one is not offered)."""
    parts = []
    for row in rows:
        inv = row["invitation"]
        access = invitations.access(inv, secret=secret, base_url=base_url)
        language = inv.language if inv.language in offered else "en"
        names = [k.preferred_name or k.given_name for k in row["children"]]
        with force_locale(language):
            parts.append(render_template(
                "respond/_letter.html", inv=inv, access=access, qr=qr_svg(access.url),
                names=names, school=row["school_names"], start_url=base_url,
                lang=html_lang(language), dir=text_direction(language)))
    return Markup("".join(parts))

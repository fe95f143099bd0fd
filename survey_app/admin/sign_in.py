"""The district's staff sign-in setting: whether passwords are taken beside single sign-on.

Turning passwords off needs a configured OpenID Connect provider (``survey_app.sso``): with
none, the setting cannot be turned off, and a stored "off" is not obeyed
(``signin.password_allowed``), so no district is ever locked out.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey_app import sso
from survey_app.admin.views import bp
from survey_app.audited import audited
from survey_app.auth import permission_required
from survey_app.db import get_session
from survey_app.services import settings as settings_service


@bp.post("/settings/sign-in")
@permission_required("settings.edit")
@audited.by_view({"POST": "settings_change"}, when="the setting changed (service)")
def sign_in_setting():
    """Turn password sign-in on or off for the district's staff."""
    allowed = request.form.get("password_sign_in") == "on"
    if not allowed and not sso.providers():
        flash(_("Password sign-in stays on until a single sign-on provider is configured: "
                "otherwise no one could sign in."), "error")
        return redirect(url_for("admin.settings", _anchor="sign-in"), 303)
    db = get_session()
    stored = settings_service.get_settings(session=db, district_id=current_user.district_id,
                                           create=True)
    changed = settings_service.set_password_sign_in(
        session=db, settings=stored, staff_id=current_user.id, allowed=allowed,
        ip=request.remote_addr)
    db.commit()
    flash(_("Settings saved.") if changed else _("Nothing changed."), "success")
    return redirect(url_for("admin.settings", _anchor="sign-in"), 303)

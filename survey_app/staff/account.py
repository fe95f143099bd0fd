"""A staff member's own account: how students address them ("Ms. Brown"), and the
password (the current one required; every other session of the account ends)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from survey_app import signin, throttle
from survey_app.audited import audited
from survey_app.auth import permission_required, start_session
from survey_app.db import get_session
from survey_app.models import StaffUser
from survey_app.services import audit, passwords, users
from survey_app.staff.forms import HonorificForm, PasswordChangeForm
from survey_app.staff.views import bp
from survey_app.words.honorifics import honorific_choices, staff_name


def _problems() -> dict[str, str]:
    """Why a new password is refused, in the reader's language."""
    return {
        "wrong_old": _("That is not your current password."),
        "same": _("Please choose a password different from the current one."),
        passwords.TOO_SHORT: _("Use at least %(num)d characters.", num=passwords.MIN_LENGTH),
        passwords.TOO_LONG: _("Use at most %(num)d characters.", num=passwords.MAX_LENGTH),
        passwords.ONE_CHARACTER: _("A password cannot be one character repeated or only spaces."),
        passwords.LISTED: _("That password is on a list of common and leaked passwords. Please choose another."),
        passwords.GUESSABLE: _("That password is too easy to guess. A few unrelated words make a strong one."),
    }


@bp.route("/password", methods=["GET", "POST"])
@permission_required("workspace.enter")
@audited({"POST": "password_change"})
def change_password():
    """Change my password; my other sessions end, this one goes on."""
    form = PasswordChangeForm()
    status = 200
    if form.validate_on_submit():
        db = get_session()
        key = "login-account:" + (current_user.email or "").strip().lower()
        wait = throttle.counters().over(signin.ACCOUNT_LIMITS, key)
        user = db.get(StaffUser, current_user.id)
        if wait:
            form.current.errors.append(_("Please wait a little and try again."))
            return _render(form, 429)
        if form.new.data != form.again.data:
            form.again.errors.append(_("The two new passwords are not the same."))
            return _render(form, 400)
        refused = users.change_password(session=db, user=user, old=form.current.data,
                                        new=form.new.data)
        if refused == "wrong_old":
            throttle.counters().refuse_wrong(signin.ACCOUNT_LIMITS, key)
            form.current.errors.append(_problems()[refused])
            return _render(form, 400)
        if refused:
            form.new.errors.append(_problems()[refused])
            return _render(form, 400)
        start_session(user)  # this session carries the new generation; the others do not
        db.commit()
        audited.note(target_type="staff_user", target_id=user.id)
        flash(_("Your password is changed. You are signed out everywhere else."), "success")
        return redirect(url_for("staff.home"))
    if form.is_submitted():
        status = 400
    return _render(form, status)


def _render(form, status: int):
    return render_template("staff/password.html", form=form,
                           min_length=passwords.MIN_LENGTH), status


@bp.route("/account", methods=["GET", "POST"])
@permission_required("workspace.enter")
@audited.by_view({"POST": "honorific_change"}, when="the title changed")
def account():
    """My account: the title students know me by; a link to change my password."""
    db = get_session()
    user = db.get(StaffUser, current_user.id)
    form = HonorificForm(data={"honorific": user.honorific or ""})
    form.honorific.choices = honorific_choices(user.family_name)
    if not form.is_submitted():
        return _render_account(form, user)
    known = {code for code, _label in form.honorific.choices}
    if not form.validate_on_submit() or form.honorific.data not in known:
        if form.honorific.data not in known:
            form.honorific.errors = [_("Please choose one of the titles in the list.")]
        return _render_account(form, user, 400)
    before = user.honorific
    if users.set_honorific(session=db, user=user, honorific=form.honorific.data):
        audit.record(session=db, staff_id=user.id, action="honorific_change",
                     target_type="staff_user", target_id=user.id,
                     detail={"before": before, "after": user.honorific},
                     ip=request.remote_addr)
        flash(_("Saved. Students now see you as %(name)s.",
                name=staff_name(user)), "success")
    else:
        flash(_("Nothing changed."), "success")
    db.commit()
    return redirect(url_for("staff.account"))


def _render_account(form, user, status: int = 200):
    return render_template("staff/account.html", form=form, shown=staff_name(user)), status

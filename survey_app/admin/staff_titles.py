"""Staff titles: an admin sets how students address each staff member ("Ms. Brown").

OneRoster has no honorific, so a roster import never fills it: staff set their own on
their account page, and an admin may set or correct anyone's here.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from survey_app.admin.forms import StaffHonorificForm, StaffSearchForm
from survey_app.admin.views import bp
from survey_app.audited import audited
from survey_app.auth import permission_required
from survey_app.db import get_session
from survey_app.inputs import page_number
from survey_app.models import School, StaffUser
from survey_app.services import audit, users
from survey_app.words.honorifics import honorific_choices, staff_name


@bp.get("/staff")
@permission_required("settings.edit")
@audited.nothing("staff names and titles only: no student or family data")
def staff_titles():
    """Staff of the district by surname, each with the title students see; a name search."""
    return _render()


@bp.post("/staff/<int:staff_id>/title")
@permission_required("settings.edit")
@audited.by_view({"POST": "honorific_change"}, when="the title changed")
def set_staff_title(staff_id: int):
    """Set one staff member's title; back to the list where it was."""
    db = get_session()
    user = db.get(StaffUser, staff_id)
    if user is None or user.district_id != current_user.district_id:
        abort(404)
    form = StaffHonorificForm(prefix=f"s{staff_id}")
    form.honorific.choices = honorific_choices(user.family_name)
    if not form.validate() or form.honorific.data not in {
            code for code, _label in form.honorific.choices}:
        form.honorific.errors = [_("Please choose one of the titles in the list.")]
        return _render(edited=(staff_id, form), status=400)
    before = user.honorific
    if users.set_honorific(session=db, user=user, honorific=form.honorific.data):
        audit.record(session=db, staff_id=current_user.id, action="honorific_change",
                     target_type="staff_user", target_id=user.id,
                     detail={"before": before, "after": user.honorific}, ip=request.remote_addr)
        flash(_("Saved: %(name)s.", name=staff_name(user)), "success")
    else:
        flash(_("Nothing changed."), "success")
    db.commit()
    back = {k: v for k, v in request.args.items() if k in ("q", "page") and v}
    return redirect(url_for("admin.staff_titles", **back, _anchor=f"staff-{staff_id}"))


def _render(*, edited: tuple[int, StaffHonorificForm] | None = None, status: int = 200):
    db = get_session()
    search = StaffSearchForm(request.args)
    query = (search.q.data or "").strip() if search.validate() else ""
    page = request.args.get("page", 1, type=page_number)
    rows, total = users.staff_page(session=db, district_id=current_user.district_id,
                                   query=query, page=page)
    schools = dict(db.exec(select(School.id, School.name)
                           .where(School.district_id == current_user.district_id)).all())
    items = []
    for user in rows:
        if edited and edited[0] == user.id:
            form = edited[1]
        else:
            form = StaffHonorificForm(prefix=f"s{user.id}", formdata=None,
                                      data={"honorific": user.honorific or ""})
            form.honorific.choices = honorific_choices(user.family_name)
        items.append({"user": user, "form": form, "shown": staff_name(user),
                      "school": schools.get(user.school_id)})
    pages = max(1, -(-total // users.STAFF_PAGE_SIZE))
    args = {k: v for k, v in (("q", query),) if v}
    return render_template("admin/staff_titles.html", search=search, items=items, total=total,
                           page=page, pages=pages, args=args), status

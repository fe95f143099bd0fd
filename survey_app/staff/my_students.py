"""A staff member's "my students": who they mentor or follow up with, and what is due."""

from __future__ import annotations

from datetime import date

from flask import render_template
from flask_login import current_user

from survey_app.audited import audited
from survey_app.auth import permission_required, visible_school_ids
from survey_app.db import get_session
from survey_app.services import my_students as service
from survey_app.staff.views import bp
from survey_app.words import labels


@bp.get("/my-students")
@permission_required("mapping.edit")
@audited("view_my_students")
def my_students():
    """Students this staff member mentors or owns a follow-up for, with what is due."""
    today = date.today()
    found = service.my_students(session=get_session(), staff_id=current_user.id,
                                school_ids=visible_school_ids(), today=today)
    due = sum(1 for s in found for i in s.items if i.due_this_week)
    audited.note(target_type="staff", target_id=current_user.id,
                 detail={"students": [s.student_id for s in found]})
    return render_template("staff/my_students.html", students=found, due=due, today=today,
                           kinds=labels.KIND_OF_FOLLOWUP)

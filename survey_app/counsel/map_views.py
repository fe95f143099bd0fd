"""The school map and the vis-network files, served from the installed pyvis package."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from flask import abort, current_app, render_template, request, send_from_directory
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from relationships.school_view import GROUPINGS
from survey_app.audited import audited
from survey_app.auth import permission_required, public
from survey_app.counsel.views import _context, _int_arg, bp, chosen_schools
from survey_app.db import get_session, write_next
from survey_app.reading import cache
from survey_app.services import audit, caseload
from survey_app.services import school_map as map_service
from survey_app.words import labels, reasons

# Located without importing pyvis (its import pulls in IPython: ~0.5 s of start-up).
VIS_DIR = Path(find_spec("pyvis").origin).parent / "templates" / "lib" / "vis-9.1.2"
VIS_FILES = {"vis-network.min.js", "vis-network.css"}
YEAR = 365 * 24 * 3600


@bp.get("/vendor/<name>")
@public
def vendor(name: str):
    """vis-network from the pyvis package: no CDN, cached for a year (the name is versioned)."""
    if name not in VIS_FILES:
        abort(404)
    response = send_from_directory(VIS_DIR, name, max_age=YEAR)
    response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    return response


def _school_and_grade():
    schools = chosen_schools(_int_arg("school"))
    if not schools:
        abort(404)
    return schools[0], _int_arg("grade")


def _audited_map_view(school_id: int, detail: dict):
    """Record that the school map was viewed (in its own commit) and return the session."""
    db = get_session()
    db.rollback()
    write_next(db)  # wait for the write lock: a deferred upgrade may be refused at once
    audit.record(session=db, staff_id=current_user.id, action="view_school_map",
                 target_type="school", target_id=school_id, school_id=school_id, detail=detail,
                 ip=request.remote_addr)
    db.commit()
    return db


def _group_by() -> str:
    """How the students are grouped: by the staff member they share (the default) or by
    grade; anything else is the default."""
    asked = request.args.get("group")
    return asked if asked in GROUPINGS else "staff"


@bp.get("/map")
@permission_required("caseload.work")
@audited.by_view({"GET": "view_school_map"}, when="always, before the map is read")
def school_map():
    """Show students and staff of one school in groups, or (``view=table``) the same
    students as a table."""
    school_id, grade = _school_and_grade()
    everyone = request.args.get("adults") == "all"
    group_by = _group_by()
    table = request.args.get("view") == "table" and not everyone
    db = _audited_map_view(school_id, {"grade": grade, "everyone": everyone,
                                       "group": group_by, "table": table})
    ctx = _context()
    data = _map_data(db, school_id, grade, ctx, everyone, group_by)
    return render_template(
        "counsel/school_map_table.html" if table else "counsel/school_map.html",
        data=data, school_id=school_id, grade=grade, everyone=everyone, group_by=group_by,
        map_json=None if table else _map_json(db, school_id, grade, ctx, everyone, group_by),
        schools=caseload.school_choices(session=db, school_ids=chosen_schools(None)),
        grades=[(g, labels.grade_name(g)) for g in range(13)],
        groupings=[("staff", _("By the staff member they share")), ("grade", _("By grade"))])


@bp.get("/map/data")
@permission_required("caseload.work")
@audited.by_view({"GET": "view_school_map"}, when="always, before the map is read")
def school_map_data():
    """The school map's nodes and edges as JSON (for scripts and the benchmark)."""
    school_id, grade = _school_and_grade()
    everyone = request.args.get("adults") == "all"
    group_by = _group_by()
    db = _audited_map_view(school_id, {"grade": grade, "format": "json",
                                       "everyone": everyone, "group": group_by})
    body = _map_json(db, school_id, grade, _context(), everyone, group_by)
    return current_app.response_class(body, mimetype=current_app.json.mimetype)


def _map_json(db, school_id: int, grade: int | None, ctx, everyone: bool = False,
              group_by: str = "staff") -> Markup:
    """The map's nodes, edges, options and legend as JSON that is safe inside a ``<script>``
    block (``<``, ``>``, ``&`` and ``'`` escaped, as ``|tojson`` does): the body of
    ``/map/data`` and the page's ``#map-data`` block alike.

    Encoding 3,000+ nodes costs more than building them from the kept map: the text
    is kept too, per data version, school, grade, grouping and language.
    """
    keys = ("nodes", "edges", "options", "legend") if everyone else (
        "nodes", "edges", "group_by", "label_overlaps", "no_school_adult")

    def encode() -> Markup:
        data = _map_data(db, school_id, grade, ctx, everyone, group_by)
        return htmlsafe_json_dumps({k: data[k] for k in keys},
                                   dumps=current_app.json.dumps, separators=(",", ":"))

    return cache.memo(db, ("school_map_json", school_id, grade, everyone,
                           None if everyone else group_by, ctx.district_id,
                                  ctx.wave, ctx.wave_id, repr(ctx.rules), str(get_locale())),
                             encode, school_ids=[school_id])


def _map_data(db, school_id: int, grade: int | None, ctx=None, everyone: bool = False,
              group_by: str = "staff") -> dict:
    data = map_service.build(session=db, ctx=ctx or _context(), school_id=school_id,
                             grade=grade, labels=labels.map_labels(), everyone=everyone,
                             group_by="staff" if everyone else group_by)
    for node in data["nodes"]:
        if "anchor_load" in node:
            node["title"] = f'{node["title"]} — ' + reasons.sentence(
                "anchor_load", {"students": node["anchor_load"]})
    return data

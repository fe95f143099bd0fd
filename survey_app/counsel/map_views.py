"""The school map and the vis-network files, served from the installed pyvis package."""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path

from flask import abort, current_app, render_template, send_from_directory
from flask_babel import get_locale
from flask_login import current_user
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from survey_app.auth import permission_required, public
from survey_app.counsel.views import _context, _int_arg, bp, chosen_schools
from survey_app.db import get_session
from survey_app.services import audit, school_cache
from survey_app.services import caseload as cases
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
    audit.record(session=db, staff_id=current_user.id, action="view_school_map",
                 target_type="school", target_id=school_id, school_id=school_id, detail=detail)
    db.commit()
    return db


@bp.get("/map")
@permission_required("caseload.work")
def school_map():
    """Show students and staff of one school with their reliable ties."""
    school_id, grade = _school_and_grade()
    db = _audited_map_view(school_id, {"grade": grade})
    ctx = _context()
    data = _map_data(db, school_id, grade, ctx)
    return render_template(
        "counsel/school_map.html", data=data, school_id=school_id, grade=grade,
        map_json=_map_json(db, school_id, grade, ctx),
        schools=cases.school_choices(session=db, school_ids=chosen_schools(None)),
        grades=[(g, labels.grade_name(g)) for g in range(13)])


@bp.get("/map/data")
@permission_required("caseload.work")
def school_map_data():
    """The school map's nodes and edges as JSON (for scripts and the benchmark)."""
    school_id, grade = _school_and_grade()
    db = _audited_map_view(school_id, {"grade": grade, "format": "json"})
    body = _map_json(db, school_id, grade, _context())
    return current_app.response_class(body, mimetype=current_app.json.mimetype)


def _map_json(db, school_id: int, grade: int | None, ctx) -> Markup:
    """The map's nodes, edges, options and legend as JSON that is safe inside a ``<script>``
    block (``<``, ``>``, ``&`` and ``'`` escaped, as ``|tojson`` does): the body of
    ``/map/data`` and the page's ``#map-data`` block alike.

    Encoding 3,000+ nodes costs more than building them from the kept map: the text
    is kept too, per data version, school, grade and language.
    """
    def encode() -> Markup:
        data = _map_data(db, school_id, grade, ctx)
        return htmlsafe_json_dumps({k: data[k] for k in ("nodes", "edges", "options", "legend")},
                                   dumps=current_app.json.dumps, separators=(",", ":"))

    return school_cache.memo(db, ("school_map_json", school_id, grade, ctx.district_id,
                                  ctx.wave, ctx.wave_id, repr(ctx.rules), str(get_locale())),
                             encode)


def _map_data(db, school_id: int, grade: int | None, ctx=None) -> dict:
    data = map_service.build(session=db, ctx=ctx or _context(), school_id=school_id,
                             grade=grade, labels=labels.map_labels())
    for node in data["nodes"]:
        if "anchor_load" in node:
            node["title"] = f'{node["title"]} — ' + reasons.sentence(
                "anchor_load", {"students": node.pop("anchor_load")})
    return data

"""The respondent side: open a survey by code or link, answer page by page, finish.

Nothing but ids lives in the session cookie; every answer is saved on the
server when its page is sent. A right code or link always opens its survey, whatever
its address did before; wrong ones are counted per address and per code prefix
(``survey_app.throttle``) and past a limit answered 429, so a school behind one
address never trips over a guesser or its own students' typos.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, refresh
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError
from sqlmodel import select
from werkzeug.exceptions import TooManyRequests

from survey_app import surveys, throttle
from survey_app.audited import audited
from survey_app.auth import permission_required, public, visible_school_ids
from survey_app.db import declare_schools, get_session, write_next
from survey_app.forms import CodeForm
from survey_app.i18n import choose_language, offered_languages, use_district_choice
from survey_app.models import Invitation, Response, School, SurveyWave
from survey_app.models.enums import InvitationStatus, SurveyKind
from survey_app.respond import forms
from survey_app.respond.letters import render_letters
from survey_app.services import codes, invitations, responses, submissions, waves
from survey_app.services.responses import PlainRow
from survey_app.surveys.forms import field_name
from survey_app.surveys.model import ADULTS, MAX_ADULTS

bp = Blueprint("respond", __name__)
STATE = "respond"
#: Wrong attempts allowed before a pause; each window is longer (gradual back-off).
IP_LIMITS = "20 per minute; 100 per hour; 300 per day"
#: Wrong codes sharing their first ``PREFIX`` symbols, from any address.
CODE_LIMITS = "5 per minute; 20 per hour; 50 per day"
PREFIX = 4


def _wrong(typed_code: str | None = None) -> int | None:
    """Count a wrong code (``typed_code``) or link; seconds to wait when its address, or
    the code's first symbols, are over their limits."""
    counted = [(current_app.config.get("RESPOND_IP_LIMITS", IP_LIMITS),
                f"respond-ip:{get_remote_address()}")]
    if typed_code is not None:
        counted.append((current_app.config.get("RESPOND_CODE_LIMITS", CODE_LIMITS),
                        "respond-prefix:" + codes.normalize_code(typed_code)[:PREFIX]))
    waits = [throttle.counters().refuse_wrong(limits, key) for limits, key in counted]
    return max((w for w in waits if w), default=None)


@bp.errorhandler(CSRFError)
def lost_session(_error):
    """A survey form sent after the session was lost: say how to come back."""
    return render_template("respond/lost.html"), 400


@bp.post("/")
@public
def enter_code():
    """Open the survey for a typed code: a right one always opens, before any counter."""
    form = CodeForm()
    if form.validate_on_submit():
        invitation = invitations.find_by_code(session=get_session(), typed=form.code.data,
                                              secret=current_app.config["SECRET_KEY"])
        if invitation is not None:
            return _open(invitation, session.get("lang"))
        form.code.errors.append(_("We could not find that code. Please check it and try again."))
    wait = _wrong(request.form.get("code", ""))
    if wait:
        return render_template("main/home.html", form=form), 429, {"Retry-After": str(wait)}
    return render_template("main/home.html", form=form), 400


@bp.get("/r/<token>")
@public
def open_link(token: str):
    """Open the survey from a letter's link or QR code (a right one always opens)."""
    invitation = invitations.find_by_token(session=get_session(), token=token,
                                           secret=current_app.config["SECRET_KEY"])
    if invitation is None:
        wait = _wrong()
        if wait:
            raise TooManyRequests(retry_after=wait)
        abort(404, description=_l("This link does not work any more. Please type the code from your letter on the start page."))
    return _open(invitation, g.get("explicit_lang"))


def _open(invitation: Invitation, chosen: str | None):
    db = get_session()
    offered = offered_languages()
    language = chosen if chosen in offered else (
        invitation.language if invitation.language in offered else str(get_locale()))
    state = waves.state(db.get(SurveyWave, invitation.wave_id))
    if state != waves.WaveState.OPEN:
        return _closed(state, language)
    if invitations.is_opted_out(session=db, invitation=invitation):
        session.pop(STATE, None)
        session["lang"] = language
        refresh()  # this page already speaks the invitation's language
        return render_template("respond/opted_out.html")
    definition = surveys.current(invitation.kind)
    _declare(db, invitation)
    write_next(db)  # a link's GET read deferred: starting the response must not upgrade it
    response = responses.start_or_resume(session=db, invitation=invitation, language=language,
                                         survey=definition.survey, version=definition.version)
    db.commit()
    session[STATE] = {"i": invitation.id, "r": response.id, "lang": language}
    session["lang"] = language
    if response.status == InvitationStatus.SUBMITTED:
        return redirect(url_for(".done"))
    definition = surveys.get(response.survey, response.version)
    first = response.current_page if definition.page(response.current_page or "") else None
    return redirect(url_for(".page", page_id=first or definition.pages[0].id))


def _closed(state: str, language: str | None = None):
    """A code, link or page of a wave that takes no answers: a kind page, nothing written.

    Shown in ``language`` (the invitation's, or the one chosen) and the respondent is
    forgotten on this device.
    """
    session.pop(STATE, None)
    if language:
        session["lang"] = language
        refresh()
    return render_template("respond/closed.html", state=state), \
        200 if state == waves.WaveState.DRAFT else 410


def _load():
    """This respondent's invitation, response, definition and (student survey) student,
    as plain rows (``responses.load_respondent``), or None when the session is lost."""
    state = session.get(STATE)
    if not isinstance(state, dict):
        return None
    found = responses.load_respondent(session=get_session(), response_id=state.get("r"),
                                      invitation_id=state.get("i"))
    if found is None:
        return None
    invitation, response, student, current = found
    use_district_choice(invitation.languages)  # read with them: no statement of its own
    return invitation, response, surveys.get(response.survey, response.version), student, current


def _declare(db, invitation) -> None:
    """What this request writes concerns the respondent's schools and answers only: a save
    moves their counters and the respondent's own, so other schools' counselor pages and
    other students' profiles stay cached (``declare_schools``)."""
    schools, students, households = invitations.respondent(session=db, invitation=invitation)
    declare_schools(db, schools, students=students, households=households)


def _track_language(response: PlainRow, page_id: str) -> str:
    """Record a language switch (once) and return the page language."""
    language = str(get_locale())
    state = session[STATE]
    if state.get("lang") != language:
        if request.method == "GET":
            write_next(get_session())  # a GET reads deferred; this write must not upgrade it
        responses.record_language_switch(session=get_session(), response=response, page_id=page_id,
                                         from_language=state.get("lang") or response.language,
                                         to_language=language)
        session[STATE] = {**state, "lang": language}
    return language


def _context(invitation: PlainRow, response: PlainRow, definition, page,
             student: PlainRow | None, current: responses.Current) -> forms.PageContext:
    db = get_session()
    kids = invitations.children(session=db, invitation=invitation, student=student)
    staff = invitations.school_staff(session=db, school_ids={k.school_id for k in kids},
                                     version=getattr(invitation, "staff_version", None)) \
        if page.has_adults else {}
    # A sent page is built from what was sent; only the adults named so far (block
    # entries, titles, the "which adult" choices) are needed to check it. A save read
    # them (with the respondent) under the write lock: its writes are numbered from them.
    answers, adults = responses.split_state(current) \
        if request.method == "GET" or page.uses_adults else ({}, {})
    return forms.PageContext(
        definition=definition, page=page, staff=staff, answers=answers, adults=adults,
        current=current,
        grade=kids[0].grade if invitation.kind == SurveyKind.STUDENT and kids else None,
        children=[(k.id, k.preferred_name or k.given_name) for k in kids])


@bp.route("/survey/<page_id>", methods=["GET", "POST"])
@public
def page(page_id: str):
    """Show one page of the survey, or save it and move on.

    A save is one write transaction (on SQLite it begins IMMEDIATE, holding the write
    lock from its first read): what it checks against is what it writes over, with
    one connection and one commit per save.
    """
    posting = request.method == "POST"
    loaded = _load()
    if loaded is None:
        return render_template("respond/lost.html"), 200 if request.method == "GET" else 400
    invitation, response, definition, student, current = loaded
    _declare(get_session(), invitation)
    if invitation.wave_state != waves.WaveState.OPEN:
        return _closed(invitation.wave_state)
    page = definition.page(page_id) or abort(404)
    if response.status == InvitationStatus.SUBMITTED:
        return redirect(url_for(".done"))
    if not posting:
        _track_language(response, page_id)
    ctx = _context(invitation, response, definition, page, student, current)
    find = (request.args.get("find", ""), request.args.get("q", "")[:100])
    build = {"add_block": request.args.get("add") == "1", "find": find if find[0] else None}
    form = forms.build(ctx, **build)
    if not posting:
        get_session().commit()  # a language switch, if any
        return _render(form, ctx, invitation)
    if not forms.check(form, ctx):
        switch = request.form.get("switch_lang", "")
        if switch in offered_languages() and switch != str(get_locale()):
            # Nothing is saved, but the page, what was typed and its mistakes come back in
            # the language asked for (the answers keep the language they were given in).
            choose_language(switch)
            ctx.page_errors.clear()
            form = forms.build(ctx, **build)
            forms.check(form, ctx)
        return _render(form, ctx, invitation, status=400)
    return _save(page, form, ctx, invitation, response)


def _save(page, form, ctx, invitation, response):
    """Write a checked page: under the write lock, from the answers as they are now."""
    db = get_session()
    definition, page_id = ctx.definition, page.id
    key = submissions.valid_key(request.form.get("submission"))
    if key and not submissions.claim(session=db, response_id=response.id, key=key,
                                     page_id=page_id):
        return _repeated(response)
    action = request.form.get("action", "next")
    remove = request.form.get("remove", "")
    # Where a resumed survey reopens: the page this button leads to.
    step = {"next": 1, "back": -1}.get(action, 0) if not (remove or request.form.get("find")) else 0
    resume_at = (definition.neighbour(page_id, step) or page) if step else page
    values = forms.values(form, ctx)
    blocks = forms.adult_blocks(form, ctx, remove=forms.number(remove))
    # The status and the current answers (from which the new versions are numbered)
    # were read in this transaction (``page``).
    language = _track_language(response, page_id)
    changed, entries = responses.save_page(
        session=db, response=response, language=language, page_id=resume_at.id,
        values=values, adults=blocks, current=ctx.current)
    return _after_save(action, form, ctx, invitation, response, entries)


def _repeated(response):
    """This very form was saved already (a double tap, a resend): nothing changes; go where
    the first one went."""
    db = get_session()
    db.rollback()
    stored = db.get(Response, response.id)
    db.commit()
    if stored is None or stored.status == InvitationStatus.SUBMITTED:
        return redirect(url_for(".done"))
    return redirect(url_for(".page", page_id=stored.current_page or response.current_page))


def _after_save(action, form, ctx, invitation, response, entries):
    """Commit, then go where the pressed button asked."""
    db = get_session()
    page_id, definition = ctx.page.id, ctx.definition
    here = {"page_id": page_id}
    switch = request.form.get("switch_lang", "")
    if switch in offered_languages():
        db.commit()
        return redirect(url_for(".page", **here, lang=switch))
    if action == "later":
        db.commit()
        session.pop(STATE, None)
        return render_template("respond/saved.html")
    if action == "add":
        db.commit()
        if len([e for e in entries if e is not None]) >= MAX_ADULTS:
            ctx.page_errors.append(_("You can name up to %(max)d adults. Please remove one before adding another.", max=MAX_ADULTS))
            return _render(form, ctx, invitation, status=400)
        return redirect(url_for(".page", **here, add=1, _anchor="adult-new"))
    if request.form.get("find", "") != "":
        db.commit()
        return _redirect_find(here, form, entries)
    if forms.number(request.form.get("remove")) is not None:
        db.commit()
        return redirect(url_for(".page", **here, _anchor="adults"))
    if action == "back":
        db.commit()
        previous = definition.neighbour(page_id, -1)
        return redirect(url_for(".page", page_id=previous.id if previous else page_id))
    skipped = forms.soft_skipped(form, ctx)
    if skipped:
        db.commit()
        form.skip_ok.data = "1"
        return _render(form, ctx, invitation, skipped=skipped)
    following = definition.neighbour(page_id, 1)
    if following is None:
        responses.submit(session=db, response=db.get(Response, response.id),
                         invitation=db.get(Invitation, invitation.id))
        db.commit()
        return redirect(url_for(".done"))
    db.commit()
    return redirect(url_for(".page", page_id=following.id))


def _redirect_find(here: dict, form, entries: list[int | None]):
    n = forms.number(request.form.get("find"))
    if n is None or n >= len(entries):
        return redirect(url_for(".page", **here))
    query = form.adults[n].form.staff_query.data or ""
    entry = entries[n]
    key = "new" if entry is None else str(entry)
    return redirect(url_for(".page", **here, find=key, q=query, add=1 if entry is None else None,
                            _anchor=f"adult-{key}"))


def _render(form, ctx: forms.PageContext, invitation: PlainRow, *, status: int = 200,
            skipped=None):
    definition, page = ctx.definition, ctx.page
    blocks = []
    if "adults" in form:
        for n, block in enumerate(form.adults, 1):
            entry = block.form.entry.data
            blocks.append({"form": block.form, "number": n, "key": entry or "new",
                           "title": forms.adult_title(ctx.adults.get(int(entry)) if entry else None, n,
                                                      ctx.staff),
                           "folded": forms.folded(block.form),
                           "relation": forms.relation_label(block.form)})
    return render_template(
        "respond/page.html", form=form, page=page, ctx=ctx, blocks=blocks,
        questions=[(item, None if item.kind == ADULTS else form[field_name(item.id)])
                   for item in ctx.items],
        position=definition.position(page.id) + 1, total=len(definition.pages),
        last=definition.neighbour(page.id, 1) is None,
        first=definition.position(page.id) == 0, errors=forms.flat_errors(form),
        page_errors=ctx.page_errors, skipped=skipped or [], max_adults=MAX_ADULTS,
        family=invitation.kind == SurveyKind.FAMILY, submission_key=submissions.new_key(),
    ), status


@bp.get("/survey/done")
@public
def done():
    """Thank the respondent and say what happens next."""
    loaded = _load()
    family = bool(loaded and loaded[0].kind == SurveyKind.FAMILY)
    return render_template("respond/done.html", family=family, finished=bool(loaded))


@bp.post("/survey/leave")
@public
def leave():
    """Forget this respondent on a shared device."""
    session.pop(STATE, None)
    session.pop("lang", None)
    return render_template("respond/left.html")


@bp.get("/letters")
@permission_required("invitations.print")
@audited("view_letters")
def letters():
    """Printable letters for one school's students or families."""
    db = get_session()
    schools = [s for s in db.exec(select(School).order_by(School.name))
               if s.id in visible_school_ids()]
    if not schools:
        abort(404)
    kind = request.args.get("kind", "family")
    kind = kind if kind in (SurveyKind.STUDENT, SurveyKind.FAMILY) else SurveyKind.FAMILY
    code = request.args.get("school") or schools[0].code
    school = next((s for s in schools if s.code == code), None) or abort(404)
    # Letters of the waves taking answers, for the invitations not answered yet.
    rows = invitations.listing(session=db, kind=kind, school_code=school.code,
                               wave_ids=waves.open_wave_ids(session=db), unsubmitted=True)
    audited.note(target_type="school", target_id=school.id, school_id=school.id,
                 detail={"kind": kind, "letters": len(rows)})
    html = render_letters(rows, secret=current_app.config["SECRET_KEY"],
                          base_url=current_app.config["PUBLIC_BASE_URL"],
                          offered=offered_languages())
    return render_template("respond/letters.html", letters=html, count=len(rows), kind=kind,
                           school=school.code, schools=schools)

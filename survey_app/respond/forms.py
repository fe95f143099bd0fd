"""The respondent pages' forms: built from the definitions, then given what depends on data.

A form class cannot know the school's staff list, the household's children or
the adults named so far; ``prepare`` sets those choices, ``check`` does the
checks that span blocks (the 10-adult cap, entry numbers, a name per adult),
and ``adult_blocks`` / ``soft_skipped`` read the result for the services.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from flask import abort, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField

from survey_app.config import LANGUAGES
from survey_app.surveys.forms import (
    NEED_NAME,
    TOO_MANY_ADULTS,
    adult_value,
    field_name,
    form_data,
    opts,
    page_form_class,
    page_values,
)
from survey_app.surveys.model import ADULT_REF, MAX_ADULTS, Definition, Item, Page
from survey_app.words.honorifics import addressed, job_title
from survey_app.words.labels import grade_name

_BLOCK = re.compile(r"^adults-(\d+)-")
MAX_MATCHES = 20


@dataclass
class PageContext:
    """Everything a page form depends on, loaded by the view."""

    definition: Definition
    page: Page
    grade: int | None
    staff: dict[int, str]
    children: list[tuple[int, str]]
    answers: dict[str, Any]
    adults: dict[int, dict]
    page_errors: list[str] = field(default_factory=list)
    #: The current answer rows (``responses.current_answers``), as the page read them.
    current: dict | None = None

    @property
    def items(self) -> tuple[Item, ...]:
        return self.page.items_for(self.grade)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def staff_label(staff_id: int, name: str, about: dict) -> str:
    """A staff member the way children know them: title and surname when the staff member
    has a title, else the full name; then the job title and the grade they teach
    ("Ms. Brown · Teacher · Grade 5", "Anna Brown · Teacher · Grade 5")."""
    family, title, grade, honorific = _about(about, staff_id)
    parts = [addressed(honorific, family) or name]
    parts += [p for p in (job_title(title), grade_name(grade) if grade is not None else None)
              if p]
    return " · ".join(parts)


def _about(about: dict, staff_id: int) -> tuple:
    """(surname, job title, grade taught, honorific code), Nones when unknown."""
    return about.get(staff_id) or (None, None, None, None)


def staff_matches(staff: dict[int, str], query: str | None) -> list[tuple[int, str]]:
    """Staff whose name contains every word of ``query`` (case and accents ignored)."""
    words = _fold(query or "").split()
    if not words:
        return []
    found = [(i, n) for i, n in staff.items() if all(w in _fold(n) for w in words)]
    return found[:MAX_MATCHES]


#: The family's language for letters and calls: offered as the one they answer in.
LETTER_LANGUAGE = "contact.language"


def build(ctx: PageContext, *, add_block: bool = False, find: tuple[str, str] | None = None):
    """The page form: request data on POST, saved answers on GET (plus a blank adult block)."""
    cls = page_form_class(ctx.definition.survey, ctx.definition.version, ctx.page, ctx.grade)
    if request.method == "POST":
        form = cls()
    else:
        data = form_data(ctx.items, ctx.answers, ctx.adults)
        letters = field_name(LETTER_LANGUAGE)
        if letters in data and data[letters] is None and str(get_locale()) in LANGUAGES:
            data[letters] = str(get_locale())  # the language they are answering in
        if ctx.page.has_adults and (add_block or not ctx.adults):
            data["adults"].append({})
        if find and ctx.page.has_adults:
            key, query = find
            for block in data["adults"]:
                if block.get("entry", "new") == key or (key == "new" and not block):
                    block["staff_query"] = query
        form = cls(data=data)
    prepare(form, ctx)
    return form


def prepare(form, ctx: PageContext) -> None:
    """Give data-dependent fields their choices and allowed values."""
    for item in ctx.items:
        if item.kind == ADULT_REF:
            f = form[field_name(item.id)]
            pairs = [(str(e), adult_title(v, n, ctx.staff)) for n, (e, v) in
                     enumerate(sorted(ctx.adults.items()), 1)]
            f.choices = opts(pairs)
            f.allowed = frozenset(code for code, _label in pairs)
    if "adults" not in form:
        return
    staff_allowed = getattr(ctx.staff, "allowed", None)
    if staff_allowed is None:
        staff_allowed = frozenset(str(i) for i in ctx.staff)
    kid_choices = [(str(i), name) for i, name in ctx.children] if ctx.definition.survey == "family" else []
    about = getattr(ctx.staff, "about", {})
    searched = {i: _searched(name, _about(about, i)) for i, name in ctx.staff.items()}
    for block in form.adults:
        sub = block.form
        matches = staff_matches(searched, sub.staff_query.data)
        chosen = sub.staff_id.data
        if chosen and chosen in staff_allowed and all(str(i) != chosen for i, _n in matches):
            matches.insert(0, (int(chosen), ""))
        sub.staff_id.choices = opts([(str(i), staff_label(i, ctx.staff[i], about))
                                     for i, _n in matches])
        sub.staff_id.allowed = staff_allowed
        sub.children.choices = opts(kid_choices)
        sub.children.allowed = frozenset(code for code, _n in kid_choices)


def _searched(name: str, about: tuple) -> str:
    """What a search matches: the name, how children address them, the job title (as the
    roster has it and in the reader's language)."""
    family, title, _grade, honorific = about
    return " ".join(p for p in (name, addressed(honorific, family), title, job_title(title))
                    if p)


def adult_title(value: dict | None, number: int, staff: dict | None = None) -> str:
    """A block's title: a staff member picked from the list as children know them ("Ms.
    Brown"); else the adult's name; or "Adult 2" while it has none."""
    value = value or {}
    picked = _staff_number(value.get("staff_id"))
    if staff and picked in staff:
        family, _title, _grade, honorific = _about(getattr(staff, "about", {}), picked)
        return addressed(honorific, family) or value.get("name") or staff[picked]
    return value.get("name") or _("Adult %(number)d", number=number)


def _staff_number(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def folded(block: Any) -> bool:
    """Whether an adult block shows folded (its name and "change", the questions behind):
    a saved adult with nothing to fix and no staff search open. A child naming a third
    adult then scrolls past two short lines, not two full blocks; the folded fields are
    still sent (a closed ``<details>`` keeps them in the form), so nothing is lost."""
    return bool(block.entry.data) and not block.errors and not block.staff_query.data


def relation_label(block: Any) -> str:
    """The chosen "who is this person to you" answer, as shown, or ""."""
    return next((str(ch.label) for ch in block.relation.choices
                 if ch.value and ch.value == block.relation.data), "")


def number(raw: str | None) -> int | None:
    """A block index or entry number sent back by the page, or None when it is not one.

    Only ASCII digits count: ``"²".isdigit()`` is true, yet ``int("²")`` raises.
    """
    return int(raw) if raw and raw.isascii() and raw.isdigit() else None


def check(form, ctx: PageContext) -> bool:
    """Validate the page, including what spans blocks. Tampered entry numbers are refused."""
    ok = form.validate()
    if "adults" not in form:
        return ok
    blocks = {int(m.group(1)) for key in request.form if (m := _BLOCK.match(key))}
    if len(blocks) > MAX_ADULTS:
        ctx.page_errors.append(_("You can name up to %(max)d adults. Please remove one before adding another.",
                                 max=MAX_ADULTS))
        ok = False
    seen: set[int] = set()
    for block in form.adults:
        sub = block.form
        raw = sub.entry.data or ""
        if raw:
            entry = number(raw)
            if entry is None or entry not in ctx.adults or entry in seen:
                abort(400, description=_l("This page was changed before it was sent, so nothing was saved. Please open the survey again with your code."))
            seen.add(entry)
        value = adult_value(sub, ctx.staff) if not sub.errors else None
        if value and not value["name"] and not value["staff_id"]:
            sub.name.errors = [*sub.name.errors, str(NEED_NAME)]
            ok = False
    return ok


def values(form, ctx: PageContext) -> dict[str, Any]:
    return page_values(form, ctx.items)


def adult_blocks(form, ctx: PageContext, *, remove: int | None = None):
    """(entry, value) per block shown; ``remove`` (a block index) is saved as removed."""
    if "adults" not in form:
        return None
    blocks = []
    for n, block in enumerate(form.adults):
        sub = block.form
        entry = number(sub.entry.data)
        blocks.append((entry, None if n == remove else adult_value(sub, ctx.staff)))
    return blocks


def soft_skipped(form, ctx: PageContext) -> list[Item]:
    """Sensitive items left blank, asked about once before moving on (LimeSurvey's soft-required)."""
    if form.skip_ok.data == "1":
        return []
    answers = values(form, ctx)
    return [i for i in ctx.items if i.soft_required and answers.get(i.id) is None]


def flat_errors(form, prefix: str = "") -> list[dict]:
    """Every field error, for the summary at the top: id, label and messages."""
    found = []
    for f in form:
        if isinstance(f, FieldList):
            for n, entry in enumerate(f, 1):
                found += flat_errors(entry.form, prefix=_("Adult %(number)d", number=n) + ": ")
        elif isinstance(f, FormField):
            found += flat_errors(f.form, prefix)
        elif f.errors and f.type not in ("CSRFTokenField", "HiddenField"):
            messages = f.errors if isinstance(f.errors, list) else list(f.errors)
            found.append({"id": f.id, "label": prefix + str(f.label.text), "messages": messages})
    return found


__all__ = ["TOO_MANY_ADULTS", "PageContext", "adult_blocks", "adult_title", "build", "check",
           "flat_errors", "folded", "number", "prepare", "relation_label", "soft_skipped",
           "staff_matches", "values"]

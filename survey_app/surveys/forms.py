"""Turn a definition page into a Flask-WTF form class (CTFd-style form factory).

Choice lists are checked by our own validators (``validate_choice=False``) so
that a tampered value is refused with *our* translated message, never a 500.
Values are converted to the storage shapes of ITEMS.md by ``page_values`` and
``adult_values``; ``form_data`` does the reverse for pre-filling.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    FieldList,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, StopValidation, ValidationError

from survey_app.config import LANGUAGES
from survey_app.surveys import choices as c
from survey_app.surveys.binding import PrototypeBindMeta
from survey_app.surveys.model import (
    ADULT_REF,
    ADULTS,
    LANGUAGE,
    MAX_ADULTS,
    MULTI,
    PREFER_NOT,
    SINGLE,
    TEXT,
    Choice,
    Item,
    Page,
)

PREFER_NOT_LABEL = _l("I prefer not to say")
NOT_A_CHOICE = _l("Please choose one of the answers shown.")
NO_CONTROL = _l("This has a character we cannot keep (for example a blank control character). Please type it again.")
TOO_MANY_ADULTS = _l("You can name up to %(max)d adults. Please remove one before adding another.")
PREFER_NOT_ALONE = _l("You chose “I prefer not to say” and other answers. Please choose one or the other.")
NEED_NAME = _l("Please write a first name or nickname, or pick an adult from school.")
_CONTROL = frozenset(chr(n) for n in range(32) if chr(n) not in "\t\n\r") | {"\x7f"}


def field_name(item_id: str) -> str:
    """``home.internet`` → ``home_internet`` (a form field name, an HTML id)."""
    return item_id.replace(".", "_")


def no_control_characters(_form: Any, field: Field) -> None:
    """Refuse NUL and other control characters: PostgreSQL cannot store NUL, and none is typed."""
    if isinstance(field.data, str) and any(ch in _CONTROL for ch in field.data):
        raise ValidationError(str(NO_CONTROL))


class OneOf:
    """The value (or each value) must be one of ``allowed`` — or of ``field.allowed``."""

    def __init__(self, allowed: frozenset[str] | None = None):
        self.allowed = allowed

    def __call__(self, _form: Any, field: Field) -> None:
        allowed = self.allowed if self.allowed is not None else getattr(field, "allowed", frozenset())
        values = field.data if isinstance(field.data, list) else [field.data]
        values = [v for v in values if v not in (None, "")]
        if any(v not in allowed for v in values):
            field.data = [] if isinstance(field.data, list) else None
            raise StopValidation(str(NOT_A_CHOICE))
        if isinstance(field.data, list) and PREFER_NOT in values and len(values) > 1:
            raise StopValidation(str(PREFER_NOT_ALONE))


def stripped(data: Any) -> Any:
    """A choice as sent, without surrounding spaces: ``" "`` is no answer. (``Optional``
    stops the checks at a blank but leaves the spaces in the data, so a value made from
    it would be stored as given, or fail to parse.)"""
    if isinstance(data, str):
        return data.strip()
    if isinstance(data, list):
        return [v.strip() if isinstance(v, str) else v for v in data]
    return data


def opts(pairs: list[tuple[str, Any]]) -> list[SelectChoice]:
    """(value, label) pairs → WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def _pairs(choices: tuple[Choice, ...], prefer_not: bool) -> list[tuple[str, Any]]:
    pairs = [(ch.code, ch.label) for ch in choices]
    return pairs + [(PREFER_NOT, PREFER_NOT_LABEL)] if prefer_not else pairs


def _text(item_label: Any, max_length: int, *, multiline: bool = False, hint: Any = None) -> Field:
    cls = TextAreaField if multiline else StringField
    return cls(item_label, description=hint, validators=[
        Optional(strip_whitespace=False),
        Length(max=max_length, message=_l(
            "Please keep this shorter (at most %(max)d characters).", max=max_length)),
        no_control_characters])


def _single(item_label: Any, choices: list, hint: Any = None) -> Field:
    allowed = frozenset(code for code, _label in choices)
    return RadioField(item_label, choices=opts(choices), description=hint, validate_choice=False,
                      validators=[Optional(), OneOf(allowed)], filters=(stripped,))


def _multi(item_label: Any, choices: list, hint: Any = None) -> Field:
    allowed = frozenset(code for code, _label in choices)
    return SelectMultipleField(item_label, choices=opts(choices), description=hint,
                               validate_choice=False, validators=[OneOf(allowed)],
                               filters=(stripped,))


def _language_choices(prefer_not: bool) -> list[tuple[str, Any]]:
    from survey_app.i18n import native_name

    pairs = [(code, native_name(code)) for code in LANGUAGES]
    pairs.append(("other", _l("Another language")))
    return [("", _l("Choose a language"))] + (
        pairs + [(PREFER_NOT, PREFER_NOT_LABEL)] if prefer_not else pairs)


def _field_for(item: Item) -> Field:
    if item.kind == SINGLE:
        return _single(item.label, _pairs(item.choices, item.prefer_not), item.hint)
    if item.kind == MULTI:
        return _multi(item.label, _pairs(item.choices, item.prefer_not), item.hint)
    if item.kind == TEXT:
        return _text(item.label, item.max_length, multiline=item.multiline, hint=item.hint)
    if item.kind == LANGUAGE:
        choices = _language_choices(item.prefer_not)
        return SelectField(item.label, choices=opts(choices), description=item.hint,
                           validate_choice=False, filters=(stripped,), validators=[OneOf(frozenset(
                               code for code, _label in choices))])
    if item.kind == ADULT_REF:
        field = RadioField(item.label, choices=[], description=item.hint, validate_choice=False,
                           validators=[Optional(), OneOf()], filters=(stripped,))
        return field
    raise ValueError(item.kind)


class AdultForm(FlaskForm):
    """One block of the repeating adult block (no CSRF of its own: the page form has it)."""

    class Meta(PrototypeBindMeta):
        csrf = False

    entry = HiddenField()
    name = StringField(_l("First name or nickname"), validators=[
        Optional(strip_whitespace=False),
        Length(max=100, message=_l("Please keep this shorter (at most %(max)d characters).",
                                   max=100)), no_control_characters])
    staff_query = StringField(_l("Or find an adult from school"),
                              description=_l("Type part of their name, then press “Find”."),
                              validators=[Optional(), Length(max=100, message=_l(
                                  "Please keep this shorter (at most %(max)d characters).",
                                  max=100)), no_control_characters])
    staff_id = RadioField(_l("Adults from school"), choices=[], validate_choice=False,
                          validators=[Optional(), OneOf()], filters=(stripped,))
    relation = SelectField(_l("Who is this person to you?"),
                           choices=opts([("", _l("Choose one"))] + _pairs(c.RELATION, False)),
                           validate_choice=False, filters=(stripped,),
                           validators=[OneOf(frozenset(ch.code for ch in c.RELATION))])
    support = SelectMultipleField(_l("What do they help you with?"),
                                  description=_l("Choose all that are true."),
                                  choices=opts(_pairs(c.SUPPORT, False)), validate_choice=False,
                                  validators=[OneOf(frozenset(ch.code for ch in c.SUPPORT))],
                                  filters=(stripped,))
    frequency = _single(_l("How often do you talk with them?"), _pairs(c.FREQUENCY, False))
    reliability = _single(_l("If you asked this person for help, how sure are you that they would help?"),
                          _pairs(c.RELIABILITY, False))
    lives_with = _single(_l("Does this person live with you?"), _pairs(c.YES_NO, False))
    children = SelectMultipleField(_l("For which of your children?"), choices=[],
                                   validate_choice=False, validators=[OneOf()],
                                   filters=(stripped,))


class FamilyAdultForm(AdultForm):
    """The family's wording of the same block (same field names, same storage)."""

    support = SelectMultipleField(_l("What do they help your children with?"),
                                  description=_l("Choose all that are true."),
                                  choices=opts(_pairs(c.SUPPORT_FAMILY, False)), validate_choice=False,
                                  validators=[OneOf(frozenset(ch.code for ch in c.SUPPORT))],
                                  filters=(stripped,))
    frequency = _single(_l("How often do your children talk with them?"), _pairs(c.FREQUENCY, False))
    reliability = _single(_l("If your children asked this person for help, how sure are you that they would help?"),
                          _pairs(c.RELIABILITY, False))
    lives_with = _single(_l("Does this person live with your children?"), _pairs(c.YES_NO, False))


class YoungAdultForm(AdultForm):
    """Grades 3–5: the same block without "how often do you talk": fewer questions for a
    child naming several adults. No flag reads how often (SURVEYS.md flag rules)."""

    frequency = None


#: The highest grade that gets the shorter adult block.
YOUNG_GRADES_UP_TO = 5


class PageForm(FlaskForm):
    """Base of every page form: the soft-required acknowledgement rides along."""

    class Meta(PrototypeBindMeta):
        pass

    skip_ok = HiddenField()


#: Form classes by (survey, version, page id, grade): a definition version never changes,
#: so its page id names the page. Not keyed on the ``Page`` itself: hashing the frozen
#: dataclass hashes every lazy label, i.e. translates each one, on every request.
_FORM_CLASSES: dict[tuple[str, str, str, int | None], type[PageForm]] = {}


def page_form_class(survey: str, version: str, page: Page, grade: int | None) -> type[PageForm]:
    """The form class for ``page`` as a student of ``grade`` sees it (built once)."""
    key = (survey, version, page.id, grade)
    cls = _FORM_CLASSES.get(key)
    if cls is None:
        cls = _FORM_CLASSES.setdefault(key, _build_form_class(survey, page, grade))
    return cls


def _build_form_class(survey: str, page: Page, grade: int | None) -> type[PageForm]:
    attrs: dict[str, Any] = {}
    for item in page.items_for(grade):
        if item.kind == ADULTS:
            block = FamilyAdultForm if survey == "family" else (
                YoungAdultForm if grade is not None and grade <= YOUNG_GRADES_UP_TO
                else AdultForm)
            attrs["adults"] = FieldList(FormField(block), min_entries=0)
        else:
            attrs[field_name(item.id)] = _field_for(item)
    return type(f"{survey.title()}{page.id.title()}Form", (PageForm,), attrs)


def form_data(items: tuple[Item, ...], answers: dict[str, Any],
              adults: dict[int, dict] | None = None) -> dict[str, Any]:
    """Saved answers → the ``data`` a form is pre-filled with."""
    data: dict[str, Any] = {}
    for item in items:
        if item.kind == ADULTS:
            data["adults"] = [_adult_data(entry, value) for entry, value in (adults or {}).items()]
            continue
        value = answers.get(item.id)
        if item.kind == ADULT_REF and value is not None:
            value = str(value)
        data[field_name(item.id)] = value
    return data


def _adult_data(entry: int, value: dict) -> dict[str, Any]:
    reliability = value.get("reliability")
    lives_with = value.get("lives_with")
    return {
        "entry": str(entry), "name": value.get("name") or "", "staff_query": "",
        "staff_id": None if value.get("staff_id") is None else str(value["staff_id"]),
        "relation": value.get("relation") or "", "support": value.get("support") or [],
        "frequency": value.get("frequency"),
        "reliability": None if reliability is None else str(reliability),
        "lives_with": None if lives_with is None else ("yes" if lives_with else "no"),
        "children": [str(s) for s in value.get("children") or []],
    }


def page_values(form: PageForm, items: tuple[Item, ...]) -> dict[str, Any]:
    """The answers of a validated page form, in storage shape (None = no answer)."""
    values: dict[str, Any] = {}
    for item in items:
        if item.kind == ADULTS:
            continue
        data = form[field_name(item.id)].data
        if item.kind == MULTI:
            data = [v for v in data or [] if v]
            values[item.id] = (PREFER_NOT if data == [PREFER_NOT] else data) or None
        elif item.kind == TEXT:
            values[item.id] = data if data and data.strip() else None
        elif item.kind == ADULT_REF:
            # Optional() lets a blank through unchecked, and a blank may be spaces.
            values[item.id] = int(data) if data and data.strip() else None
        else:
            values[item.id] = data if data and data.strip() else None
    return values


def adult_value(block: AdultForm, staff_names: dict[int, str]) -> dict[str, Any] | None:
    """One adult block → the ITEMS.md value, or None when the block was left empty."""
    name = block.name.data if block.name.data and block.name.data.strip() else None
    staff_id = int(block.staff_id.data) if block.staff_id.data else None
    value = {
        "name": staff_names.get(staff_id, name) if staff_id else name,
        "staff_id": staff_id,
        "relation": block.relation.data or None,
        "support": [v for v in block.support.data or [] if v],
        "frequency": (block.frequency.data or None) if "frequency" in block else None,
        "reliability": int(block.reliability.data) if block.reliability.data else None,
        "lives_with": {"yes": True, "no": False}.get(block.lives_with.data or ""),
    }
    if block.children.choices:
        picked = [int(s) for s in block.children.data or [] if s]  # OneOf lets "" through
        if not picked and len(block.children.choices) == 1:
            picked = [int(block.children.choices[0].value)]  # one child: no need to ask
        value["children"] = picked
    filled = [v for k, v in value.items() if k not in ("children",) and v not in (None, [], "")]
    return value if filled else None


__all__ = ["MAX_ADULTS", "TOO_MANY_ADULTS", "NEED_NAME", "TEXT", "adult_value", "field_name",
           "form_data", "page_form_class", "page_values"]

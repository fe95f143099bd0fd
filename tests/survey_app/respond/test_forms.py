"""The page forms: a field bound from a per-process prototype is the field WTForms binds."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from wtforms import FieldList, FormField
from wtforms.fields.core import Flags, Label

from survey_app import surveys
from survey_app.surveys import binding
from survey_app.surveys.forms import page_form_class

ADULTS = {"adults-0-entry": "0", "adults-0-name": "Rosa", "adults-0-relation": "aunt_uncle",
          "adults-0-support": "emotional", "adults-1-entry": "", "adults-1-staff_id": "7"}


def _pages():
    for definition in surveys.DEFINITIONS.values():
        for page in definition.pages:
            for grade in sorted({None, definition.grades[0], definition.grades[1]},
                                key=lambda g: -1 if g is None else g):
                yield definition, page, grade


def _same_field(fresh, copied, form, path):
    assert type(fresh) is type(copied), path
    assert fresh.__dict__.keys() == copied.__dict__.keys(), path
    for key, want in fresh.__dict__.items():
        got = copied.__dict__[key]
        where = f"{path}.{key}"
        if key == "_form":
            assert got is form, where
        elif key == "meta":
            assert got is form.meta, where
        elif isinstance(want, Label):
            assert (got.field_id, str(got.text)) == (want.field_id, str(want.text)), where
            assert got is not want, where
        elif isinstance(want, Flags):
            assert got.__dict__ == want.__dict__, where
            assert got is not want, where
        elif isinstance(want, (list, dict, set)) and key != "validators":
            assert got == want, where
            assert got is not want, where  # each form its own, as WTForms makes them
        else:
            assert got == want, where


def _same_form(fresh, copied, path=""):
    assert list(fresh._fields) == list(copied._fields), path
    for name, field in fresh._fields.items():
        other = copied._fields[name]
        if isinstance(field, FieldList):
            assert len(field.entries) == len(other.entries), name
            for entry, copy in zip(field.entries, other.entries, strict=True):
                _same_form(entry.form, copy.form, f"{path}{entry.name}.")
        elif isinstance(field, FormField):
            _same_form(field.form, other.form, f"{path}{name}.")
        else:
            _same_field(field, other, copied, path + name)


def _share_nothing(one, two):
    """Two forms bound from the same prototypes share no label, flags or choices."""
    for name, field in one._fields.items():
        other = two._fields[name]
        if isinstance(field, FieldList):
            for entry, copy in zip(field.entries, other.entries, strict=True):
                _share_nothing(entry.form, copy.form)
        elif not isinstance(field, FormField):
            for key, value in field.__dict__.items():
                if isinstance(value, (list, dict, set, Flags, Label)) and key != "validators":
                    assert other.__dict__[key] is not value, (name, key)


@pytest.mark.parametrize("language", ["en", "es", "ar"])
def test_fields_bound_from_a_prototype_are_the_fields_wtforms_binds(app, language, monkeypatch):
    """Every field of every page (both surveys, youngest and oldest grade, two adult
    blocks) bound from its prototype equals the field WTForms' own binding makes, with
    containers (choices, flags, label) of its own."""
    binding._PROTOTYPES.clear()
    bound = []
    bind = binding._Prototype.bind
    monkeypatch.setattr(binding._Prototype, "bind",
                        lambda self, *a: bound.append(1) or bind(self, *a))
    for definition, page, grade in _pages():
        cls = page_form_class(definition.survey, definition.version, page, grade)
        with app.test_request_context("/", method="POST", data=ADULTS), force_locale(language):
            with monkeypatch.context() as patch:
                patch.setattr(binding, "_PROTOTYPES", {})  # WTForms binds every field
                patch.setattr(binding, "MAX_PROTOTYPES", 0)
                fresh = cls(meta={"csrf": False})
            first = cls(meta={"csrf": False})  # binds afresh and keeps prototypes
            copies = len(bound)
            copied = cls(meta={"csrf": False})  # binds from them
            assert len(bound) - copies >= len(page.items_for(grade)), "no prototype used"
            _same_form(fresh, first, f"{definition.survey}/{page.id}/{grade}:")
            _same_form(fresh, copied, f"{definition.survey}/{page.id}/{grade}:")
            _share_nothing(copied, cls(meta={"csrf": False}))
            assert len({f.validate() for f in (fresh, first, copied)}) == 1
            assert fresh.errors == first.errors == copied.errors


def test_a_changed_copy_leaves_the_next_form_alone(app):
    definition = surveys.current("student")
    page = definition.page("adults")
    cls = page_form_class(definition.survey, definition.version, page, 7)
    with app.test_request_context("/", method="POST", data=ADULTS):
        one = cls(meta={"csrf": False})
        two = cls(meta={"csrf": False})
        block = two.adults[0].form  # bound from the prototypes (``one`` made them)
        block.relation.choices.append(("x", "x"))
        block.name.flags.required = True
        block.name.label.text = "changed"
        three = cls(meta={"csrf": False})
        for other in (one, three):
            assert ("x", "x") not in other.adults[0].form.relation.choices
            assert not other.adults[0].form.name.flags.required
            assert str(other.adults[0].form.name.label.text) != "changed"
        assert three.adults[1].form.name.name == "adults-1-name"
        assert three.adults[1].form.name.label.field_id == "adults-1-name"


def test_adult_blocks_use_the_page_language_catalog(app):
    """An adult block takes the page form's WTForms catalog (looked up once per page)."""
    definition = surveys.current("student")
    cls = page_form_class(definition.survey, definition.version, definition.page("adults"), 7)
    for language in ("es", "fa"):
        with app.test_request_context("/", method="POST", data=ADULTS), force_locale(language):
            form = cls(meta={"csrf": False})
            catalog = binding._wtforms_catalog(language)
            assert form.skip_ok._translations is catalog
            for block in form.adults:
                assert {f._translations for f in block.form} == {catalog}

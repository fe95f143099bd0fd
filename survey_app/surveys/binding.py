"""Binding the survey's form fields fast: WTForms' catalogs read once, fields bound from copies.

A page form binds every field of the page on every request; done the ordinary way that
reads WTForms' catalog from disk and runs each field's ``__init__`` again. Forms whose
``Meta`` is :class:`PrototypeBindMeta` get both from per-process caches instead, with
the same fields as a result (``tests/survey_app/respond/test_forms.py`` compares them).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel import support
from flask import current_app, has_request_context
from flask_babel import get_locale
from wtforms import (
    Field,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.core import Flags, Label
from wtforms.i18n import messages_path


@lru_cache(maxsize=32)
def _wtforms_catalog(locale: str) -> support.Translations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


_NO_CATALOG = support.NullTranslations()


class _CachedTranslationsMeta:
    """WTForms' own strings (default labels and messages) in the page language.

    Flask-WTF reads WTForms' ``.mo`` file from disk again on every request that
    needs one of them (every page form does: a field without a label asks for
    one); here each language's catalog is read once per process, and a form finds
    the page's catalog once, not once per string. An adult block (a form inside the
    page form, built in the same request) takes the page form's.
    """

    def get_translations(self, form):
        parent = getattr(form, "_parent_form", None)
        found = getattr(getattr(parent, "meta", None), "_page_catalog", None)
        if found is not None:
            return found
        if not current_app.config.get("WTF_I18N_ENABLED", True):
            found = super().get_translations(form)
        else:
            locale = get_locale() if has_request_context() else None
            found = _wtforms_catalog(str(locale)) if locale else _NO_CATALOG
        if found is not None:
            self._page_catalog = found
        return found


#: Fields whose bound state is plain attributes set by their ``__init__`` (what
#: ``_Prototype`` copies); any other class (CSRF, FieldList, FormField, a subclass) is
#: bound the ordinary way.
_COPYABLE = frozenset({StringField, TextAreaField, HiddenField, RadioField, SelectField,
                       SelectMultipleField})
#: Bound prototypes kept per process: one per (unbound field, name, catalog), a few
#: hundred for every page of both surveys in every language.
MAX_PROTOTYPES = 4096
_PROTOTYPES: dict[tuple, _Prototype] = {}


class _Prototype:
    """A field as its ``__init__`` left it, to bind copies of without running it again.

    Binding runs the field's whole ``__init__`` (validator checks, flags, label, a copy
    of its choices): 24 times on a page with two adults, a fifth of the page's save.
    Everything it sets depends only on the unbound field, its name and the catalog,
    except the form it belongs to and the prefix (the adult block's ``adults-1-``);
    a copy gets its own form, meta, name, id, label, flags and containers.
    """

    __slots__ = ("containers", "flags", "label_for", "label_text", "short_name", "state")

    def __init__(self, field: Field):
        state = dict(field.__dict__)
        for key in ("_form", "meta", "name", "id", "label", "flags"):
            state.pop(key)
        self.state = state
        self.short_name = field.short_name
        self.label_text = field.label.text
        self.label_for = field.label.field_id == field.id  # False for a radio group
        # Choices and the like are the field's own; its validators are shared (as in WTForms).
        self.containers = tuple(k for k, v in state.items()
                                if type(v) in (list, dict, set) and k != "validators")
        self.flags = dict(field.flags.__dict__)

    def bind(self, field_class: type[Field], form: Any, prefix: str) -> Field:
        field = object.__new__(field_class)
        state = field.__dict__
        state.update(self.state)
        for key in self.containers:
            state[key] = state[key].copy()
        name = prefix + self.short_name
        flags = Flags()
        flags.__dict__.update(self.flags)
        state.update(_form=form, meta=form.meta, name=name, id=name, flags=flags,
                     label=Label(name if self.label_for else False, self.label_text))
        return field


class PrototypeBindMeta(_CachedTranslationsMeta):
    """Binds the plain fields of a form from a prototype (see ``_Prototype``)."""

    def bind_field(self, form, unbound_field, options):
        cls = unbound_field.field_class
        if (cls not in _COPYABLE or options.keys() != {"name", "prefix", "translations"}
                or "id" in unbound_field.kwargs or unbound_field.kwargs.get("datalist")):
            return super().bind_field(form, unbound_field, options)
        key = (unbound_field, options["name"], options["translations"])
        prototype = _PROTOTYPES.get(key)
        if prototype is not None:
            return prototype.bind(cls, form, options["prefix"])
        field = super().bind_field(form, unbound_field, options)
        if len(_PROTOTYPES) < MAX_PROTOTYPES:
            # Made from a field bound with no prefix, whatever this one's is.
            plain = unbound_field.bind(form=form, **{**options, "prefix": ""})
            _PROTOTYPES[key] = _Prototype(plain)
        return field

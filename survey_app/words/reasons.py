"""Flag codes and parameters become sentences here, and only here.

Every sentence is a whole translatable message with ``%(name)s`` placeholders
(``ngettext`` where a number is counted), so each language can order and
inflect it freely. Names typed by families are passed in as data and escaped
by the templates like any other text.
"""

from __future__ import annotations

from collections.abc import Mapping

from babel import Locale
from babel.lists import format_list
from flask_babel import get_locale, gettext, lazy_gettext, ngettext

from survey_app.words.labels import ROLE_NAMES

_ = gettext
_l = lazy_gettext

SUPPORT_WORDS = {
    "emotional": _l("talking when something is wrong"),
    "academic": _l("homework and school"),
    "practical": _l("rides, meals and other practical help"),
    "appraisal": _l("encouragement"),
    "future": _l("college, jobs and the future"),
    "emergency": _l("an emergency"),
}
SETTING_WORDS = {
    "family": _l("family"), "school": _l("school"), "community": _l("community"),
}
INTERNET_WORDS = {
    "works_well": _l("works well"), "unreliable": _l("often does not work"),
    "phone_only": _l("only on a phone"), "none": _l("no internet"),
}
HELP_WORDS = {
    "internet": _l("internet at home"), "device": _l("a device"), "food": _l("food"),
    "transport": _l("transportation"), "tutoring": _l("tutoring"), "mentor": _l("a mentor"),
    "other": _l("something else"),
}
#: Short names of the flags (filters, headings), in the order relationships reports them.
FLAG_NAMES = {
    "no_data": _l("No answers yet"),
    "no_reliable_adult": _l("No adult they are sure of"),
    "single_anchor": _l("Just one adult"),
    "few_reliable_adults": _l("Fewer than 3 adults beyond parents"),
    "no_school_adult": _l("No adult at school"),
    "narrow_web": _l("Adults from one part of life"),
    "support_gap": _l("No one for some kinds of help"),
    "no_future_guide": _l("No one to talk about the future"),
    "perception_gap": _l("Staff and student see it differently"),
    "access_barrier": _l("Internet or device at home"),
    "lost_adults": _l("Fewer adults than last time"),
    "five_adults": _l("Growing toward five adults"),
    "anchor_load": _l("Only school adult for many students"),
}


def join(words) -> str:
    """Join words as the reader's language does ("a, b and c")."""
    words = [str(w) for w in words]
    if not words:
        return ""
    return format_list(words, locale=get_locale() or "en")


def flag_name(code: str) -> str:
    return str(FLAG_NAMES.get(code, code))


def sentence(code: str, params: Mapping, names: Mapping | None = None) -> str:
    """Return the reason of flag ``code`` with ``params`` as a sentence.

    ``names`` maps adult ids to display names (used where a flag points at people).
    """
    names = names or {}
    handler = _SENTENCES.get(code)
    text = handler(params, names) if handler else flag_name(code)
    if params.get("opted_out"):
        return _("Opted out of the student survey; from the family's answers and staff marks: "
                 "%(reason)s", reason=text)
    return text


def sentence_key(code: str, params: Mapping, names: Mapping) -> tuple:
    """A key equal for two flags exactly when :func:`sentence` makes the same words.

    For callers that make many sentences at once (exports): a flag that names an
    adult is keyed by the name shown, not the adult's id, so the many students
    whose one adult is called "Maya" share one sentence.
    """
    opted = bool(params.get("opted_out"))
    if code == "single_anchor":
        return code, opted, names.get(params.get("adult_id"))
    if code == "perception_gap":
        return (code, opted, *(tuple(names[i] for i in params.get(k, []) if i in names)
                        for k in ("marked_not_named", "named_not_marked")),
                len(params.get("marked_not_named", [])), len(params.get("named_not_marked", [])))
    return code, repr(params)  # params are JSON-able values built in one order


def named_adults(code: str, params: Mapping) -> list:
    """The adult ids whose names :func:`sentence` shows for this flag (keep in step)."""
    if code == "single_anchor":
        return [params["adult_id"]] if params.get("adult_id") is not None else []
    if code == "perception_gap":
        return [*params.get("marked_not_named", []), *params.get("named_not_marked", [])]
    return []


def _who(ids, names) -> str:
    return join(names[i] for i in ids if i in names)


def _no_data(p, n):
    return _("No survey and no staff marks yet: we do not know who this student can count on.")


def _no_reliable_adult(p, n):
    return _("Named no adult they are sure would help.")


def _single_anchor(p, n):
    name = n.get(p.get("adult_id"))
    if name:
        return _("All their support runs through one adult: %(name)s.", name=name)
    return _("All their support runs through one adult.")


def _few_reliable(p, n):
    return ngettext(
        "%(num)d adult beyond parents they can count on; %(minimum)d or more helps.",
        "%(num)d adults beyond parents they can count on; %(minimum)d or more helps.",
        int(p["count"]), minimum=int(p["minimum"]))


def _no_school_adult(p, n):
    view = p.get("view")
    if view == "student":
        return _("Did not name an adult at school they could go to.")
    if view == "staff":
        return _("No staff member marked a trusting relationship with this student.")
    return _("No adult at school, by the student's answers or by staff marks.")


def _narrow_web(p, n):
    settings = [SETTING_WORDS[s] for s in p.get("settings", []) if s in SETTING_WORDS]
    if not settings:
        return _("No adults they can count on at home, at school or in the community.")
    return ngettext("Their adults come from only %(num)d part of life: %(settings)s.",
                    "Their adults come from only %(num)d parts of life: %(settings)s.",
                    len(settings), settings=join(settings))


def _support_gap(p, n):
    kinds = [str(SUPPORT_WORDS[k]) for k in p.get("missing", []) if k in SUPPORT_WORDS]
    if len(kinds) < 2:
        return _("No adult to turn to for %(kinds)s.", kinds=join(kinds))
    # The kinds have commas and "and" of their own ("rides, meals and other practical
    # help"): one list joined with "and" would run them together, so they are counted
    # and set apart with the middle dot the profile already uses between answers.
    return ngettext("No adult to turn to for %(num)d kind of help: %(kinds)s.",
                    "No adult to turn to for %(num)d kinds of help: %(kinds)s.",
                    len(kinds), kinds=" · ".join(kinds))


def _no_future_guide(p, n):
    return _("No adult to talk with about college, jobs or the future.")


def _perception_gap(p, n):
    parts = []
    marked, named = p.get("marked_not_named", []), p.get("named_not_marked", [])
    if marked:
        parts.append(ngettext(
            "%(num)d staff member feels close to this student, who did not name them (%(who)s).",
            "%(num)d staff members feel close to this student, who did not name them (%(who)s).",
            len(marked), who=_who(marked, n)))
    if named:
        parts.append(ngettext(
            "The student named %(num)d staff member who did not mark them (%(who)s).",
            "The student named %(num)d staff members who did not mark them (%(who)s).",
            len(named), who=_who(named, n)))
    return " ".join(parts) or flag_name("perception_gap")


def _access_barrier(p, n):
    parts = []
    if p.get("internet") in INTERNET_WORDS:
        parts.append(_("Internet at home: %(state)s.", state=INTERNET_WORDS[p["internet"]]))
    if p.get("no_device"):
        parts.append(_("No computer or tablet for schoolwork at home."))
    return " ".join(parts) or flag_name("access_barrier")


def _lost_adults(p, n):
    return ngettext(
        "Fewer adults to count on than last time: %(num)d now, %(previous)d before.",
        "Fewer adults to count on than last time: %(num)d now, %(previous)d before.",
        int(p["count"]), previous=int(p["previous"]))


def _five_adults(p, n):
    return ngettext("%(num)d caring adult so far; five is a good goal.",
                    "%(num)d caring adults so far; five is a good goal.",
                    int(p["count"]))


def _anchor_load(p, n):
    return ngettext("The only adult at school for %(num)d student.",
                    "The only adult at school for %(num)d students.", int(p["students"]))


_SENTENCES = {
    "no_data": _no_data, "no_reliable_adult": _no_reliable_adult,
    "single_anchor": _single_anchor, "few_reliable_adults": _few_reliable,
    "no_school_adult": _no_school_adult, "narrow_web": _narrow_web,
    "support_gap": _support_gap, "no_future_guide": _no_future_guide,
    "perception_gap": _perception_gap, "access_barrier": _access_barrier,
    "lost_adults": _lost_adults, "five_adults": _five_adults, "anchor_load": _anchor_load,
}


def help_request(help_type: str | None) -> str:
    """A family's request for help, as a sentence."""
    what = HELP_WORDS.get(help_type or "other", HELP_WORDS["other"])
    return _("The family asked for help with %(what)s.", what=what)


#: The strengths of a student with no survey and no staff marks: not known, which is not
#: "none in the family, none at school" (that reads as "no adults").
UNKNOWN_STRENGTHS = _l("Unknown: no answers yet")


def strengths(row: Mapping) -> str:
    """Reliable adults by part of life: "2 reliable adults in the family, 1 reliable adult
    at school". Only the parts of life where someone is: a count of none reads as one more
    gap, and the reasons already say what is missing. Empty when there is no one."""
    family, school, community = (int(row.get(f"setting_{g}", 0) or 0)
                                 for g in ("family", "school", "community"))
    parts = []
    if family:
        parts.append(ngettext("%(num)d reliable adult in the family",
                              "%(num)d reliable adults in the family", family))
    if school:
        parts.append(ngettext("%(num)d reliable adult at school",
                              "%(num)d reliable adults at school", school))
    if community:
        parts.append(ngettext("%(num)d reliable adult in the community",
                              "%(num)d reliable adults in the community", community))
    return _series(parts) if parts else ""


def _series(parts) -> str:
    """Join clauses with the language's list separator (", " in English, "، "/"و" in Arabic)."""
    try:
        middle = Locale.parse(str(get_locale() or "en")).list_patterns["standard"]["middle"]
    except (ValueError, LookupError):
        middle = "{0}, {1}"
    out = str(parts[0])
    for part in parts[1:]:
        out = middle.format(out, str(part))
    return out


def mentor_reason(code: str, params: Mapping) -> str:
    """Why a staff member is suggested as a mentor."""
    if code == "volunteered":
        return _("Offered to mentor this student.")
    if code == "weak_tie":
        return _("Already knows the student a little.")
    if code == "shares_language":
        return _("Speaks the family's language.")
    if code == "teaches_student":
        return _("Teaches the student.")
    if code == "anchor_load":
        return ngettext("Already the only school adult for %(num)d student.",
                        "Already the only school adult for %(num)d students.",
                        int(params.get("students", 0)))
    return code


def strength_words(adults) -> str:
    """Adults the student can count on, by name: "Ms. Reyes (Coach) is sure to help."

    ``adults``: (name, role, reliability) from the surest and nearest to school first.
    Empty when there is none to name.
    """
    if not adults:
        return ""
    who = join(_("%(name)s (%(role)s)", name=name, role=ROLE_NAMES.get(role, role))
               for name, role, _sure in adults)
    return ngettext("%(who)s is sure to help.", "%(who)s are sure to help.", len(adults),
                    who=who)

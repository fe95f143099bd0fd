"""Priority tiers: which students a counselor works first, and which reasons lead.

Flags say *why* a student may need more adults; tiers say *how soon*. A tier
rule never changes what a flag means and never hides a flagged student: every
student any rule flags lands in exactly one tier (the most urgent one any of
their reasons reaches), and the tiers only order the list.

The rules are data (a district setting, edited on the settings page):

``tier_of``
    each reason's own tier: ``connect_now``, ``strengthen`` or ``watch``.
``escalate``
    reasons that move a student to ``connect_now`` when the student also has
    no adult at school (``no_school_adult``): one adult, lost adults or an open
    request for help weigh more when nobody at school holds the student.

``no_data`` is a tier of its own ("no data yet"), read from the ``no_data``
flag: a student with no survey and no staff marks is in it whatever else a
staff-view rule says (staff who know nobody is exactly what no data looks
like); not knowing is neither urgent nor fine. ``help_request`` (an open
request for help from the family, a follow-up rather than a flag) takes part
like a flag code.

Examples
--------
>>> rules = TierRules()
>>> tier(["few_reliable_adults", "narrow_web"], rules)
'strengthen'
>>> tier(["single_anchor", "no_school_adult"], rules)
'connect_now'
>>> tier(["no_data", "no_school_adult"], rules)
'no_data'
>>> tier([], rules) is None
True
>>> ordered(["narrow_web", "no_school_adult", "single_anchor"], rules)
['single_anchor', 'no_school_adult', 'narrow_web']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from relationships.rules import STUDENT_CODES

__all__ = ["TIERS", "TIER_CODES", "TIER_SOURCES", "TierRules", "ordered", "shares", "tier"]

#: Tiers from the most urgent; ``no_data`` last (its own kind of list).
TIERS = ("connect_now", "strengthen", "watch", "no_data")
#: Tiers a reason may be put in (``no_data`` only ever holds ``no_data``).
RANKED = TIERS[:3]
#: Reasons the tier rules place: every student flag but ``no_data``, and a family's
#: open request for help.
TIER_CODES = tuple(c for c in STUDENT_CODES if c != "no_data") + ("help_request",)

_DEFAULT_TIER = {
    "no_reliable_adult": "connect_now",
    "no_school_adult": "strengthen",
    "lost_adults": "strengthen",
    "help_request": "strengthen",
    "single_anchor": "strengthen",
    "few_reliable_adults": "strengthen",
    "narrow_web": "strengthen",
    "support_gap": "strengthen",
    "no_future_guide": "strengthen",
    "perception_gap": "watch",
    "access_barrier": "watch",
    "five_adults": "watch",
}
_DEFAULT_ESCALATE = frozenset({"single_anchor", "lost_adults", "help_request"})

#: Within a tier, reasons lead in this order (the first one or two are shown first).
IMPORTANCE = (
    "no_reliable_adult", "single_anchor", "lost_adults", "help_request", "no_school_adult",
    "few_reliable_adults", "support_gap", "no_future_guide", "narrow_web", "perception_gap",
    "access_barrier", "five_adults", "no_data",
)

#: Where each default comes from (shown on the settings page beside it).
TIER_SOURCES = {
    "connect_now": (
        "Harvard Center on the Developing Child, 'Supportive Relationships and Active Skill-"
        "Building Strengthen the Foundations of Resilience' (Working Paper 13, 2015): the "
        "single most common factor for children who do well is at least one stable, "
        "committed relationship with a supportive adult. Making Caring Common, "
        "Relationship Mapping Strategy: a student with no school adult, or just one adult, "
        "is the first one staff connect."),
    "strengthen": (
        "Search Institute, Developmental Assets #3 'Other adult relationships' (three or "
        "more non-parent adults) and Developmental Relationships Framework; America's "
        "Promise Alliance, 'Don't Quit on Me' (2015): support from several sources at once."),
    "watch": (
        "Product choice: differences between staff and student views and access barriers "
        "are worth a look but are not, alone, a lack of caring adults."),
    "escalate": (
        "Product choice following Making Caring Common's mapping debriefs ('no adult at "
        "school, or just one adult?'): the same reason weighs more when nobody at school "
        "knows the student well."),
}


def _check_tier(code, value):
    if value not in RANKED:
        raise ValueError(f"tier of {code} must be one of {RANKED}, got {value!r}")


@dataclass(frozen=True)
class TierRules:
    """Which tier each reason puts a student in (see the module docstring).

    Examples
    --------
    >>> TierRules.from_dict({"tier_of": {"access_barrier": "strengthen"}}).tier_of[
    ...     "access_barrier"]
    'strengthen'
    >>> TierRules.from_dict({"tier_of": {"no_data": "watch"}})
    Traceback (most recent call last):
    ...
    ValueError: unknown reason codes ['no_data']
    >>> TierRules.from_dict(TierRules().to_dict()) == TierRules()
    True
    """

    tier_of: Mapping = field(default_factory=lambda: dict(_DEFAULT_TIER))
    escalate: frozenset = _DEFAULT_ESCALATE

    def __post_init__(self):
        unknown = sorted(set(self.tier_of) - set(TIER_CODES))
        if unknown:
            raise ValueError(f"unknown reason codes {unknown}")
        missing = sorted(set(TIER_CODES) - set(self.tier_of))
        if missing:
            raise ValueError(f"every reason needs a tier; missing {missing}")
        for code, value in self.tier_of.items():
            _check_tier(code, value)
        unknown = sorted(set(self.escalate) - set(TIER_CODES))
        if unknown:
            raise ValueError(f"unknown reason codes {unknown}")

    def __hash__(self):
        return hash((tuple(sorted(self.tier_of.items())), self.escalate))

    def to_dict(self) -> dict:
        """A JSON-able dict (sorted, so equal rules store equal JSON)."""
        return {"tier_of": dict(sorted(self.tier_of.items())),
                "escalate": sorted(self.escalate)}

    @classmethod
    def from_dict(cls, data: Mapping | None) -> TierRules:
        """Rules from a (partial) stored dict, over the defaults; bad values raise ``ValueError``."""
        data = dict(data or {})
        unknown = sorted(set(data) - {"tier_of", "escalate"})
        if unknown:
            raise ValueError(f"unknown tier settings {unknown}")
        given = dict(data.get("tier_of") or {})
        bad = sorted(set(given) - set(TIER_CODES))
        if bad:
            raise ValueError(f"unknown reason codes {bad}")
        tier_of = {**_DEFAULT_TIER, **given}
        escalate = frozenset(data["escalate"]) if "escalate" in data else _DEFAULT_ESCALATE
        return cls(tier_of=tier_of, escalate=escalate)


def tier(codes: Iterable[str], rules: TierRules) -> str | None:
    """The tier of a student with these reasons (flag codes, plus ``help_request``).

    None when there is no reason at all; ``no_data`` whenever the ``no_data`` flag fired.
    """
    codes = set(codes)
    if "no_data" in codes:
        return "no_data"
    placed = codes - {"anchor_load"}
    if not placed:
        return None
    if "no_school_adult" in codes and placed & rules.escalate:
        return "connect_now"
    return RANKED[min(RANKED.index(rules.tier_of.get(c, "watch")) for c in placed)]


def ordered(codes: Iterable[str], rules: TierRules) -> list[str]:
    """The reasons, most important first: by their tier (escalated ones as ``connect_now``),
    then in :data:`IMPORTANCE` order."""
    codes = list(dict.fromkeys(codes))
    no_school = "no_school_adult" in codes

    def rank(code):
        if code == "no_data" or code not in rules.tier_of:
            place = len(RANKED)
        elif no_school and code in rules.escalate:
            place = 0
        else:
            place = RANKED.index(rules.tier_of[code])
        where = IMPORTANCE.index(code) if code in IMPORTANCE else len(IMPORTANCE)
        return place, where

    return sorted(codes, key=rank)


def shares(tiers: Iterable[str | None], students: int) -> dict[str, float]:
    """Share of ``students`` in each tier (students with no reason count in none).

    >>> shares(["connect_now", "watch", None, "watch"], 4)
    {'connect_now': 0.25, 'strengthen': 0.0, 'watch': 0.5, 'no_data': 0.0}
    """
    counts = dict.fromkeys(TIERS, 0)
    for t in tiers:
        if t is not None:
            counts[t] += 1
    return {t: round(counts[t] / students, 4) if students else 0.0 for t in TIERS}

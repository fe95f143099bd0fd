"""Flag rules: thresholds, defaults and sources (edited on the settings page).

Defaults and sources come from ``SURVEYS.md``. Only ``no_school_adult``,
``no_reliable_adult`` and ``few_reliable_adults`` rest on published criteria;
the other cut-offs are product choices (see :data:`RULE_SOURCES`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields

from relationships.input_tables import INTERNET, SUPPORT_TYPES

__all__ = ["CODES", "DEFAULT_ENABLED", "RULE_SOURCES", "STUDENT_CODES", "FlagRules"]

#: Student-level flag codes, in the order they are reported.
STUDENT_CODES = (
    "no_data", "no_reliable_adult", "single_anchor", "few_reliable_adults",
    "no_school_adult", "narrow_web", "support_gap", "no_future_guide",
    "perception_gap", "access_barrier", "lost_adults", "five_adults",
)
CODES = (*STUDENT_CODES, "anchor_load")
DEFAULT_ENABLED = frozenset(CODES) - {"five_adults"}
#: The smallest group whose size or rate is shown (equity view, response rates, exports):
#: the default of every district's setting, and the one place the number is written.
MIN_N = 10

#: code -> where the rule comes from and whether it rests on published criteria.
RULE_SOURCES = {
    "no_school_adult": ("Making Caring Common: students with 0 positive relationships "
                        "with school adults", True),
    "no_reliable_adult": ("Harvard Center on the Developing Child: at least one stable, "
                          "committed adult", True),
    "few_reliable_adults": ("Search Institute Developmental Asset #3: three or more "
                            "non-parent adults", True),
    "single_anchor": ('relationship-mapping debriefs: "no adult... or just one adult?"', False),
    "narrow_web": ("America's Promise, Don't Quit on Me: a web of sources", False),
    "support_gap": ("Don't Quit on Me: emotional and practical support in tandem", False),
    "no_future_guide": ("Christensen Institute; Developmental Relationships "
                        '"Expand possibilities"', False),
    "perception_gap": ("What School Could Be: do staff and student views align?", False),
    "access_barrier": ("edtech access gaps (seed documents)", False),
    "lost_adults": ("Making Caring Common: fall and spring mapping", False),
    "no_data": ("unknown is not fine", False),
    "anchor_load": ("articulation points of the school graph", False),
    "five_adults": ('practitioner "rule of five" heuristic, not research', False),
}


@dataclass(frozen=True, slots=True)
class Flag:
    """One fired rule: a code, the student (None for staff-level flags),
    JSON-able parameters for the sentence, and the evidence (tie ids, or
    staff adult ids for staff-view rules)."""

    code: str
    student_id: int | None
    params: dict = field(default_factory=dict)
    evidence: tuple = ()


def _positive(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


@dataclass(frozen=True)
class FlagRules:
    """Every flag threshold, with the ``SURVEYS.md`` defaults.

    Attributes
    ----------
    enabled : frozenset of str
        Codes that fire (default: all but the advisory ``five_adults``).
    min_reliability : int
        A tie is reliable at this reliability or above (1-4; default 3).
    few_reliable_minimum : int
        ``few_reliable_adults`` fires below this many non-parent adults (3).
    narrow_web_minimum : int
        ``narrow_web`` fires below this many setting groups (2 of family,
        school, community).
    support_gap_types : tuple of str
        Support types that must each have a reliable adult (emotional, practical).
    future_grades : tuple of int
        First and last grade ``no_future_guide`` applies to (9, 12).
    lost_adults_drop : int
        ``lost_adults`` fires when reliable adults fell by at least this (1).
    barrier_internet : tuple of str
        Home internet answers that count as "no working internet".
    phone_is_device : bool
        Whether a phone alone counts as a device for schoolwork (False).
    anchor_load_minimum : int
        ``anchor_load`` fires for a staff member who is the only reliable
        school adult of at least this many students (10; a product choice).
    five_adults_minimum : int
        The advisory growth target (5).

    Examples
    --------
    >>> rules = FlagRules.from_dict({"min_reliability": 4})
    >>> rules.min_reliability, "five_adults" in rules.enabled
    (4, False)
    >>> FlagRules.from_dict({"min_reliability": 7})
    Traceback (most recent call last):
    ...
    ValueError: min_reliability must be between 1 and 4, got 7
    >>> FlagRules.from_dict(FlagRules().to_dict()) == FlagRules()
    True
    """

    enabled: frozenset = field(default=DEFAULT_ENABLED)
    min_reliability: int = 3
    few_reliable_minimum: int = 3
    narrow_web_minimum: int = 2
    support_gap_types: tuple = ("emotional", "practical")
    future_grades: tuple = (9, 12)
    lost_adults_drop: int = 1
    barrier_internet: tuple = ("unreliable", "phone_only", "none")
    phone_is_device: bool = False
    anchor_load_minimum: int = 10
    five_adults_minimum: int = 5

    def __post_init__(self):
        self._validate()

    def _validate(self):
        unknown = set(self.enabled) - set(CODES)
        if unknown:
            raise ValueError(f"enabled has unknown flag codes {sorted(unknown)}")
        if self.min_reliability not in (1, 2, 3, 4) or isinstance(self.min_reliability, bool):
            raise ValueError(
                f"min_reliability must be between 1 and 4, got {self.min_reliability!r}")
        for name in ("few_reliable_minimum", "narrow_web_minimum", "lost_adults_drop",
                     "anchor_load_minimum", "five_adults_minimum"):
            _positive(name, getattr(self, name))
        if self.narrow_web_minimum > 3:
            raise ValueError("narrow_web_minimum must be at most 3 (there are 3 settings)")
        if not set(self.support_gap_types) <= set(SUPPORT_TYPES):
            raise ValueError(f"support_gap_types must be among {SUPPORT_TYPES}")
        if not set(self.barrier_internet) <= set(INTERNET):
            raise ValueError(f"barrier_internet must be among {INTERNET}")
        low, high = self.future_grades
        if not (isinstance(low, int) and isinstance(high, int) and 0 <= low <= high <= 12):
            raise ValueError(f"future_grades must be two grades 0-12 in order, got "
                             f"{self.future_grades!r}")
        if not isinstance(self.phone_is_device, bool):
            raise ValueError("phone_is_device must be true or false")

    def to_dict(self):
        """Return a JSON-able dict (lists for sets and tuples)."""
        data = asdict(self)
        data["enabled"] = sorted(self.enabled)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}

    @classmethod
    def from_dict(cls, data):
        """Build rules from a (partial) dict; unknown keys or bad values raise ``ValueError``."""
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown rule settings {sorted(unknown)}")
        values = dict(data)
        if "enabled" in values:
            values["enabled"] = frozenset(values["enabled"])
        for key in ("support_gap_types", "future_grades", "barrier_internet"):
            if key in values:
                values[key] = tuple(values[key])
        return cls(**values)

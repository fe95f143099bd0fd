"""The shape of a survey definition: items, choices and pages as plain frozen data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: Item kinds a definition may use.
SINGLE, MULTI, TEXT, LANGUAGE, ADULTS, ADULT_REF = (
    "single", "multi", "text", "language", "adults", "adult_ref",
)
PREFER_NOT = "prefer_not"
MAX_ADULTS = 10


@dataclass(frozen=True)
class Choice:
    code: str
    label: Any  # a lazy string, translated when rendered


@dataclass(frozen=True)
class Item:
    """One question. ``grades`` limits who sees it; ``soft_required`` asks once before a skip."""

    id: str
    kind: str
    label: Any
    hint: Any = None
    choices: tuple[Choice, ...] = ()
    prefer_not: bool = True
    grades: tuple[int, int] = (0, 12)
    soft_required: bool = False
    max_length: int = 500
    multiline: bool = False

    def shown_for(self, grade: int | None) -> bool:
        return grade is None or self.grades[0] <= grade <= self.grades[1]

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.choices)


@dataclass(frozen=True)
class Page:
    id: str
    title: Any
    intro: Any = None
    items: tuple[Item, ...] = ()

    def items_for(self, grade: int | None) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.shown_for(grade))

    @property
    def has_adults(self) -> bool:
        return any(i.kind == ADULTS for i in self.items)

    @property
    def uses_adults(self) -> bool:
        """The page shows the adult block or asks which of the named adults."""
        return any(i.kind in (ADULTS, ADULT_REF) for i in self.items)


@dataclass(frozen=True)
class Definition:
    """A versioned survey. Rewording or adding an item makes a new version."""

    survey: str
    version: str
    grades: tuple[int, int]
    pages: tuple[Page, ...]
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({p.id: n for n, p in enumerate(self.pages)})
        ids = [i.id for p in self.pages for i in p.items]
        if len(ids) != len(set(ids)):
            raise ValueError(f"duplicate item ids in {self.survey} {self.version}")

    def page(self, page_id: str) -> Page | None:
        n = self._index.get(page_id)
        return None if n is None else self.pages[n]

    def position(self, page_id: str) -> int:
        return self._index[page_id]

    def neighbour(self, page_id: str, step: int) -> Page | None:
        n = self._index[page_id] + step
        return self.pages[n] if 0 <= n < len(self.pages) else None

    def item(self, item_id: str) -> Item | None:
        for page in self.pages:
            for item in page.items:
                if item.id == item_id:
                    return item
        return None

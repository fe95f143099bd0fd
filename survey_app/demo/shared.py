"""What the parts of the demo generator share: random draws, JSON codes, the survey context
and the answer rows. It imports none of them, so ``generate`` → ``surveys`` → ``households``
→ ``networks`` → here runs one way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from survey_app.demo import catalog as C

if TYPE_CHECKING:  # annotations only
    from survey_app.demo.networks import Entries


def pick(rng: np.random.Generator, p, size: int) -> np.ndarray:
    """Indices drawn with probabilities ``p`` (normalised)."""
    p = np.asarray(p, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def dumps_codes(codes) -> np.ndarray:
    """JSON text of each code, serialised once per distinct code."""
    uniques, inverse = np.unique(np.asarray(codes).astype(str), return_inverse=True)
    return np.array([json.dumps(u) for u in uniques], dtype=object)[inverse]


def maybe(values, present) -> np.ndarray:
    """An object column: Python ints where ``present``, None elsewhere (nullable FK)."""
    out = np.asarray(values).astype(object)
    out[~np.asarray(present, dtype=bool)] = None
    return out


NORMAL, ZERO, SINGLE, LOST = 0, 1, 2, 3
DEVICES = np.array([json.dumps([d for b, d in enumerate(
    ("own_computer", "shared_computer", "phone")) if m >> b & 1] or ["nothing"])
    for m in range(8)], dtype=object)
PREFER_NOT = '"prefer_not"'


@dataclass
class Ctx:
    rng: np.random.Generator
    roster: object
    secret: str
    today: date
    profile: np.ndarray
    k_fall: np.ndarray
    k_spring: np.ndarray
    unreached_hh: np.ndarray
    home: dict
    staff_adult: np.ndarray
    teacher_of: tuple
    next_adult: int
    net: dict = field(default_factory=lambda: {})
    family_net: dict = field(default_factory=lambda: {})
    engaged: dict = field(default_factory=lambda: {})
    out: dict = field(default_factory=lambda: {})
    ids: dict = field(default_factory=lambda: {})

    def add(self, table: str, frame: pd.DataFrame) -> np.ndarray:
        """Append rows with the next ids of ``table``; return the ids."""
        start = self.ids.get(table, 1)
        ids = np.arange(start, start + len(frame))
        self.ids[table] = start + len(frame)
        self.out.setdefault(table, []).append(frame.assign(id=ids))
        return ids


def answers(ctx: Ctx, resp: pd.DataFrame, item: str, values, mask=None) -> None:
    values = np.asarray(values, dtype=object)
    if mask is not None:
        resp, values = resp[mask], values[mask]
    ctx.add("answer", pd.DataFrame({
        "response_id": resp.response_id.to_numpy(), "item_id": item, "entry": 0, "version": 1,
        "current": True, "value": values, "language": resp.language.to_numpy()}))


def single(ctx: Ctx, latent: np.ndarray, codes_: tuple, p: tuple, noise: float = 0.1):
    """A household condition as one respondent reports it (a little noise, some prefer-not)."""
    rng, m = ctx.rng, len(latent)
    idx = np.where(rng.random(m) < noise, pick(rng, p, m), latent)
    out = dumps_codes(np.asarray(codes_)[idx])
    out[rng.random(m) < C.PREFER_NOT_P] = PREFER_NOT
    return out


def emit_entries(ctx: Ctx, e: Entries, d: dict, values: list[str]) -> None:
    if len(d["adults"]):
        ctx.out.setdefault("adult", []).append(d["adults"])
        ctx.next_adult = int(d["adults"].id.iloc[-1]) + 1
        ctx.ids["adult"] = ctx.next_adult
    ctx.add("answer", pd.DataFrame({
        "response_id": e.response_id, "item_id": "adults", "entry": e.entry, "version": 1,
        "current": True, "value": np.asarray(values, dtype=object), "language": e.language}))

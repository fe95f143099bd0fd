"""Results kept per worker process and database until the version they were made at moves.

The versions are the counters of ``data_version`` (:data:`survey_app.db.COUNTERS`), which
every process reads from the same database, so no worker serves what another has
already changed. Results are grouped by kind (school maps, profiles, staff lists…) and
each kind keeps its newest few, so many small results never push another kind out.

What :func:`at_version` returns is shared between requests: read it, never change it.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

__all__ = ["at_version", "clear", "keys"]

_lock = threading.Lock()
_kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # pool -> {kind: OrderedDict}


def at_version(session: Session, kind: str, key: tuple, version: int,
               make: Callable[[], Any], *, limit: int) -> Any:
    """``make()`` once per ``version`` for ``key``; the newest ``limit`` of ``kind`` are kept.

    ``version`` is one a transaction of ``session`` read; results of an older version
    of the same kind are dropped once a newer one is made.
    """
    full = (*key, version)
    with _lock:
        cache = _kept.setdefault(session.get_bind().pool, {}).setdefault(kind, OrderedDict())
        if full in cache:
            cache.move_to_end(full)
            return cache[full]
    made = make()
    with _lock:
        cache[full] = made
        for old in [k for k in cache if k[-1] < version]:
            del cache[old]
        while len(cache) > limit:
            cache.popitem(last=False)
    return made


def keys(session: Session) -> list[tuple]:
    """The keys kept for this database, each ending with its version (tests, diagnostics)."""
    with _lock:
        kinds = _kept.get(session.get_bind().pool, {})
        return [k for cache in kinds.values() for k in cache]


def clear() -> None:
    """Forget everything kept (tests)."""
    with _lock:
        _kept.clear()

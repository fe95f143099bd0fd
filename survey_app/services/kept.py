"""Results kept per worker process and database until the version they were made at moves.

The versions are the counters of ``data_version`` (:data:`survey_app.db.COUNTERS`), which
every process reads from the same database, so no worker serves what another has
already changed. Results are grouped by kind (school maps, profiles, staff lists…) and
each kind keeps its newest few, so many small results never push another kind out.

What :func:`at_version` returns is shared between requests: read it, never change it.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from sqlmodel import Session

__all__ = ["at_version", "clear", "keys"]

_lock = threading.Lock()
_kept: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # pool -> {kind: OrderedDict}


def at_version(session: Session, kind: str, key: tuple, version,
               make: Callable[[], Any], *, limit: int, lag: float = 0.0) -> Any:
    """``make()`` once per ``version`` for ``key``; the newest ``limit`` of ``kind`` are kept.

    ``version`` is one a transaction of ``session`` read: a counter, or the shared counter
    and a tuple of per-school counters (``survey_app.db.school_versions``). Once a newer
    one is made, the same key's other versions are dropped, and so is every result of
    the kind made at an older shared counter.

    ``lag`` (seconds; per-school versions only): a result of the same key made at the same
    shared counter less than ``lag`` seconds ago is still good, though its schools'
    counters have moved since (declared survey saves at those schools).
    """
    full = (*key, version)
    with _lock:
        cache = _kept.setdefault(session.get_bind().pool, {}).setdefault(kind, OrderedDict())
        if full in cache:
            cache.move_to_end(full)
            return cache[full][0]
        if lag > 0 and isinstance(version, tuple):
            now = time.monotonic()
            for k, (value, made_at) in cache.items():
                if k[:-1] == key and k[-1][0] == version[0] and now - made_at < lag:
                    return value
    made = make()
    with _lock:
        cache[full] = (made, time.monotonic())
        shared = _shared(version)
        for old in [k for k in cache
                    if _shared(k[-1]) < shared or (k[:-1] == key and k[-1] != version)]:
            del cache[old]
        while len(cache) > limit:
            cache.popitem(last=False)
    return made


def _shared(version) -> int:
    return version[0] if isinstance(version, tuple) else version


def keys(session: Session) -> list[tuple]:
    """The keys kept for this database, each ending with its version (tests, diagnostics)."""
    with _lock:
        kinds = _kept.get(session.get_bind().pool, {})
        return [k for cache in kinds.values() for k in cache]


def clear() -> None:
    """Forget everything kept (tests)."""
    with _lock:
        _kept.clear()

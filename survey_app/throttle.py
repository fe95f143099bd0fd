"""Counting wrong guesses, so that a guesser is slowed and a right answer never is.

Flask-Limiter checks its limits *before* a view runs, so once an address (a school's
shared NAT) had spent its allowance on wrong codes, the students behind it typing
right ones were refused too. Here the view first checks the answer: a right code,
link or password is let in without looking at any counter; only a wrong one is counted
(``refuse_wrong``) and, past a limit, answered 429 instead of 400/401/404. A counter
that is over may still refuse *before* the check where it guards one secret rather than
an address: a staff account (``over``), so a password guesser gets no answers at all
once that account has had its share.

What a guesser gets. A typed code is one of 31**12 = 7.9e17 (survey_app/services/codes.py).
A guesser who waits when told (429, Retry-After) has 300 wrong codes a day per address
(``respond.views.IP_LIMITS``) and 50 per 4-symbol prefix from all addresses together
(``CODE_LIMITS``): against a district of 100,000 live codes that is a 300 x 1e5 / 7.9e17
= 3.8e-11 chance of a hit per address per day. Because a right code must always open,
a guesser who ignores 429s still has each guess checked: the bound is then the server's
speed. Even at 1,000 checks a second (86 million a day, far past this app's measured
~200 a second per process) the chance is 86e6 x 1e5 / 7.9e17 = 1.1e-5 per day, and every
wrong guess is counted, 429'd and (for sign-ins) audited. A link token is 128 bits: no
rate makes it guessable. A staff password is refused unchecked once its account has had
100 wrong ones in a day, from anywhere (NIST SP 800-63B 5.2.2).

Counters live in Redis (``REDIS_URL``) so every worker and instance shares them. When
Redis cannot be reached they fall back to this process's memory and say so in the log;
Redis is tried again after ``RETRY_SECONDS``. ``state()`` feeds ``/healthz``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from flask import Flask, current_app
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)
EXTENSION = "survey_throttle"
RETRY_SECONDS = 15.0
T = TypeVar("T")


class Counters:
    """Moving-window counters in shared storage, with this process's memory behind them."""

    def __init__(self, uri: str | None, *, prefix: str = "survey", enabled: bool = True,
                 retry_seconds: float = RETRY_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.enabled = enabled
        self.retry_seconds = retry_seconds
        self.prefix = prefix
        self._clock = clock
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        if uri and not uri.startswith("memory://"):
            storage: Storage = storage_from_string(uri, socket_connect_timeout=0.5,
                                                   socket_timeout=0.5)
            self._shared = MovingWindowRateLimiter(storage)
        self._down_until = 0.0
        self._lock = threading.Lock()

    def state(self) -> str:
        """``up`` (shared), ``memory`` (no Redis configured) or ``degraded`` (Redis lost)."""
        if self._shared is None:
            return "memory"
        if self._clock() < self._down_until:
            return "degraded"
        try:
            ok = self._shared.storage.check()
        except Exception:  # noqa: BLE001 - any failure of the store is "unreachable"
            ok = False
        if not ok:
            self._lost("health check")
            return "degraded"
        return "up"

    def _lost(self, what: str, error: Exception | None = None) -> None:
        with self._lock:
            fresh = self._clock() >= self._down_until
            self._down_until = self._clock() + self.retry_seconds
        if fresh:
            log.warning("Redis unreachable (%s: %s): rate limits are counted in this "
                        "process's memory for the next %g s", what, error or "no answer",
                        self.retry_seconds)

    def _run(self, work: Callable[[MovingWindowRateLimiter], T]) -> T:
        if self._shared is not None and self._clock() >= self._down_until:
            try:
                return work(self._shared)
            except Exception as error:  # noqa: BLE001 - redis, socket or timeout errors alike
                self._lost("counting", error)
        return work(self._memory)

    def refuse_wrong(self, limits: str, *keys: str) -> int | None:
        """Count one wrong answer under each key; seconds to wait if any is now over."""
        if not self.enabled:
            return None
        items = parse_many(limits)

        def hit(limiter: MovingWindowRateLimiter) -> int | None:
            waits = [_wait(limiter, item, self.prefix, key) for key in keys for item in items
                     if not limiter.hit(item, self.prefix, key)]
            return max(waits) if waits else None

        return self._run(hit)

    def over(self, limits: str, key: str) -> int | None:
        """Seconds to wait when ``key`` has used up a limit already (nothing is counted)."""
        if not self.enabled:
            return None
        items = parse_many(limits)

        def test(limiter: MovingWindowRateLimiter) -> int | None:
            waits = [_wait(limiter, item, self.prefix, key) for item in items
                     if not limiter.test(item, self.prefix, key)]
            return max(waits) if waits else None

        return self._run(test)

    def clear(self, keys: Iterable[str], limits: str) -> None:
        """Forget the counts of ``keys`` (a staff member who signed in)."""
        if not self.enabled:
            return
        items = parse_many(limits)

        def clear(limiter: MovingWindowRateLimiter) -> None:
            for key in keys:
                for item in items:
                    limiter.clear(item, self.prefix, key)

        self._run(clear)


def _wait(limiter: MovingWindowRateLimiter, item: RateLimitItem, *identifiers: str) -> int:
    """Whole seconds until the oldest counted answer leaves the window (at least 1)."""
    reset = limiter.get_window_stats(item, *identifiers).reset_time
    return max(1, min(int(item.get_expiry()), int(reset - time.time()) + 1))


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = Counters(
        app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL"),
        prefix=app.config.get("RATELIMIT_KEY_PREFIX", "survey"),
        enabled=bool(app.config.get("RATELIMIT_ENABLED", True)),
        retry_seconds=float(app.config.get("RATELIMIT_RETRY_SECONDS", RETRY_SECONDS)))


def counters() -> Counters:
    return current_app.extensions[EXTENSION]

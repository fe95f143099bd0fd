"""How far a running job is: Redis when the queue runs on it, otherwise a file.

The job's transaction cannot carry its own progress (nothing it writes is
visible before it commits, and on SQLite a second writer would wait for it),
so a worker reports to a store beside the database. A heartbeat thread writes
``beat`` every few seconds: a running job without a recent beat has lost its
worker.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import redis

#: Progress is kept this long after the last write (the job row keeps the report).
KEEP_SECONDS = 7 * 24 * 3600


class ProgressStore:
    """Read and write per-job progress, keyed by database so tests and sites never mix."""

    def __init__(self, *, database_url: str, redis_url: str | None, folder: Path):
        self._prefix = "survey:job:" + hashlib.sha1(database_url.encode()).hexdigest()[:12]
        self._redis = redis.Redis.from_url(redis_url) if redis_url else None
        self._folder = folder / self._prefix.replace(":", "-")

    def write(self, job_id: int, fields: dict[str, Any]) -> None:
        if self._redis is not None:
            key = f"{self._prefix}:{job_id}"
            pipe = self._redis.pipeline()
            pipe.hset(key, mapping={k: json.dumps(v) for k, v in fields.items()})
            pipe.expire(key, KEEP_SECONDS)
            pipe.execute()
            return
        path = self._folder / f"{job_id}.json"
        self._folder.mkdir(parents=True, exist_ok=True)
        merged = {**self.read(job_id), **fields}
        scratch = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        scratch.write_text(json.dumps(merged))
        os.replace(scratch, path)  # readers see the old file or the new, never half of one

    def read(self, job_id: int) -> dict[str, Any]:
        if self._redis is not None:
            try:
                raw = self._redis.hgetall(f"{self._prefix}:{job_id}")
            except redis.RedisError:
                return {}  # the page shows the job's row without its progress
            return {k.decode(): json.loads(v) for k, v in raw.items()}
        try:
            return json.loads((self._folder / f"{job_id}.json").read_text())
        except (FileNotFoundError, ValueError):
            return {}


class Reporter:
    """What a job tells its page: the stage, units done of a total, rows read.

    Writes at most every ``every`` seconds (a roster reports every 64 KB read),
    and a daemon thread beats while the job runs.
    """

    def __init__(self, store: ProgressStore, job_id: int, *, every: float = 0.25,
                 beat_every: float = 2.0):
        self._store, self._job_id, self._every = store, job_id, every
        self.fields: dict[str, Any] = {"stage": "starting", "done": 0, "total": 0, "rows": 0}
        self._last = 0.0
        self._stop = threading.Event()
        self._beat_every = beat_every
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def __enter__(self) -> Reporter:
        self._flush()
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def stage(self, name: str, total: int = 0) -> None:
        self.fields.update(stage=name, done=0, total=total)
        self._flush()

    def advance(self, done: int = 0, rows: int = 0) -> None:
        self.fields["done"] += done
        self.fields["rows"] += rows
        if time.monotonic() - self._last >= self._every:
            self._flush()

    def _flush(self) -> None:
        with self._lock:
            self._last = time.monotonic()
            self._store.write(self._job_id, {**self.fields, "beat": time.time()})

    def _beat(self) -> None:
        while not self._stop.wait(self._beat_every):
            self._flush()

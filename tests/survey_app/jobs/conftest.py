"""Job tests: rosters zipped for upload, and an RQ queue of our own on the test Redis."""

from __future__ import annotations

import io
import os
import uuid
import zipfile
from pathlib import Path

import pytest
import redis

from survey_app.jobs import worker
from tests.survey_app.exports.conftest import write_roster

REDIS_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/15")


def zip_of(folder: Path) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, path.name)
    buffer.seek(0)
    return buffer


def hand_in(client, data: io.BytesIO):
    """Send the upload form: the answer hands the file to a roster check job."""
    return client.post("/exports/roster", data={"package": (data, "roster.zip")},
                       content_type="multipart/form-data")


def check(client, app, data: io.BytesIO):
    """The first step of the page: the upload is checked by a job (run here by a worker) and
    the job's page shows its differences."""
    handed = hand_in(client, data)
    assert handed.status_code == 303, handed.data
    assert "/jobs/" in handed.headers["Location"]
    assert worker.work(app, burst=True) == 1
    return client.get(handed.headers["Location"])


def upload(client, app, data: io.BytesIO, **fields):
    """Check the roster, then "Save these changes": the answer hands it to a job."""
    checked = check(client, app, data)
    assert checked.status_code == 200, checked.data
    assert "Save these changes" in checked.get_data(as_text=True)
    return client.post(f"{checked.request.path}/save", data=fields)


@pytest.fixture
def redis_queue(app_config) -> str:
    """Point the app at the test Redis with a queue name of its own; skip without Redis."""
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"needs Redis at {REDIS_URL}")
    name = f"test-{uuid.uuid4().hex[:8]}"
    app_config.update(REDIS_URL=REDIS_URL, JOB_QUEUE=name)
    return name


@pytest.fixture
def roster(tmp_path) -> Path:
    """The small district of the roster tests, as a folder."""
    return write_roster(tmp_path / "roster")

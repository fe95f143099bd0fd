"""Bytes of HTML+CSS (raw and gzip) of every respondent page, and requests to other hosts.

Targets: ≤ 20 KB compressed per page, 0 outside requests. Last line: one JSON object.
Run from the repository root: ``python benchmarks/page_weight.py``.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _cli  # noqa: E402  (benchmarks/ is the script's own folder)
from _respond_data import SECRET, build  # noqa: E402

from survey_app import create_app  # noqa: E402

ASSET = re.compile(r'(?:src|href|action)="([^"]+)"')


def main() -> None:
    _cli.parse(__doc__, {})
    folder = tempfile.mkdtemp(prefix="page-weight-")
    url = f"sqlite:///{folder}/bench.db"
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "DATABASE_URL": url,
                      "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
    # Each language uses a student and a household of its own (two students a household).
    access = build(url, students=2 * len(app.config["OFFERED_LANGUAGES"]))
    client = app.test_client()
    css = client.get("/static/css/app.css").data
    pages = []

    def weigh(name: str, path: str, *, method: str = "get", data=None) -> None:
        response = getattr(client, method)(path, data=data, follow_redirects=False)
        html = response.data
        outside = [u for u in ASSET.findall(html.decode())
                   if urlsplit(u).scheme in ("http", "https") or u.startswith("//")]
        raw = len(html) + len(css)
        packed = len(gzip.compress(html, 6)) + len(gzip.compress(css, 6))
        pages.append({"page": name, "status": response.status_code, "raw_bytes": raw,
                      "gzip_bytes": packed, "outside_requests": len(outside)})
        print(f"{name:28} {response.status_code}  raw {raw:7,d} B  gzip {packed:6,d} B  "
              f"outside {len(outside)}")

    for lang in app.config["OFFERED_LANGUAGES"]:
        weigh(f"{lang} start", f"/?lang={lang}")
        client.get(access["student"][0].url + f"?lang={lang}")
        for page in ("home", "after_school", "adults", "school"):
            weigh(f"{lang} student {page}", f"/survey/{page}")
        many = {f"adults-{n}-name": f"Adult {n}" for n in range(10)} | {
            f"adults-{n}-entry": "" for n in range(10)}
        client.post("/survey/adults", data=many)
        weigh(f"{lang} student 10 adults", "/survey/adults")
        client.post("/survey/leave")
        client.get(access["family"][0].url + f"?lang={lang}")
        for page in ("contact", "home", "adults", "school", "help"):
            weigh(f"{lang} family {page}", f"/survey/{page}")
        client.post("/survey/help", data={})
        weigh(f"{lang} done", "/survey/done")
        client.post("/survey/leave")
        weigh(f"{lang} lost session", "/survey/home")
        access = {k: v[1:] for k, v in access.items()}

    summary = {
        "pages": len(pages),
        "max_page_gzip_bytes": max(p["gzip_bytes"] for p in pages),
        "max_page_raw_bytes": max(p["raw_bytes"] for p in pages),
        "outside_requests": sum(p["outside_requests"] for p in pages),
        "target_gzip_bytes": 20 * 1024,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

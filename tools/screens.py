"""Take the counselor's-week screenshots in docs/screens/ from a running demo district.

    make run                                   # or any server on the demo district
    .venv/bin/python tools/screens.py [BASE]   # BASE: http://127.0.0.1:5000 by default

Chromium (Debian's /usr/bin/chromium, as the browser tests) at 1280×800, the first screen
only: ``caseload.png`` (the high school's counselor, the caseload as it opens),
``school_map.png`` (the same counselor's school map, drawn) and ``my_students.png`` (the
high school's demo teacher). Prints each page's scrollWidth at 1280 and at 390 px.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

OUT = Path(__file__).resolve().parents[1] / "docs" / "screens"
PASSWORD = "demo-district-only"  # the demo accounts' printed password (demo data only)
SHOTS = (  # file, account, path
    ("caseload.png", "counselor.riv@demo.example", "/counsel/students"),
    ("school_map.png", "counselor.riv@demo.example", "/counsel/map"),
    ("my_students.png", "teacher.riv@demo.example", "/staff/my-students"),
)


def _sign_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/staff/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/staff/**")


def main(base: str = "http://127.0.0.1:5000") -> None:
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        for name, email, path in SHOTS:
            widths = []
            for viewport in ({"width": 1280, "height": 800}, {"width": 390, "height": 844}):
                context = browser.new_context(viewport=viewport)
                page = context.new_page()
                _sign_in(page, base, email)
                page.goto(f"{base}{path}")
                if path == "/counsel/map":
                    page.wait_for_selector("#map[data-drawn]", timeout=60_000)
                widths.append(page.evaluate("document.documentElement.scrollWidth"))
                if viewport["width"] == 1280:
                    page.screenshot(path=str(OUT / name))
                context.close()
            sys.stdout.write(f"{name}: {path} as {email}; scrollWidth at 1280 and 390: "
                             f"{widths}\n")
        browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", nargs="?", default="http://127.0.0.1:5000",
                        help="the demo district's server (default: %(default)s, `make run`)")
    try:
        main(parser.parse_args().base)
    except PlaywrightError as error:
        raise SystemExit(f"no demo district answered ({error.message.splitlines()[0]}): "
                         "start one with `make run` first") from None

"""Security headers on every kind of page, HSTS in production, and request size limits.

Upload attacks (ZIP bombs, path-traversal names, non-UTF-8 files) are tested where the
upload code lives: tests/survey_app/exports/test_oneroster.py (test_zip_bomb_is_refused,
test_zip_with_path_traversal_is_refused, test_non_utf8_file_is_reported) and
tests/survey_app/exports/test_views.py (test_unsafe_zips_are_refused_with_a_clear_message).
"""

from __future__ import annotations

import pytest


def _assert_headers(response, url):
    csp = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp, url
    assert "unsafe-inline" not in csp, url
    assert "unsafe-eval" not in csp, url
    assert "frame-ancestors 'none'" in csp, url
    assert response.headers.get("X-Content-Type-Options") == "nosniff", url
    assert response.headers.get("X-Frame-Options") == "DENY", url
    assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer",
                                                       "strict-origin-when-cross-origin"), url


def test_every_page_type_sends_the_security_headers(client, world, login_as):
    anonymous = ["/", "/staff/login", "/healthz", "/survey/done", "/no-such-page",
                 "/static/js/map.js"]
    for url in anonymous:
        response = client.get(url)
        _assert_headers(response, url)
        response.close()
    _assert_headers(client.post("/", data={"code": "WRONGCODE"}), "POST /")
    login_as(world.users["district_admin"])
    for url in ["/staff/", "/counsel/students", f"/counsel/students/{world.students[0].id}",
                "/counsel/map", "/counsel/map/data", "/counsel/equity", "/admin/responses",
                "/admin/settings", "/admin/audit", "/staff/mapping", "/staff/engagement",
                "/exports/", "/exports/roster", "/letters"]:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_headers(response, url)
    download = client.post("/exports/download", data={"kind": "flagged", "flagged-fmt": "csv",
                                                      "flagged-school": ""})
    assert download.status_code == 200
    _assert_headers(download, "/exports/download")
    assert "attachment" in download.headers["Content-Disposition"]
    download.close()


@pytest.fixture
def production_client(make_app):
    app = make_app(ENV="production", TESTING=False, SECRET_KEY="x" * 48,
                   SESSION_COOKIE_SECURE=True)
    return app.test_client()


def test_production_sends_hsts_and_redirects_to_https(production_client):
    plain = production_client.get("/staff/login")
    assert plain.status_code in (301, 302)
    assert plain.headers["Location"].startswith("https://")
    secure = production_client.get("/staff/login", base_url="https://school.example")
    assert secure.status_code == 200
    assert "max-age=" in secure.headers.get("Strict-Transport-Security", "")
    _assert_headers(secure, "https /staff/login")


def test_a_huge_post_is_refused_with_a_translated_page(client):
    huge = "x" * (21 * 1024 * 1024)
    response = client.post("/staff/login", data={"email": huge, "password": "x"},
                           headers={"Accept-Language": "es"})
    assert response.status_code == 413
    body = response.get_data(as_text=True)
    assert "<html" in body
    assert "Traceback" not in body
    # a 3 MB form field (over MAX_FORM_MEMORY_SIZE, under MAX_CONTENT_LENGTH) is refused too
    response = client.post("/staff/login", data={"email": "a" * (3 * 1024 * 1024)})
    assert response.status_code in (400, 413)

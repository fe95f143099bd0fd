"""After sign-in, ``next`` leads only to a page of this app (the open-redirect bypass list).

``////evil.example/`` went to ``//evil.example/`` before: ``urlsplit`` sees no host in
it, and Werkzeug collapses the slashes when it builds the Location.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from tests import factories

BYPASSES = [
    "//evil.example/", "///evil.example/", "////evil.example/", "/////evil.example",
    "\\/evil.example/", "/\\evil.example/", "\\\\evil.example", "/\\/evil.example",
    "/%2F/evil.example", "/%2f%2fevil.example", "%2F%2Fevil.example", "/%5Cevil.example",
    "/%09/evil.example", "/\t/evil.example", "/\n/evil.example", "/ /evil.example",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "/javascript:alert(1)",
    "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "https://evil.example/", "http:evil.example", "https:/evil.example", "evil.example",
    "@evil.example", "/@evil.example", "/.evil.example", "/..//evil.example",
    "/staff/../..//evil.example", "ftp://evil.example", "\x00//evil.example",
    "/staff/\x00", "/\u2215\u2215evil.example", "/\uff0f/evil.example",
]


def _sign_in(client, world, target: str):
    return client.post("/staff/login?next=" + quote(target, safe=""), data={
        "email": world.users["counselor"].email, "password": factories.PASSWORD})


def _stays_here(location: str) -> bool:
    """What a browser would do with the Location: resolve it against this site."""
    from urllib.parse import urljoin

    resolved = urlsplit(urljoin("http://school.example/staff/login", location))
    return resolved.scheme == "http" and resolved.netloc == "school.example"


@pytest.mark.parametrize("target", BYPASSES)
def test_no_bypass_leaves_the_site(client, world, target):
    response = _sign_in(client, world, target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert _stays_here(location), location
    assert location == "/staff/", location


@pytest.mark.parametrize("target", ["/staff/", "/counsel/students?page=2", "/letters?kind=student",
                                    "/staff/engagement?page=2"])
def test_a_page_of_the_app_is_kept(client, world, target):
    response = _sign_in(client, world, target)
    assert response.headers["Location"] == target


def test_a_path_that_is_no_page_of_the_app_goes_home(client, world):
    assert _sign_in(client, world, "/no/such/page").headers["Location"] == "/staff/"

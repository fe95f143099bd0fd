"""A real OpenID Connect provider on loopback for the sign-in tests, and a person at it.

``started`` runs ``oidc_provider/provider.mjs`` (the certified ``oidc-provider`` package on
the machine's Node.js) on a free 127.0.0.1 port, after ``npm ci`` when its node_modules is
missing. ``Person`` signs in at the provider the way a browser would: it follows the
redirects, fills in the provider's own login form and consent form, and stops where the
provider sends the browser back to the app.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from tests._servers import free_port

FOLDER = Path(__file__).resolve().parent / "oidc_provider"
NODE = os.environ.get("NODE", "node")
_INSTALL_LOCK = threading.Lock()


def ensure_installed() -> None:
    """``npm ci`` into oidc_provider/ when its node_modules is missing (exact, from the lock)."""
    with _INSTALL_LOCK:
        if (FOLDER / "node_modules" / "oidc-provider" / "package.json").exists():
            return
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is not installed: apt-get install -y nodejs npm")
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=FOLDER,
                       check=True, timeout=600)


@dataclass
class Provider:
    issuer: str
    accounts_file: Path
    clients: list[dict]

    def set_accounts(self, accounts: dict[str, dict]) -> None:
        """Replace the provider's people (read again at each sign-in)."""
        tmp = self.accounts_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(accounts), encoding="utf-8")
        tmp.replace(self.accounts_file)

    def metadata(self) -> dict:
        return requests.get(self.issuer + "/.well-known/openid-configuration", timeout=10).json()


@contextmanager
def started(tmp_path: Path, *, clients: list[dict], accounts: dict[str, dict],
            port: int | None = None) -> Iterator[Provider]:
    """The provider, listening (on ``port``, else a free one); stopped (and waited for) at
    the end."""
    ensure_installed()
    port = port or free_port()
    accounts_file = tmp_path / "op-accounts.json"
    provider = Provider(f"http://127.0.0.1:{port}", accounts_file, clients)
    provider.set_accounts(accounts)
    env = {**os.environ, "OP_PORT": str(port), "OP_CLIENTS": json.dumps(clients),
           "OP_ACCOUNTS_FILE": str(accounts_file)}
    log = open(tmp_path / "op.log", "w+", encoding="utf-8")  # noqa: SIM115 - closed below
    process = subprocess.Popen([NODE, "provider.mjs"], cwd=FOLDER, env=env, stdout=log,
                               stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            log.seek(0)
            if f"ready {provider.issuer}" in log.read():
                break
            if process.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError(f"the OIDC provider did not start:\n{log.read()}")
            time.sleep(0.05)
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()


_FORM = re.compile(r'<form[^>]*action="([^"]+)"[^>]*method="post"', re.I)


class Person:
    """Someone at the provider with their own browser cookies (one ``requests`` session)."""

    def __init__(self, provider: Provider, login: str):
        self.provider = provider
        self.login = login
        self.http = requests.Session()

    def sign_in(self, authorize_url: str) -> dict[str, str]:
        """Follow ``authorize_url`` through the provider's login and consent pages; the
        query of the redirect back to the app (``code``, ``state``, ``iss`` or ``error``),
        with its ``url``."""
        url = authorize_url
        for _step in range(12):
            response = self.http.get(url, allow_redirects=False, timeout=10)
            if response.is_redirect:
                url = urljoin(url, response.headers["Location"])
                if not url.startswith(self.provider.issuer):
                    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()} | {
                        "url": url}
                continue
            response.raise_for_status()
            action = _FORM.search(response.text)
            assert action, response.text[:500]
            prompt = re.search(r'name="prompt" value="(\w+)"', response.text).group(1)
            data = {"prompt": prompt}
            if prompt == "login":
                data |= {"login": self.login, "password": "any"}
            response = self.http.post(urljoin(url, action.group(1)), data=data,
                                      allow_redirects=False, timeout=10)
            assert response.is_redirect, response.text[:500]
            url = urljoin(url, response.headers["Location"])
        raise AssertionError("the provider never sent the browser back")

"""Chromium shared with tests/browser (the suite's figures are printed by tests/conftest.py)."""

import pytest

from tests.browser.conftest import close_browser, launch_browser


@pytest.fixture(scope="session")
def browser():
    return launch_browser()


def pytest_sessionfinish(session):
    close_browser()


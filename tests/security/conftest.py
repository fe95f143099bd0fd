"""Chromium shared with tests/browser, and the security suite's figures in the summary."""

import pytest

from tests.browser.conftest import close_browser, launch_browser
from tests.security.figures import FIGURES


@pytest.fixture(scope="session")
def browser():
    return launch_browser()


def pytest_sessionfinish(session):
    close_browser()


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.write_sep("-", "security figures")
        for name, value in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {value}")

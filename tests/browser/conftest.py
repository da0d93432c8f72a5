"""Fixtures for end-to-end tests: a real Streamlit server on 127.0.0.1 and headless Debian Chromium.

Without /usr/bin/chromium these tests skip with a reason, except under CI=true, where a missing
browser is a failure: the CI run must prove the app works in a browser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.browser.server import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, StreamlitServer, fresh_page

def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing; CI must install Debian's chromium (apt-get install chromium)")
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium to run the browser tests")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    require_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def app_server(browser) -> Iterator[StreamlitServer]:
    server = StreamlitServer("app.py")
    yield server
    server.close()


@pytest.fixture
def page(browser, app_server):
    with fresh_page(browser) as tab:
        yield tab

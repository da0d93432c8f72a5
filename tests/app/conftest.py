"""AppTest helpers: run the real app script headlessly, page by page."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

TIMEOUT = 60
APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture
def app() -> AppTest:
    """The whole app (router + sidebar), run once on its default page."""
    test = AppTest.from_file(APP, default_timeout=TIMEOUT)
    test.run()
    assert not test.exception, test.exception
    return test

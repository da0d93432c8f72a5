"""AppTest helpers: run the real app script headlessly, page by page."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
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


def run_page(path: str, query: dict[str, str] | None = None) -> AppTest:
    """The page file ``path`` run once on its own, as routed by ``app.py``, with ``query`` in its URL."""
    from ui.page import ROUTED

    test = AppTest.from_file(path, default_timeout=TIMEOUT)
    test.session_state[ROUTED] = True
    test.query_params.update(query or {})
    test.run()
    assert not test.exception, test.exception
    return test


def page_text(test: AppTest) -> str:
    """Every text the page shows (title, subheaders, markdown, captions and message boxes), joined."""
    groups = (test.title, test.subheader, test.markdown, test.caption, test.info, test.warning, test.error)
    return " ".join(str(element.value) for group in groups for element in group)


def drawn_charts(test: AppTest) -> dict[str, dict]:
    """The figures the page sends to its live charts (``components.live_chart``), by chart key.

    Each is the JSON the browser receives: ``{"library": ..., "config": ..., "figure": ...}`` (the
    request to preload plotly.js, which has no figure, is left out).
    """
    charts = {}
    for element in test.get("bidi_component"):
        if element.proto.component_name == "live_chart":
            payload = json.loads(element.proto.bytes)
            if "figure" in payload:
                charts[element.proto.id.rsplit("-", 1)[-1]] = payload
    return charts


def plotly_values(array: list | dict) -> np.ndarray:
    """A figure's array as NumPy: plotly writes arrays as ``{"dtype": "f8", "bdata": <base64>}``."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=np.dtype(array["dtype"]))
    return np.asarray(array)

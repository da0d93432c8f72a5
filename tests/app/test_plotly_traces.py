"""Every chart the pages draw uses only trace types the app's plotly.js bundle has.

The bundle (``components.plotly_library``) leaves out plotly's other traces to load faster, so a figure
with a trace type it lacks would fail in the browser. Each page runs here as a user first sees it, and
with the options that add charts or traces.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from components.plotly_library import TRACES
from scenes.tour import COMPARE, EXPLORER, SCENE_LIST
from tests.app.conftest import APP, TIMEOUT, drawn_charts

VIEWS = {
    "explorer, four optimizers": ("pages/explorer.py", {"n": "4"}),
    "explorer, own formula": ("pages/explorer.py", {"surface": "own", "formula": "sin(x) * y"}),
    "inspector": ("pages/inspector.py", {}),
    "network": ("pages/network.py", {}),
}
VIEWS.update({f"tour, {scene.key}": ("pages/tour.py", {"scene": scene.key}) for scene in SCENE_LIST
              if scene.page in (EXPLORER, COMPARE)})  # the scenes with a preview chart


def trace_types(figure: dict) -> set[str]:
    """The types of the figure's traces and its animation frames' traces (plotly's default is scatter)."""
    traces = list(figure.get("data", []))
    for frame in figure.get("frames", []):
        traces += frame.get("data", [])
    return {trace.get("type", "scatter") for trace in traces}


@pytest.mark.parametrize("view", VIEWS)
def test_every_chart_uses_only_the_bundled_trace_types(view):
    page, query = VIEWS[view]
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in query.items():
        app.query_params[key] = value
    app.switch_page(page).run()
    assert not app.exception, app.exception
    charts = drawn_charts(app)
    assert charts, f"{view}: no chart drawn"
    for key, payload in charts.items():
        assert trace_types(payload["figure"]) <= set(TRACES), (view, key)

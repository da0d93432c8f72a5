"""The live chart's payload (the browser side is tested in tests/browser)."""

from __future__ import annotations

import json

from components import live_chart
from components.plotly_library import plotly_library_file
from figures.spec import packed


def test_the_payload_names_plotly_js_and_carries_the_figure_and_config():
    figure = {"data": [{"type": "scatter", "x": packed([1.0, 2.0]), "y": [3.0, 4.0]}], "layout": {"height": 300}}
    payload = json.loads(live_chart.chart_payload(figure, {"doubleClick": False}))
    assert payload["library"] == f"./app/static/{plotly_library_file()}"
    assert payload["config"] == {"doubleClick": False}
    assert payload["figure"] == json.loads(json.dumps(figure))

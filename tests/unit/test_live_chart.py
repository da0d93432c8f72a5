"""The live chart's payload and its copy of plotly.js (the browser side is tested in tests/browser)."""

from __future__ import annotations

import json

import plotly

from components import live_chart
from figures.spec import packed


def test_the_payload_names_plotly_js_and_carries_the_figure_and_config(tmp_path, monkeypatch):
    monkeypatch.setattr(live_chart, "STATIC_DIR", tmp_path)
    figure = {"data": [{"type": "scatter", "x": packed([1.0, 2.0]), "y": [3.0, 4.0]}], "layout": {"height": 300}}
    payload = json.loads(live_chart.chart_payload(figure, {"doubleClick": False}))
    assert payload["library"] == f"./app/static/plotly-{plotly.__version__}.min.js"
    assert payload["config"] == {"doubleClick": False}
    assert payload["figure"] == json.loads(json.dumps(figure))
    copied = tmp_path / f"plotly-{plotly.__version__}.min.js"
    assert copied.read_bytes() == live_chart._PLOTLY_SOURCE.read_bytes()
    assert not list(tmp_path.glob("*.partial"))


def test_a_stale_copy_is_replaced_and_a_read_only_folder_is_not_an_error(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(live_chart, "STATIC_DIR", tmp_path)
    name = f"plotly-{plotly.__version__}.min.js"
    (tmp_path / name).write_text("half a file")  # left by an older run
    assert live_chart.plotly_library_file() == name
    assert (tmp_path / name).stat().st_size == live_chart._PLOTLY_SOURCE.stat().st_size

    def read_only(*_):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(live_chart, "STATIC_DIR", tmp_path / "elsewhere")
    monkeypatch.setattr(live_chart.shutil, "copyfile", read_only)
    assert live_chart.plotly_library_file() == name  # logged, not raised: the chart says plotly.js is missing
    assert "could not copy plotly.js" in caplog.text
    caplog.clear()
    live_chart.plotly_library_file()
    assert "could not copy plotly.js" in caplog.text  # a failed copy is tried again


def test_a_complete_copy_is_checked_once_per_process(tmp_path, monkeypatch):
    monkeypatch.setattr(live_chart, "STATIC_DIR", tmp_path)
    name = live_chart.plotly_library_file()
    (tmp_path / name).unlink()
    assert live_chart.plotly_library_file() == name
    assert not (tmp_path / name).exists()  # not looked at again: charts of later runs cost no file checks

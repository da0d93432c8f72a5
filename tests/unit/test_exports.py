"""Exports: the CSV and JSON read back to the very arrays of the run, the HTML page plays offline."""

from __future__ import annotations

import csv
import io
import json
import re
import textwrap

import numpy as np
import pytest
from plotly.offline import get_plotlyjs
from streamlit.testing.v1 import AppTest

from figures.export import CSV_COLUMNS, file_stem, race_html, trajectories_csv, trajectories_json
from figures.spec import as_figure
from figures.style import Look
from optimizers.settings import OptimizerSettings
from scenes.explorer import explorer_figures, race, surface_view
from surfaces.choice import SurfaceChoice, resolve_surface
from ui.exports import CHART_CONFIG, chart_config

CHOICE = SurfaceChoice("himmelblau")
# Gradient descent with η = 1 leaves the plotted region within a few steps: a diverged run to export.
SETTINGS = (OptimizerSettings("gd", 1.0), OptimizerSettings("momentum", 0.01), OptimizerSettings("adam", 0.1))
LABELS = [setting.kind.label for setting in SETTINGS]
MAX_HTML_BYTES = 6_000_000  # plotly.js is ~4.8 MB of it


@pytest.fixture(scope="module")
def result():
    return race(CHOICE, (-0.5, 0.5), SETTINGS, 300, 1)


@pytest.fixture(scope="module")
def long_race_figure():
    """The explorer's race map for four optimizers and 1000 steps, the largest a page makes."""
    settings = (*SETTINGS[1:], OptimizerSettings("rmsprop", 0.05), OptimizerSettings("nesterov", 0.01))
    long = race(CHOICE, (-0.5, 0.5), settings, 1000, 0)
    return as_figure(explorer_figures(surface_view(CHOICE), long, [s.kind.label for s in settings], 0).race)


def parsed_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def column(rows: list[dict[str, str]], name: str) -> np.ndarray:
    return np.array([float(row[name]) for row in rows])


def test_the_csv_reads_back_to_exactly_the_trajectory_arrays(result):
    trajectories = result.trajectories
    assert trajectories.diverged_at[0] is not None and trajectories.diverged_at[1] is None  # the test needs both
    data = trajectories_csv(trajectories, LABELS)
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM, so that Excel reads UTF-8
    rows = parsed_csv(data)
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == int(trajectories.lengths[: len(LABELS)].sum())  # only valid steps
    for run, label in enumerate(LABELS):
        mine = [row for row in rows if int(row["run"]) == run]
        length = int(trajectories.lengths[run])
        assert [int(row["step"]) for row in mine] == list(range(length))
        assert {row["optimizer"] for row in mine} == {label}
        # repr writes the shortest text of each float that reads back as the same float: equality, not closeness.
        np.testing.assert_array_equal(np.c_[column(mine, "x"), column(mine, "y")], trajectories.path(run))
        np.testing.assert_array_equal(column(mine, "loss"), trajectories.losses(run))
        np.testing.assert_array_equal(np.c_[column(mine, "grad_x"), column(mine, "grad_y")],
                                      trajectories.gradient[run, :length])
        np.testing.assert_array_equal(column(mine, "grad_norm"), trajectories.gradient_norms(run))
        # Learning rate and η/σ belong to the update leaving each step: none leaves the last valid one.
        updates, last = mine[:-1], mine[-1]
        np.testing.assert_array_equal(column(updates, "learning_rate"), trajectories.learning_rate[run, : length - 1])
        np.testing.assert_array_equal(np.c_[column(updates, "effective_step_x"), column(updates, "effective_step_y")],
                                      trajectories.effective_steps(run))
        assert last["learning_rate"] == last["effective_step_x"] == last["effective_step_y"] == ""
    assert all(np.isfinite(float(value)) for row in rows for value in list(row.values())[3:] if value)


def test_the_csv_exports_only_the_labelled_runs_and_refuses_too_many_labels(result):
    rows = parsed_csv(trajectories_csv(result.trajectories, LABELS[:1]))
    assert {row["run"] for row in rows} == {"0"}
    with pytest.raises(ValueError, match="label"):
        trajectories_csv(result.trajectories, ["x"] * (result.trajectories.runs + 1))
    with pytest.raises(ValueError, match="label"):
        trajectories_csv(result.trajectories, [])


def test_the_json_loads_with_the_metadata_and_the_same_arrays(result):
    trajectories = result.trajectories
    surface = resolve_surface(CHOICE)
    document = json.loads(trajectories_json(trajectories, LABELS, surface=surface, settings=SETTINGS))
    assert document["format"] == "error-surface-lab/trajectories" and document["version"] == 1
    assert document["surface"] == {"key": "himmelblau", "name": surface.name, "latex": surface.latex,
                                   "domain": dict(zip(("x_min", "x_max", "y_min", "y_max"), surface.domain.bounds))}
    assert document["steps"] == trajectories.steps == 300
    assert [run["label"] for run in document["runs"]] == LABELS
    for run, record in enumerate(document["runs"]):
        length = int(trajectories.lengths[run])
        assert record["length"] == length and record["diverged_at"] == trajectories.diverged_at[run]
        assert record["message"] == trajectories.message(run)
        assert record["settings"]["kind"] == SETTINGS[run].kind.value and record["settings"]["lr"] == SETTINGS[run].lr
        np.testing.assert_array_equal(record["theta"], trajectories.path(run))
        np.testing.assert_array_equal(record["loss"], trajectories.losses(run))
        np.testing.assert_array_equal(record["gradient"], trajectories.gradient[run, :length])
        np.testing.assert_array_equal(record["gradient_norm"], trajectories.gradient_norms(run))
        np.testing.assert_array_equal(record["learning_rate"], trajectories.learning_rate[run, : length - 1])
        np.testing.assert_array_equal(np.reshape(record["effective_step"], (-1, 2)), trajectories.effective_steps(run))
    assert document["runs"][0]["reason"] == "outside" and document["runs"][1]["reason"] is None
    assert document["runs"][0]["settings"]["schedule"]["kind"] == "constant"
    # Without a surface or settings the document still loads; messages follow the language.
    plain = json.loads(trajectories_json(trajectories, LABELS[:1], language="zh"))
    assert plain["surface"] is None and "settings" not in plain["runs"][0]
    assert plain["runs"][0]["message"].startswith("在第")


def test_the_html_page_is_offline_animated_and_a_few_megabytes(long_race_figure):
    height = long_race_figure.layout.height
    data = race_html(long_race_figure, title="Error Surface Lab: Himmelblau")
    page = data.decode("utf-8")
    assert len(data) < MAX_HTML_BYTES, f"{len(data) / 1e6:.1f} MB"
    # plotly.js itself is inlined, and nothing is fetched from elsewhere: no script src, no remote image.
    assert get_plotlyjs()[:2000] in page
    assert not re.search(r"<script[^>]*\bsrc\s*=", page)
    assert "cdn.plot.ly" not in page.split(get_plotlyjs()[:2000])[0]
    assert re.search(r'"source":"data:image(/|\\u002f)png;base64,', page)  # plotly writes "/" as \u002f
    # The frames travel with the page, and the animation waits for ▶.
    assert "Plotly.addFrames" in page
    assert len(re.findall(r'"traces":\[\d+(,\d+)*\]', page)) == len(long_race_figure.frames)
    assert "Plotly.animate" not in page
    assert "<title>Error Surface Lab: Himmelblau</title>" in page and '<html lang="en">' in page
    # The page fills the window, while the app's figure keeps its height.
    assert long_race_figure.layout.height == height
    assert not re.search(r'"height":\s*%d' % height, page.split("Plotly.newPlot")[1].split("Plotly.addFrames")[0])


def test_a_chinese_page_says_so_and_keeps_its_text():
    figures = explorer_figures(surface_view(CHOICE, resolution=60), race(CHOICE, (-0.5, 0.5), SETTINGS[1:2], 50, 0),
                               LABELS[1:2], 0, look=Look(language="zh"))
    page = race_html(figures.race, title="误差曲面", language="zh").decode("utf-8")
    assert '<html lang="zh">' in page and "<title>误差曲面</title>" in page
    assert json.dumps("▶ 播放") in page  # plotly escapes non-ASCII text in its JSON, as json.dumps does


def test_file_stems_are_safe_and_readable():
    assert file_stem("Himmelblau", "race") == "himmelblau-race"
    assert file_stem("✎ Your own formula", "") == "your-own-formula"
    assert file_stem("../../etc/passwd") == "etc-passwd"
    assert file_stem("", "∑") == "error-surface-lab"


def test_the_chart_config_keeps_the_camera_for_slides():
    assert CHART_CONFIG["displaylogo"] is False
    assert "toImage" not in CHART_CONFIG.get("modeBarButtonsToRemove", [])
    camera = CHART_CONFIG["toImageButtonOptions"]
    assert camera["format"] == "png" and camera["scale"] >= 2
    config = chart_config("Himmelblau race", doubleClick=False)
    assert config["toImageButtonOptions"]["filename"] == "himmelblau-race" and config["doubleClick"] is False
    assert CHART_CONFIG["toImageButtonOptions"]["filename"] == "error-surface-lab"  # the constant is not changed


def test_export_buttons_draw_three_downloads_without_running_anything(tmp_path):
    script = tmp_path / "page.py"
    script.write_text(textwrap.dedent("""
        from optimizers.settings import OptimizerSettings
        from scenes.explorer import explorer_figures, race, surface_view
        from surfaces.choice import SurfaceChoice, resolve_surface
        from ui.exports import export_buttons

        choice = SurfaceChoice("saddle")
        settings = (OptimizerSettings("gd", 0.05),)
        result = race(choice, (0.5, 0.5), settings, 20, 0)
        figures = explorer_figures(surface_view(choice, resolution=40), result, ["GD"], 0)
        export_buttons(figures.race, result.trajectories, ["GD"], "Saddle race",
                       surface=resolve_surface(choice), settings=settings)
    """))
    app = AppTest.from_file(str(script), default_timeout=60)
    app.query_params["lang"] = "zh"
    app.run()
    assert not app.exception, app.exception
    buttons = app.get("download_button")
    assert [button.proto.label for button in buttons] == ["动画（HTML）", "轨迹（CSV）", "轨迹（JSON）"]
    assert [button.proto.help for button in buttons][0].startswith("可以离线播放")
    assert "相机" in app.caption[0].value

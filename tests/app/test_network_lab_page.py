"""The Network Lab through AppTest: it trains, draws its views, inspects the Hessian where asked, and the URL
restores the whole view (data, model, optimizers, the inspected point).

AppTest computes inline (no worker pool is started outside a server). Charts are read as the JSON the
browser receives (``drawn_charts``); the numbers the page prints are compared with the same cached
computations the page called.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from i18n import text
from tests.app.conftest import drawn_charts, page_text, run_page

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "lab.py")
# A small, quick setting: two moons, one hidden layer of 8, five epochs, two optimizers.
QUICK = {"lab_data": "moons", "lab_depth": "1", "lab_width": "8", "lab_epochs": "5"}


def lab_page(query: dict[str, str] | None = None) -> AppTest:
    return run_page(PAGE, query)


def test_the_default_lab_trains_real_digits_and_inspects_the_first_runs_end():
    app = lab_page()
    assert app.title[0].value.endswith(text("lab.title", "en"))
    charts = drawn_charts(app)
    assert {"lab_chart", "lab_density", "lab_slices"} <= charts.keys()
    words = page_text(app)
    assert "1,437 training and 360 validation examples" in words
    assert "validation accuracy" in words
    last_update = app.number_input(key="lab_upd").value
    assert last_update > 0
    assert f"Run 1: Momentum, update {last_update}" in words or f"update {last_update}" in words
    # The figure holds both runs' per-epoch training and validation losses.
    names = [trace.get("name", "") for trace in charts["lab_chart"]["figure"]["data"]]
    assert sum("training" in name for name in names) >= 2 and sum("validation" in name for name in names) >= 2


def test_choosing_an_update_inspects_the_hessian_there():
    app = lab_page(QUICK)
    app.number_input(key="lab_upd").set_value(0).run()
    assert not app.exception, app.exception
    assert "update 0" in page_text(app)


def test_the_url_restores_the_view_and_the_inspected_point():
    query = {**QUICK, "lab_view": "boundary", "lab_n": "1", "lab_upd": "12"}
    app = lab_page(query)
    charts = drawn_charts(app)
    assert "lab_boundary" in charts
    assert charts["lab_boundary"]["figure"].get("frames"), "the boundary is animated over the snapshots"
    assert app.number_input(key="lab_upd").value == 12
    assert app.segmented_control(key="lab_n").value == 1


def test_the_landscape_view_draws_the_plane_with_the_paths_and_a_plane_point_is_inspected():
    app = lab_page({**QUICK, "lab_view": "landscape", "lab_src": "plane", "lab_pa": "0.05", "lab_pb": "-0.02"})
    charts = drawn_charts(app)
    assert {"lab_plane_chart", "lab_surface", "lab_line"} <= charts.keys()
    figure = charts["lab_plane_chart"]["figure"]
    assert figure["data"][0]["type"] == "contour"
    assert "Plane point (PCA of the paths) α = 0.05, β = -0.02" in page_text(app)
    assert "principal directions" in page_text(app)


def test_a_learning_rate_that_diverges_is_said_and_nothing_breaks():
    app = lab_page({**QUICK, "lab_n": "1", "lab_opt0": "gd", "lab_lr0": "10.0", "lab_loss": "mse", "lab_act": "relu"})
    words = page_text(app)
    assert "diverged" in words or "validation accuracy" in words  # whichever happened, the page says it


def test_a_garbage_url_falls_back_with_a_message():
    app = lab_page({"lab_data": "../../etc/passwd", "lab_width": "lots", "lab_epochs": "5"})
    assert app.session_state["lab_data"] == "digits"
    assert "lab_data" in page_text(app) or any("lab_data" in str(w.value) for w in app.warning)


def test_the_lab_speaks_chinese():
    app = lab_page({**QUICK, "lang": "zh"})
    assert app.title[0].value.endswith(text("lab.title", "zh"))


@pytest.mark.parametrize("view", ["curves", "gradient"])
def test_each_curve_view_draws(view):
    app = lab_page({**QUICK, "lab_view": view, "lab_n": "1"})
    assert "lab_chart" in drawn_charts(app)
    if view == "gradient":
        names = " ".join(trace.get("name", "") for trace in drawn_charts(app)["lab_chart"]["figure"]["data"])
        assert "λ_max" in names and "stability limit" in names
        assert np.isfinite(app.number_input(key="lab_upd").value)


def test_a_small_cnn_trains_on_the_digits():
    app = lab_page({"lab_kind": "cnn", "lab_depth": "1", "lab_width": "8", "lab_epochs": "2", "lab_n": "1"})
    assert not app.error, [error.value for error in app.error]
    assert "validation accuracy" in page_text(app)


def test_the_page_trains_exactly_what_its_settings_train_alone():
    """Both optimizers train at once from the page's threads; each must give the numbers of its settings
    trained alone, bit for bit (the settings the widgets build are the ones a student would read off)."""
    from ui import lab_compute
    from ui.lab_controls import LEARNING_RATES, SLOT_DEFAULTS
    from dataclasses import replace

    from networks.training import TrainingSettings, train
    from optimizers.settings import OptimizerSettings

    lab_compute.training_run.cache_clear()
    words = page_text(lab_page())
    for kind in SLOT_DEFAULTS[:2]:
        alone = train(replace(TrainingSettings(), optimizer=OptimizerSettings(kind, LEARNING_RATES[kind], batch_size=64)))
        assert f"loss {alone.train_loss[-1]:.4g} (training), {alone.validation_loss[-1]:.4g} (validation)" in words

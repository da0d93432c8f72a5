"""The real-network page through AppTest: it runs, its widgets drive the experiment, the URL restores the view.

The page is run on its own (``pages/network.py``) until it is in ``app.py``'s navigation: the session
is marked as routed, so ``page_setup`` does not reroute through the router. AppTest cannot read
Plotly charts: the charts' data is checked by calling the same figure builders on the same cached
experiment.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analysis.minimum_ratio import ExperimentSettings
from figures.inspector import colour_name
from figures.numbers import format_number
from figures.network import ratio_scatter_figure, slice_contour_figure, spectrum_figure
from figures.style import LIGHT
from i18n import text
from tests.app.conftest import drawn_charts, page_text, run_page
from ui.network_compute import network_experiment, network_slice

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "network.py")
# Small and quick settings for most tests (the default page trains 16 networks for 2000 steps).
QUICK = {"net_runs": "4", "net_hidden": "3", "net_steps": "300"}
# The first 8 of the default runs: every one reaches a critical point after 2000 steps, only some after 300.
EIGHT = {"net_runs": "8"}


def network_page(query: dict[str, str] | None = None) -> AppTest:
    return run_page(PAGE, query)


def test_the_default_page_runs_the_experiment_and_draws_its_four_charts():
    app = network_page()
    assert app.title[0].value.endswith(text("network.title", "en"))
    assert app.slider(key="net_runs").value == 16 and app.slider(key="net_hidden").value == 6
    assert app.select_slider(key="net_steps").value == 2000 and app.number_input(key="net_seed").value == 0
    assert "of 16 runs** reached a critical point" in page_text(app)
    assert set(drawn_charts(app)) == {"network_scatter", "network_spectrum", "network_slice", "network_surface"}
    experiment = network_experiment(ExperimentSettings(runs=16, hidden=6, seed=0, training_steps=2000))
    summary = experiment.summary()
    assert f"**{summary.critical} of 16 runs**" in page_text(app)
    # The run shown first is the critical point with the lowest minimum ratio.
    critical = [run for run in range(16) if experiment.converged[run]]
    lowest = experiment.lowest_ratio_run()
    assert lowest in critical and all(experiment.minimum_ratios[lowest] <= experiment.minimum_ratios[run]
                                      for run in critical)
    assert app.selectbox(key="net_run").value == lowest + 1
    assert f"run {lowest + 1}" in page_text(app)
    scatter = ratio_scatter_figure(experiment, lowest)
    assert sum(len(trace.x) for trace in scatter.data if trace.customdata is not None) >= 1
    assert sum(len(trace.x) for trace in spectrum_figure(experiment, lowest).data if trace.type == "bar") == 19
    plane = network_slice(experiment.settings, lowest)
    assert slice_contour_figure(plane).data[0].z.shape == (41, 41)


def test_the_widgets_drive_the_experiment():
    app = network_page(QUICK)
    assert "P = 3H + 1 = 10" in page_text(app)
    assert len(app.selectbox(key="net_run_menu").options) == 4
    app.slider(key="net_runs").set_value(6).run()
    assert not app.exception, app.exception
    assert len(app.selectbox(key="net_run_menu").options) == 6 and "of 6 runs**" in page_text(app)
    app.slider(key="net_hidden").set_value(2).run()
    assert not app.exception, app.exception
    assert "P = 3H + 1 = 7" in page_text(app)
    app.number_input(key="net_seed").set_value(3).run()
    assert not app.exception, app.exception
    reseeded = network_experiment(ExperimentSettings(runs=6, hidden=2, seed=3, training_steps=300))
    expected = [f"run {run + 1} · ratio {float(reseeded.minimum_ratios[run]):.3f}" for run in range(6)
                if reseeded.converged[run]]
    labels = " ".join(app.selectbox(key="net_run_menu").options)
    assert expected and all(label in labels for label in expected)


def test_choosing_a_run_shows_its_spectrum_and_slice():
    app = network_page(QUICK)
    app.selectbox(key="net_run_menu").set_value(2).run()
    assert not app.exception, app.exception
    assert app.selectbox(key="net_run").value == 2
    headings = [heading.value for heading in app.subheader]
    assert text("network.spectrum_heading", "en", run=2) in headings
    assert text("network.slice_heading", "en", run=2) in headings


def test_a_link_restores_the_view_and_a_bad_value_is_reported():
    app = network_page({**QUICK, "net_run": "3", "net_seed": "7"})
    assert app.slider(key="net_runs").value == 4 and app.select_slider(key="net_steps").value == 300
    assert app.number_input(key="net_seed").value == 7 and app.selectbox(key="net_run").value == 3
    refused = network_page({**QUICK, "net_hidden": "99"})
    assert refused.slider(key="net_hidden").value == 6
    assert any("net_hidden" in str(warning.value) for warning in refused.warning)


@pytest.mark.parametrize("language, title", [("zh", "一个真实的小网络"), ("en", "A real small network")])
def test_the_page_speaks_the_chosen_language(language, title):
    app = network_page({**QUICK, "lang": language})
    assert app.title[0].value.endswith(title)
    assert app.slider(key="net_runs").label == text("network.runs", language)


def test_the_page_reports_both_counts_with_the_flat_band_it_used():
    app = network_page()
    summary = network_experiment(ExperimentSettings()).summary()
    shown = page_text(app)
    assert (f"**{summary.sign_minima}** local minima (every λ > 0) and **{summary.sign_saddles}** saddles"
            in shown)
    assert f"With the flat band |λ| ≤ ρ = 0.001: **{summary.minima}** clear minima" in shown
    assert f"**{summary.flat}** flat points" in shown
    assert f"smallest |λ| at any critical point here is {format_number(summary.smallest_magnitude)}" in shown
    assert f"rounding errors are about {format_number(summary.rounding)}" in shown
    assert f"from {summary.lowest_band_ratio:.3f} to {summary.highest_band_ratio:.3f} with the flat band" in shown


def slice_caption_shown(app: AppTest, language: str) -> str:
    return next(caption.value for caption in app.caption
                if caption.value.startswith(text("network.slice_caption", language)))


def slice_colours(app: AppTest) -> tuple[str, str]:
    """The colours at the two ends of the colour scale of the contour map the page drew."""
    scale = drawn_charts(app)["network_slice"]["figure"]["data"][0]["colorscale"]
    return scale[0][1], scale[-1][1]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_slice_caption_names_the_colour_the_chart_draws(language):
    """Default run (λ₁ < 0: the loss dips along u₁) and a run whose loss rises in every direction."""
    app = network_page({**EIGHT, "lang": language})
    experiment = network_experiment(ExperimentSettings(runs=8))
    run = app.selectbox(key="net_run").value
    assert float(experiment.eigenvalues[run - 1, 0]) < 0
    downhill, _ = slice_colours(app)
    assert colour_name(downhill, language) in slice_caption_shown(app, language)
    rising = next(other for other in range(1, 9) if float(experiment.eigenvalues[other - 1, 0]) > 0)
    app.selectbox(key="net_run_menu").set_value(rising).run()
    assert not app.exception, app.exception
    low, uphill = slice_colours(app)
    assert low == LIGHT.paper and colour_name(uphill, language) in slice_caption_shown(app, language)


def test_a_chosen_run_that_no_longer_exists_moves_to_the_default():
    app = network_page(EIGHT)
    app.selectbox(key="net_run_menu").set_value(8).run()
    assert app.query_params.get("net_run") == "8"
    app.slider(key="net_runs").set_value(4).run()
    assert not app.exception, app.exception
    default = 1 + network_experiment(ExperimentSettings(runs=4)).lowest_ratio_run()
    assert app.selectbox(key="net_run").value == default
    assert app.query_params.get("net_run") in (None, str(default)), "the address bar must not keep run 8"
    assert not app.warning, "the page moved the run: no link was refused"
    assert text("network.run_gone", "en", run=8, runs=4, default=default) in page_text(app)
    assert text("network.spectrum_heading", "en", run=default) in [heading.value for heading in app.subheader]


def test_a_chosen_run_that_is_no_longer_a_critical_point_moves_to_the_default():
    app = network_page(EIGHT)
    app.selectbox(key="net_run_menu").set_value(4).run()
    early = network_experiment(ExperimentSettings(runs=8, training_steps=300))
    assert not early.converged[3], "run 4 finds no critical point after 300 steps"
    app.select_slider(key="net_steps").set_value(300).run()
    assert not app.exception, app.exception
    default = 1 + early.lowest_ratio_run()
    assert early.converged[default - 1]
    assert app.selectbox(key="net_run").value == default and app.selectbox(key="net_run_menu").value == default
    assert text("network.slice_heading", "en", run=default) in [heading.value for heading in app.subheader]
    assert text("network.slice_not_critical", "en") not in page_text(app)
    assert not app.warning, "the page moved the run: no link was refused"
    assert text("network.run_not_critical_now", "en", run=4, default=default) in page_text(app)


def test_a_run_picked_in_the_same_experiment_stays_even_without_a_critical_point():
    app = network_page({**EIGHT, "net_steps": "300"})
    app.selectbox(key="net_run_menu").set_value(4).run()
    app.radio(key="lang_menu").set_value("zh").run()
    assert not app.exception, app.exception
    assert app.selectbox(key="net_run").value == 4
    assert text("network.slice_not_critical", "zh") in page_text(app)
    default = 1 + network_experiment(ExperimentSettings(runs=8, training_steps=300)).lowest_ratio_run()
    assert text("network.run_not_critical_now", "zh", run=4, default=default) not in page_text(app)

"""A real small network: train it from many starts, find where each run stops, count the directions that curve up."""

from collections.abc import Sequence

import streamlit as st

from analysis.minimum_ratio import (
    GRADIENT_TOLERANCE,
    MAX_RUNS,
    ExperimentSettings,
)
from analysis.network import DATASET_POINTS, MAX_HIDDEN, MIN_HIDDEN, parameter_count
from components.live_chart import live_chart
from figures.inspector import colour_name
from figures.numbers import format_number
from figures.network import (
    NOT_CRITICAL_COLOUR,
    ratio_scatter_figure,
    slice_caption,
    slice_contour_figure,
    slice_surface_figure,
    spectrum_figure,
)
from ui.language import t
from ui.layout import page_header, screen_fit, stage
from ui.look import look_controls
from ui.network_compute import network_experiment, network_slice
from ui.page import page_setup
from ui.url_choice import url_choice
from ui.url_state import UrlCheck

CHART_CONFIG = {"displaylogo": False}
TRAINING_STEP_CHOICES = (100, 300, 1000, 2000, 3000)
RUN_KEY = "net_run"
RUN_CHOSEN_FOR = "net_run_chosen_for"  # the settings of the experiment the run was chosen in
MODEL_LATEX = (r"f_\theta(x) = \sum_{j=1}^{H} v_j \tanh(w_j x + b_j) + c, \qquad "
               r"L(\theta) = \frac1N \sum_{n=1}^{N} \big(f_\theta(x_n) - y_n\big)^2"
               r" + \frac{\rho}{2}\lVert\theta\rVert^2")


def ratio_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def forget_stale_run(settings: ExperimentSettings, critical: Sequence[bool], default: int) -> str | None:
    """Move the chosen run to ``default`` when it was chosen in another experiment and is no longer one to look at.

    Run k of another experiment (other settings) is another end point: if it is gone (fewer runs) or
    is no critical point, showing it would show a stale choice. A run picked in these very settings
    stays, even one without a critical point: the student asked for it. Called before the choice is
    drawn; returns the message that says what moved, or None.
    """
    chosen, chosen_for = st.session_state.get(RUN_KEY), st.session_state.get(RUN_CHOSEN_FOR)
    if chosen is None or chosen_for is None or chosen_for == settings or chosen == default:
        return None
    if chosen not in range(1, len(critical) + 1):
        message = t("network.run_gone", run=chosen, runs=len(critical), default=default)
    elif not critical[chosen - 1]:
        message = t("network.run_not_critical_now", run=chosen, default=default)
    else:
        return None
    st.session_state[RUN_KEY] = default
    return message


page_setup()
url_check = UrlCheck.start()
look = look_controls()

figure_column, control_column = stage(look)
details = st.container()  # below the stage: the spectrum and the slice of the chosen run, the model
with control_column:
    page_header(f"🧠 {t('network.title')}")
    columns = st.columns(2)
    runs = columns[0].slider(t("network.runs"), 4, MAX_RUNS, 16, key="net_runs", bind="query-params")
    hidden = columns[1].slider(t("network.hidden"), MIN_HIDDEN, MAX_HIDDEN, 6, key="net_hidden", bind="query-params")
    steps = columns[0].select_slider(t("network.steps"), TRAINING_STEP_CHOICES, value=2000, key="net_steps",
                                     bind="query-params", help=t("network.steps_help"))
    seed = columns[1].number_input(t("network.seed"), 0, 9999, 0, key="net_seed", bind="query-params")
settings = ExperimentSettings(runs=runs, hidden=hidden, seed=int(seed), training_steps=steps)
with details:
    st.caption(t("network.intro"))
    st.latex(MODEL_LATEX)
    st.caption(t("network.setup", points=DATASET_POINTS, parameters=parameter_count(hidden),
                 decay=settings.weight_decay, steps=steps, rate=settings.learning_rate))

with figure_column, st.spinner(t("network.computing", runs=runs)):
    experiment = network_experiment(settings)
summary = experiment.summary()


def run_label(run: int) -> str:
    """The menu label of run ``run`` (1-based): both its ratios and its loss, or that it found no critical point."""
    index = run - 1
    if not experiment.converged[index]:
        return t("network.run_not_critical", run=run, gradient=f"{float(experiment.gradient_norms[index]):.1e}")
    return t("network.run_label", run=run, ratio=f"{float(experiment.minimum_ratios[index]):.3f}",
             band_ratio=f"{float(experiment.band_ratios[index]):.3f}",
             loss=f"{float(experiment.training_losses[index]):.4f}")


# The most interesting run to start with: the critical point with the lowest minimum ratio.
default_run = 1 + experiment.lowest_ratio_run()
moved = forget_stale_run(settings, experiment.converged.tolist(), default_run)
if moved is not None:
    url_check.before.pop(RUN_KEY, None)  # the page moved it, not a link the page refused
with control_column:
    run = url_choice(st, "selectbox", t("network.run"), tuple(range(1, runs + 1)), key=RUN_KEY,
                     default=default_run, format_func=run_label)
    if moved is not None:
        st.caption(moved)
    st.session_state[RUN_CHOSEN_FOR] = settings
    index = run - 1
    st.markdown(t("network.summary", critical=summary.critical, runs=summary.runs, sign_minima=summary.sign_minima,
                  sign_saddles=summary.sign_saddles, band=f"{summary.band:g}", minima=summary.minima,
                  saddles=summary.saddles, flat=summary.flat))
    if summary.critical < summary.runs:
        st.info(t("network.not_found", count=summary.runs - summary.critical, tolerance=f"{GRADIENT_TOLERANCE:.0e}",
                  colour=colour_name(NOT_CRITICAL_COLOUR, look.language)), icon="⭕")
with figure_column:
    st.subheader(t("network.scatter_heading"))
    live_chart(ratio_scatter_figure(experiment, index, look=look), key="network_scatter", config=CHART_CONFIG,
               fit=screen_fit(look))
with details:
    st.caption(t("network.scatter_caption", parameters=experiment.parameter_count))
    if summary.critical:
        st.markdown(t("network.band_explained", smallest=format_number(summary.smallest_magnitude),
                      rounding=format_number(summary.rounding)))
    st.markdown(t("network.lecture_compare", lowest=ratio_text(summary.lowest_ratio),
                  highest=ratio_text(summary.highest_ratio), median=ratio_text(summary.median_ratio),
                  lowest_band=ratio_text(summary.lowest_band_ratio),
                  highest_band=ratio_text(summary.highest_band_ratio), parameters=experiment.parameter_count))

parameters = experiment.parameter_count
spectrum_column, slice_column, surface_column = st.columns(3)
with spectrum_column:
    st.subheader(t("network.spectrum_heading", run=run))
    live_chart(spectrum_figure(experiment, index, look=look), key="network_spectrum", config=CHART_CONFIG)
    st.caption(t("network.spectrum_caption", below=int(experiment.below_band_counts[index]),
                 flat=int(experiment.flat_counts[index]), above=int(experiment.above_band_counts[index]),
                 band=f"{float(experiment.flat_bands[index]):g}", parameters=parameters,
                 positive=int(experiment.positive_counts[index]),
                 ratio=f"{float(experiment.minimum_ratios[index]):.3f}",
                 band_ratio=f"{float(experiment.band_ratios[index]):.3f}"))
plane = network_slice(settings, index)
with slice_column:
    st.subheader(t("network.slice_heading", run=run))
    live_chart(slice_contour_figure(plane, look=look), key="network_slice", config=CHART_CONFIG)
with surface_column:
    st.subheader(t("network.surface_heading"))
    live_chart(slice_surface_figure(plane, look=look), key="network_surface", config=CHART_CONFIG)
st.caption(slice_caption(experiment, index, look=look))

url_check.finish()

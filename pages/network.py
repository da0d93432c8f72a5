"""A real small network: train it from many starts, find where each run stops, count the directions that curve up."""

import streamlit as st

from analysis.minimum_ratio import (
    GRADIENT_TOLERANCE,
    MAX_RUNS,
    ExperimentSettings,
)
from analysis.network import DATASET_POINTS, MAX_HIDDEN, MIN_HIDDEN, parameter_count
from components.live_chart import live_chart
from figures.network import ratio_scatter_figure, slice_contour_figure, slice_surface_figure, spectrum_figure
from ui.language import t
from ui.look import look_controls
from ui.network_compute import network_experiment, network_slice
from ui.page import page_setup
from ui.url_choice import url_choice
from ui.url_state import UrlCheck

CHART_CONFIG = {"displaylogo": False}
TRAINING_STEP_CHOICES = (100, 300, 1000, 2000, 3000)
MODEL_LATEX = (r"f_\theta(x) = \sum_{j=1}^{H} v_j \tanh(w_j x + b_j) + c, \qquad "
               r"L(\theta) = \frac1N \sum_{n=1}^{N} \big(f_\theta(x_n) - y_n\big)^2"
               r" + \frac{\rho}{2}\lVert\theta\rVert^2")

page_setup()
url_check = UrlCheck.start()
look = look_controls()

st.title(f"🧠 {t('network.title')}")
st.caption(t("network.intro"))
st.latex(MODEL_LATEX)

with st.container(border=True):
    columns = st.columns(4)
    runs = columns[0].slider(t("network.runs"), 4, MAX_RUNS, 16, key="net_runs", bind="query-params")
    hidden = columns[1].slider(t("network.hidden"), MIN_HIDDEN, MAX_HIDDEN, 6, key="net_hidden", bind="query-params")
    steps = columns[2].select_slider(t("network.steps"), TRAINING_STEP_CHOICES, value=2000, key="net_steps",
                                     bind="query-params", help=t("network.steps_help"))
    seed = columns[3].number_input(t("network.seed"), 0, 9999, 0, key="net_seed", bind="query-params")
settings = ExperimentSettings(runs=runs, hidden=hidden, seed=int(seed), training_steps=steps)
st.caption(t("network.setup", points=DATASET_POINTS, parameters=parameter_count(hidden), decay=settings.weight_decay,
             steps=steps, rate=settings.learning_rate))

with st.spinner(t("network.computing", runs=runs)):
    experiment = network_experiment(settings)
summary = experiment.summary()

st.subheader(t("network.scatter_heading"))
st.markdown(t("network.summary", critical=summary.critical, runs=summary.runs, minima=summary.minima,
              saddles=summary.saddles, degenerate=summary.degenerate))
if summary.critical < summary.runs:
    st.info(t("network.not_found", count=summary.runs - summary.critical, tolerance=f"{GRADIENT_TOLERANCE:.0e}"),
            icon="⭕")


def run_label(run: int) -> str:
    """The menu label of run ``run`` (1-based): its ratio and loss, or that it found no critical point."""
    index = run - 1
    if not experiment.converged[index]:
        return t("network.run_not_critical", run=run, gradient=f"{float(experiment.gradient_norms[index]):.1e}")
    return t("network.run_label", run=run, ratio=f"{float(experiment.minimum_ratios[index]):.3f}",
             loss=f"{float(experiment.training_losses[index]):.4f}")


# The most interesting run to start with: the critical point with the lowest minimum ratio.
critical_runs = [run for run in range(runs) if experiment.converged[run]]
default_run = 1 + min(critical_runs or [0], key=lambda run: (float(experiment.minimum_ratios[run]), run))
chart_column, choice_column = st.columns([2.2, 1])
with choice_column:
    run = url_choice(st, "selectbox", t("network.run"), tuple(range(1, runs + 1)), key="net_run",
                     default=default_run, format_func=run_label)
    index = run - 1
    lowest = "—" if summary.lowest_ratio is None else f"{summary.lowest_ratio:.3f}"
    median = "—" if summary.median_ratio is None else f"{summary.median_ratio:.3f}"
    st.markdown(t("network.lecture_compare", lowest=lowest, median=median, parameters=experiment.parameter_count))
with chart_column:
    live_chart(ratio_scatter_figure(experiment, index, look=look), key="network_scatter", config=CHART_CONFIG)

positive, negative = int(experiment.positive_counts[index]), int(experiment.negative_counts[index])
spectrum_column, slice_column, surface_column = st.columns(3)
with spectrum_column:
    st.subheader(t("network.spectrum_heading", run=run))
    live_chart(spectrum_figure(experiment, index, look=look), key="network_spectrum", config=CHART_CONFIG)
    st.caption(t("network.spectrum_caption", negative=negative, flat=experiment.parameter_count - positive - negative,
                 positive=positive, parameters=experiment.parameter_count,
                 ratio=f"{float(experiment.minimum_ratios[index]):.3f}"))
plane = network_slice(settings, index)
with slice_column:
    st.subheader(t("network.slice_heading", run=run))
    live_chart(slice_contour_figure(plane, look=look), key="network_slice", config=CHART_CONFIG)
with surface_column:
    st.subheader(t("network.surface_heading"))
    live_chart(slice_surface_figure(plane, look=look), key="network_surface", config=CHART_CONFIG)
if not experiment.converged[index]:
    shape = t("network.slice_not_critical")
elif negative > 0:
    shape = t("network.slice_saddle")
else:
    shape = t("network.slice_minimum")
st.caption(f"{t('network.slice_caption')} {shape}")

url_check.finish()

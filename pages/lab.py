"""Network Lab: train a real network on real data, watch its curves and its landscape, click any update for its Hessian."""

import uuid

import streamlit as st

from components.live_chart import live_chart
from components.plotly_click import clicked_point, plotly_click
from figures.lab_boundary import boundary_figure
from figures.lab_curves import gradient_figure, training_curves_figure
from figures.lab_export import runs_csv, runs_json
from figures.lab_hessian import density_figure, eigen_slices_figure
from figures.lab_landscape import interpolation_figure, landscape_figure, landscape_surface_figure
from networks.data import CREDITS, DataUnavailable, load_data
from networks.training import build
from scenes import network_lab
from scenes.lab_pictures import decision_boundary, plane_setup
from ui import lab_compute
from ui.exports import chart_config
from ui.lab_controls import lab_controls
from ui.lab_hessian_panel import hessian_numbers, verdict_line
from ui.language import t
from ui.layout import page_header, screen_fit, stage
from ui.look import look_controls
from ui.page import page_setup
from ui.url_choice import url_choice
from ui.url_state import UrlCheck
from workers import Superseded

VIEWS = ("curves", "gradient", "landscape", "boundary")
PLANES = ("pca", "random")
SOURCES = ("update", "plane")
OWNER = "lab_owner"
END_KEY = "lab_end_shown"  # the run's last update as the page last showed it  # this session's name for its jobs: a newer job of the session supersedes its older one


def on_curve_click(chart_key: str) -> None:
    point = clicked_point(chart_key)
    if point is not None:
        st.session_state["lab_src"], st.session_state["lab_upd"] = "update", max(0, round(point.x))


def on_plane_click() -> None:
    point = clicked_point("lab_plane_click")
    if point is not None:
        st.session_state["lab_src"] = "plane"
        st.session_state["lab_pa"], st.session_state["lab_pb"] = round(point.x, 4), round(point.y, 4)


page_setup()
url_check = UrlCheck.start()
look = look_controls()
owner = st.session_state.setdefault(OWNER, uuid.uuid4().hex)

figure_column, control_column = stage(look)
with control_column:
    page_header(f"🧪 {t('lab.title')}")
    try:
        settings = lab_controls()
    except (ValueError, DataUnavailable) as problem:  # e.g. MNIST's file missing: say so, keep the settings
        st.error(t("lab.cannot_start", problem=str(problem)), icon="⚠️")
        st.stop()
    progress_slot, verdict_slot = st.empty(), st.empty()
trainings = settings.trainings()
labels = [t("lab.run_label", number=slot + 1, rule=t(f"optimizers.{training.optimizer.kind.value}"))
          for slot, training in enumerate(trainings)]
data = load_data(settings.base.data, settings.base.data_seed)


def draw_progress(fraction: float) -> None:
    progress_slot.progress(min(fraction, 1.0), text=t("lab.training", count=len(trainings)))


outcomes = lab_compute.training_runs(trainings, owner, draw_progress)
progress_slot.empty()
if any(isinstance(outcome, Superseded) for outcome in outcomes):
    st.stop()  # this session asked for newer settings: the run that asked for them draws the page
failures = [(slot, outcome) for slot, outcome in enumerate(outcomes) if isinstance(outcome, Exception)]
for slot, problem in failures:
    control_column.error(t("lab.training_failed", run=labels[slot], problem=str(problem)), icon="⚠️")
runs = [outcome for outcome in outcomes if not isinstance(outcome, Exception)]
labels = [label for label, outcome in zip(labels, outcomes, strict=True) if not isinstance(outcome, Exception)]
trainings = [run.settings for run in runs]
if not runs:
    st.stop()

with control_column:
    summary = st.container()
    for label, run in zip(labels, runs, strict=True):
        summary.caption(network_lab.run_summary(run, label, look.language))
classification = data.classes > 0
views = VIEWS if classification and data.train_inputs.shape[1] == 2 else VIEWS[:3]
with figure_column:
    view = url_choice(st, "segmented_control", t("lab.view"), views, key="lab_view", default="curves",
                      format_func=lambda name: t(f"lab.views.{name}"), label_visibility="collapsed")

# The point whose Hessian is shown: an update of a run (the default: the first run's end) or a point of the plane.
with st.container():
    inspect_columns = st.columns((1.4, 1.2, 1, 1, 1), vertical_alignment="bottom")
    source = url_choice(inspect_columns[0], "segmented_control", t("lab.inspect"), SOURCES, key="lab_src",
                        default="update", format_func=lambda name: t(f"lab.sources.{name}"))
    run_number = url_choice(inspect_columns[1], "selectbox", t("lab.inspect_run"), tuple(range(1, len(runs) + 1)),
                            key="lab_run", default=1, format_func=lambda number: labels[number - 1])
    chosen_run = runs[run_number - 1]
    last_update = int(chosen_run.snapshot_updates[-1])
    # The inspected update follows the run's end (also when the settings change the end) until the student
    # picks another update; one beyond the end is the end.
    following = st.session_state.get(END_KEY) == st.session_state.get("lab_upd")
    if ("lab_upd" not in st.session_state and "lab_upd" not in st.query_params) or following \
            or st.session_state.get("lab_upd", 0) > last_update:
        st.session_state["lab_upd"] = last_update
    st.session_state[END_KEY] = last_update
    update = int(inspect_columns[2].number_input(t("lab.inspect_update"), 0, last_update, key="lab_upd",
                                                 bind="query-params", help=t("lab.inspect_update_help")))
    alpha = inspect_columns[3].number_input("α", -1e3, 1e3, 0.0, format="%.4f", key="lab_pa", bind="query-params")
    beta = inspect_columns[4].number_input("β", -1e3, 1e3, 0.0, format="%.4f", key="lab_pb", bind="query-params")

plane_kind = url_choice(figure_column, "segmented_control", t("lab.plane"), PLANES, key="lab_plane", default="pca",
                        format_func=lambda name: t(f"lab.planes.{name}")) if view == "landscape" or source == "plane" else "pca"
setup = None
if view == "landscape" or source == "plane":
    try:
        setup = plane_setup(runs, build(trainings[0]), plane_kind, seed=settings.base.seed)
    except ValueError:
        figure_column.warning(t("lab.all_diverged"), icon="⚠️")

snapshot = network_lab.nearest_snapshot(chosen_run, update) if source == "update" else None
inspected_update = None if snapshot is None else int(chosen_run.snapshot_updates[snapshot])

with figure_column:
    fit = screen_fit(look, below=0)
    if view in ("curves", "gradient"):
        if view == "curves":
            figure = training_curves_figure(runs, labels, chosen_update=inspected_update,
                                            classification=classification, look=look)
        else:
            sharpness = [lab_compute.sharpness_curve(training) for training in trainings]
            limits = [network_lab.stability_limit(training, run.learning_rate) for training, run in zip(trainings, runs, strict=True)]
            figure = gradient_figure(runs, labels, sharpness, limits, chosen_update=inspected_update, look=look)
        live_chart(figure, key="lab_chart", config=chart_config("network-lab", doubleClick=False), fit=fit)
        plotly_click("lab_chart", key="lab_chart_click", on_click=lambda: on_curve_click("lab_chart_click"))
    elif view == "landscape" and setup is not None:
        plane = lab_compute.plane(trainings[0], setup)
        if len(setup.runs) < len(runs):
            st.caption(t("lab.plane_without_diverged"))
        if plane.not_finite_count:
            st.warning(t("lab.plane_not_finite", count=plane.not_finite_count, points=plane.loss.size), icon="⚠️")
        chosen = (alpha, beta) if source == "plane" else None
        live_chart(landscape_figure(plane, setup, labels, chosen=chosen, look=look), key="lab_plane_chart",
                   config=chart_config("network-lab-plane", doubleClick=False), fit=fit)
        plotly_click("lab_plane_chart", key="lab_plane_click", on_click=on_plane_click)
    elif view == "boundary":
        boundary = decision_boundary(chosen_run, build(trainings[run_number - 1]), data.train_inputs,
                                     lambda row: chosen_run.buffers[row])
        live_chart(boundary_figure(boundary, data.train_inputs, data.train_targets, look=look), key="lab_boundary",
                   config=chart_config("network-lab-boundary"), fit=fit)

# The Hessian last: the curves are on the screen while it is computed.
inspection = None
with verdict_slot, st.spinner(t("lab.computing_hessian")):
    try:
        if source == "plane" and setup is not None:
            inspection = lab_compute.inspection_at_point(trainings[0], setup.point(alpha, beta), setup.buffers)
        elif snapshot is not None:
            inspection = lab_compute.inspection(trainings[run_number - 1], snapshot)
    except (ValueError, ArithmeticError) as problem:
        verdict_slot.warning(t("lab.hessian_failed", problem=str(problem)), icon="⚠️")
if inspection is not None:
    where = (t("lab.at_update", run=labels[run_number - 1], update=inspected_update) if source == "update"
             else t("lab.at_plane", alpha=f"{alpha:g}", beta=f"{beta:g}", plane=t(f"lab.planes.{plane_kind}")))
    verdict_slot.markdown(t("lab.verdict_at", where=where, verdict=verdict_line(inspection)))
if inspection is not None:
    numbers_column, density_column, slices_column = st.columns((1, 1.2, 1.4))
    with numbers_column:
        hessian_numbers(inspection)
    with density_column:
        live_chart(density_figure(inspection, look=look), key="lab_density", config=chart_config("network-lab-density"))
    with slices_column:
        live_chart(eigen_slices_figure(inspection, look=look), key="lab_slices", config=chart_config("network-lab-slices"))
if view == "landscape" and setup is not None:
    st.caption(network_lab.plane_caption(setup, look.language))
    surface_column, line_column = st.columns(2)
    with surface_column:
        live_chart(landscape_surface_figure(plane, setup, look=look), key="lab_surface", config=chart_config("network-lab-3d"))
    with line_column:
        lines = [lab_compute.interpolation(training) for training in trainings]
        live_chart(interpolation_figure(lines, labels, look=look), key="lab_line", config=chart_config("network-lab-line"))
        st.caption(t("lab.interpolation"))

st.caption(t("lab.setup", data=t(f"lab.data_names.{data.name}"), train=f"{len(data.train_targets):,}",
             validation=f"{len(data.validation_targets):,}", parameters=f"{runs[0].parameter_count:,}",
             samples=f"{min(network_lab.CURVATURE_SAMPLES, len(data.train_targets)):,}"))
credit = CREDITS[data.name]
st.caption(t("lab.credit", source=credit["source"], licence=credit["licence"]) + (f" {credit['url']}" if credit["url"] else ""))
csv_column, json_column = st.columns(2)
csv_column.download_button(t("lab.export_csv"), data=lambda: runs_csv(runs, labels), file_name="network-lab.csv",
                           mime="text/csv", key="lab_csv", on_click="ignore", icon=":material/table:", width="stretch")
json_column.download_button(t("lab.export_json"), data=lambda: runs_json(runs, labels), file_name="network-lab.json",
                            mime="application/json", key="lab_json", on_click="ignore", icon=":material/data_object:",
                            width="stretch")
url_check.finish()

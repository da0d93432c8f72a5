"""Surface Explorer: pick a surface, set up to four optimizers, and watch them race."""

import streamlit as st

from analysis.finiteness import NotFiniteError
from components.live_chart import live_chart
from components.plotly_click import plotly_click
from figures.runs import run_labels
from optimizers.schedules import schedule_latex
from optimizers.settings import OptimizerKind
from scenes.explorer import explorer_figures, landscape_figures
from scenes.not_finite_messages import grid_message, start_message, stopped_run_message
from ui.compute import race, surface_view
from ui.exports import CHART_CONFIG, chart_config, export_buttons
from ui.inspect_point import inspector_link_params
from ui.language import t
from ui.look import look_controls
from ui.messages import resolved_surface_or_stop
from ui.layout import page_header, screen_fit, stage, stage_figure_height
from ui.optimizer_panel import optimizer_panel, optimizer_rows_css
from ui.page import page_setup
from ui.picture_controls import picture_controls, race_picture_options
from ui.sidebar import surface_lecture, surface_name, surface_sidebar
from ui.start_point import INSPECT_REQUEST, click_mode_widget, start_from_click, start_point_widgets
from ui.url_choice import url_choice
from ui.url_state import UrlCheck

page_setup()
url_check = UrlCheck.start()
look = look_controls()
choice = surface_sidebar()
surface = resolved_surface_or_stop(choice)

figure_column, control_column = stage(look)
details = st.container()  # below the stage: the other charts, the sweep's choice, exports, explanations
view = surface_view(choice)
with control_column:
    page_header(f"🏁 {surface_name(surface.key)}", f"L(x, y) = {surface.latex}")
    if (gaps_message := grid_message(view.gaps, look.language)) is not None:
        (st.error if view.gaps.everywhere else st.warning)(gaps_message, icon="⚠️")
    count_column, steps_column = st.columns([1, 1])
    count = count_column.segmented_control(t("explorer.optimizers"), (1, 2, 3, 4), default=3, key="n",
                                           bind="query-params") or 1
    steps = steps_column.slider(t("explorer.steps"), 0, 1000, 200, 10, key="steps", bind="query-params")
    start = start_point_widgets(surface, *st.columns([1, 1]))
    st.html(optimizer_rows_css(count))
    settings = [optimizer_panel(slot, steps, surface.example_count) for slot in range(count)]
    picture = picture_controls()
    messages = st.container()
with details:
    st.caption(surface_lecture(surface.key))
    curves_column, surface_column = st.columns([1, 1])
    sweep_area = st.container()
with sweep_area:
    sweep_slot = url_choice(st, "selectbox", t("explorer.sweep"), range(4), key="sweep", default=0,
                            format_func=lambda slot: t("optimizer_panel.title", number=slot + 1),
                            aliases={f"Optimizer {slot + 1}": slot for slot in range(4)})
    sweep_slot = min(sweep_slot, count - 1)

labels = run_labels(settings, look.language)
try:
    result = race(choice, start, tuple(settings), steps, sweep_slot)
except NotFiniteError as error:  # L or ∇L is not finite at the start: the map is still there to pick another
    messages.error(start_message(error.problem, look.language), icon="⚠️")
    result = figures = None
    race_map, surface_map = landscape_figures(view, look=look, map_height=stage_figure_height(look))
else:
    figures = explorer_figures(view, result, labels, sweep_slot, look=look, map_height=stage_figure_height(look),
                               **race_picture_options(picture, choice, start, tuple(settings), steps, sweep_slot))
    race_map, surface_map = figures.race, figures.surface
    for label, run, reason in zip(labels, figures.runs, result.trajectories.reasons):
        if (stopped := stopped_run_message(label, run, reason, look.language)) is not None:
            messages.warning(stopped, icon="⚠️")
        elif run.note:
            messages.warning(t("explorer.diverged", label=label, note=run.note), icon="⚠️")

with figure_column:
    live_chart(race_map, key="race_chart", config=chart_config(f"{surface.key}-race", doubleClick=False),
               fit=screen_fit(look, view.landscape.scale.drawn_aspect))
    plotly_click("race_chart", key="race_click", on_click=lambda: start_from_click(surface, "race_click"))
    click_mode_widget()
    if INSPECT_REQUEST in st.session_state:
        st.switch_page("pages/inspector.py", query_params=inspector_link_params(st.session_state.pop(INSPECT_REQUEST)))
    if result is not None:
        st.caption(t("explorer.play_caption"))

with surface_column:
    st.subheader(t("explorer.surface"))
    if st.toggle(t("explorer.show_3d"), value=True, key="show3d", bind="query-params",
                 help=t("explorer.show_3d_help")):
        live_chart(surface_map, key="surface_chart", config=CHART_CONFIG)
if result is not None:
    with curves_column:
        st.subheader(t("explorer.curves"))
        live_chart(figures.curves, key="curves_chart", config=CHART_CONFIG)
    with sweep_area:
        st.subheader(t("explorer.sweep_title", number=sweep_slot + 1, label=labels[sweep_slot]))
        live_chart(figures.sweep, key="sweep_chart", config=CHART_CONFIG)
        st.caption(t("explorer.sweep_caption", count=len(result.sweep_rates)))
        export_buttons(figures.race, result.trajectories, labels, f"{surface.key}-race", surface=surface,
                       settings=tuple(settings), key="export")

with st.expander(t("explorer.rules")):
    for label, setting in zip(labels, settings):
        st.markdown(f"**{label}**")
        st.latex(setting.kind.latex)
        st.latex(schedule_latex(setting.schedule))
        if setting.kind in (OptimizerKind.ROOT_MEAN_SQUARE, OptimizerKind.ADAGRAD):
            st.caption(t(f"rule_notes.{setting.kind.value}"))

url_check.finish()

"""Hessian inspector: click any point and see L, g, H, its eigen-decomposition and the verdict."""

import streamlit as st

from analysis.finiteness import NotFiniteError
from components.live_chart import live_chart
from components.plotly_click import plotly_click
from figures.atlas import atlas_caption, atlas_rows
from figures.inspector import inspector_contour_figure
from scenes.inspector import HessianUndefinedError, inspector_scene
from scenes.not_finite_messages import atlas_note, grid_message, inspect_message
from ui.compute import critical_atlas, surface_view
from ui.exports import CHART_CONFIG, chart_config
from ui.inspect_point import explorer_link_params, inspected_point_widgets, point_from_click
from ui.language import t
from ui.layout import legend_entries, page_header, screen_fit, stage, stage_figure_height
from ui.look import look_controls
from ui.messages import resolved_surface_or_stop
from ui.page import page_setup
from ui.point_report_panel import escape_numbers, report_numbers, verdict_box
from ui.sidebar import surface_lecture, surface_name, surface_sidebar
from ui.url_state import UrlCheck

page_setup()
url_check = UrlCheck.start()
look = look_controls()
language = look.language
choice = surface_sidebar()
surface = resolved_surface_or_stop(choice)

figure_column, control_column = stage(look)
view = surface_view(choice)
with control_column:
    page_header(t("inspector.title", surface=surface_name(surface.key)), f"L(x, y) = {surface.latex}")
    if (gaps_message := grid_message(view.gaps, language)) is not None:
        (st.error if view.gaps.everywhere else st.warning)(gaps_message, icon="⚠️")
    x, y = inspected_point_widgets(surface)
atlas = critical_atlas(choice)
try:
    scene = inspector_scene(surface, view, atlas, x, y, look=look, map_height=stage_figure_height(look))
except HessianUndefinedError as error:
    if isinstance(error, NotFiniteError):
        control_column.warning(inspect_message(error.problem, language), icon="⚠️")
    else:  # a kink: L and its derivatives are finite, but the slope jumps
        control_column.warning(t("inspector.hessian_undefined", x=f"{x:g}", y=f"{y:g}"), icon="⚠️")
    scene = None

# The numbers first: they reach the browser before the map's larger figure, so a click's verdict shows sooner.
with control_column, st.container(key="point_report"):
    if scene is not None:
        verdict_box(scene.verdict)
        report_numbers(scene.report)
        if scene.escape is not None:
            escape_numbers(scene.escape)
            if st.button(t("inspector.escape_button"), key="escape_button"):
                st.switch_page("pages/explorer.py", query_params=explorer_link_params(surface, scene.escape.point))
with figure_column:
    contour = scene.contour if scene is not None else inspector_contour_figure(
        view.landscape, None, atlas=atlas, height=stage_figure_height(look), look=look)
    live_chart(contour, key="inspector_chart", config=chart_config(f"{surface.key}-inspector", doubleClick=False),
               fit=screen_fit(look, view.landscape.scale.drawn_aspect, legend_rows=legend_entries(contour)))
    plotly_click("inspector_chart", key="inspector_click",
                 on_click=lambda: point_from_click(surface, atlas, "inspector_click"))

st.caption(t("inspector.intro", lecture=surface_lecture(surface.key)))
if scene is not None:
    surface_column, slices_column = st.columns(2)
    with surface_column:
        st.subheader(t("inspector.taylor"))
        live_chart(scene.surface, key="inspector_surface", config=CHART_CONFIG)
    with slices_column:
        st.subheader(t("inspector.slices"))
        live_chart(scene.slices, key="inspector_slices", config=CHART_CONFIG)

st.subheader(t("inspector.atlas"))
st.caption(atlas_caption(atlas, language=language))
if (note := atlas_note(view.gaps, language)) is not None:
    st.caption(note)
st.dataframe(atlas_rows(atlas, surface.loss, language=language), hide_index=True, key="atlas_table")

url_check.finish()

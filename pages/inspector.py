"""Hessian inspector: click any point and see L, g, H, its eigen-decomposition and the verdict."""

import streamlit as st

from components.plotly_click import plotly_click
from figures.atlas import atlas_caption, atlas_rows
from figures.inspector import inspector_contour_figure
from scenes.inspector import HessianUndefinedError, inspector_scene
from ui.compute import critical_atlas, surface_view
from ui.inspect_point import explorer_link_params, inspected_point_widgets, point_from_click
from ui.messages import resolved_surface_or_stop
from ui.page import page_setup
from ui.point_report_panel import escape_numbers, report_numbers, verdict_box
from ui.sidebar import surface_sidebar

CHART_CONFIG = {"displaylogo": False}

page_setup()
choice = surface_sidebar()
surface = resolved_surface_or_stop(choice)

st.title(f"🔍 Hessian inspector: {surface.name}")
st.latex(f"L(x, y) = {surface.latex}")
st.caption("Click anywhere on the map: where training stalls, the gradient is about zero and only the "
           "Hessian tells a minimum from a saddle. " + surface.lecture)

x, y = inspected_point_widgets(surface)
view = surface_view(choice)
atlas = critical_atlas(choice)
try:
    scene = inspector_scene(surface, view, atlas, x, y)
except HessianUndefinedError as error:
    st.warning(f"{error}. Click another point.", icon="⚠️")
    scene = None

left, right = st.columns([1.1, 1])
with left:
    contour = scene.contour if scene is not None else inspector_contour_figure(view.landscape, None, atlas=atlas)
    st.plotly_chart(contour, key="inspector_chart", config={**CHART_CONFIG, "doubleClick": False})
    plotly_click("inspector_chart", key="inspector_click", on_click=lambda: point_from_click(surface, atlas, "inspector_click"))
with right:
    if scene is not None:
        verdict_box(scene.verdict)
        report_numbers(scene.report)
        if scene.escape is not None:
            escape_numbers(scene.escape)
            if st.button("▶ Start an optimizer here in the explorer", key="escape_button"):
                st.switch_page("pages/explorer.py", query_params=explorer_link_params(surface, scene.escape.point))

if scene is not None:
    surface_column, slices_column = st.columns(2)
    with surface_column:
        st.subheader("Second-order Taylor model on the surface")
        st.plotly_chart(scene.surface, key="inspector_surface", config=CHART_CONFIG)
    with slices_column:
        st.subheader("Slices along the eigenvectors")
        st.plotly_chart(scene.slices, key="inspector_slices", config=CHART_CONFIG)

st.subheader("Critical-point atlas")
st.caption(atlas_caption(atlas))
st.dataframe(atlas_rows(atlas, surface.loss), hide_index=True, key="atlas_table")

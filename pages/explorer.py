"""Surface Explorer: pick a surface, set up to four optimizers, and watch them race."""

import streamlit as st

from components.plotly_click import plotly_click
from scenes.explorer import explorer_figures
from ui.compute import race, surface_view
from ui.messages import resolved_surface_or_stop
from ui.optimizer_panel import optimizer_panel
from ui.page import page_setup
from ui.sidebar import surface_sidebar
from ui.inspect_point import inspector_link_params
from ui.start_point import INSPECT_REQUEST, click_mode_widget, start_from_click, start_point_widgets

CHART_CONFIG = {"displaylogo": False}

page_setup()
choice = surface_sidebar()
surface = resolved_surface_or_stop(choice)

st.title(f"🏁 {surface.name}")
st.latex(f"L(x, y) = {surface.latex}")
st.caption(surface.lecture)

with st.container(border=True):
    top = st.columns([1, 1.3, 1, 1, 1.3])
    count = top[0].segmented_control("Optimizers", (1, 2, 3, 4), default=3, key="n", bind="query-params") or 1
    steps = top[1].slider("Steps", 0, 1000, 200, 10, key="steps", bind="query-params")
    start = start_point_widgets(surface, top[2], top[3])
    sweep_slot = top[4].selectbox("Learning-rate sweep of", range(4), format_func=lambda i: f"Optimizer {i + 1}",
                                  key="sweep", bind="query-params")
    sweep_slot = min(sweep_slot, count - 1)
    slots = st.columns(4)
    settings = []
    for slot in range(count):
        with slots[slot]:
            settings.append(optimizer_panel(slot, steps))

result = race(choice, start, tuple(settings), steps, sweep_slot)
labels = [setting.kind.label for setting in settings]
figures = explorer_figures(surface_view(choice), result, labels, sweep_slot)
for setting, run in zip(settings, figures.runs):
    if run.note:
        st.warning(f"**{setting.kind.label}**: {run.note}. Try a smaller learning rate.", icon="⚠️")

left, right = st.columns([1.15, 1])
with left:
    st.subheader("Race on the contour map")
    st.plotly_chart(figures.race, key="race_chart", config={**CHART_CONFIG, "doubleClick": False})
    plotly_click("race_chart", key="race_click", on_click=lambda: start_from_click(surface, "race_click"))
    click_mode_widget()
    if INSPECT_REQUEST in st.session_state:
        st.switch_page("pages/inspector.py", query_params=inspector_link_params(st.session_state.pop(INSPECT_REQUEST)))
    st.caption("▶ Play animates the race in your browser, the slider scrubs through the steps.")
with right:
    st.subheader("The same paths on the surface")
    st.plotly_chart(figures.surface, key="surface_chart", config=CHART_CONFIG)

st.subheader("Training curves")
st.plotly_chart(figures.curves, key="curves_chart", config=CHART_CONFIG)

st.subheader(f"Learning-rate sweep: optimizer {sweep_slot + 1} ({labels[sweep_slot]})")
st.plotly_chart(figures.sweep, key="sweep_chart", config=CHART_CONFIG)
st.caption("Drag the slider inside the chart: all 32 paths are already in your browser, so the path morphs live.")

with st.expander("The update rules, as in the lecture"):
    for setting in settings:
        st.markdown(f"**{setting.kind.label}**")
        st.latex(setting.kind.latex)

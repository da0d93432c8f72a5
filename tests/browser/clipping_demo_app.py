"""A page with texts clipped on purpose and texts that fit, for the self-test of ``screen_geometry``.

Keys starting ``cut_`` hold a text a reader cannot see whole: a download button's long label in a
narrow column (ellipsis), a long formula in a narrow column (it scrolls sideways), a segmented
control wider than its column, a plotly axis title pushed out of the figure by a zero margin.
Keys starting ``fits_`` hold texts that fit, and ``url_state_hidden`` and the folded expander hold
long texts no one sees; neither may be reported. ``below_fold`` is a button under a tall block, and
``in_scroll_box`` a button scrolled out of a small fixed-height container.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from ui.page import hiding_css
from ui.url_choice import HIDDEN_PREFIX

LONG_LABEL = "Trajectories of every optimizer, step by step (CSV)"
LONG_FORMULA = r"L(x, y) = " + " + ".join(rf"\frac{{x^{{{power}}} y^{{{power}}}}}{{{power}!}}" for power in range(1, 16))


def _chart(margin: int, legend: bool) -> go.Figure:
    figure = go.Figure([go.Scatter(x=[0, 1, 2], y=[0, 1, 4], name="gradient descent, η = 0.02"),
                        go.Scatter(x=[0, 1, 2], y=[0, 2, 3], name="momentum, λ = 0.9")])
    figure.update_layout(height=260, margin={"l": margin, "r": margin, "t": 30 + margin, "b": margin},
                         showlegend=legend, title="the loss along the path",
                         xaxis_title="step", yaxis_title="loss L(θ) after each step")
    if margin == 0:  # no room: the y-axis title and a note left of the plot are drawn out of the figure
        figure.update_yaxes(automargin=False)
        figure.add_annotation(text="diverged at step 3", x=-0.15, xref="paper", y=0.5, yref="paper",
                              showarrow=False)
    return figure


st.set_page_config(layout="wide")
st.html(hiding_css(HIDDEN_PREFIX))
narrow, wide = st.columns([1, 5])
with narrow:
    st.download_button(LONG_LABEL, data="x,y\n", file_name="path.csv", key="cut_button")
    with st.container(key="cut_formula"):
        st.latex(LONG_FORMULA)
    st.segmented_control("optimizers", list(range(1, 11)), default=3, key="cut_count")
with wide:
    st.button("Go", key="fits_button")
    with st.container(key="fits_formula"):
        st.latex(r"\theta' = \theta - \eta\, g")
    with st.container(key=f"{HIDDEN_PREFIX}hidden"):
        st.download_button(LONG_LABEL * 3, data="x", key="hidden_button")
    with st.expander("more"):
        st.button(LONG_LABEL * 3, key="folded_button")
left, right = st.columns(2)
with left:
    st.plotly_chart(_chart(margin=60, legend=True), key="fits_chart")
with right:
    st.plotly_chart(_chart(margin=0, legend=False), key="cut_chart")
with st.container(height=120, key="scroll_box"):
    for number in range(8):
        st.button(f"button {number}", key="in_scroll_box" if number == 7 else f"scroll_button_{number}")
st.markdown("<div style='height: 1400px'></div>", unsafe_allow_html=True)
st.button("below the fold", key="below_fold")

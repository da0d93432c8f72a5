"""The shared sidebar: which loss surface every page shows."""

from __future__ import annotations

import streamlit as st

from surfaces.catalogue import SURFACES
from surfaces.choice import OWN_FORMULA_KEY, SurfaceChoice

SURFACE_KEYS = (*SURFACES.keys(), OWN_FORMULA_KEY)
DEFAULT_SURFACE = "himmelblau"
DEFAULT_FORMULA = "x**2 - y**2"


def _surface_label(key: str) -> str:
    return "✎ Your own formula" if key == OWN_FORMULA_KEY else SURFACES[key].name


def _forget_start_point() -> None:
    """A new surface starts from its own default start point, not the old surface's."""
    for key in ("x0", "y0"):
        st.session_state.pop(key, None)


def surface_sidebar() -> SurfaceChoice:
    """Sidebar widgets for the surface; returns the choice (not yet resolved or validated)."""
    with st.sidebar:
        key = st.selectbox(
            "Loss surface", SURFACE_KEYS, index=SURFACE_KEYS.index(DEFAULT_SURFACE),
            format_func=_surface_label, key="surface", bind="query-params", on_change=_forget_start_point,
        )
        if key == OWN_FORMULA_KEY:
            formula = st.text_input(
                "L(x, y) =", value=DEFAULT_FORMULA, key="formula", bind="query-params", max_chars=300,
                help="Numbers, x, y, pi, e, + - * / ** (or ^), and sin cos tan exp log sqrt abs tanh "
                     "sigmoid softplus relu min max.",
            )
            left, right = st.columns(2)
            x_min = left.number_input("x from", value=-3.0, step=0.5, key="xmin", bind="query-params")
            x_max = right.number_input("x to", value=3.0, step=0.5, key="xmax", bind="query-params")
            y_min = left.number_input("y from", value=-3.0, step=0.5, key="ymin", bind="query-params")
            y_max = right.number_input("y to", value=3.0, step=0.5, key="ymax", bind="query-params")
            return SurfaceChoice(OWN_FORMULA_KEY, formula=formula, domain=(x_min, x_max, y_min, y_max))
        knob = SURFACES[key].parameter
        if knob is None:
            return SurfaceChoice(key)
        value = st.slider(knob.label, knob.low, knob.high, knob.default, knob.step,
                          key=f"{key}_{knob.name}", bind="query-params")
        return SurfaceChoice(key, parameter=float(value))

"""The shared sidebar: the language, then which loss surface every page shows."""

from __future__ import annotations

import streamlit as st

from surfaces.catalogue import SURFACES
from surfaces.choice import OWN_FORMULA_KEY, SurfaceChoice
from ui.language import t
from ui.url_choice import url_choice

SURFACE_KEYS = (*SURFACES.keys(), OWN_FORMULA_KEY)
DEFAULT_SURFACE = "himmelblau"
DEFAULT_FORMULA = "x**2 - y**2"
# Links made before the URL carried keys name the surface by its English label (?surface=Saddle).
SURFACE_ALIASES = {**{surface.name: key for key, surface in SURFACES.items()}, "✎ Your own formula": OWN_FORMULA_KEY}


def surface_name(key: str) -> str:
    """The name of surface ``key`` (a built-in key or ``"own"``) in the current language."""
    return t(f"surfaces.{key}.name")


def surface_lecture(key: str) -> str:
    """The sentence tying surface ``key`` to the lecture, in the current language."""
    return t(f"surfaces.{key}.lecture")


def _surface_label(key: str) -> str:
    return t("surfaces.own.menu") if key == OWN_FORMULA_KEY else surface_name(key)


def _forget_start_point() -> None:
    """A new surface starts from its own default start point, not the old surface's."""
    for key in ("x0", "y0"):
        st.session_state.pop(key, None)


def surface_sidebar() -> SurfaceChoice:
    """Sidebar widgets: the language picker, then the surface; returns the choice (not yet resolved or validated)."""
    with st.sidebar:
        key = url_choice(st, "selectbox", t("sidebar.surface"), SURFACE_KEYS, key="surface", default=DEFAULT_SURFACE,
                         format_func=_surface_label, aliases=SURFACE_ALIASES, on_change=_forget_start_point)
        if key == OWN_FORMULA_KEY:
            formula = st.text_input("L(x, y) =", value=DEFAULT_FORMULA, key="formula", bind="query-params",
                                    max_chars=300, help=t("sidebar.formula_help"))
            left, right = st.columns(2)
            x_min = left.number_input(t("sidebar.x_from"), value=-3.0, step=0.5, key="xmin", bind="query-params")
            x_max = right.number_input(t("sidebar.x_to"), value=3.0, step=0.5, key="xmax", bind="query-params")
            y_min = left.number_input(t("sidebar.y_from"), value=-3.0, step=0.5, key="ymin", bind="query-params")
            y_max = right.number_input(t("sidebar.y_to"), value=3.0, step=0.5, key="ymax", bind="query-params")
            return SurfaceChoice(OWN_FORMULA_KEY, formula=formula, domain=(x_min, x_max, y_min, y_max))
        knob = SURFACES[key].parameter
        if knob is None:
            return SurfaceChoice(key)
        value = st.slider(t(f"surfaces.{key}.parameter"), knob.low, knob.high, knob.default, knob.step,
                          key=f"{key}_{knob.name}", bind="query-params")
        return SurfaceChoice(key, parameter=float(value))

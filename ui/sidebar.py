"""The shared sidebar: the language, then which loss surface every page shows.

The user's own formula and its domain are typed, so they can be wrong while being typed. A formula
that cannot be read, or a domain with x from ≥ x to, keeps the last formula (or domain) that worked on
the page, with the error under its box; the typed text stays in the box, so nothing the user typed is
lost. The address bar holds what is in the box (the widgets are bound to it); the share link in the
sidebar holds what the page shows, so a shared link never opens on an error. A link whose formula
cannot be read (typed into the address bar, say) opens with that text in the box, the error under it,
and the default formula drawn: there is no earlier formula in a new session.
"""

from __future__ import annotations

import streamlit as st

from surfaces.base import Domain
from surfaces.catalogue import SURFACES
from surfaces.choice import OWN_FORMULA_KEY, SurfaceChoice
from surfaces.formula import FormulaError, compile_formula
from ui.language import t
from ui.markdown_text import markdown_literal
from ui.url_choice import url_choice
from ui.url_state import share_instead

SURFACE_KEYS = (*SURFACES.keys(), OWN_FORMULA_KEY)
DEFAULT_SURFACE = "himmelblau"
DEFAULT_FORMULA = "x**2 - y**2"
DEFAULT_DOMAIN = SurfaceChoice(OWN_FORMULA_KEY).domain
DOMAIN_KEYS = ("xmin", "xmax", "ymin", "ymax")
LAST_FORMULA, LAST_DOMAIN = "last_usable_formula", "last_usable_domain"
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
            formula = _usable_formula(formula)
            left, right = st.columns(2)
            x_min = left.number_input(t("sidebar.x_from"), value=DEFAULT_DOMAIN[0], step=0.5, key="xmin",
                                      bind="query-params")
            x_max = right.number_input(t("sidebar.x_to"), value=DEFAULT_DOMAIN[1], step=0.5, key="xmax",
                                       bind="query-params")
            y_min = left.number_input(t("sidebar.y_from"), value=DEFAULT_DOMAIN[2], step=0.5, key="ymin",
                                      bind="query-params")
            y_max = right.number_input(t("sidebar.y_to"), value=DEFAULT_DOMAIN[3], step=0.5, key="ymax",
                                       bind="query-params")
            domain = _usable_domain((x_min, x_max, y_min, y_max))
            return SurfaceChoice(OWN_FORMULA_KEY, formula=formula, domain=domain)
        knob = SURFACES[key].parameter
        if knob is None:
            return SurfaceChoice(key)
        value = st.slider(t(f"surfaces.{key}.parameter"), knob.low, knob.high, knob.default, knob.step,
                          key=f"{key}_{knob.name}", bind="query-params")
        return SurfaceChoice(key, parameter=float(value))


def _usable_formula(typed: str) -> str:
    """``typed`` if it reads as a formula, else the last formula that did, with the error under the box."""
    try:
        compile_formula(typed)
    except FormulaError as error:
        kept = st.session_state.get(LAST_FORMULA, DEFAULT_FORMULA)
        st.error(t("messages.formula_kept", error=markdown_literal(error), formula=kept), icon="✏️")
        share_instead("formula", None if kept == DEFAULT_FORMULA else kept)
        return kept
    st.session_state[LAST_FORMULA] = typed
    return typed


def _usable_domain(typed: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """``typed`` if it is a domain (x from < x to, y from < y to), else the last one that was, with the error."""
    try:
        Domain(*typed)
    except ValueError as error:
        kept = st.session_state.get(LAST_DOMAIN, DEFAULT_DOMAIN)
        bounds = dict(zip(("x_min", "x_max", "y_min", "y_max"), (f"{bound:g}" for bound in kept)))
        st.error(t("messages.domain", error=markdown_literal(error), **bounds), icon="📐")
        for key, bound, default in zip(DOMAIN_KEYS, kept, DEFAULT_DOMAIN):
            share_instead(key, None if bound == default else repr(float(bound)))
        return kept
    st.session_state[LAST_DOMAIN] = typed
    return typed

"""The start point: two sliders, also moved by clicking the contour map."""

from __future__ import annotations

import streamlit as st

from components.plotly_click import clicked_point
from surfaces.base import Surface
from ui.language import t
from ui.url_choice import url_choice

SLIDER_STEPS = 200


def _step(low: float, high: float) -> float:
    return float(f"{(high - low) / SLIDER_STEPS:.2g}")


def snapped_start(value: float, low: float, high: float) -> float:
    """``value`` clamped to [low, high] and rounded to the slider's step."""
    step = _step(low, high)
    snapped = low + round((min(max(value, low), high) - low) / step) * step
    return round(min(snapped, high), 10)


def keep_inside(key: str, low: float, high: float, snap: bool = True) -> None:
    """Before the widget ``key`` is drawn: a kept value outside [low, high] (left by another surface, or
    a formula whose domain just shrank) is clamped into it, instead of Streamlit raising on it."""
    value = st.session_state.get(key)
    if isinstance(value, (int, float)) and not low <= value <= high:
        st.session_state[key] = snapped_start(value, low, high) if snap else min(max(float(value), low), high)


def move_start_to(surface: Surface, x: float, y: float) -> None:
    """Put the start sliders at (x, y), clamped to the domain (call before the sliders are drawn)."""
    domain = surface.domain
    st.session_state["x0"] = snapped_start(x, domain.x_min, domain.x_max)
    st.session_state["y0"] = snapped_start(y, domain.y_min, domain.y_max)


CLICK_MODES = ("start", "inspect")
INSPECT_REQUEST = "inspect_request"


def start_from_click(surface: Surface, click_key: str) -> None:
    """``on_click`` callback of the race map: in "start" mode the clicked point becomes the start point
    (clamped to the domain); in "inspect" mode it is kept for the page to open the inspector there."""
    point = clicked_point(click_key)
    if point is None:
        return
    if st.session_state.get("click_mode") == "inspect":
        st.session_state[INSPECT_REQUEST] = (point.x, point.y)
    else:
        move_start_to(surface, point.x, point.y)


def click_mode_widget() -> str:
    """What a click on the race map does."""
    return url_choice(st, "segmented_control", t("click.label"), CLICK_MODES, key="click_mode", default="start",
                      format_func=lambda mode: t(f"click.{mode}"))


def start_point_widgets(surface: Surface, x_column, y_column) -> tuple[float, float]:
    """Sliders for the start point θ⁰ inside the surface's domain."""
    domain = surface.domain
    default_x, default_y = surface.starts[0]
    keep_inside("x0", domain.x_min, domain.x_max)
    keep_inside("y0", domain.y_min, domain.y_max)
    x = x_column.slider(t("explorer.start_x"), domain.x_min, domain.x_max,
                        snapped_start(default_x, domain.x_min, domain.x_max), _step(domain.x_min, domain.x_max),
                        key="x0", bind="query-params")
    y = y_column.slider(t("explorer.start_y"), domain.y_min, domain.y_max,
                        snapped_start(default_y, domain.y_min, domain.y_max), _step(domain.y_min, domain.y_max),
                        key="y0", bind="query-params")
    return float(x), float(y)

"""Where the user clicked on a Plotly chart, in exact data coordinates.

``st.plotly_chart(on_select=...)`` reports nothing for a click on a contour, a heatmap, a surface,
or the empty background of a chart drawn as an image. This module adds a tiny Streamlit v2
component (``st.components.v2.component``; no iframe, it runs in the page) that watches the chart
drawn by ``st.plotly_chart(figure, key=chart_key)`` and sends back every click:

* on a flat (cartesian) chart, anywhere inside the plot area: the pointer's pixel ``p`` measured
  from the plot area's corner, turned into data units by the axis itself, ``x = xaxis.p2c(p_x)``,
  which for a linear axis is :math:`x = x_0 + p_x (x_1 - x_0) / w` with range
  :math:`[x_0, x_1]` and width :math:`w`; not snapped to any grid point. A press that moves
  8 pixels or more (plotly's own threshold) is a zoom or a pan and is not a click;
* on a 3D surface: the point plotly picks under the pointer (a vertex of the surface's grid, the
  one its hover label shows); a press that rotates the scene is not a click.

Each new click is reported exactly once (a *trigger*): clicking the same place twice reports it
twice, and a rerun caused by anything else reports ``None``. Two clicks within plotly's
double-click delay (300 ms) also make plotly reset the axes; pass ``config={"doubleClick": False}``
to ``st.plotly_chart`` to prevent that.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

_TRIGGER = "click"
_SOURCES = ("plane", "surface")
_JAVASCRIPT = Path(__file__).with_name("plotly_click.js").read_text(encoding="utf-8")

# Registered once at import; the returned callable mounts one instance per call.
_mount_click_listener = st.components.v2.component("plotly_click", js=_JAVASCRIPT)


@dataclass(frozen=True)
class ClickedPoint:
    """A clicked point in data coordinates.

    ``source`` is ``"plane"`` for a click inside a flat chart's plot area (``z`` is ``None``) and
    ``"surface"`` for a point picked on a 3D chart (``z`` is the surface's height there).
    """

    x: float
    y: float
    z: float | None
    source: str


class ClickPayloadError(ValueError):
    """The browser sent a click this module cannot read (a bug in the component, not the user)."""


def chart_css_class(chart_key: str) -> str:
    """The CSS class Streamlit gives the element of ``st.plotly_chart(..., key=chart_key)``."""
    return "st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", chart_key.strip())


def _finite_number(payload: Mapping, name: str) -> float:
    value = payload.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ClickPayloadError(f"The clicked point's {name} should be a finite number, got {value!r}.")
    return float(value)


def point_from_payload(payload: object) -> ClickedPoint | None:
    """The :class:`ClickedPoint` in the component's trigger value; ``None`` when there was no click."""
    if payload is None:
        return None
    if not isinstance(payload, Mapping):
        raise ClickPayloadError(f"A click should arrive as a mapping with x, y, z and source, got {payload!r}.")
    source = payload.get("source")
    if source not in _SOURCES:
        raise ClickPayloadError(f"A click's source should be one of {_SOURCES}, got {source!r}.")
    z = None if payload.get("z") is None else _finite_number(payload, "z")
    return ClickedPoint(x=_finite_number(payload, "x"), y=_finite_number(payload, "y"), z=z, source=source)


def clicked_point(key: str) -> ClickedPoint | None:
    """The click that caused the current run of the component mounted with ``key``, if any.

    Readable inside that component's ``on_click`` callback (before the script runs) and after
    :func:`plotly_click` in the script; ``None`` on every other run.
    """
    state = st.session_state.get(key)
    if not isinstance(state, Mapping):
        return None
    return point_from_payload(state.get(_TRIGGER))


def _ignore_click() -> None:
    """Streamlit reports a trigger only for events that have a callback."""


def plotly_click(chart_key: str, *, key: str, on_click: Callable[[], None] | None = None) -> ClickedPoint | None:
    """Listen for clicks on the chart drawn by ``st.plotly_chart(figure, key=chart_key)``.

    Returns the click that caused this run, or ``None``. Call it on every run, anywhere on the
    page (it draws nothing and finds the chart by its key, so it keeps working after reruns).

    A click usually has to change widgets drawn *above* the chart, such as start-point sliders,
    and a widget's value can only be set before the widget is created. So do it in ``on_click``,
    which Streamlit runs before the script: read the point with :func:`clicked_point` and copy it
    into the widgets' own session-state keys::

        def move_start() -> None:
            point = clicked_point("map_click")
            st.session_state["x0"], st.session_state["y0"] = point.x, point.y

        x0 = st.slider("x₀", -5.0, 5.0, key="x0")   # already shows the clicked x
        ...
        st.plotly_chart(figure, key="map")
        plotly_click("map", key="map_click", on_click=move_start)

    Raises ``ValueError`` when ``key`` is empty or equal to ``chart_key`` (two elements cannot
    share a key).
    """
    if not chart_key.strip() or not key.strip():
        raise ValueError(f"plotly_click needs a chart key and its own key, got {chart_key=} and {key=}.")
    if key == chart_key:
        raise ValueError(f"plotly_click's key must differ from the chart's key, both are {key!r}.")
    result = _mount_click_listener(
        key=key,
        data={"chart_class": chart_css_class(chart_key)},
        on_click_change=on_click or _ignore_click,
    )
    return point_from_payload(result.get(_TRIGGER))

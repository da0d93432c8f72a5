"""A Plotly chart that stays mounted across reruns and is updated in place (``Plotly.react``).

Why not ``st.plotly_chart``: Streamlit 1.67 derives a chart's identity from its figure, so a rerun
that changes the figure unmounts the chart and the browser plots it again from scratch. Measured in
Chromium with software WebGL (``benchmarks/bench_browser.py``): the explorer's 3D surface takes
1.9 s from scratch and 0.25 s through ``Plotly.react``; the race map 0.43 s and 0.08 s. This
component keeps its plot (its identity is its ``key``) and hands each new figure to ``Plotly.react``,
which also keeps the user's zoom and 3D camera between reruns (``layout.uirevision``).

The figure travels as JSON bytes (plotly's own encoding, NumPy arrays as base64 typed arrays) with
the chart's ``config`` and the address of plotly.js, a file in the app's ``static/`` folder served by
Streamlit (``server.enableStaticServing``): the app's slim bundle of the plotly.js version that wrote
the figure (``components.plotly_library``).

The plot element carries plotly's usual ``js-plotly-plot`` class inside the element with class
``st-key-<key>``, so :mod:`components.plotly_click` and browser tests find it as they find an
``st.plotly_chart``.
"""

from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

from components.plotly_library import plotly_library_file

_JAVASCRIPT = Path(__file__).with_name("live_chart.js").read_text(encoding="utf-8")

PRELOAD_KEY = "plotly_preload"

_mount_live_chart = st.components.v2.component("live_chart", js=_JAVASCRIPT, isolate_styles=False)


def _library_url() -> str:
    return f"./app/static/{plotly_library_file()}"


def chart_payload(figure: go.Figure | dict, config: dict | None = None, fit: dict | None = None) -> bytes:
    """What the browser gets: ``{"library": <plotly.js URL>, "config": ..., "fit": ..., "figure": ...}`` as UTF-8 JSON."""
    return ('{"library": %s, "config": %s, "fit": %s, "figure": %s}' % (
        json.dumps(_library_url()), json.dumps(config or {}), json.dumps(fit),
        pio.to_json(figure, validate=False))).encode()


def _rerun_only() -> None:
    """A theme switch only needs the rerun it causes (the figures read the theme from ``st.context``)."""


def preload_plotly(dark: bool = False) -> None:
    """Have the browser load plotly.js now, before the page's first chart arrives (draws nothing).

    Loading and evaluating plotly.js takes the browser ~0.6 s here (the slim bundle; 2 cores); asked for first in a
    run (``app.py`` does, before its heavy imports), it overlaps the server's run instead of following it.
    The browser loads and warms it up once per page, however many runs ask. Hide the element keyed
    ``PRELOAD_KEY`` (``ui.page`` does).

    ``dark`` is the theme this run draws its figures in: when the viewer switches Streamlit's theme, the
    page asks for a rerun (Streamlit does not rerun by itself), whose figures follow the new theme.
    """
    _mount_live_chart(key=PRELOAD_KEY, data=json.dumps({"preload": _library_url(), "dark": dark}).encode(),
                      on_theme_change=_rerun_only)


def live_chart(figure: go.Figure | dict, *, key: str, config: dict | None = None, fit: dict | None = None) -> None:
    """Draw ``figure`` as the chart named ``key``, updating the same plot on every rerun.

    ``config`` is plotly.js's (toolbar, PNG export, ``doubleClick``); the chart is as wide as its
    container and as high as ``figure.layout.height``, or, with a ``fit`` (``ui.layout.screen_fit``), as
    high as the window leaves room for below the chart's top: ``{"min": px, "max": px, "gap": px}`` and,
    for a map drawn to scale, ``"aspect"`` (drawn height over width) and ``"extra"`` (the legend's room).
    """
    _mount_live_chart(key=key, data=chart_payload(figure, config, fit))

"""A Plotly chart that stays mounted across reruns and is updated in place (``Plotly.react``).

Why not ``st.plotly_chart``: Streamlit 1.67 derives a chart's identity from its figure, so a rerun
that changes the figure unmounts the chart and the browser plots it again from scratch. Measured in
Chromium with software WebGL (``benchmarks/bench_browser.py``): the explorer's 3D surface takes
1.9 s from scratch and 0.25 s through ``Plotly.react``; the race map 0.43 s and 0.08 s. This
component keeps its plot (its identity is its ``key``) and hands each new figure to ``Plotly.react``,
which also keeps the user's zoom and 3D camera between reruns (``layout.uirevision``).

The figure travels as JSON bytes (plotly's own encoding, NumPy arrays as base64 typed arrays) with
the chart's ``config`` and the address of plotly.js. plotly.js is the copy shipped inside the Python
``plotly`` package (the same version that wrote the figure), copied once into the app's ``static/``
folder and served by Streamlit (``server.enableStaticServing``).

The plot element carries plotly's usual ``js-plotly-plot`` class inside the element with class
``st-key-<key>``, so :mod:`components.plotly_click` and browser tests find it as they find an
``st.plotly_chart``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path

import plotly
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st

_LOG = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
_PLOTLY_SOURCE = Path(plotly.__file__).with_name("package_data") / "plotly.min.js"
_JAVASCRIPT = Path(__file__).with_name("live_chart.js").read_text(encoding="utf-8")

PRELOAD_KEY = "plotly_preload"
_COMPLETE_COPIES: set[Path] = set()  # plotly.js copies found or made complete by this process

_mount_live_chart = st.components.v2.component("live_chart", js=_JAVASCRIPT, isolate_styles=False)


def plotly_library_file() -> str:
    """The file name of plotly.js in ``static/``, named by the plotly package's version.

    Copied there from the package the first time it is needed; a new plotly version gets a new name,
    so a browser never keeps an old copy from its cache. Every chart of every run asks, so a copy found
    complete is not looked at again by this process; a failed copy is tried again next time.
    """
    name = f"plotly-{plotly.__version__}.min.js"
    target = STATIC_DIR / name
    if target in _COMPLETE_COPIES:
        return name
    try:
        if not target.exists() or target.stat().st_size != _PLOTLY_SOURCE.stat().st_size:
            STATIC_DIR.mkdir(exist_ok=True)
            partial = target.with_suffix(f".{os.getpid()}.partial")
            shutil.copyfile(_PLOTLY_SOURCE, partial)
            partial.replace(target)  # atomic: a concurrent session never serves half a file
        _COMPLETE_COPIES.add(target)
    except OSError as error:  # a read-only app folder: each chart then says it could not load plotly.js
        _LOG.warning("could not copy plotly.js into %s: %s", STATIC_DIR, error)
    return name


def _library_url() -> str:
    return f"./app/static/{plotly_library_file()}"


def chart_payload(figure: go.Figure | dict, config: dict | None = None) -> bytes:
    """What the browser gets: ``{"library": <plotly.js URL>, "config": ..., "figure": ...}`` as UTF-8 JSON."""
    return ('{"library": %s, "config": %s, "figure": %s}' % (
        json.dumps(_library_url()), json.dumps(config or {}), pio.to_json(figure, validate=False))).encode()


def preload_plotly() -> None:
    """Have the browser load plotly.js now, before the page's first chart arrives (draws nothing).

    Evaluating plotly.js takes the browser ~1.5 s here (software rendering, 2 cores); asked for first in a
    run (``app.py`` does, before its heavy imports), it overlaps the server's run instead of following it.
    The browser loads and warms it up once per page, however many runs ask. Hide the element keyed
    ``PRELOAD_KEY`` (``ui.page`` does).
    """
    _mount_live_chart(key=PRELOAD_KEY, data=json.dumps({"preload": _library_url()}).encode())


def live_chart(figure: go.Figure | dict, *, key: str, config: dict | None = None) -> None:
    """Draw ``figure`` as the chart named ``key``, updating the same plot on every rerun.

    ``config`` is plotly.js's (toolbar, PNG export, ``doubleClick``); the chart is as wide as its
    container and as high as ``figure.layout.height``.
    """
    _mount_live_chart(key=key, data=chart_payload(figure, config))

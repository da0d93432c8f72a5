"""Import what the first visitor's run needs while the server waits for that visitor.

``streamlit run app.py`` serves ``app.py``'s ``st.App``, whose ``lifespan`` calls :func:`start_imports`: at
server start it starts one daemon thread importing the modules a page run imports (torch alone takes 1-2 s
here, pandas 0.5 s) and yields at once, so the server answers as soon as it would without it.

Measured before this (cold start on the page's clock, as ``benchmarks/bench_browser.py`` times it): the
server was healthy at ~0.9 s, the browser's first script run began at ~2.3 s (it was loading
Streamlit's own frontend), and that run spent ~2 s importing before it sent a chart. The imports now
fill the gap. They also slow the frontend's loading (two cores), so the net gain is smaller: command →
first chart drawn, six cold starts each, median 5.85 → 5.2 s (with the slim plotly.js of
``components.plotly_library``).

Two threads importing the same modules is safe: Python gives every module its own import lock, so a
run that needs a module the warm-up thread is still importing waits for it and gets it whole. The
warm-up imports in the order ``app.py`` and the pages do, so neither thread holds a module the other
started first. ``pandas`` comes whole with ``ui.page`` before any figure is drawn (see ``ui.page``).
"""

from __future__ import annotations

import importlib
import logging
import threading
import time

_LOG = logging.getLogger(__name__)

# In the order a run of the explorer (the default page) imports them: app.py, then pages/explorer.py.
MODULES = (
    "workers", "components.live_chart", "ui.theme", "ui.gc_freeze", "ui.memory_trim", "ui.page",
    "analysis.finiteness", "components.plotly_click", "figures.runs", "optimizers.schedules", "optimizers.settings",
    "scenes.explorer", "scenes.not_finite_messages", "ui.compute", "ui.exports", "ui.inspect_point", "ui.language",
    "ui.layout", "ui.look", "ui.messages", "ui.optimizer_panel", "ui.picture_controls", "ui.sidebar", "ui.start_point",
    "ui.url_choice", "ui.url_state",
)


def import_modules(names: tuple[str, ...] = MODULES) -> float:
    """Import ``names`` in order; the seconds it took. A module that fails is logged and skipped: the
    page's own import of it then shows the error where it belongs."""
    began = time.perf_counter()
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - warming up must never stop the server
            _LOG.exception("warm-up could not import %s", name)
    return time.perf_counter() - began


def _warm() -> None:
    seconds = import_modules()
    _LOG.debug("warm-up imported %d modules in %.2f s", len(MODULES), seconds)


def start_imports() -> threading.Thread:
    """Start importing :data:`MODULES` in a daemon thread named "warm-up" and return at once."""
    thread = threading.Thread(target=_warm, name="warm-up", daemon=True)
    thread.start()
    return thread

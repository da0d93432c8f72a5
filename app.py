"""Error Surface Lab: the server's entry and the router.

Run with ``streamlit run app.py``. Streamlit reads this file twice, in two roles:

* **the server** imports it as the module ``app`` and serves ``app`` (an ``st.App``), whose lifespan
  (:func:`lifespan`) imports torch and the pages' modules while the first visitor's browser is still
  loading Streamlit's frontend (``ui.warm_up``), and starts the worker processes that compute races
  and trainings (``workers.POOL``) a few seconds later, stopping them when the server stops;
* **each visitor's session** runs it as the script ``__main__``: the router. Each page in ``pages/``
  reads like a description of its screen and draws the shared sidebar itself (``ui.sidebar``), so a
  page is complete on its own.

The first thing every run sends is the request to load plotly.js (``preload_plotly``), before the
heavy imports: on a fresh server the first run may still be importing torch and pandas, and the
browser's ~1.5 s of evaluating plotly.js then overlaps it instead of following it.

Every run ends by asking for the server's heap to be trimmed (``ui.memory_trim``); the first run of
each page freezes the objects its imports left (``ui.gc_freeze``), so that full garbage collections no
longer walk them (server CPU per explorer rerun: ~290 → ~100 ms).
"""

import streamlit as st

if __name__ != "__main__":  # the server, importing this file to find `app`
    from contextlib import asynccontextmanager

    from ui.warm_up import start_imports
    from workers import POOL

    # The workers spawn and import torch this many seconds after the server starts, once the first
    # visitor's page (~5 s from the command on two cores) has drawn: until then races run in the server.
    WORKERS_DELAY = 8.0

    @asynccontextmanager
    async def lifespan(_app):
        """Import in the background and start the worker pool, then serve; stop the workers at the end."""
        start_imports()
        POOL.start(delay=WORKERS_DELAY)
        try:
            yield
        finally:
            POOL.stop()

    app = st.App("app.py", lifespan=lifespan)
else:  # a session's run: the router
    from components.live_chart import preload_plotly
    from ui.theme import current_theme_is_dark

    preload_plotly(dark=current_theme_is_dark())

    from ui.gc_freeze import freeze_after_first_run
    from ui.memory_trim import start_trimming, trim_soon
    from ui.page import ROUTED, app_pages  # (after the preload: imports pandas)

    start_trimming()  # once per server process
    st.session_state[ROUTED] = True
    page = st.navigation(app_pages(), position="top")
    try:
        page.run()
    finally:
        trim_soon()  # the memory this run freed goes back to the OS while the user looks at the page
        freeze_after_first_run(page.url_path)  # full garbage collections then skip what the imports left

"""Error Surface Lab: the router.

Run with ``streamlit run app.py``. Each page in ``pages/`` reads like a description of its screen and
draws the shared sidebar itself (``ui.sidebar``), so a page is complete on its own.

The first thing every run sends is the request to load plotly.js (``preload_plotly``), before the
heavy imports: on a fresh server the first run spends ~3 s importing torch and pandas, and the
browser's ~1.5 s of evaluating plotly.js then overlaps it instead of following it.
"""

import streamlit as st

from components.live_chart import preload_plotly

preload_plotly()

from ui.page import ROUTED, app_pages  # noqa: E402  (after the preload: imports pandas)

st.session_state[ROUTED] = True
st.navigation(app_pages(), position="top").run()

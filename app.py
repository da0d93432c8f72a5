"""Error Surface Lab: the router.

Run with ``streamlit run app.py``. Each page in ``pages/`` reads like a description of its screen and
draws the shared sidebar itself (``ui.sidebar``), so a page is complete on its own.
"""

import streamlit as st

from ui.page import ROUTED, app_pages

st.session_state[ROUTED] = True
st.navigation(app_pages(), position="top").run()

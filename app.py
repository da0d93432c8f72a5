"""Error Surface Lab: the router.

Run with ``streamlit run app.py``. Each page in ``pages/`` reads like a description of its screen and
draws the shared sidebar itself (``ui.sidebar``), so a page is complete on its own.
"""

import streamlit as st

from ui.page import page_setup

page_setup()

PAGES = [
    st.Page("pages/explorer.py", title="Surface Explorer", icon="🏁", url_path="explorer", default=True),
]

st.navigation(PAGES, position="top").run()

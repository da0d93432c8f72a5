"""What every page does first: the page config, and the router even when Streamlit skipped ``app.py``.

Streamlit quirk (1.67, measured): while no session has run ``app.py`` yet, a freshly started server
serves a deep link such as ``/inspector?surface=Saddle`` through its legacy discovery of the
``pages/`` folder: the page runs *without* ``app.py``, so without the navigation menu, and stays so
for that session. A page that notices this (``app.py`` marks each run it routes) calls
``st.navigation`` itself, which switches the server to ``app.py``'s router for good, and reruns.
"""

from __future__ import annotations

import streamlit as st

PAGE_TITLE = "Error Surface Lab"
ROUTED = "routed_by_app"


def app_pages() -> list:
    """The app's pages, in menu order (the explorer is the default page, at ``/``)."""
    return [
        st.Page("pages/explorer.py", title="Surface Explorer", icon="🏁", url_path="explorer", default=True),
        st.Page("pages/inspector.py", title="Hessian Inspector", icon="🔍", url_path="inspector"),
        st.Page("pages/tour.py", title="Lecture tour", icon="🎓", url_path="tour"),
    ]


def page_setup() -> None:
    """Wide layout and the tab title; reroute through ``app.py`` if Streamlit ran this page on its own."""
    st.set_page_config(page_title=PAGE_TITLE, page_icon="⛰️", layout="wide")
    if not st.session_state.get(ROUTED):
        st.session_state[ROUTED] = True
        st.navigation(app_pages(), position="top")
        st.rerun()

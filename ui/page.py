"""What every page does first: the page config, and the router even when Streamlit skipped ``app.py``.

Streamlit quirk (1.67, measured): while no session has run ``app.py`` yet, a freshly started server
serves a deep link such as ``/inspector?surface=saddle`` through its legacy discovery of the
``pages/`` folder: the page runs *without* ``app.py``, so without the navigation menu, and stays so
for that session. A page that notices this (``app.py`` marks each run it routes) calls
``st.navigation`` itself, which switches the server to ``app.py``'s router for good, and reruns.
"""

from __future__ import annotations

# Imported with this module, completely, before any page runs (every page imports it): plotly looks
# pandas up in sys.modules without importing it, and a session drawing a figure while another session
# is halfway through importing pandas (for a table) crashed with "partially initialized module 'pandas'" (measured: 20 of 93
# reruns with 30 sessions, benchmarks/bench_classroom.py). Costs ~0.5 s once, at the first session.
import pandas  # noqa: F401
import streamlit as st

from components.live_chart import PRELOAD_KEY
from ui.language import t
from ui.layout import sidebar_state
from ui.url_choice import HIDDEN_PREFIX

ROUTED = "routed_by_app"


def hiding_css(*key_prefixes: str) -> str:
    """A style rule hiding the elements whose key starts with one of ``key_prefixes``, with the layout
    wrapper around each (which would otherwise keep its flex gap)."""
    selectors = [f"[class*='st-key-{prefix}'], [data-testid='stLayoutWrapper']:has(> [class*='st-key-{prefix}'])"
                 for prefix in key_prefixes]
    return f"<style>{', '.join(selectors)} {{display: none !important;}}</style>"


def app_pages() -> list:
    """The app's pages, in menu order (the explorer is the default page, at ``/``).

    The titles follow the language; the ``url_path`` values are the deep links and never change. Each is its
    file's name: a fresh server may serve a deep link through Streamlit's discovery of ``pages/`` (see above).
    """
    return [
        st.Page("pages/explorer.py", title=t("app.pages.explorer"), icon="🏁", url_path="explorer", default=True),
        st.Page("pages/inspector.py", title=t("app.pages.inspector"), icon="🔍", url_path="inspector"),
        st.Page("pages/lab.py", title=t("lab.title"), icon="🧪", url_path="lab"),
        st.Page("pages/experiment.py", title=t("experiments.title"), icon="🔬", url_path="experiment"),
        st.Page("pages/tour.py", title=t("tour.title"), icon="🎓", url_path="tour"),
        st.Page("pages/network.py", title=t("network.title"), icon="🧠", url_path="network"),
    ]


def page_setup() -> None:
    """Wide layout, the tab title and the CSS hiding the URL state of choice widgets (``ui.url_choice``) and
    ``app.py``'s preload of plotly.js; reroute through ``app.py`` if Streamlit ran this page on its own."""
    projector = st.session_state.get("proj", st.query_params.get("proj") == "true")  # the toggle is drawn later
    st.set_page_config(page_title=t("app.title"), page_icon="⛰️", layout="wide",
                       initial_sidebar_state=sidebar_state(bool(projector)))
    if not st.session_state.get(ROUTED):
        st.session_state[ROUTED] = True
        st.navigation(app_pages(), position="top")
        st.rerun()
    st.html(hiding_css(HIDDEN_PREFIX, PRELOAD_KEY))

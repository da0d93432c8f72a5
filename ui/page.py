"""What every page does first, so that a page is complete even when opened on its own."""

from __future__ import annotations

import streamlit as st

PAGE_TITLE = "Error Surface Lab"


def page_setup() -> None:
    """Wide layout and the app's title in the browser tab.

    ``app.py`` does this too; a page repeats it because the very first request to a freshly
    started server for a deep link (``/inspector?...``) runs the page through Streamlit's legacy
    ``pages/`` discovery, without ``app.py``.
    """
    st.set_page_config(page_title=PAGE_TITLE, page_icon="⛰️", layout="wide")

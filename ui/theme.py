"""The viewer's theme, light or dark: Streamlit's menu (⋮) offers System / Light / Dark, because
``.streamlit/config.toml`` defines a light and a dark theme. The figures follow it (``ui.look``), and
the page asks for a rerun when the viewer switches (``components/live_chart.js``)."""

from __future__ import annotations

import streamlit as st


def current_theme_is_dark() -> bool:
    """Whether the viewer's Streamlit theme is dark (unknown, e.g. in tests: light)."""
    try:
        return st.context.theme.type == "dark"
    except Exception:  # noqa: BLE001 - no browser context (AppTest, bare mode): assume light
        return False

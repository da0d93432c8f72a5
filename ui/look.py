"""How the page and its figures are dressed: the language, projector mode (in the URL) and the theme.

Projector mode is for the back row of a classroom: larger text everywhere and thicker lines in the
figures. Light or dark is Streamlit's own theme (menu ⋮: System / Light / Dark, ``ui.theme``); the
figures follow it.
"""

from __future__ import annotations

import streamlit as st

from figures.style import Look
from ui.language import current_language, language_widget, t
from ui.theme import current_theme_is_dark

PROJECTOR_CSS = """
<style>
html { font-size: 21px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.15rem; }
[data-testid="stWidgetLabel"] p { font-size: 1.05rem; }
</style>
"""


def look_controls() -> Look:
    """The language picker and projector toggle (top of the sidebar) and the Look every figure takes."""
    with st.sidebar:
        language_widget()
    projector = st.sidebar.toggle(t("look.projector"), key="proj", bind="query-params", help=t("look.projector_help"))
    if projector:
        st.html(PROJECTOR_CSS)
    return Look(language=current_language(), projector=projector, dark=current_theme_is_dark())

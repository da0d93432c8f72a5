"""How the page and its figures are dressed: the language, projector mode (in the URL) and the theme.

Projector mode is for the back row of a classroom: larger text everywhere, thicker lines in the
figures, the sidebar folded away (``ui.layout``). Light or dark is Streamlit's own theme (menu ⋮: System / Light / Dark, ``ui.theme``); the
figures follow it.
"""

from __future__ import annotations

import streamlit as st

from figures.style import Look
from ui.language import current_language, language_widget, t
from ui.layout import screen_css
from ui.theme import current_theme_is_dark

def look_controls() -> Look:
    """The language picker and projector toggle (top of the sidebar) and the Look every figure takes."""
    with st.sidebar:
        language_widget()
    projector = st.sidebar.toggle(t("look.projector"), key="proj", bind="query-params", help=t("look.projector_help"))
    look = Look(language=current_language(), projector=projector, dark=current_theme_is_dark())
    st.html(screen_css(look))
    return look

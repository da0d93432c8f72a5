"""The language the user picked (sidebar, bound to ``?lang=``) and ``t``, the pages' way to get a text."""

from __future__ import annotations

import streamlit as st

from i18n import DEFAULT_LANGUAGE, LANGUAGES, text

LANGUAGE_KEY = "lang"


def current_language() -> str:
    """The language of this run: the sidebar's choice, else the URL's ``lang`` if valid, else English."""
    chosen = st.session_state.get(LANGUAGE_KEY) or st.query_params.get(LANGUAGE_KEY)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, /, **values: object) -> str:
    """The text of ``key`` in the current language (see ``i18n.text``)."""
    return text(key, current_language(), **values)


def language_widget() -> str:
    """The language picker, drawn in the current container and kept in the URL as ``?lang=en|zh``."""
    return st.radio(
        text("language.label", current_language()), tuple(LANGUAGES), format_func=LANGUAGES.get,
        horizontal=True, key=LANGUAGE_KEY, bind="query-params",
    )

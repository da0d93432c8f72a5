"""The language the user picked (sidebar, in the URL as ``?lang=en|zh``) and ``t``, the pages' way to get a text."""

from __future__ import annotations

import streamlit as st

from i18n import DEFAULT_LANGUAGE, LANGUAGES, text
from ui.url_choice import url_choice

LANGUAGE_KEY = "lang"


def current_language() -> str:
    """The language of this run: the picker's value, else the URL's ``lang`` if valid, else English.

    The URL is read too because ``t`` is called before the picker is drawn (the navigation's page titles).
    """
    chosen = st.session_state.get(LANGUAGE_KEY) or st.query_params.get(LANGUAGE_KEY)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, /, **values: object) -> str:
    """The text of ``key`` in the current language (see ``i18n.text``)."""
    return text(key, current_language(), **values)


def language_name(language: str) -> str:
    """A language's own name for itself ("English", "简体中文"), the same whatever language is shown."""
    return text("language.name", language)


def language_widget() -> str:
    """The language picker, drawn in the current container; ``?lang=en|zh`` in the URL.

    Switching keeps every other widget's value: they all have keys, and the choice widgets keep theirs
    in ``ui.url_choice``'s hidden state, not in their translated labels.
    """
    return url_choice(st, "radio", t("language.label"), tuple(LANGUAGES), key=LANGUAGE_KEY,
                      default=DEFAULT_LANGUAGE, format_func=language_name, horizontal=True)

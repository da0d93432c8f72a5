"""Choice widgets whose URL value is the option itself (``?surface=saddle``), whatever language the labels are in.

Streamlit 1.67 writes the *label* of a bound selectbox, radio or segmented control into the URL
(``format_func(option)``: ``?surface=Saddle``), so translated labels would tie every link to the language
it was copied in (measured: an English link opened in Chinese falls back to the defaults). And when the
labels change under a widget (a language switch), the browser sends the old label back on the next
rerun, Streamlit finds it nowhere among the new labels, and the widget falls back to its default
(measured in Chromium; AppTest does not show it).

So a choice is two widgets under one key:

* the *state*: a selectbox of the plain options, bound to the URL and hidden by CSS (``page_setup``
  emits the rule). ``st.session_state[key]`` holds the chosen option, as for an ordinary bound widget;
* the *menu* (key ``menu_key(key)``): the widget the user sees, labels in the current language, not
  bound. Every run sets it from the state before drawing it, so the browser always gets the labels of
  the current language, and its ``on_change`` copies the user's pick back into the state (a stale label
  sent after a language switch is not an option and is ignored).

``aliases`` maps other URL values to options, e.g. the English labels of links made before the URL
carried keys (``?surface=Saddle``): they keep working, and the URL is rewritten to the key in the
first run. Leaving that to a later rerun (assigning the state) made Streamlit send its snapshot of the
whole query string during the user's first interaction; when the user moved a second control before
that rerun ended, the snapshot put the first control's old value back in the address bar (measured in
Chromium: the copied link then opened another view).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TypeVar

import streamlit as st

Option = TypeVar("Option", bound=Hashable)

HIDDEN_PREFIX = "url_state_"  # the keys of the state widgets' containers, hidden by ``ui.page``
WIDGETS = ("selectbox", "radio", "segmented_control")


def menu_key(key: str) -> str:
    """The key of the visible widget of the choice stored under ``key``."""
    return f"{key}_menu"


def _copy_pick(key: str, options: tuple, on_change: Callable[[], None] | None) -> None:
    picked = st.session_state.get(menu_key(key))
    if picked in options and picked != st.session_state.get(key):
        st.session_state[key] = picked
        if on_change is not None:
            on_change()


def url_choice(where, widget: str, label: str, options: Sequence[Option], *, key: str, default: Option,
               format_func: Callable[[Option], str], aliases: Mapping[str, Option] | None = None,
               on_change: Callable[[], None] | None = None, **widget_options) -> Option:
    """Draw the choice in ``where`` (``st``, a column, the sidebar) and return the chosen option.

    ``widget`` is ``"selectbox"``, ``"radio"`` or ``"segmented_control"``; ``widget_options`` go to it
    (``horizontal=True``, ``label_visibility=...``). ``?key=`` in the URL is ``str(option)``.
    ``on_change`` runs when the user picks another option.
    """
    if widget not in WIDGETS:
        raise ValueError(f"url_choice draws one of {', '.join(WIDGETS)}, got {widget!r}")
    options, aliases = tuple(options), dict(aliases or {})
    if default not in options:
        raise ValueError(f"the default {default!r} of {key!r} is not one of its options")
    if key not in st.session_state and st.query_params.get(key) in aliases:
        st.query_params[key] = str(aliases[st.query_params[key]])  # first run: the URL says the key at once
    if st.session_state.get(key) in aliases:
        st.session_state[key] = aliases[st.session_state[key]]
    with where.container(key=f"{HIDDEN_PREFIX}{key}"):
        stored = st.selectbox(key, (*options, *aliases), index=options.index(default), format_func=str,
                              key=key, bind="query-params", label_visibility="collapsed")
    chosen = aliases.get(stored, stored)
    st.session_state[menu_key(key)] = chosen
    if widget == "segmented_control":
        widget_options.setdefault("required", True)
    # The labels of this run's language, fixed now: AppTest calls format_func again outside the run.
    labels = {option: format_func(option) for option in options}
    getattr(where, widget)(label, options, format_func=lambda option: labels.get(option, str(option)),
                           key=menu_key(key), on_change=_copy_pick, args=(key, options, on_change), **widget_options)
    return chosen

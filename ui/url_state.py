"""The shareable URL: warn about values it held that the page could not use, and offer the link to copy.

Every control is a widget bound to the URL (``bind="query-params"``). Streamlit (1.67, measured) seeds a
bound widget from the URL on first load and silently drops a value it cannot use (``lr0=abc``, out of
range, not an option), cleaning the URL. It also drops a *valid* value that equals the widget's
default, since defaults are never kept in the URL. So a parameter that was in the URL when the run
began and is gone after the widgets were drawn was rejected, unless it spelled the default value.
``rejected_parameters`` makes that comparison; ``UrlCheck`` takes the snapshot at the top of a page
and reports at the end, in a slot reserved at the top, with the link to share in the sidebar.

The link is spelled from the widgets, not from ``st.query_params``: a rerun's ``st.query_params`` is the
query string the browser sent with the request, and two quick changes (two key presses on a slider) can
start a run whose widgets hold the second value while its query string still holds the first (measured
in Chromium: the share link said ``lr0=0.015`` under an ``lr0=0.02`` view and address bar).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx
from streamlit.runtime.state import get_session_state

from ui.language import t
from ui.markdown_text import markdown_code


def _spells(raw: str, value: object) -> bool:
    """Whether the URL text ``raw`` stands for ``value`` (so dropping it was only dropping a default)."""
    text = raw.strip()
    if isinstance(value, bool):
        return text.lower() == str(value).lower()
    if isinstance(value, (int, float)):
        try:
            return math.isclose(float(text), float(value), rel_tol=1e-9, abs_tol=1e-12)
        except ValueError:
            return False
    if isinstance(value, (tuple, list)):
        return False
    return text.casefold() == str(value).casefold()


def rejected_parameters(before: Mapping[str, str], after: Mapping[str, str],
                        values: Mapping[str, object], previous: Mapping[str, object] | None = None
                        ) -> list[tuple[str, str]]:
    """``(key, raw)`` of the URL parameters the page's widgets refused, in URL order.

    ``before``/``after``: the query parameters when the run began and after the widgets were drawn;
    ``values``: the widgets' values by key; ``previous``: their values at the end of this session's last
    run. A parameter is refused when a widget with its key exists, the parameter vanished from the URL,
    its text does not spell the widget's (default) value, and the user did not change that widget in this
    run (picking a widget's default also takes its parameter out of the URL: that is no refusal).
    """
    previous = previous or {}
    return [(key, raw) for key, raw in before.items()
            if key in values and key not in after and not _spells(raw, values[key])
            and (key not in previous or previous[key] == values[key])]


SHARED_INSTEAD = "url_shared_instead"
LAST_VALUES = "url_last_values"  # the bound widgets' values at the end of the session's last run


def share_instead(parameter: str, value: str | None) -> None:
    """In this run's share link, spell ``parameter`` as ``value`` (``None``: leave it out), not as its widget does.

    For a box whose text the page cannot use: the link shares what the page shows instead (``ui.sidebar``:
    the last formula that worked), so that a shared link never opens on an error.
    """
    st.session_state.setdefault(SHARED_INSTEAD, {})[parameter] = value


@dataclass
class UrlCheck:
    """Snapshot of the URL at the top of a page; ``finish()`` at the bottom warns and draws the share link."""

    before: dict[str, str]
    warning_slot: object
    link_slot: object

    @classmethod
    def start(cls) -> UrlCheck:
        """Call before any widget: remembers the URL and reserves the places for the warning and the link."""
        st.session_state.pop(SHARED_INSTEAD, None)  # what an earlier run asked for
        return cls(before=st.query_params.to_dict(), warning_slot=st.empty(), link_slot=st.sidebar.empty())

    def finish(self) -> None:
        """Call after every widget: the warning for refused values, and the current view's link."""
        after = st.query_params.to_dict()
        values = {key: st.session_state[key] for key in self.before if key in st.session_state}
        refused = rejected_parameters(self.before, after, values, st.session_state.get(LAST_VALUES))
        st.session_state[LAST_VALUES] = {key: st.session_state[key] for key in after if key in st.session_state}
        if refused:
            listed = ", ".join(markdown_code(f"{key}={raw[:40]}") for key, raw in refused)
            self.warning_slot.warning(t("url.refused", parameters=listed), icon="🔗")
        with self.link_slot.container(key="share_link"):
            st.markdown(f"**{t('url.share')}**")
            st.code(share_link(shared_parameters(view_parameters(after))), language=None, wrap_lines=True)
            st.caption(t("url.share_help"))


def view_parameters(query: Mapping[str, str]) -> dict[str, str | list[str]]:
    """The URL parameters of the view the widgets hold now, as the address bar spells them.

    Every URL-bound widget drawn in this run whose value is not its default, spelled by Streamlit's own
    serializer; ``query`` (this run's ``st.query_params``) gives the order and keeps parameters no widget
    owns. Reads Streamlit's binding registry (1.67, pinned): if that is missing, ``query`` as it is.
    """
    context = get_script_run_ctx()
    try:
        from streamlit.runtime.state.query_params import _coerce_value_for_query_url

        state = get_session_state()._state
        bindings = dict(state.query_params._bindings_by_param)
        metadata = state._new_widget_state.widget_metadata
        drawn = context.shared.widget_ids_this_run
    except (AttributeError, ImportError):
        return dict(query)
    spelled: dict[str, str | list[str]] = {}
    for key, binding in bindings.items():
        widget = metadata.get(binding.widget_id)
        if widget is None or binding.widget_id not in drawn or key not in st.session_state:
            continue
        value = st.session_state[key]
        if value != widget.deserializer(None):
            spelled[key] = _coerce_value_for_query_url(widget.serializer(value), binding.value_type)
    kept = {key: spelled[key] if key in bindings else value for key, value in query.items()
            if key in spelled or key not in bindings}
    return kept | {key: value for key, value in spelled.items() if key not in kept}


def shared_parameters(parameters: Mapping[str, str | list[str]]) -> dict[str, str | list[str]]:
    """``parameters`` with this run's ``share_instead`` requests applied (in place, or appended)."""
    shared = dict(parameters)
    for key, value in st.session_state.get(SHARED_INSTEAD, {}).items():
        if value is None:
            shared.pop(key, None)
        else:
            shared[key] = value
    return shared


def share_link(parameters: Mapping[str, str]) -> str:
    """The address of this view: the page's URL and every parameter that differs from its default."""
    base = st.context.url or ""
    query = urlencode(parameters, doseq=True)
    return f"{base}?{query}" if query else base

"""Turning the core's typed errors into messages on the page, never tracebacks."""

from __future__ import annotations

import streamlit as st

from surfaces.base import Surface
from surfaces.choice import SurfaceChoice, resolve_surface
from surfaces.formula import FormulaError
from ui.language import t
from ui.markdown_text import markdown_literal


def resolved_surface_or_stop(choice: SurfaceChoice) -> Surface:
    """The chosen surface, or a clear message and the end of this run if it cannot be built."""
    try:
        return resolve_surface(choice)
    except FormulaError as error:
        st.error(t("messages.formula", error=markdown_literal(error)), icon="✏️")
    except ValueError as error:
        st.error(t("messages.surface", error=markdown_literal(error)))
    st.stop()

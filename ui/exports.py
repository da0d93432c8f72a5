"""Download buttons for a finished race (offline HTML animation, CSV, JSON) and the charts' PNG camera.

The buttons hand Streamlit a function, not the bytes: the file is made from the figure and the
trajectories the page already holds only when it is clicked (no work on other reruns, and the click
does not rerun the page). PNG needs no button: plotly's own camera in each chart's toolbar saves one,
named and scaled by ``CHART_CONFIG``.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from figures.export import file_stem as safe_file_stem
from figures.export import race_html, trajectories_csv, trajectories_json
from figures.spec import FigureSpec
from optimizers.settings import OptimizerSettings
from optimizers.trajectory import Trajectories
from surfaces.base import Surface
from ui.language import current_language, t

PNG_SCALE = 2  # a chart ~960 px wide on a laptop becomes ~1920 px: sharp on a full-HD slide
CHART_CONFIG = {
    "displaylogo": False,
    "toImageButtonOptions": {"format": "png", "filename": "error-surface-lab", "scale": PNG_SCALE},
}


def chart_config(file_stem: str, **options: object) -> dict:
    """``CHART_CONFIG`` with the PNG named ``<file_stem>.png``, plus any other plotly ``options``
    (``chart_config("himmelblau-race", doubleClick=False)``)."""
    camera = {**CHART_CONFIG["toImageButtonOptions"], "filename": safe_file_stem(file_stem)}
    return {**CHART_CONFIG, "toImageButtonOptions": camera, **options}


def export_buttons(figure: FigureSpec, trajectories: Trajectories, labels: Sequence[str], file_stem: str, *,
                   surface: Surface | None = None, settings: Sequence[OptimizerSettings] | None = None,
                   key: str = "export") -> None:
    """Three download buttons side by side: the animated ``figure`` as an offline web page, and the first
    ``len(labels)`` runs of ``trajectories`` as CSV and as JSON (with ``surface`` and ``settings`` if given).

    Files are named ``<file_stem>.html`` / ``.csv`` / ``.json``; ``key`` prefixes the widgets' keys.
    """
    stem, language = safe_file_stem(file_stem), current_language()
    labels = list(labels)
    title = f"Error Surface Lab: {surface.name}" if surface is not None else "Error Surface Lab"
    downloads = (
        ("html", "text/html", lambda: race_html(figure, title=title, language=language), ":material/movie:"),
        ("csv", "text/csv", lambda: trajectories_csv(trajectories, labels), ":material/table:"),
        ("json", "application/json",
         lambda: trajectories_json(trajectories, labels, surface=surface, settings=settings, language=language),
         ":material/data_object:"),
    )
    for column, (kind, mime, make, icon) in zip(st.columns(len(downloads)), downloads):
        column.download_button(
            t(f"exports.{kind}"), data=make, file_name=f"{stem}.{kind}", mime=mime, key=f"{key}_{kind}",
            help=t(f"exports.{kind}_help"), on_click="ignore", icon=icon, width="stretch",
        )
    st.caption(t("exports.png_hint"))

"""The tour's preview charts: a scene's race on one of its surfaces, cached per scene, surface and look."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from figures.race import race_figure
from figures.runs import run_paths
from figures.style import Look
from scenes.tour import Scene, race_on
from surfaces.choice import SurfaceChoice, resolve_surface
from ui.compute import surface_view
from ui.language import t
from ui.optimizer_panel import rule_name

PREVIEW_HEIGHT = 460


def surface_title(choice: SurfaceChoice) -> str:
    """The surface's name in the current language."""
    return t(f"surfaces.{choice.key}.name")


@st.cache_data(max_entries=32, show_spinner=False)
def _preview(scene: Scene, choice: SurfaceChoice, look: Look, labels: tuple[str, ...]) -> go.Figure:
    race = race_on(choice, scene.optimizers, scene.start, scene.steps)
    return race_figure(surface_view(choice).landscape, run_paths(race, labels, language=look.language), height=PREVIEW_HEIGHT, look=look)


def scene_preview(scene: Scene, choice: SurfaceChoice, look: Look) -> go.Figure:
    """The race map of ``scene``'s optimizers on ``choice``, exactly as the scene opens in the explorer."""
    labels = tuple(f"{slot + 1}. {rule_name(settings.kind)}" + (f" (σ = {settings.noise:g})" if settings.noise else "")
                   + (f" (B = {settings.batch_size})" if settings.batch_size else "")
                   for slot, settings in enumerate(scene.optimizers))
    return _preview(scene, choice, look, labels)

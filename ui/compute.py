"""The pages' scenes, cached per session-independent inputs and bounded in size.

Every cache has ``max_entries``: the keys come from user input (URL, sliders, formulas), so an
unbounded cache would grow with every new value a classroom tries.
"""

from __future__ import annotations

import streamlit as st

from analysis.atlas import Atlas
from optimizers.settings import OptimizerSettings
from scenes import explorer, inspector
from surfaces.choice import SurfaceChoice, resolve_surface
from ui.race_process import RACES


@st.cache_data(max_entries=24, show_spinner=False)
def surface_view(choice: SurfaceChoice) -> explorer.SurfaceView:
    return explorer.surface_view(choice)


# A race holds every step of up to 4 + 32 runs: up to ~2.6 MB at 1,000 steps. 64 entries let the
# cache swing by 140 MB (benchmarks/bench_memory.py), 16 by up to ~40 MB; 8 keep it under ~21 MB and
# still serve a student's back-and-forth between a few slider positions.
#
# On a server (``app.py``'s st.App) the races run in a second process (``ui.race_process``), which the
# first race asks for: it starts a few seconds later, after the first visitor's page has drawn, so that its
# imports do not slow that page. Elsewhere (AppTest, scripts) they run here.
RACE_PROCESS_DELAY = 5.0


@st.cache_data(max_entries=8, show_spinner=False)
def race(choice: SurfaceChoice, start: tuple[float, float], settings: tuple[OptimizerSettings, ...],
         steps: int, sweep_slot: int) -> explorer.Race:
    RACES.start_soon(RACE_PROCESS_DELAY)
    return RACES.race(choice, start, settings, steps, sweep_slot)


@st.cache_data(max_entries=24, show_spinner=False)
def critical_atlas(choice: SurfaceChoice) -> Atlas:
    """The surface's critical points (0.02-0.2 s for a built-in surface), once per surface."""
    return inspector.critical_atlas(resolve_surface(choice))

"""The pages' scenes, cached per session-independent inputs and bounded in size.

Every cache has ``max_entries``: the keys come from user input (URL, sliders, formulas), so an
unbounded cache would grow with every new value a classroom tries.
"""

from __future__ import annotations

import logging
from concurrent.futures.process import BrokenProcessPool

import streamlit as st

from analysis.atlas import Atlas
from optimizers.settings import OptimizerSettings
from scenes import explorer, inspector
from surfaces.choice import SurfaceChoice, resolve_surface
from workers import POOL

_LOG = logging.getLogger(__name__)


@st.cache_data(max_entries=24, show_spinner=False)
def surface_view(choice: SurfaceChoice) -> explorer.SurfaceView:
    return explorer.surface_view(choice)


# A race holds every step of up to 4 + 32 runs: up to ~2.6 MB at 1,000 steps. 64 entries let the
# cache swing by 140 MB (benchmarks/bench_memory.py), 16 by up to ~40 MB; 8 keep it under ~21 MB and
# still serve a student's back-and-forth between a few slider positions.
#
# On a server (``app.py``'s st.App) the races run in the worker processes of ``workers.POOL``, so that
# a classroom uses both cores; elsewhere (AppTest, scripts), in the server's first seconds while the
# workers import, and while every worker is busy (trainings: a race must not queue behind them), they
# run here. Two sessions asking for the same race at once share one job.
RACE_TIMEOUT = 60.0


@st.cache_data(max_entries=8, show_spinner=False)
def race(choice: SurfaceChoice, start: tuple[float, float], settings: tuple[OptimizerSettings, ...],
         steps: int, sweep_slot: int) -> explorer.Race:
    args = (choice, start, settings, steps, sweep_slot)
    if POOL.busy:
        return explorer.race(*args)
    try:
        return POOL.run(explorer.race, *args, timeout=RACE_TIMEOUT, key=args)
    except (TimeoutError, BrokenProcessPool) as problem:  # a failing worker never fails a page
        _LOG.warning("the workers could not compute a race (%r); computing it here", problem)
        return explorer.race(*args)


@st.cache_data(max_entries=24, show_spinner=False)
def critical_atlas(choice: SurfaceChoice) -> Atlas:
    """The surface's critical points (0.02-0.2 s for a built-in surface), once per surface."""
    return inspector.critical_atlas(resolve_surface(choice))

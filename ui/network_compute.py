"""The real-network experiment for the page, cached per settings and bounded in size.

The keys come from the page's widgets (runs, hidden width, seed, training steps, the run to slice),
so the caches have ``max_entries``: a classroom trying many seeds must not grow them without end.
"""

from __future__ import annotations

import streamlit as st

from analysis.loss_slice import LossSlice, loss_slice
from analysis.minimum_ratio import Experiment, ExperimentSettings, run_experiment


@st.cache_data(max_entries=16, show_spinner=False)
def network_experiment(settings: ExperimentSettings) -> Experiment:
    """Train ``settings.runs`` small networks, find their critical points and read the Hessians (1-3 s)."""
    return run_experiment(settings)


@st.cache_data(max_entries=64, show_spinner=False)
def network_slice(settings: ExperimentSettings, run: int) -> LossSlice:
    """The loss on the plane of the extreme eigenvectors through run ``run``'s end point (0-based)."""
    return loss_slice(network_experiment(settings), run)

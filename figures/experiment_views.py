"""The figures of each experiment (``figures.experiment_<name>``), found by the experiment's name."""

from __future__ import annotations

import importlib
from types import ModuleType

import plotly.graph_objects as go

from experiments.registry import NAMES
from figures.style import Look


def figure_module(name: str) -> ModuleType:
    if name not in NAMES:
        raise ValueError(f"unknown experiment {name!r}; choose one of {', '.join(NAMES)}")
    return importlib.import_module(f".experiment_{name}", package="figures")


def figure_views(name: str) -> tuple[str, ...]:
    """The experiment's figures, its main one first."""
    return tuple(figure_module(name).VIEWS)


def experiment_figure(name: str, result: dict, view: str | None, *, look: Look = Look(), height: int = 520) -> go.Figure:
    """Figure ``view`` (None: the main one) of experiment ``name`` drawn from ``result``."""
    return figure_module(name).experiment_figure(result, view or figure_views(name)[0], look=look, height=height)

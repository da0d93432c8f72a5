"""MSE against cross-entropy: each loss as the share of its initial value, the training accuracy, the η grid."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from figures.curves import positive_or_gap
from figures.seed_bands import seed_band
from figures.style import Look, dress, run_colour

VIEWS = ("curves", "grid")
KEY = "exp.mse_vs_cross_entropy"
DASHES = {"gd": "solid", "adam": "dash"}


def _name(look: Look, arm: str, lr: float) -> str:
    return f"{look.text(f'{KEY}.arms.{arm}')} (η = {lr:g})"


def _curves(result: dict, look: Look, height: int) -> go.Figure:
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    for index, (arm, _, _, _) in enumerate(result["arms"]):
        runs, colour = result["runs"][arm], run_colour(index)
        name = _name(look, arm, runs["lr"])
        shares = [(np.asarray(losses) / losses[0]).tolist() for losses in runs["loss"]]
        for trace in seed_band(shares, colour, name, look):
            figure.add_trace(trace, row=1, col=1)
        for trace in seed_band(runs["accuracy"], colour, name, look, log=False, showlegend=False):
            figure.add_trace(trace, row=2, col=1)
    figure.add_hline(y=1 - result["plateau_drop"], line={"color": look.palette.ink, "dash": "dot",
                                                          "width": look.line(1)}, row=1, col=1)
    figure.update_yaxes(type="log", exponentformat="power", title_text=look.text(f"{KEY}.axes.loss_share"), row=1, col=1)
    figure.update_yaxes(title_text=look.text(f"{KEY}.axes.accuracy"), range=[0, 1.02], row=2, col=1)
    figure.update_xaxes(title_text=look.text(f"{KEY}.axes.update"), row=2, col=1)
    return _layout(figure, look, height)


def _grid(result: dict, look: Look, height: int) -> go.Figure:
    figure = go.Figure()
    for index, (arm, _, _, source) in enumerate(result["arms"]):
        if arm != source:
            continue
        tuning = result["tuning"][arm]
        figure.add_trace(go.Scatter(x=tuning["rates"], y=positive_or_gap(np.asarray(tuning["final_loss"]) / tuning["initial_loss"]),
                                    mode="lines+markers", name=look.text(f"{KEY}.arms.{arm}"),
                                    line={"color": run_colour(index), "width": look.line(2)},
                                    marker={"size": look.marker(7)}))
    figure.update_xaxes(type="log", exponentformat="power", title_text="η")
    figure.update_yaxes(type="log", exponentformat="power", title_text=look.text(f"{KEY}.axes.final_share"))
    return _layout(figure, look, height)


def _layout(figure: go.Figure, look: Look, height: int) -> go.Figure:
    figure.update_layout(height=height, margin=look.margin(l=70, r=10, t=10, b=50), hovermode="closest",
                         legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0})
    return dress(figure, look)


def experiment_figure(result: dict, view: str, *, look: Look = Look(), height: int = 520) -> go.Figure:
    """The ``view`` of ``VIEWS`` drawn from the experiment's result."""
    builders = {"curves": _curves, "grid": _grid}
    if view not in builders:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    return builders[view](result, look, height)

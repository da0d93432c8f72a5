"""The momentum and adaptive-rates experiment: loss and ‖g‖ per optimizer, gradient descent's stall probed, the η grid."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from figures.curves import positive_or_gap
from figures.seed_bands import seed_band
from figures.style import Look, dress, run_colour

VIEWS = ("curves", "probe", "grid")
KEY = "exp.momentum_adaptive"


def _name(look: Look, kind: str) -> str:
    return look.text(f"{KEY}.optimizers.{kind}")


def _curves(result: dict, look: Look, height: int) -> go.Figure:
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    for index, kind in enumerate(result["optimizers"]):
        runs, colour = result["runs"][kind], run_colour(index)
        name = f"{_name(look, kind)} (η = {result['learning_rate'][kind]:g})"
        for trace in seed_band(runs["loss"], colour, name, look):
            figure.add_trace(trace, row=1, col=1)
        for trace in seed_band(runs["gradient_norm"], colour, name, look, showlegend=False):
            figure.add_trace(trace, row=2, col=1)
    figure.update_yaxes(type="log", exponentformat="power", title_text=look.text(f"{KEY}.axes.loss"), row=1, col=1)
    figure.update_yaxes(type="log", exponentformat="power", title_text="‖g‖", row=2, col=1)
    figure.update_xaxes(title_text=look.text(f"{KEY}.axes.update"), row=2, col=1)
    return _layout(figure, look, height)


def _probe(result: dict, look: Look, height: int) -> go.Figure:
    """The first seed's gradient-descent run, its least efficient window shaded and replayed step by step."""
    runs, probe = result["runs"]["gd"], result["runs"]["gd"]["probes"][0]
    window = result["settings"]["window"]
    start = probe["start"]
    figure = make_subplots(rows=3, cols=1, vertical_spacing=0.1, row_heights=[0.4, 0.3, 0.3])
    colour, ink = run_colour(0), look.palette.ink
    loss, norm = np.asarray(runs["loss"][0]), np.asarray(runs["gradient_norm"][0])
    figure.add_trace(go.Scatter(x=np.arange(len(loss)), y=positive_or_gap(loss), name=look.text(f"{KEY}.axes.loss"),
                                line={"color": colour, "width": look.line(2)}), row=1, col=1)
    figure.add_trace(go.Scatter(x=np.arange(len(norm)), y=positive_or_gap(norm), name="‖g‖", yaxis="y4",
                                line={"color": ink, "width": look.line(1.2), "dash": "dot"}), row=1, col=1)
    figure.add_vrect(x0=start, x1=start + window, fillcolor=colour, opacity=0.15, line_width=0, row=1, col=1)
    steps = list(range(start, start + window))
    figure.add_trace(go.Bar(x=steps[:-1], y=probe["cosines"], marker_color=colour, showlegend=False,
                            name=look.text(f"{KEY}.axes.cosine")), row=2, col=1)
    figure.add_trace(go.Bar(x=steps, y=probe["along_top"], marker_color=ink, showlegend=False,
                            name=look.text(f"{KEY}.axes.along_top")), row=3, col=1)
    figure.update_yaxes(type="log", exponentformat="power", title_text=look.text(f"{KEY}.axes.loss"), row=1, col=1)
    figure.update_layout(yaxis4={"overlaying": "y", "side": "right", "type": "log", "exponentformat": "power",
                                 "title": {"text": "‖g‖"}, "showgrid": False})
    figure.update_yaxes(title_text=look.text(f"{KEY}.axes.cosine"), range=[-1.05, 1.05], row=2, col=1)
    figure.update_yaxes(title_text=look.text(f"{KEY}.axes.along_top"), row=3, col=1)
    figure.update_xaxes(title_text=look.text(f"{KEY}.axes.update"), row=3, col=1)
    return _layout(figure, look, height)


def _grid(result: dict, look: Look, height: int) -> go.Figure:
    figure = go.Figure()
    for index, kind in enumerate(result["optimizers"]):
        tuning = result["tuning"][kind]
        figure.add_trace(go.Scatter(x=tuning["rates"], y=positive_or_gap(tuning["final_loss"]), mode="lines+markers",
                                    name=_name(look, kind), line={"color": run_colour(index), "width": look.line(2)},
                                    marker={"size": look.marker(7)}))
        figure.add_trace(go.Scatter(x=[result["learning_rate"][kind]],
                                    y=[min(tuning["final_loss"])], mode="markers", showlegend=False,
                                    marker={"size": look.marker(14), "symbol": "circle-open",
                                            "color": run_colour(index), "line": {"width": look.line(2)}}))
    figure.update_xaxes(type="log", exponentformat="power", title_text="η")
    figure.update_yaxes(type="log", exponentformat="power", title_text=look.text(f"{KEY}.axes.final_loss"))
    return _layout(figure, look, height)


def _layout(figure: go.Figure, look: Look, height: int) -> go.Figure:
    figure.update_layout(height=height, margin=look.margin(l=70, r=60, t=10, b=50), hovermode="closest",
                         legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0})
    return dress(figure, look)


def experiment_figure(result: dict, view: str, *, look: Look = Look(), height: int = 520) -> go.Figure:
    """The ``view`` of ``VIEWS`` drawn from the experiment's result."""
    builders = {"curves": _curves, "probe": _probe, "grid": _grid}
    if view not in builders:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    return builders[view](result, look, height)

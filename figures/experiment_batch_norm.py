"""The BatchNorm experiment's figures: learning rates, smoothness along the step, the step's slice, sharpness,
the spectrum and the two modes, from a result of :func:`experiments.batch_norm.run`.

The network without BatchNorm is drawn in the first run colour, with it in the second. A mean over seeds is a
marker with its 95 % Student-t interval as an error bar, or a line with the seeds' range (lowest to highest) as a
band: curves on log axes, where an interval reaching below zero could not be drawn.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from experiments.statistics import mean_interval
from figures.curves import positive_or_gap
from figures.style import Look, dress, run_colour

VIEWS = ("learning_rates", "smoothness", "slice", "sharpness", "spectrum", "modes")
ARMS = ("plain", "batch_norm")
PREFIX = "exp.batch_norm.figure."
EPOCH_SCALE = "Viridis"


def _colour(arm: str) -> str:
    return run_colour(ARMS.index(arm))


def _columns(rows: list[list[float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, low and high of each column of (seeds, points) over the seeds (NaN where none is finite)."""
    intervals = [mean_interval(column) for column in np.asarray(rows, dtype=float).T]
    return (np.array([interval.mean for interval in intervals]), np.array([interval.low for interval in intervals]),
            np.array([interval.high for interval in intervals]))


def _band(figure: go.Figure, x, rows, colour: str, name: str, look: Look, *, row: int = 1, col: int = 1,
          dash: str = "solid", log: bool = False, showlegend: bool = True, group: str = "") -> None:
    """The mean over seeds as a line, the seeds' range as a shaded band behind it."""
    values = np.asarray(rows, dtype=float)
    mean = _columns(rows)[0]
    clean = positive_or_gap if log else (lambda column: column)
    x = list(x)
    if len(rows) > 1:
        low, high = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
        figure.add_trace(go.Scatter(x=x + x[::-1], y=list(clean(high)) + list(clean(low))[::-1], fill="toself",
                                    mode="lines", fillcolor=colour, opacity=0.18, line={"width": 0},
                                    hoverinfo="skip", showlegend=False, legendgroup=group or name), row=row, col=col)
    figure.add_trace(go.Scatter(x=x, y=clean(mean), mode="lines+markers", name=name, showlegend=showlegend,
                                legendgroup=group or name, line={"color": colour, "width": look.line(2), "dash": dash},
                                marker={"size": look.marker(5)}), row=row, col=col)


def _one_two_five(values: np.ndarray) -> list[float]:
    """Ticks 1, 2, 5 × 10^k over the decades that ``values`` (positive) reach."""
    if values.size == 0:
        return []
    low, high = int(np.floor(np.log10(values.min()))), int(np.ceil(np.log10(values.max())))
    return [digit * 10.0**power for power in range(low, high + 1) for digit in (1, 2, 5)
            if digit * 10.0**power <= 10.0**high]


def _learning_rates(result: dict, look: Look) -> go.Figure:
    figure = go.Figure()
    grid = result["learning_rates"]
    for arm in ARMS:
        mean, low, high = _columns(np.asarray(grid[arm]["validation_accuracy"]).T.tolist())
        diverged = [any(step is not None for step in steps) for steps in grid[arm]["diverged_at"]]
        figure.add_trace(go.Scatter(
            x=grid["rates"], y=mean, mode="lines+markers", name=look.text(f"exp.batch_norm.arms.{arm}"),
            error_y={"type": "data", "array": high - mean, "arrayminus": mean - low, "visible": True},
            line={"color": _colour(arm), "width": look.line(2)},
            marker={"size": look.marker(9), "symbol": ["x" if flag else "circle" for flag in diverged]}))
    figure.add_hline(y=result["settings"]["working_accuracy"], line={"color": look.palette.ink, "dash": "dot",
                                                                    "width": look.line(1.2)})
    figure.update_xaxes(type="log", title_text=look.text(PREFIX + "learning_rate"))
    figure.update_yaxes(range=[0, 1.02], title_text=look.text(PREFIX + "validation_accuracy"))
    return figure


def _smoothness(result: dict, look: Look) -> go.Figure:
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    updates = result["snapshot_updates"]
    for arm in ARMS:
        name = look.text(f"exp.batch_norm.arms.{arm}")
        _band(figure, updates, result["smoothness"][arm]["loss_variation"], _colour(arm), name, look, log=True)
        _band(figure, updates, result["smoothness"][arm]["beta"], _colour(arm), name, look, row=2, log=True,
              showlegend=False)
    figure.update_yaxes(type="log", exponentformat="power", title_text=look.text(PREFIX + "loss_variation"), row=1)
    # β spans about two decades: plotly's default labels every digit in them, which overlap
    beta = np.asarray([result["smoothness"][arm]["beta"] for arm in ARMS], dtype=float)
    ticks = _one_two_five(beta[np.isfinite(beta) & (beta > 0)])
    figure.update_yaxes(type="log", tickvals=ticks, ticktext=[f"{tick:g}" for tick in ticks],
                        title_text=look.text(PREFIX + "beta"), row=2)
    figure.update_xaxes(title_text=look.text(PREFIX + "update"), row=2)
    return figure


def _slice(result: dict, look: Look) -> go.Figure:
    """L_B(θ − s g) against s at the sharpness epochs: one panel per network, one line per epoch (mean of seeds)."""
    figure = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                           subplot_titles=[look.text(f"exp.batch_norm.arms.{arm}") for arm in ARMS])
    steps = result["smoothness"]["step_sizes"]
    per_epoch = result["settings"]["snapshots_per_epoch"]
    last = len(result["snapshot_updates"]) - 1
    epochs = result["sharpness"]["epochs"]
    colours = sample_colorscale(EPOCH_SCALE, list(np.linspace(0, 0.9, len(epochs))))  # early dark, late light
    for column, arm in enumerate(ARMS, start=1):
        for index, epoch in enumerate(epochs):
            snapshot = min(epoch * per_epoch, last)
            rows = [seed_rows[snapshot] for seed_rows in result["smoothness"][arm]["step_loss"]]
            _band(figure, steps, rows, colours[index], look.text(PREFIX + "epoch", epoch=epoch), look,
                  col=column, log=True, showlegend=column == 1, group=str(epoch))
    figure.update_yaxes(type="log", exponentformat="power", title_text=look.text(PREFIX + "batch_loss"), col=1)
    figure.update_xaxes(title_text=look.text(PREFIX + "step"))
    figure.update_layout(legend={"orientation": "v", "x": 1.02, "y": 1, "yanchor": "top"})
    return figure


def _sharpness(result: dict, look: Look) -> go.Figure:
    figure = go.Figure()
    epochs = result["sharpness"]["epochs"]
    for arm in ARMS:
        modes = ("training", "evaluation") if arm == "batch_norm" else ("training",)
        for mode in modes:
            mean, low, high = _columns(result["sharpness"][arm][mode])
            name = look.text(f"exp.batch_norm.arms.{arm}")
            if arm == "batch_norm":
                name += f" ({look.text(PREFIX + mode)})"
            figure.add_trace(go.Scatter(
                x=epochs, y=mean, mode="lines+markers", name=name,
                error_y={"type": "data", "array": high - mean, "arrayminus": mean - low, "visible": True},
                line={"color": _colour(arm), "width": look.line(2), "dash": "solid" if mode == "training" else "dash"},
                marker={"size": look.marker(7)}))
    figure.add_hline(y=2 / result["settings"]["curvature_lr"], line={"color": look.palette.ink, "dash": "dot",
                                                                     "width": look.line(1.2)},
                     annotation_text=look.text(PREFIX + "edge", lr=f"{result['settings']['curvature_lr']:g}"))
    figure.update_xaxes(title_text=look.text(PREFIX + "epochs"))
    figure.update_yaxes(rangemode="tozero", title_text=look.text(PREFIX + "sharpness"))
    return figure


def _spectrum(result: dict, look: Look) -> go.Figure:
    epochs = result["spectrum"]["epochs"]
    figure = make_subplots(rows=1, cols=len(epochs), horizontal_spacing=0.05,
                           subplot_titles=[look.text(PREFIX + "epoch", epoch=epoch) for epoch in epochs])
    for arm in ARMS:
        for column, density in enumerate(result["spectrum"][arm], start=1):
            figure.add_trace(go.Scatter(
                x=density["grid"], y=positive_or_gap(np.maximum(density["density"], 1e-8)), mode="lines",
                name=look.text(f"exp.batch_norm.arms.{arm}"), showlegend=column == 1, legendgroup=arm,
                line={"color": _colour(arm), "width": look.line(1.6)}), row=1, col=column)
    figure.update_yaxes(type="log", exponentformat="power", range=[-6, None])
    figure.update_yaxes(title_text=look.text(PREFIX + "density"), col=1)
    figure.update_xaxes(title_text=look.text(PREFIX + "eigenvalue"))
    return figure


def _modes(result: dict, look: Look) -> go.Figure:
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    updates = result["snapshot_updates"]
    for index, mode in enumerate(("evaluation", "training")):
        colour, dash = run_colour(1), ("solid", "dash")[index]
        name = look.text(PREFIX + mode)
        _band(figure, updates, result["modes"][f"{mode}_loss"], colour, name, look, dash=dash, log=True, group=mode)
        _band(figure, updates, result["modes"][f"{mode}_accuracy"], colour, name, look, row=2, dash=dash,
              showlegend=False, group=mode)
    figure.update_yaxes(type="log", exponentformat="power", title_text=look.text(PREFIX + "validation_loss"), row=1)
    figure.update_yaxes(range=[0, 1.02], title_text=look.text(PREFIX + "validation_accuracy"), row=2)
    figure.update_xaxes(title_text=look.text(PREFIX + "update"), row=2)
    return figure


BUILDERS = {"learning_rates": _learning_rates, "smoothness": _smoothness, "slice": _slice, "sharpness": _sharpness,
            "spectrum": _spectrum, "modes": _modes}


def experiment_figure(result: dict, view: str, *, look: Look = Look(), height: int = 520) -> go.Figure:
    """The figure of ``view`` (one of ``VIEWS``) for a result of the BatchNorm experiment."""
    if view not in BUILDERS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    figure = BUILDERS[view](result, look)
    if figure.layout.legend.orientation is None:
        figure.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.04, "x": 0})
    figure.update_layout(height=height, margin=look.margin(l=75, r=15, t=45, b=55), hovermode="closest",
                         legend={"bgcolor": look.palette.legend_background})
    return dress(figure, look)

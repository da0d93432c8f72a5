"""The edge of stability's figures: λ_max·η/2 (1 is 2/η), λ_max against 2/η, and the full-batch loss.

One colour per η; each curve is the mean over seeds with its 95 % band (``figures.seed_bands``).
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from figures.seed_bands import band_traces
from figures.style import Look, dress, run_colour, subsample

VIEWS = ("ratio", "sharpness", "loss")
LOSS_POINTS = 500      # points of the whole loss curve (the figure stays small)


def _runs_by_rate(result: dict) -> list[tuple[float, list[dict]]]:
    return [(rate, [entry for entry in result["runs"] if entry["learning_rate"] == rate])
            for rate in result["settings"]["learning_rates"]]


def _padded(rows: list[list[float]]) -> np.ndarray:
    """Equal-length rows, NaN after a run that stopped early (diverged)."""
    length = max(len(row) for row in rows)
    return np.array([list(row) + [np.nan] * (length - len(row)) for row in rows], dtype=float)


def experiment_figure(result: dict, view: str, *, look: Look = Look(), height: int = 520) -> go.Figure:
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    if view == "loss":
        return _loss_figure(result, look, height)
    figure = go.Figure()
    for index, (rate, runs) in enumerate(_runs_by_rate(result)):
        colour, name = run_colour(index), f"η = {rate:g}"
        updates = max((entry["sharpness_updates"] for entry in runs), key=len)
        values = _padded([entry["sharpness"] for entry in runs])
        if view == "ratio":
            values = values * rate / 2
        figure.add_traces(band_traces(updates, values, colour, name, look, hover="%{y:.3f}"))
        if view == "sharpness":
            figure.add_hline(y=2 / rate, line={"color": colour, "dash": "dash", "width": look.line(1.5)},
                             annotation_text=f"2/η = {2 / rate:.3g}", annotation_font_color=colour)
    if view == "ratio":
        figure.add_hline(y=1.0, line={"color": look.palette.ink, "dash": "dash", "width": look.line(1.5)},
                         annotation_text=look.text("exp.edge_of_stability.figure.edge"))
    title = "exp.edge_of_stability.figure." + ("ratio" if view == "ratio" else "sharpness")
    figure.update_yaxes(title_text=look.text(title), rangemode="tozero")
    figure.update_xaxes(title_text=look.text("exp.edge_of_stability.figure.update"))
    figure.update_layout(height=height, margin=look.margin(l=70, r=20, t=30, b=50), hovermode="x unified",
                         legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0})
    return dress(figure, look)


def _loss_figure(result: dict, look: Look, height: int) -> go.Figure:
    """The whole run (mean over seeds, subsampled) and its late part update by update (the first seed's): the
    mean and the subsampling would smooth away the ups and downs at the edge."""
    late = int(result["settings"]["late_from"] * result["settings"]["updates"])
    figure = make_subplots(rows=1, cols=2, column_widths=[0.5, 0.5], horizontal_spacing=0.1,
                           subplot_titles=(look.text("exp.edge_of_stability.figure.whole"),
                                           look.text("exp.edge_of_stability.figure.zoom", late=late)))
    for index, (rate, runs) in enumerate(_runs_by_rate(result)):
        colour, name = run_colour(index), f"η = {rate:g}"
        losses = _padded([entry["loss"] for entry in runs])
        kept = subsample(losses.shape[1], LOSS_POINTS)
        for trace in band_traces(kept + 1, losses[:, kept], colour, name, look, log_axis=True):
            figure.add_trace(trace, row=1, col=1)
        first = np.asarray(runs[0]["loss"], dtype=float)
        tail = np.arange(min(late, len(first)), len(first))
        figure.add_trace(go.Scatter(x=tail + 1, y=first[tail], mode="lines", name=name, legendgroup=name,
                                    showlegend=False, line={"color": colour, "width": look.line(1)},
                                    hovertemplate=f"{name}: %{{y:.5g}}<extra></extra>"), row=1, col=2)
    figure.update_yaxes(type="log", exponentformat="power", title_text=look.text("exp.edge_of_stability.figure.loss"),
                        row=1, col=1)
    figure.update_yaxes(type="log", exponentformat="power", row=1, col=2)
    figure.update_xaxes(title_text=look.text("exp.edge_of_stability.figure.update"))
    figure.update_layout(height=height, margin=look.margin(l=70, r=20, t=40, b=50), hovermode="closest",
                         legend={"orientation": "h", "y": 1.08, "yanchor": "bottom", "x": 0})
    return dress(figure, look)

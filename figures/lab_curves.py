"""The Network Lab's training curves: loss and accuracy per update, and ‖g‖ with the sharpness against 2/η.

Every run is drawn in its optimizer's colour. The x axis is the update (one optimizer step), so runs
with different batch sizes are compared per step; the epochs are marked on the per-epoch curves.
The mini-batch loss of every update is drawn faintly behind the per-epoch losses on the whole
training and validation sets (evaluation mode). A click anywhere on a panel picks that update.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from figures.curves import positive_or_gap
from figures.style import Look, dress, run_colour, subsample
from networks.training import TrainingRun

UPDATE_BUDGET = 600  # points per per-update trace: enough for the eye, a small figure
CHOSEN_SYMBOL = "x-thin"


def _finite(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values), values, np.nan)


def _chosen_marker(figure: go.Figure, update: int, look: Look, rows: int) -> None:
    for row in range(1, rows + 1):
        figure.add_vline(x=update, line={"color": look.palette.ink, "dash": "dot", "width": look.line(1.2)},
                         row=row, col=1)


def training_curves_figure(runs: Sequence[TrainingRun], labels: Sequence[str], *, chosen_update: int | None = None,
                           classification: bool = True, height: int = 560, look: Look = Look()) -> go.Figure:
    """Loss (log axis, top) and accuracy (bottom; the loss again for regression) against the update.

    Per run: the mini-batch loss of each update (thin, faint), the training loss at the end of each epoch
    (solid, markers) and the validation loss (dashed). ``chosen_update`` draws a dotted line where the
    Hessian is being inspected.
    """
    rows = 2 if classification else 1
    figure = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                           row_heights=[0.62, 0.38] if rows == 2 else None)
    for index, (run, label) in enumerate(zip(runs, labels, strict=True)):
        colour = run_colour(index)
        kept = subsample(len(run.update_loss), UPDATE_BUDGET)
        figure.add_trace(go.Scatter(
            x=kept + 1, y=positive_or_gap(run.update_loss[kept]), mode="lines", name=look.text("lab.figures.batch_loss", run=label),
            line={"color": colour, "width": look.line(0.8)}, opacity=0.35, legendgroup=str(index), showlegend=False,
            hovertemplate=look.text("lab.figures.batch_loss_hover", update="%{x}", value="%{y:.4g}") + "<extra></extra>"), row=1, col=1)
        epochs = run.epoch_updates
        for values, dash, key in ((run.train_loss, "solid", "lab.figures.train"),
                                  (run.validation_loss, "dash", "lab.figures.validation")):
            figure.add_trace(go.Scatter(
                x=epochs, y=positive_or_gap(values), mode="lines+markers", name=f"{label}: {look.text(key)}",
                line={"color": colour, "width": look.line(2), "dash": dash}, marker={"size": look.marker(4)},
                legendgroup=str(index), hovertemplate=look.text("lab.figures.epoch_hover", update="%{x}", value="%{y:.4g}") + "<extra></extra>"),
                row=1, col=1)
        if classification:
            for values, dash, key in ((run.train_accuracy, "solid", "lab.figures.train"),
                                      (run.validation_accuracy, "dash", "lab.figures.validation")):
                figure.add_trace(go.Scatter(
                    x=epochs, y=_finite(values), mode="lines+markers", showlegend=False,
                    name=f"{label}: {look.text(key)}", line={"color": colour, "width": look.line(2), "dash": dash},
                    marker={"size": look.marker(4)}, legendgroup=str(index),
                    hovertemplate=look.text("lab.figures.accuracy_hover", update="%{x}", value="%{y:.3f}") + "<extra></extra>"), row=2, col=1)
        if run.diverged_at is not None:
            figure.add_vline(x=run.diverged_at, line={"color": colour, "dash": "dot", "width": look.line(2)},
                             row=1, col=1, annotation_text=look.text("lab.figures.diverged"),
                             annotation_font_color=colour)
    if chosen_update is not None:
        _chosen_marker(figure, chosen_update, look, rows)
    figure.update_yaxes(type="log", exponentformat="power", title_text=look.text("lab.figures.loss"), row=1, col=1)
    if classification:
        figure.update_yaxes(title_text=look.text("lab.figures.accuracy"), range=[0, 1.02], row=2, col=1)
    figure.update_xaxes(title_text=look.text("lab.figures.update"), row=rows, col=1)
    figure.update_layout(height=height, margin=look.margin(l=70, r=10, t=10, b=50), hovermode="closest",
                         legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0},
                         uirevision="lab-curves")
    return dress(figure, look)


def gradient_figure(runs: Sequence[TrainingRun], labels: Sequence[str],
                    sharpness: Sequence[tuple[np.ndarray, np.ndarray] | None], limits: Sequence[np.ndarray | None],
                    *, chosen_update: int | None = None, height: int = 420, look: Look = Look()) -> go.Figure:
    """‖g‖ of every update's mini-batch gradient (top) and the sharpness λ_max with its stability limit (bottom).

    ``sharpness[i]`` is run i's (updates, λ_max) or None while it is being computed; ``limits[i]`` the
    largest curvature its rule is stable on at each update (``scenes.network_lab.stability_limit``: 2/η for
    gradient descent), or None for a rule that has none (the adaptive ones), dashed.
    """
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.1)
    for index, (run, label) in enumerate(zip(runs, labels, strict=True)):
        colour = run_colour(index)
        kept = subsample(len(run.gradient_norm), UPDATE_BUDGET)
        figure.add_trace(go.Scatter(x=kept + 1, y=positive_or_gap(run.gradient_norm[kept]), mode="lines", name=label,
                                    line={"color": colour, "width": look.line(1.2)}, legendgroup=str(index),
                                    hovertemplate=look.text("lab.figures.gradient_hover", update="%{x}", value="%{y:.4g}") + "<extra></extra>"),
                         row=1, col=1)
        if limits[index] is not None:
            figure.add_trace(go.Scatter(x=kept + 1, y=positive_or_gap(limits[index][kept]), mode="lines",
                                        name=f"{label}: {look.text('lab.figures.limit')}",
                                        line={"color": colour, "width": look.line(1.2), "dash": "dash"},
                                        legendgroup=str(index), showlegend=False,
                                        hovertemplate=look.text("lab.figures.limit_hover", value="%{y:.4g}") + "<extra></extra>"),
                             row=2, col=1)
        if sharpness[index] is not None:
            updates, values = sharpness[index]
            figure.add_trace(go.Scatter(x=updates, y=positive_or_gap(values), mode="lines+markers", name=f"{label}: λ_max",
                                        line={"color": colour, "width": look.line(2)}, marker={"size": look.marker(6)},
                                        legendgroup=str(index), showlegend=False,
                                        hovertemplate="λ<sub>max</sub> = %{y:.4g}<extra></extra>"), row=2, col=1)
    if chosen_update is not None:
        _chosen_marker(figure, chosen_update, look, 2)
    figure.update_yaxes(type="log", exponentformat="power", title_text="‖g‖", row=1, col=1)
    figure.update_yaxes(type="log", exponentformat="power", title_text=look.text("lab.figures.sharpness"), row=2, col=1)
    figure.update_xaxes(title_text=look.text("lab.figures.update"), row=2, col=1)
    figure.update_layout(height=height, margin=look.margin(l=70, r=10, t=10, b=50), hovermode="closest",
                         legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0}, uirevision="lab-gradient")
    return dress(figure, look)

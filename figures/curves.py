"""Training curves beside the race: loss, gradient norm, learning rate and per-parameter step.

The lecture's warning: when the loss stalls, check whether ‖g‖ is really small before blaming a
critical point. The per-parameter step η/σ shows what the adaptive methods do with each axis.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from figures.style import Look, dress, run_colour
from optimizers.trajectory import Trajectories

PANEL_KEYS = ("figures.curves.loss", "figures.curves.gradient_norm", "figures.curves.learning_rate",
              "figures.curves.step_size")


def _positive_or_gap(values: np.ndarray) -> np.ndarray:
    """Values for a log axis: non-positive entries become gaps instead of errors."""
    return np.where(values > 0, values, np.nan)


def curves_figure(trajectories: Trajectories, labels: Sequence[str], *, height: int = 520,
                  look: Look = Look()) -> go.Figure:
    """A 2 × 2 grid of curves for the first ``len(labels)`` runs, each in its race colour."""
    figure = make_subplots(rows=2, cols=2, subplot_titles=[look.text(key) for key in PANEL_KEYS],
                           horizontal_spacing=0.1, vertical_spacing=0.16 * look.font_scale)
    all_positive = True
    for run, label in enumerate(labels):
        length = int(trajectories.lengths[run])
        colour = run_colour(run)
        steps = np.arange(length)
        loss = trajectories.loss[run, :length]
        all_positive &= bool(np.all(loss > 0))
        common = {"legendgroup": label, "line": {"color": colour, "width": look.line(2)}}
        figure.add_trace(go.Scatter(x=steps, y=loss, name=label, **common), row=1, col=1)
        figure.add_trace(go.Scatter(x=steps, y=_positive_or_gap(trajectories.gradient_norm[run, :length]),
                                    name=label, showlegend=False, **common), row=1, col=2)
        updates = np.arange(max(length - 1, 0))
        figure.add_trace(go.Scatter(x=updates, y=trajectories.learning_rate[run, : length - 1],
                                    name=label, showlegend=False, **common), row=2, col=1)
        for axis, dash in ((0, "solid"), (1, "dot")):
            figure.add_trace(go.Scatter(
                x=updates, y=_positive_or_gap(trajectories.effective_step[run, : length - 1, axis]),
                name=f"{label}, {'x' if axis == 0 else 'y'}", showlegend=False, legendgroup=label,
                line={"color": colour, "width": look.line(2), "dash": dash},
            ), row=2, col=2)
    log_axis = {"type": "log", "exponentformat": "power"}
    figure.update_yaxes(**log_axis, row=1, col=2)
    figure.update_yaxes(**log_axis, row=2, col=2)
    if all_positive and len(labels):
        figure.update_yaxes(**log_axis, row=1, col=1)
    figure.update_xaxes(title_text=look.text("figures.step_axis"), row=2)
    figure.update_layout(
        height=height, margin=look.margin(l=50, r=10, t=40, b=40),
        legend={"orientation": "h", "y": -0.15 * look.font_scale},
    )
    dress(figure, look)
    figure.add_annotation(text=look.text("figures.curves.line_styles"), xref="x4 domain", yref="y4 domain", x=1,
                          y=1.0, showarrow=False, font={"size": look.font_size - 2}, xanchor="right", yanchor="bottom")
    return figure

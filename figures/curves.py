"""Training curves beside the race: loss, gradient norm, learning rate and per-parameter step.

The lecture's warning: when the loss stalls, check whether ‖g‖ is really small before blaming a
critical point. The per-parameter step η/σ shows what the adaptive methods do with each axis.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from figures.panels import panel_domains, panel_title
from figures.spec import FigureSpec, packed
from figures.style import Look, look_layout, run_colour
from optimizers.trajectory import Trajectories

HORIZONTAL_SPACING = 0.1
PANEL_KEYS = ("figures.curves.loss", "figures.curves.gradient_norm", "figures.curves.learning_rate",
              "figures.curves.step_size")


def positive_or_gap(values: np.ndarray) -> np.ndarray:
    """Values for a log axis: non-positive and non-finite entries become gaps instead of errors."""
    values = np.asarray(values, dtype=float)
    return np.where(np.isfinite(values) & (values > 0), values, np.nan)


def _panel_axes(vertical_spacing: float) -> tuple[list[dict], list[dict]]:
    """Axes of a 2 × 2 grid of panels (row-major, top row first)."""
    (left, right), (bottom, top) = panel_domains(2, HORIZONTAL_SPACING), panel_domains(2, vertical_spacing)
    x_domains = [left, right, left, right]
    y_domains = [top, top, bottom, bottom]
    xaxes = [{"domain": domain, "anchor": f"y{panel + 1}"} for panel, domain in enumerate(x_domains)]
    yaxes = [{"domain": domain, "anchor": f"x{panel + 1}"} for panel, domain in enumerate(y_domains)]
    return xaxes, yaxes


def curves_figure(trajectories: Trajectories, labels: Sequence[str], *, height: int = 520,
                  look: Look = Look()) -> FigureSpec:
    """A 2 × 2 grid of curves for the first ``len(labels)`` runs, each in its race colour.

    Panels in reading order: loss, gradient norm (log), learning rate, per-parameter step η/σ (log;
    x solid, y dotted). The loss gets a log axis too when every loss is positive.
    """
    xaxes, yaxes = _panel_axes(0.16 * look.font_scale)
    data = []

    def add(panel: int, steps: np.ndarray, values: np.ndarray, **trace: object) -> None:
        axis = "" if panel == 0 else str(panel + 1)
        data.append({"type": "scatter", "x": packed(steps, np.int32), "y": packed(values),
                     "xaxis": "x" + axis, "yaxis": "y" + axis, **trace})

    all_positive = True
    for run, label in enumerate(labels):
        length = int(trajectories.lengths[run])
        colour = run_colour(run)
        steps, updates = np.arange(length), np.arange(max(length - 1, 0))
        loss = trajectories.loss[run, :length]
        all_positive &= bool(np.all(loss > 0))
        line = {"color": colour, "width": look.line(2)}
        add(0, steps, loss, name=label, legendgroup=label, line=line)
        add(1, steps, positive_or_gap(trajectories.gradient_norm[run, :length]), name=label, legendgroup=label,
            showlegend=False, line=line)
        add(2, updates, trajectories.learning_rate[run, : length - 1], name=label, legendgroup=label,
            showlegend=False, line=line)
        for axis, dash in ((0, "solid"), (1, "dot")):
            add(3, updates, positive_or_gap(trajectories.effective_step[run, : length - 1, axis]),
                name=f"{label}, {'x' if axis == 0 else 'y'}", legendgroup=label, showlegend=False,
                line={**line, "dash": dash})
    log_axis = {"type": "log", "exponentformat": "power"}
    for panel in (1, 3) + ((0,) if all_positive and len(labels) else ()):
        yaxes[panel].update(log_axis)
    for panel in (2, 3):
        xaxes[panel]["title"] = {"text": look.text("figures.step_axis")}
    titles = [panel_title(look.text(key), xaxes[panel]["domain"], yaxes[panel]["domain"], look)
              for panel, key in enumerate(PANEL_KEYS)]
    styles = {"text": look.text("figures.curves.line_styles"), "xref": "x4 domain", "yref": "y4 domain", "x": 1,
              "y": 1.0, "showarrow": False, "font": {"size": look.font_size - 2}, "xanchor": "right",
              "yanchor": "bottom"}
    axes = {f"xaxis{'' if panel == 0 else panel + 1}": axis for panel, axis in enumerate(xaxes)}
    axes |= {f"yaxis{'' if panel == 0 else panel + 1}": axis for panel, axis in enumerate(yaxes)}
    layout = look_layout(look, height=height, margin=look.margin(l=50, r=10, t=40, b=40),
                         legend={"orientation": "h", "y": -0.15 * look.font_scale},
                         annotations=[*titles, styles], **axes)
    return {"data": data, "layout": layout}

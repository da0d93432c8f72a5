"""The learning-rate sweep: one optimizer's whole path morphing live as a slider changes η.

All paths are computed on the server at once and sent as animation frames (one per learning rate,
holding only the path and its end marker); the slider inside the figure animates to a frame without
redrawing, so dragging needs no round trip and leaves the iso-lines alone. The slider's current value
is the caption (η and how the run ended); its tick labels are transparent: 32 numbers would overlap.
Measured in Chromium on the explorer's default sweep, clicking through the slider in the page:
``update`` (restyle + title) p50 105 ms per step, ``animate`` without redraw p50 54-74 ms (same machine
state; standalone plotly.js: 42-78 ms against 33 ms, two display frames).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from figures.landscape import Landscape, landscape_parts
from figures.map_scale import fitted_height, note_annotation
from figures.runs import RunPath
from figures.spec import FigureSpec, packed
from figures.style import Look, look_layout

MARGIN = {"l": 50, "r": 10, "t": 20, "b": 112}
JUMP = {"mode": "immediate", "frame": {"duration": 0, "redraw": False}, "transition": {"duration": 0}}
SLIDER_BELOW = 46.0  # pixels under the plot with laptop fonts: the caption sits under the x-axis title
TYPICAL_PLOT_WIDTH = 900  # the map's width when it fills the explorer's page width, laptop fonts


def _caption(learning_rate: float, run: RunPath, look: Look) -> str:
    outcome = run.note or look.text("figures.sweep.outcome", loss=f"{run.losses[-1]:.4g}", steps=len(run.losses) - 1)
    return look.text("figures.sweep.caption", rate=f"{learning_rate:.3g}", outcome=outcome)


def sweep_figure(landscape: Landscape, learning_rates: Sequence[float], runs: Sequence[RunPath],
                 active: int, *, colour: str, height: int = 560, look: Look = Look()) -> FigureSpec:
    """Contour map with the path for ``learning_rates[active]`` and an in-figure slider over all of them.

    The runs' notes (why a run diverged) are shown as they are: make them with ``run_paths`` in the
    look's language.
    """
    if len(learning_rates) != len(runs) or not runs:
        raise ValueError("need one run per learning rate, and at least one")
    landscape_trace, image, axes = landscape_parts(landscape, look=look)
    path_index = 1
    # Every step, or gradient descent's zig-zag across a ravine turns into a smooth curve. float32
    # halves the JSON (32 paths of 1,001 steps: 0.34 MB) and is exact to ~1e-7 of a coordinate.
    frames = [{"name": str(index), "traces": [path_index, path_index + 1],
               "data": [{"x": packed(run.points[:, 0], np.float32), "y": packed(run.points[:, 1], np.float32)},
                        {"x": [float(run.points[-1, 0])], "y": [float(run.points[-1, 1])]}]}
              for index, run in enumerate(runs)]
    path, end = frames[active]["data"]
    data = [landscape_trace, {
        "type": "scatter", **path,
        "mode": "lines+markers", "name": "path", "showlegend": False,
        "line": {"color": colour, "width": look.line(3)}, "marker": {"size": look.marker(4), "color": colour},
        "hovertemplate": "(%{x:.3f}, %{y:.3f})<extra></extra>",
    }, {
        "type": "scatter", **end, "mode": "markers",
        "name": "end", "showlegend": False,
        "marker": {"size": look.marker(14), "color": colour, "symbol": "x",
                   "line": {"color": look.palette.ink, "width": look.line(1.5)}},
        "hovertemplate": look.text("figures.end") + " (%{x:.3f}, %{y:.3f})<extra></extra>",
    }]
    margin = look.margin(**MARGIN)
    height = fitted_height(landscape.scale, height, margin, TYPICAL_PLOT_WIDTH)
    plot_height = max(height - margin["t"] - margin["b"], 1)
    steps = [{"label": _caption(rate, run, look), "value": frame["name"], "method": "animate",
              "args": [[frame["name"]], JUMP]} for rate, run, frame in zip(learning_rates, runs, frames)]
    layout = look_layout(
        look, height=height, margin=margin, images=[image], annotations=note_annotation(landscape.scale, look),
        sliders=[{
            "active": active, "steps": steps, "y": -SLIDER_BELOW * look.font_scale / plot_height, "yanchor": "top",
            "pad": {"t": 0}, "font": {"color": "rgba(0,0,0,0)"},
            "currentvalue": {"visible": True, "prefix": "", "font": {"size": look.font_size + 2, "color": look.palette.ink}},
        }],
        xaxis={"title": {"text": look.text("figures.x_axis")}, **axes["x"]},
        yaxis={"title": {"text": look.text("figures.y_axis")}, **axes["y"]}, clickmode="none",
    )
    return {"data": data, "layout": layout, "frames": frames}


def final_losses(runs: Sequence[RunPath]) -> np.ndarray:
    """Each run's last finite loss (for tables and tests)."""
    return np.array([run.losses[-1] for run in runs])

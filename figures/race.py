"""The race: optimizers moving across a contour map, animated in the browser.

The landscape (a raster image plus iso-lines) is static; every animation frame touches only one
small trace, the optimizers' heads, with ``redraw=False``. This keeps the background visible while
the animation plays (a ``go.Contour`` background vanishes once Play starts) and the frames cheap.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from figures.landscape import Landscape, landscape_parts
from figures.map_scale import fitted_height, note_annotation
from figures.runs import RunPath
from figures.spec import FigureSpec, packed
from figures.style import MAX_FRAMES, Look, look_layout, subsample

FRAME_MS = 40
# The scrubber's steps: one per frame would be 120 ticks ~5 px apart, and plotly.js lays out every
# tick again on each redraw (in Chromium here a race redraw took ~85 ms with 120 steps, ~65 ms with 40).
# Play still shows every frame; the thumb follows on the frames that have a step.
MAX_SCRUB_STEPS = 40
MARGIN = {"l": 50, "r": 10, "t": 30, "b": 182}
# How far under the plot the controls sit, in pixels with laptop fonts (they move down with larger
# fonts, so that they clear the tick labels and the axis title). The scrubber spans the plot's width and
# the buttons sit under its tick labels: side by side, the buttons (fixed in pixels) covered the start of
# the scrubber (a fraction of the width) whenever the chart was narrower than ~750 px, its thumb at step 0
# included. The offsets are fractions of the plot's height, which shrinks when the legend wraps onto more
# rows (a narrow chart): the gap under the scrubber's labels leaves room for that.
SLIDER_BELOW = 36
BUTTONS_BELOW = 140
# How wide the map is drawn on the explorer with laptop fonts (measured in Chromium: ~395 px in a 1280 px
# window, ~520 px in a 1600 px one): a map wider than high gets a chart just high enough for it.
TYPICAL_PLOT_WIDTH = 540


def _head_positions(runs: Sequence[RunPath], step: int) -> tuple[list[float], list[float]]:
    """Where each run is at ``step`` (a run that stopped early stays at its last point)."""
    xs, ys = [], []
    for run in runs:
        point = run.points[min(step, len(run.points) - 1)]
        xs.append(float(point[0]))
        ys.append(float(point[1]))
    return xs, ys


def _animation_controls(frame_steps: np.ndarray, look: Look, plot_height: float) -> tuple[list[dict], list[dict]]:
    """Play/pause buttons and the step scrubber of the animation (at most ``MAX_SCRUB_STEPS`` of the frames,
    the first and the last among them), under a plot ``plot_height`` pixels high."""
    still = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}}
    playing = {"frame": {"duration": FRAME_MS, "redraw": False}, "fromcurrent": True, "transition": {"duration": 0}}
    buttons = [{
        "type": "buttons", "direction": "left", "showactive": False,
        "x": 0.0, "y": 0.0, "xanchor": "left", "yanchor": "top",
        "pad": {"r": 8, "t": round(BUTTONS_BELOW * look.font_scale)},
        "buttons": [
            {"label": look.text("figures.play"), "method": "animate", "args": [None, playing]},
            {"label": look.text("figures.pause"), "method": "animate", "args": [[None], still]},
        ],
    }]
    slider = [{
        "active": 0, "x": 0.0, "len": 1.0,
        "y": 0.0, "yanchor": "top", "pad": {"t": round(SLIDER_BELOW * look.font_scale)},
        "currentvalue": {"prefix": look.text("figures.step_prefix"), "visible": True, "xanchor": "right"},
        "steps": [
            {"label": str(int(step)), "method": "animate", "args": [[str(int(step))], still]}
            for step in frame_steps[subsample(len(frame_steps), MAX_SCRUB_STEPS)]
        ],
    }]
    return buttons, slider


def race_figure(landscape: Landscape, runs: Sequence[RunPath], *, height: int = 614,
                look: Look = Look()) -> FigureSpec:
    """Contour map with each run's faint full path, its start, and animated heads.

    Trace order: the landscape's iso-lines, one path per run, the start markers, the heads.
    The heads trace is the only one the frames change.
    """
    palette = look.palette
    landscape_trace, image, axes = landscape_parts(landscape, look=look)
    margin = look.margin(**MARGIN)
    height = fitted_height(landscape.scale, height, margin, TYPICAL_PLOT_WIDTH)
    data = [landscape_trace]
    for run in runs:  # every step: a thinned path would smooth a zig-zag away
        data.append({
            "type": "scatter", "x": packed(run.points[:, 0]), "y": packed(run.points[:, 1]), "mode": "lines",
            "name": run.label,
            "line": {"color": run.colour, "width": look.line(2.5)}, "opacity": 0.75, "hoverinfo": "skip",
        })
    starts = np.array([run.points[0] for run in runs]).reshape(-1, 2)
    start_word = look.text("figures.start")
    data.append({
        "type": "scatter", "x": starts[:, 0].tolist(), "y": starts[:, 1].tolist(), "mode": "markers",
        "name": start_word, "showlegend": False,
        "marker": {"symbol": "circle-open", "size": look.marker(14), "color": palette.start,
                   "line": {"width": look.line(3)}},
        "hovertemplate": f"{start_word} (%{{x:.3f}}, %{{y:.3f}})<extra></extra>",
    })
    longest = max((len(run.points) for run in runs), default=1)
    frame_steps = subsample(longest, MAX_FRAMES)
    head_xs, head_ys = _head_positions(runs, 0)
    data.append({
        "type": "scatter", "x": head_xs, "y": head_ys, "mode": "markers", "name": look.text("figures.position"),
        "showlegend": False,
        "marker": {"size": look.marker(13), "color": [run.colour for run in runs],
                   "line": {"color": palette.ink, "width": look.line(1.5)}},
        "hovertemplate": "(%{x:.3f}, %{y:.3f})<extra></extra>",
    })
    heads_index = len(data) - 1
    frames = []
    for step in frame_steps:
        xs, ys = _head_positions(runs, int(step))
        frames.append({"name": str(int(step)), "traces": [heads_index], "data": [{"type": "scatter", "x": xs, "y": ys}]})
    buttons, slider = _animation_controls(frame_steps, look, max(height - margin["t"] - margin["b"], 1))
    layout = look_layout(
        look, height=height, margin=margin, images=[image], annotations=note_annotation(landscape.scale, look),
        updatemenus=buttons, sliders=slider, clickmode="none", dragmode="zoom",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "bgcolor": palette.legend_background},
        xaxis={"title": {"text": look.text("figures.x_axis")}, **axes["x"]},
        yaxis={"title": {"text": look.text("figures.y_axis")}, **axes["y"]}, uirevision="race",
    )
    return {"data": data, "layout": layout, "frames": frames}

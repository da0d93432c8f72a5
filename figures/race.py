"""The race: optimizers moving across a contour map, animated in the browser.

The landscape (a raster image plus iso-lines) is static; the frames touch only small traces, with
``redraw=False``. This keeps the background visible while the animation plays (a ``go.Contour``
background vanishes once Play starts) and the frames cheap.

Each run's trail grows behind its marker as the animation plays or the scrubber moves (``trail=GROWING``,
the default; ``figures.growing_layers`` keeps every step at a bounded cost), or its whole path is drawn
from the start and only the markers move (``trail=FULL_PATH``). Either way the figure opens on the
complete picture, every trail to its end and the scrubber on the last step, so that a changed setting
shows its whole new path at once; ▶ then plays from step 0 (plotly.js plays from the start when the
current frame is the last). Optional arrows show what one run's steps are made of
(``figures.step_arrows``, drawn whole: growing them cost twice the frame time), and a run that stays put
is marked (``figures.staying_put``).
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

import numpy as np

from figures.growing_layers import GrowingLayer, growing_frames, layer_traces
from figures.landscape import Landscape, landscape_parts
from figures.map_scale import fitted_height, note_annotation
from figures.runs import RunPath
from figures.spec import FigureSpec, packed
from figures.staying_put import staying_put_marks, stays_put
from figures.step_arrows import ARROWS_LEGEND, ArrowsFor, arrow_layers, arrows_legend
from figures.style import MAX_FRAMES, Look, look_layout, subsample

GROWING = "growing"
FULL_PATH = "full"
TRAILS = (GROWING, FULL_PATH)
FRAME_MS = 40
ARROWS_LEGEND_ROOM = 48  # pixels (laptop fonts) of the arrows' legend: its title and its row of entries
# The scrubber's steps: one per frame would be 120 ticks ~5 px apart, and plotly.js lays out every
# tick again on each redraw (in Chromium here a race redraw took ~85 ms with 120 steps, ~65 ms with 40).
# Play still shows every frame; the thumb follows on the frames that have a step.
MAX_SCRUB_STEPS = 40
MARGIN = {"l": 50, "r": 10, "t": 30, "b": 116}
# How far under the plot the controls sit, in pixels with laptop fonts (they move down with larger fonts,
# so that they clear the tick labels and the axis title). Play/Pause sit on the scrubber's row, left of
# its rail: the rail starts after them (the slider's ``pad.l``, in pixels like the buttons), so they
# never cover its start or its thumb at step 0, whatever the chart's width. (The buttons' own row under
# the scrubber cost 60 px of height.) The offset is padding in pixels from the plot's bottom (``pad.t``),
# not a fraction of the plot's height: that height shrinks as the legend wraps onto more rows, and the
# controls then crept up into the axis title.
SLIDER_BELOW = 48
# Play above Pause, as high together as the scrubber with its labels, and as wide as the wider of the two:
# side by side they left a narrow chart's rail a few pixels. A button's width in laptop pixels: its text,
# ~0.62 em per narrow character and 1 em per wide one (CJK, ▶), plus its padding and border (plotly.js
# sizes the buttons to their text).
BUTTON_PADDING = 22
BUTTON_GAP = 12

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


def _text_width(text: str, font_size: float) -> float:
    """Roughly how many pixels ``text`` takes at ``font_size`` (wide characters count double)."""
    wide = sum(unicodedata.east_asian_width(character) in "WF" or character in "▶❚" for character in text)
    return font_size * (0.62 * (len(text) - wide) + 1.0 * wide)


def _animation_controls(frame_steps: np.ndarray, play: list[str], look: Look) -> tuple[list[dict], list[dict]]:
    """Play/pause buttons and the step scrubber of the animation, ``SLIDER_BELOW`` pixels under the plot.

    The scrubber has at most ``MAX_SCRUB_STEPS`` of the frames, the first and the last among them, and
    starts on the last: the figure opens on the complete picture. ▶ plays the frames ``play``.
    """
    still = {"frame": {"duration": 0, "redraw": False}, "mode": "immediate", "transition": {"duration": 0}}
    playing = {"frame": {"duration": FRAME_MS, "redraw": False}, "fromcurrent": True, "transition": {"duration": 0}}
    labels = (look.text("figures.play"), look.text("figures.pause"))
    buttons_width = max(_text_width(label, look.font_size) + look.font_scale * BUTTON_PADDING for label in labels)
    below = round(SLIDER_BELOW * look.font_scale)
    buttons = [{
        "type": "buttons", "direction": "down", "showactive": False,
        "x": 0.0, "y": 0.0, "xanchor": "left", "yanchor": "top", "pad": {"r": 0, "t": below},
        "buttons": [
            {"label": labels[0], "method": "animate", "args": [play, playing]},
            {"label": labels[1], "method": "animate", "args": [[None], still]},
        ],
    }]
    scrub = frame_steps[subsample(len(frame_steps), MAX_SCRUB_STEPS)]
    slider = [{
        "active": len(scrub) - 1, "x": 0.0, "len": 1.0, "y": 0.0, "yanchor": "top",
        "pad": {"t": below, "l": round(buttons_width + BUTTON_GAP * look.font_scale)},
        "currentvalue": {"prefix": look.text("figures.step_prefix"), "visible": True, "xanchor": "right"},
        "steps": [{"label": str(int(step)), "method": "animate", "args": [[str(int(step))], still]} for step in scrub],
    }]
    return buttons, slider


def race_figure(landscape: Landscape, runs: Sequence[RunPath], *, height: int = 614, look: Look = Look(),
                trail: str = GROWING, arrows: ArrowsFor | None = None) -> FigureSpec:
    """Contour map with each run's trail, its start and its animated head, opened on the last step.

    Trace order: the landscape's iso-lines; one trail per run (its whole path: the legend entry);
    with ``trail=GROWING`` one fresh trail per run (the part the frames grow); the arrows of
    ``arrows.run`` (a halo, then one trace per kind, all drawn whole); the start markers; the rings of
    the runs that stay put (when any); the heads, last.
    """
    if trail not in TRAILS:
        raise ValueError(f"trail must be one of {', '.join(TRAILS)}, got {trail!r}")
    growing = trail == GROWING
    palette = look.palette
    landscape_trace, image, axes = landscape_parts(landscape, look=look)
    margin = look.margin(**MARGIN)
    if arrows is not None:  # the arrows' legend (title and one row) sits above the runs' legend, in the top margin
        margin["t"] += round(ARROWS_LEGEND_ROOM * look.font_scale)
    height = fitted_height(landscape.scale, height, margin, TYPICAL_PLOT_WIDTH)
    still = [stays_put(run.points, landscape.x_range, landscape.y_range) for run in runs]
    suffix = look.text("race_picture.stays_put.legend")
    data = [landscape_trace]
    legends = {}
    trails = []
    for index, (run, stays) in enumerate(zip(runs, still)):  # every step: a thinned path would smooth a zig-zag away
        style = {"type": "scatter", "mode": "lines", "line": {"color": run.colour, "width": look.line(2.5)},
                 "opacity": 0.75, "hoverinfo": "skip", "legendgroup": f"run {index}",
                 "name": f"{run.label} — {suffix}" if stays else run.label}
        trails.append(GrowingLayer(appears=np.arange(len(run.points), dtype=float), x=run.points[:, 0],
                                   y=run.points[:, 1], style=style,
                                   static={"x": packed(run.points[:, 0]), "y": packed(run.points[:, 1])}))
    drawn, places = layer_traces(trails, len(data), growing=growing)  # traces 1 … n: the runs' whole paths
    data += drawn
    if arrows is not None and arrows.run < len(runs) and np.any(arrows.parts.step):  # a run that moved
        run = runs[arrows.run]
        layers = arrow_layers(arrows, run.points, x_range=landscape.x_range, y_stretch=landscape.scale.y_stretch,
                              look=look)
        legends[ARROWS_LEGEND] = arrows_legend(arrows, run.label, landscape.x_range[1] - landscape.x_range[0], look)
        # Drawn whole, from the first frame: growing them too doubled a frame's time (p50 17 → 27-37 ms,
        # p95 to 100-160 ms) and added 0.3-0.5 MB (benchmarks/bench_race_frames.py, 4 × 1,000 steps).
        data += layer_traces(layers, len(data), growing=False)[0]
    starts = np.array([run.points[0] for run in runs]).reshape(-1, 2)
    start_word = look.text("figures.start")
    data.append({
        "type": "scatter", "x": starts[:, 0].tolist(), "y": starts[:, 1].tolist(), "mode": "markers",
        "name": start_word, "showlegend": False,
        "marker": {"symbol": "circle-open", "size": look.marker(14), "color": palette.start,
                   "line": {"width": look.line(3)}},
        "hovertemplate": f"{start_word} (%{{x:.3f}}, %{{y:.3f}})<extra></extra>",
    })
    rings, notes = staying_put_marks(runs, still, landscape.x_range, landscape.y_range, look)
    data += rings
    longest = max((len(run.points) for run in runs), default=1)
    frame_steps = subsample(longest, MAX_FRAMES)
    head_xs, head_ys = _head_positions(runs, longest - 1)
    data.append({
        "type": "scatter", "x": head_xs, "y": head_ys, "mode": "markers", "name": look.text("figures.position"),
        "showlegend": False,
        "marker": {"size": look.marker(13), "color": [run.colour for run in runs],
                   "line": {"color": palette.ink, "width": look.line(1.5)}},
        "hovertemplate": "(%{x:.3f}, %{y:.3f})<extra></extra>",
    })
    heads = [{"type": "scatter", **dict(zip("xy", _head_positions(runs, int(step))))} for step in frame_steps]
    base_frames, frames = growing_frames(trails if growing else [], places, frame_steps, [(len(data) - 1, heads)])
    buttons, slider = _animation_controls(frame_steps, [frame["name"] for frame in frames], look)
    layout = look_layout(
        look, height=height, margin=margin, images=[image],
        annotations=note_annotation(landscape.scale, look) + notes,
        updatemenus=buttons, sliders=slider, clickmode="none", dragmode="zoom",
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "bgcolor": palette.legend_background,
                "traceorder": "normal"},  # "grouped", the default with legend groups, gave each group its rows
        **legends,
        xaxis={"title": {"text": look.text("figures.x_axis")}, **axes["x"]},
        yaxis={"title": {"text": look.text("figures.y_axis")}, **axes["y"]}, uirevision="race",
    )
    return {"data": data, "layout": layout, "frames": base_frames + frames}

r"""Animation frames that grow a picture step by step (the trails) at a bounded cost, every step kept.

A frame of plotly.js replaces a trace's arrays; it cannot append. A frame holding each trail from step 0
repeats the early steps in every frame: 120 frames of 4 paths of 1,000 steps are ~240,000 points, ~2.6 MB
of float32 (and FINDINGS measured 65 ms a frame). So each growing layer is drawn by two traces:

* the *settled* part, everything up to the start of the frame's block, held by one of B *base frames*
  (plotly's ``baseframe``: a frame is merged into its base before it is applied);
* the *fresh* part, from the block's start to the frame's step, held by the frame itself.

With F frames in B ≈ √F blocks of consecutive frames, a layer of L points sends about
B·L/2 + F·L/(2B) ≈ √F·L points instead of F·L/2: for F = 120, ~11·L instead of 60·L. Every frame still sets
both traces, so a jump of the scrubber to any frame draws the right picture.

A layer's points appear when the animation reaches their step (``appears``). In a *connected* layer (a
polyline) the fresh part starts at the last settled point, so the two parts join; separate segments
(NaN between them, as arrows are drawn) need no join.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from figures.spec import packed

BASE_PREFIX = "settled "  # base frames are named "settled 0", "settled 1", …; the animation's frames by their step


@dataclass(frozen=True, eq=False)
class GrowingLayer:
    """Points (x, y) that appear one step at a time: point i when the animation reaches step ``appears[i]``.

    ``connected`` says that the points form one polyline. ``style`` is the trace's look (its type, line,
    name, legend); ``static`` holds what only the trace of the complete picture carries (hover data, the
    arrays in full precision).
    """

    appears: np.ndarray
    x: np.ndarray
    y: np.ndarray
    style: Mapping[str, object]
    connected: bool = True
    static: Mapping[str, object] = field(default_factory=dict)

    def part(self, after: float, upto: float, *, include_start: bool = False) -> dict:
        """x and y of the points appearing after step ``after`` up to step ``upto`` (``after`` itself too with
        ``include_start``), float32."""
        chosen = (self.appears >= after if include_start else self.appears > after) & (self.appears <= upto)
        return {"x": packed(self.x[chosen], np.float32), "y": packed(self.y[chosen], np.float32)}


@dataclass(frozen=True)
class LayerTraces:
    """Where a layer is drawn: the index of its settled trace and of its fresh trace in the figure's data."""

    settled: int
    fresh: int


def layer_traces(layers: Sequence[GrowingLayer], first: int, *, growing: bool) -> tuple[list[dict], list[LayerTraces]]:
    """The traces that draw ``layers``, the first at index ``first`` of the figure's data, and where they are.

    One trace per layer holds its complete picture (the figure opens on it), in the order of ``layers``;
    when ``growing``, one more per layer follows them all, without legend entry or hover: the fresh part
    the frames grow.
    """
    settled = [{**layer.style, **layer.part(-math.inf, math.inf), **layer.static} for layer in layers]
    if not growing:
        return settled, []
    fresh = [{**layer.style, "showlegend": False, "hoverinfo": "skip", "x": [], "y": []} for layer in layers]
    count = len(layers)
    return settled + fresh, [LayerTraces(settled=first + index, fresh=first + count + index) for index in range(count)]


def blocks_of(frame_count: int) -> list[range]:
    """The frames 0 … ``frame_count`` − 1 cut into ⌈√frame_count⌉ blocks of consecutive frames."""
    if frame_count <= 0:
        return []
    count = math.ceil(math.sqrt(frame_count))
    edges = np.linspace(0, frame_count, count + 1).round().astype(int)
    return [range(start, stop) for start, stop in zip(edges[:-1], edges[1:]) if stop > start]


def growing_frames(layers: Sequence[GrowingLayer], traces: Sequence[LayerTraces], frame_steps: np.ndarray,
                   moving: Sequence[tuple[int, dict]] = ()) -> tuple[list[dict], list[dict]]:
    """The base frames and the animation frames (one per entry of ``frame_steps``, named by its step).

    Frame k shows every point of every layer that appears at or before ``frame_steps[k]``; ``moving`` is
    a list of (trace index, trace data per frame) whose data the frames set as given (the runs' heads:
    ``moving[i][1]`` is a list with one entry per frame).
    """
    if not layers:  # nothing grows: the frames move the moving traces only
        return [], [{"name": str(int(step)), "traces": [trace for trace, _ in moving],
                     "data": [per_frame[index] for _, per_frame in moving]} for index, step in enumerate(frame_steps)]
    base_frames, frames = [], []
    for number, block in enumerate(blocks_of(len(frame_steps))):
        start = float(frame_steps[block.start])
        name = f"{BASE_PREFIX}{number}"
        base_frames.append({"name": name, "traces": [trace.settled for trace in traces],
                            "data": [layer.part(-math.inf, start) for layer in layers]})
        for index in block:
            step = float(frame_steps[index])
            fresh = [layer.part(start, step, include_start=layer.connected) for layer in layers]
            frames.append({
                "name": str(int(frame_steps[index])), "baseframe": name,
                "traces": [trace.fresh for trace in traces] + [trace for trace, _ in moving],
                "data": fresh + [per_frame[index] for _, per_frame in moving],
            })
    return base_frames, frames

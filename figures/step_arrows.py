r"""The lecture's momentum picture on the map: at θ_k, what the step is made of, as arrows.

For one run, at up to ``MAX_ARROWS`` steps spread along its path (``arrow_steps``), from
``optimizers.step_parts``:

* ``momentum``: the momentum term M (λ times the previous movement, for momentum with a constant η),
  drawn from θ_k;
* ``gradient``: the gradient term G (−ηg for momentum), drawn from the tip of M, so that
* ``step``: the step taken, θ_k → θ_{k+1} = θ_k + M + G, closes the triangle (the lecture's sum); with
  momentum it is a wide translucent band under M and G, which are often nearly parallel to it;
* ``plain``: for the adaptive rules, −ηg, the step plain gradient descent would take with the same η,
  beside the step taken (−ηg/σ): what dividing by σ does to each axis. The hover gives η/σ per axis.

Rules without momentum have no M and G (their step is G); gradient descent draws only its step −ηg.
Each kind is one layer (``figures.growing_layers``, each point tagged with its step): a NaN-separated
polyline of shafts and two-stroke heads, over a halo in the paper colour that keeps them visible on every
colour of the landscape. Steps are often far shorter than the map
(η = 0.01): the arrows are then drawn up to a round number of times longer (``magnification``, named in
the legend), less where that would draw a step across the map; the arrows of one step share their factor,
so they still add up. The hover gives the true vectors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from figures.growing_layers import GrowingLayer
from figures.spec import packed
from figures.style import Look
from optimizers.step_parts import StepParts

MAX_ARROWS = 30
TARGET_SHARE = 0.04  # the median step's arrows are drawn at least this share of the map's width …
LONGEST_SHARE = 0.15  # … but a step's longest arrow at most this share (unless that is its true length)
MAX_MAGNIFICATION = 1000.0
ARROWS_LEGEND = "legend2"
HALO_WIDTH = 5.0  # laptop pixels: a band in the paper colour under every arrow, so that it shows on any colour
HEAD_SHARE = 0.35  # a head's strokes are at most this share of its arrow
HEAD_WIDTH = 0.025  # … and at most this share of the map's width
HEAD_ANGLE = math.radians(26)
KIND_COLOURS = {"momentum": "#0072B2", "gradient": "#009E73"}  # Okabe-Ito colours the runs do not use
ROWS_PER_ARROW = 7  # tail, tip, one stroke of the head; gap; tip, the other stroke; gap


@dataclass(frozen=True, eq=False)
class ArrowsFor:
    """The arrows of run number ``run`` of a race, from its ``parts``."""

    run: int
    parts: StepParts


def arrow_kinds(parts: StepParts) -> tuple[str, ...]:
    """The kinds of arrow a rule has, in drawing order: with momentum, the step first, as a wide band
    under the two terms that add up to it."""
    terms = ("step", "momentum", "gradient") if parts.has_momentum else ("step",)
    return (("plain",) if parts.adaptive else ()) + terms


def arrow_steps(parts: StepParts) -> np.ndarray:
    """The updates that get arrows: step 0, then the first update past each ``MAX_ARROWS``-th of the path's
    length, so that they spread along where the run moves (a run that creeps to a halt would otherwise
    spend most of its arrows on dots at its end)."""
    lengths = np.hypot(parts.step[:, 0], parts.step[:, 1])
    before = np.concatenate([[0.0], np.cumsum(lengths)[:-1]])  # the path's length before update k
    if not parts.updates or before[-1] + lengths[-1] <= 0:
        return np.arange(min(parts.updates, 1))
    marks = np.linspace(0.0, before[-1] + lengths[-1], MAX_ARROWS, endpoint=False)
    return np.unique(np.minimum(np.searchsorted(before, marks, side="left"), parts.updates - 1))


def _longest_arrows(parts: StepParts) -> np.ndarray:
    """The longest arrow of each update, of every kind the rule draws, (n−1,)."""
    vectors = [parts.step] + ([parts.momentum_term, parts.gradient_term] if parts.has_momentum else []) + (
        [parts.gradient_step] if parts.adaptive else [])
    return np.max([np.hypot(vector[:, 0], vector[:, 1]) for vector in vectors], axis=0)


def magnification(parts: StepParts, steps: np.ndarray, width: float) -> float:
    """How many times longer than they are the arrows may be drawn: a step of η = 0.01 is a dot on the map.

    The smallest 1, 2 or 5 × 10ⁿ, from 1 to ``MAX_MAGNIFICATION``, that draws the longest arrow of the
    median one of ``steps`` at least ``TARGET_SHARE`` of the map's ``width`` (1 when the run does not move).
    """
    longest = _longest_arrows(parts)[steps]
    longest = longest[longest > 0]
    if not len(longest):
        return 1.0
    wanted = TARGET_SHARE * width / np.median(longest)
    for candidate in (leading * 10.0 ** power for power in range(7) for leading in (1.0, 2.0, 5.0)):
        if candidate >= wanted or candidate >= MAX_MAGNIFICATION:
            return min(candidate, MAX_MAGNIFICATION)
    return MAX_MAGNIFICATION


def step_factors(parts: StepParts, steps: np.ndarray, width: float) -> np.ndarray:
    """The factor the arrows of each of ``steps`` are drawn with: ``magnification``, or less for an update
    whose longest arrow would then reach beyond ``LONGEST_SHARE`` of the map (never below 1). One update's
    arrows share their factor, so they still add up."""
    longest = _longest_arrows(parts)[steps]
    room = LONGEST_SHARE * width / np.where(longest > 0, longest, np.inf)
    return np.clip(room, 1.0, magnification(parts, steps, width))


def _tails_and_vectors(kind: str, points: np.ndarray, parts: StepParts, steps: np.ndarray, factors: np.ndarray):
    tails = points[steps]
    vectors = {"momentum": parts.momentum_term, "gradient": parts.gradient_term, "step": parts.step,
               "plain": parts.gradient_step}[kind][steps]
    if kind == "gradient":
        tails = tails + factors[:, None] * parts.momentum_term[steps]  # head to tail: G starts where M ends
    return tails, vectors


def _head_strokes(tips: np.ndarray, drawn: np.ndarray, width: float, y_stretch: float) -> tuple[np.ndarray, np.ndarray]:
    """The ends of the two strokes of each head, drawn in screen proportions (y stretched by ``y_stretch``)."""
    screen = drawn * np.array([1.0, y_stretch])
    length = np.hypot(screen[:, 0], screen[:, 1])
    size = np.minimum(HEAD_SHARE * length, HEAD_WIDTH * width)
    back = -screen / np.where(length > 0, length, 1.0)[:, None]
    strokes = []
    for angle in (HEAD_ANGLE, -HEAD_ANGLE):
        cos, sin = math.cos(angle), math.sin(angle)
        turned = np.stack([cos * back[:, 0] - sin * back[:, 1], sin * back[:, 0] + cos * back[:, 1]], axis=1)
        strokes.append(tips + size[:, None] * turned / np.array([1.0, y_stretch]))
    return strokes[0], strokes[1]


def arrow_layers(arrows: ArrowsFor, points: np.ndarray, *, x_range: tuple[float, float], y_stretch: float = 1.0,
                 look: Look = Look()) -> list[GrowingLayer]:
    """The arrows of run ``arrows.run`` (its path ``points`` (n, 2)): a halo under all of them, then one layer
    per kind, at the ``arrow_steps``.

    Each arrow's rows are its tail, tip and head strokes; its hover data (``customdata``) the step k, the
    true vector (x, y) and η/σ (x, y) of update k. The rows go by step, so the arrows of the first steps
    are the first rows: the hover data of the whole set would fit frames that grew them.
    """
    parts, width = arrows.parts, x_range[1] - x_range[0]
    steps = arrow_steps(parts)
    factors = step_factors(parts, steps, width)
    layers = []
    for kind in arrow_kinds(parts):
        tails, vectors = _tails_and_vectors(kind, points, parts, steps, factors)
        drawn = factors[:, None] * vectors
        tips = tails + drawn
        left, right = _head_strokes(tips, drawn, width, y_stretch)
        gap = np.full_like(tips, np.nan)
        rows = np.stack([tails, tips, left, gap, tips, right, gap], axis=1).reshape(-1, 2)
        hover = np.repeat(np.column_stack([steps, vectors, parts.rate[steps]]), ROWS_PER_ARROW, axis=0)
        layers.append(GrowingLayer(appears=np.repeat(steps, ROWS_PER_ARROW).astype(float), x=rows[:, 0], y=rows[:, 1],
                                   style=arrow_style(kind, parts, look), connected=False,
                                   static={"customdata": packed(hover, np.float32)}))
    halo = {"type": "scatter", "legend": ARROWS_LEGEND, "mode": "lines", "name": "halo", "showlegend": False,
            "hoverinfo": "skip", "line": {"color": look.palette.paper, "width": look.line(HALO_WIDTH)}, "opacity": 0.8}
    joined = {name: np.concatenate([getattr(layer, name) for layer in layers]) for name in ("appears", "x", "y")}
    return [GrowingLayer(**joined, style=halo, connected=False), *layers]


def arrows_legend(arrows: ArrowsFor, label: str, width: float, look: Look) -> dict:
    """The arrows' own legend, inside the map's bottom edge, titled with whose they are and how much longer
    they are drawn (under the runs' legend it would take the map's height)."""
    factor = magnification(arrows.parts, arrow_steps(arrows.parts), width)
    title = look.text("race_picture.arrows.scaled", label=label, factor=f"{factor:g}") if factor > 1 else label
    return {"orientation": "h", "x": 0, "xanchor": "left", "y": 1, "yanchor": "top", "yref": "container",
            "bgcolor": look.palette.legend_background, "title": {"text": title, "side": "top"},
            "traceorder": "normal"}  # "grouped" (one legend group) would stack the entries in a column


def arrow_style(kind: str, parts: StepParts, look: Look) -> dict:
    """The look of a kind's traces: its colour, its entry in the arrows' own legend and its hover."""
    if kind == "step":
        kind_name = "step_sum" if parts.has_momentum else "step_adaptive" if parts.adaptive else "step_plain"
    name = look.text(f"race_picture.arrows.{kind_name if kind == 'step' else kind}")
    colour = KIND_COLOURS.get(kind, look.palette.ink)
    hover = f"{name}<br>{look.text('race_picture.arrows.at_step')} %{{customdata[0]}}: " \
            "(%{customdata[1]:.3g}, %{customdata[2]:.3g})"
    if parts.adaptive:
        hover += "<br>η/σ = (%{customdata[3]:.3g}, %{customdata[4]:.3g})"
    band = kind == "step" and parts.has_momentum  # under the terms it is the sum of
    return {
        "type": "scatter", "mode": "lines", "name": name, "legend": ARROWS_LEGEND, "legendgroup": "arrows",
        "opacity": 0.45 if band else 1.0,
        "line": {"color": colour, "width": look.line(5.0 if band else 2.0),
                 "dash": "dot" if kind == "plain" else "solid"},
        "connectgaps": False, "hovertemplate": hover + "<extra></extra>",
    }

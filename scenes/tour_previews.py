"""What each tour scene's preview draws beside its map, so that the claim shows at preview size.

At ~500 px a race map shows where the runs go, not what happens on the way: the decay scene's late
bursts, warm-up's first steps or a run that stays put vanish at map scale. So each scene also names the
curves that show its claim (``Curve``: the loss, the step size ‖θᵗ⁺¹ − θᵗ‖, or one coordinate, over the
steps), and the batch-noise scene, whose one noisy run looks like a random walk, runs each of its
optimizers from ``seeds`` seeds and shows where every run ends.

The critical-points scene previews the inspector's map at its point (eigenvectors and verdict); the
network scene has none: its experiment trains several networks (seconds), which the page it opens runs.
"""

from __future__ import annotations

import dataclasses
import functools
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from analysis.derivatives import hessian_at
from figures.landscape import Landscape
from figures.runs import run_paths
from figures.spec import FigureSpec
from figures.style import Look, run_colour
from figures.tour_previews import CurvePanel, EndPoints, Mark, PreviewMap, Series, preview_figure
from i18n import text
from optimizers.trajectory import Trajectories
from scenes.tour import Scene, race_on, run_scene
from surfaces.base import PointKind
from surfaces.choice import resolve_surface

CURVE_KINDS = ("loss", "step", "x", "y")


@dataclass(frozen=True)
class Curve:
    """A panel beside the map: ``kind`` (one of ``CURVE_KINDS``) over the steps, on a log axis if ``log``.
    With ``zoom_from`` the y axis spans only the values from that step on (the first steps run off the
    top), so that where the runs end stays readable after a large first drop; the title says so."""

    kind: str
    log: bool = False
    zoom_from: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in CURVE_KINDS:
            raise ValueError(f"unknown curve {self.kind!r}; choose one of: {', '.join(CURVE_KINDS)}")


@dataclass(frozen=True)
class PreviewPlan:
    """The curves under a scene's map (one or two), and how many seeds each of its runs is run from."""

    curves: tuple[Curve, ...]
    seeds: int = 1


PLANS: Mapping[str, PreviewPlan] = types.MappingProxyType({
    # a run that stays put has steps of length 0: a linear axis shows them, a log axis would hide the run
    "escape_saddle": PreviewPlan((Curve("loss"), Curve("step"))),
    "minibatch_saddle": PreviewPlan((Curve("loss"), Curve("step"))),
    "batch_noise": PreviewPlan((Curve("x"),), seeds=20),
    "momentum": PreviewPlan((Curve("loss", zoom_from=60), Curve("step", log=True))),
    "adaptive": PreviewPlan((Curve("loss", log=True), Curve("y"))),
    "decay": PreviewPlan((Curve("loss", log=True), Curve("step", log=True))),
    "warmup": PreviewPlan((Curve("loss", log=True), Curve("step", log=True))),
    "loss_function": PreviewPlan((Curve("loss"),)),
    "normalization": PreviewPlan((Curve("loss", log=True),)),
})


def curve_values(trajectories: Trajectories, run: int, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """``(steps, values)`` of curve ``kind`` for ``run``, over its valid steps.

    ``loss``: L(θᵗ); ``x``, ``y``: θᵗ's coordinate; ``step``: ‖θᵗ⁺¹ − θᵗ‖, the length of update t + 1,
    drawn at t (a run that does not move has steps of length 0, which a log axis leaves out).
    """
    path = trajectories.path(run)
    steps = np.arange(len(path))
    if kind == "loss":
        return steps, trajectories.losses(run)
    if kind == "step":
        return steps[:-1], np.linalg.norm(np.diff(path, axis=0), axis=1)
    if kind in ("x", "y"):
        return steps, path[:, 0 if kind == "x" else 1]
    raise ValueError(f"unknown curve {kind!r}; choose one of: {', '.join(CURVE_KINDS)}")


@dataclass(frozen=True, eq=False)
class SeededRuns:
    """Every optimizer of a scene run from ``seeds`` seeds: run ``arm * seeds + k`` is optimizer ``arm`` with
    seed ``preset seed + k`` (so ``k = 0`` is the scene's own run). A run without noise or batches ignores
    its seed: its ``seeds`` runs are the same."""

    trajectories: Trajectories
    seeds: int

    def run(self, arm: int, offset: int) -> int:
        return arm * self.seeds + offset

    def ends(self, arm: int) -> np.ndarray:
        """Where the ``seeds`` runs of optimizer ``arm`` end, shape (seeds, 2)."""
        return np.array([self.trajectories.path(self.run(arm, k))[-1] for k in range(self.seeds)])


# The preview and its caption both count the same seeded runs: one batch computes them for both.
@functools.lru_cache(maxsize=8)
def seeded_runs(scene: Scene, seeds: int) -> SeededRuns:
    """Each of ``scene``'s optimizers from ``seeds`` consecutive seeds, on its surface, all in one batch."""
    optimizers = tuple(dataclasses.replace(settings, seed=settings.seed + offset)
                       for settings in scene.optimizers for offset in range(seeds))
    return SeededRuns(race_on(scene.surface, optimizers, scene.start, scene.steps), seeds)


@dataclass(frozen=True)
class Basins:
    """Where the runs of a two-minimum surface end: ``sharp[arm]`` and ``flat[arm]`` count the runs of each
    optimizer that ran all their steps and end on the side of the saddle (at ``saddle_x``) where the sharp or
    the flat minimum lies; ``left[arm]`` the runs that stopped early, off the map or diverged (they end in
    neither basin)."""

    sharp_minimum: tuple[float, float]
    flat_minimum: tuple[float, float]
    saddle_x: float
    sharp: tuple[int, ...]
    flat: tuple[int, ...]
    left: tuple[int, ...]


def basins(scene: Scene, runs: SeededRuns) -> Basins:
    """Count the end points of ``runs`` by basin of ``scene``'s flat/sharp surface (two minima, one saddle
    between them on the x axis); the sharp minimum is the one with the larger curvature across x."""
    surface = resolve_surface(scene.surface)
    minima = [point for point in surface.critical_points if point.kind is PointKind.MINIMUM]
    (saddle,) = [point for point in surface.critical_points if point.kind is PointKind.SADDLE]
    if len(minima) != 2:
        raise ValueError(f"{scene.key}: a flat/sharp preview needs exactly two minima")
    curvature = [float(hessian_at(surface.loss, point.x, point.y)[0, 0]) for point in minima]
    flat, sharp = sorted(minima, key=lambda point: curvature[minima.index(point)])
    sharp_side = np.sign(sharp.x - saddle.x)
    arms = range(len(scene.optimizers))
    stayed = [np.array([runs.trajectories.diverged_at[runs.run(arm, k)] is None for k in range(runs.seeds)])
              for arm in arms]
    on_sharp_side = [np.sign(runs.ends(arm)[:, 0] - saddle.x) == sharp_side for arm in arms]
    sharp_counts = tuple(int(np.sum(stayed[arm] & on_sharp_side[arm])) for arm in arms)
    flat_counts = tuple(int(np.sum(stayed[arm] & ~on_sharp_side[arm])) for arm in arms)
    left = tuple(int(np.sum(~stayed[arm])) for arm in arms)
    return Basins((sharp.x, sharp.y), (flat.x, flat.y), saddle.x, sharp_counts, flat_counts, left)


def _series(trajectories: Trajectories, runs: Sequence[int], labels: Sequence[str], colours: Sequence[str],
            kind: str, faint: bool = False) -> list[Series]:
    return [Series(label, colour, *curve_values(trajectories, run, kind), faint=faint)
            for run, label, colour in zip(runs, labels, colours)]


def preview_spec(scene: Scene, landscapes: Sequence[Landscape], labels: Sequence[str],
                 surface_titles: Sequence[str] = (), *, height: int = 520, look: Look = Look()) -> FigureSpec:
    """The preview of an explorer or compare ``scene`` (its runs as it opens), one map per surface in
    ``landscapes``, then the plan's curves. ``labels`` name the optimizers, ``surface_titles`` the two
    surfaces of a compare scene (its maps' titles and its curves' names)."""
    plan = PLANS[scene.key]
    colours = [run_colour(slot) for slot in range(len(scene.optimizers))]
    if plan.seeds > 1:
        return _seeded_spec(scene, plan, landscapes[0], labels, colours, height, look)
    races = run_scene(scene).runs
    if len(races) == 1:
        maps = [PreviewMap(landscapes[0], run_paths(races[0], labels, language=look.language))]
    else:  # one optimizer on each surface: its path, title and curves share a colour per surface
        maps = [PreviewMap(landscape, [dataclasses.replace(path, colour=run_colour(index))
                                       for path in run_paths(race, labels, language=look.language)],
                           title=title, title_colour=run_colour(index))
                for index, (landscape, race, title) in enumerate(zip(landscapes, races, surface_titles))]
    panels = []
    for curve in plan.curves:
        if len(races) == 1:
            series = _series(races[0], range(len(labels)), labels, colours, curve.kind)
        else:  # one optimizer on each surface: the curves name the surface
            series = [Series(title, run_colour(index), *curve_values(race, 0, curve.kind))
                      for index, (title, race) in enumerate(zip(surface_titles, races))]
        panels.append(curve_panel(curve, series, look))
    return preview_figure(maps, panels, height=height, look=look)


def curve_panel(curve: Curve, series: Sequence[Series], look: Look) -> CurvePanel:
    """The panel of ``curve`` holding ``series``, zoomed on its later steps if the curve asks for it."""
    title = look.text(f"tour.curves.{curve.kind}")
    if curve.zoom_from is None:
        return CurvePanel(title, series, curve.log)
    later = np.concatenate([line.values[line.steps >= curve.zoom_from] for line in series])
    low, high = float(later.min()), float(later.max())
    pad = 0.1 * (high - low) or 0.1 * abs(high) or 0.1
    return CurvePanel(look.text("tour.curves.zoomed", title=title, step=curve.zoom_from), series, curve.log,
                      y_range=(low - pad, high + pad))


def _seeded_spec(scene: Scene, plan: PreviewPlan, landscape: Landscape, labels: Sequence[str],
                 colours: Sequence[str], height: int, look: Look) -> FigureSpec:
    runs = seeded_runs(scene, plan.seeds)
    counted = basins(scene, runs)
    paths = [dataclasses.replace(run_paths(runs.trajectories, (label,), runs.run(arm, 0), language=look.language)[0],
                                 colour=colour) for arm, (label, colour) in enumerate(zip(labels, colours))]
    ends = [EndPoints(look.text("tour.curves.ends", label=label, count=plan.seeds), colour, runs.ends(arm))
            for arm, (label, colour) in enumerate(zip(labels, colours))]
    marks = [Mark(look.text("tour.curves.sharp"), counted.sharp_minimum),
             Mark(look.text("tour.curves.flat"), counted.flat_minimum)]
    boundary = Mark(look.text("tour.curves.saddle", x=f"{counted.saddle_x:.2f}"), (0.0, counted.saddle_x))
    panels = []
    for curve in plan.curves:
        series = []
        for arm, (label, colour) in enumerate(zip(labels, colours)):
            series += _series(runs.trajectories, [runs.run(arm, k) for k in range(plan.seeds)],
                              [label] * plan.seeds, [colour] * plan.seeds, curve.kind, faint=True)
        panel = curve_panel(curve, series, look)
        panels.append(dataclasses.replace(panel, levels=(boundary,)) if curve.kind == "x" else panel)
    return preview_figure([PreviewMap(landscape, paths, ends=ends, marks=marks)], panels, height=height, look=look)


def basins_caption(scene: Scene, labels: Sequence[str], language: str) -> str:
    """The batch-noise preview's caption: how many seeded runs of each optimizer end in each basin."""
    plan = PLANS[scene.key]
    counted = basins(scene, seeded_runs(scene, plan.seeds))
    counts = [text("tour.curves.basin_count", language, label=label, flat=flat, sharp=sharp, count=plan.seeds)
              + (text("tour.curves.basin_left", language, left=left) if left else "")
              for label, flat, sharp, left in zip(labels, counted.flat, counted.sharp, counted.left)]
    first = scene.optimizers[-1].seed
    return text("tour.curves.basins", language, count=plan.seeds, first=first, last=first + plan.seeds - 1,
                counts=text("tour.curves.separator", language).join(counts))

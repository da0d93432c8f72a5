"""The Surface Explorer's scene: the surface's grids, one batched race with its learning-rate sweep, the figures.

Pure functions of hashable inputs, so the page can cache them (``ui.compute``) and benchmarks and
tests can call them without a browser.

A formula may be unusable in places (``log(x)`` for x < 0): the view says where its grid is not finite
(``SurfaceView.gaps``, drawn as gaps), and ``race`` raises ``NotFiniteError`` when L or ∇L is not finite
at the start point, where no optimizer can take a step; ``landscape_figures`` then draws the map and the
surface without runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.finiteness import GridGaps, check_finite_at, grid_gaps
from figures.curves import curves_figure
from figures.landscape import Landscape, landscape_layers
from figures.race import GROWING, race_figure
from figures.runs import RunPath, run_paths
from figures.spec import FigureSpec
from figures.step_arrows import ArrowsFor
from figures.style import Look
from figures.surface3d import surface_figure
from figures.sweep import sweep_figure
from optimizers.settings import OptimizerSettings, learning_rate_sweep
from optimizers.trajectory import Trajectories, run_trajectories
from surfaces.choice import SurfaceChoice, resolve_surface
from surfaces.grid import drawable_heights, loss_grid, loss_values

RASTER_RESOLUTION = 200
SURFACE_RESOLUTION = 70
DIVERGENCE_MARGIN = 1.0
MAP_HEIGHT = 560  # the race map's height in pixels (a wide map is drawn lower): beside the controls on a 720 px screen


@dataclass(frozen=True)
class SurfaceView:
    """What the pages draw of a surface: the 2D landscape (200 × 200), a coarser 3D grid, and where the
    landscape's grid is not finite (``gaps``, drawn blank)."""

    landscape: Landscape
    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    gaps: GridGaps = GridGaps(0.0, (), None)


@dataclass(frozen=True)
class Race:
    """The runs of one page: the chosen optimizers first, then the learning-rate sweep of one of them."""

    trajectories: Trajectories
    optimizer_count: int
    sweep_rates: tuple[float, ...]
    sweep_active: int


@dataclass(frozen=True)
class ExplorerFigures:
    """The four charts of the explorer (plotly specs, :mod:`figures.spec`) and the runs they show (for messages)."""

    runs: list[RunPath]
    race: FigureSpec
    surface: FigureSpec
    curves: FigureSpec
    sweep: FigureSpec


def surface_view(choice: SurfaceChoice, resolution: int = RASTER_RESOLUTION) -> SurfaceView:
    """The landscape layers of ``choice`` on a ``resolution``² grid and its 3D grid."""
    surface = resolve_surface(choice)
    xs, ys, values = loss_values(surface, resolution)
    coarse_xs, coarse_ys, coarse_z = loss_grid(surface, SURFACE_RESOLUTION)
    return SurfaceView(landscape_layers(xs, ys, drawable_heights(values)), coarse_xs, coarse_ys, coarse_z,
                       grid_gaps(xs, ys, values))


def race(choice: SurfaceChoice, start: tuple[float, float], settings: tuple[OptimizerSettings, ...],
         steps: int, sweep_slot: int) -> Race:
    """All runs in one batched loop: ``settings`` from ``start``, plus the 32-value sweep of ``settings[sweep_slot]``.

    Raises ``NotFiniteError`` when L or its gradient is not a finite number at ``start``.
    """
    surface = resolve_surface(choice)
    check_finite_at(surface.loss, *start)
    swept = settings[sweep_slot]
    rates = learning_rate_sweep(swept)
    every = (*settings, *(swept.with_lr(rate) for rate in rates))
    trajectories = run_trajectories(
        surface.loss, np.tile(np.asarray(start, dtype=float), (len(every), 1)), every, steps,
        surface.domain.padded(DIVERGENCE_MARGIN).bounds, example_losses=surface.example_losses,
    )
    nearest = int(np.argmin(np.abs(np.log(rates) - np.log(swept.lr))))
    return Race(trajectories, len(settings), tuple(rates), nearest)


def landscape_figures(view: SurfaceView, *, look: Look = Look(), map_height: int = MAP_HEIGHT) -> tuple[FigureSpec, FigureSpec]:
    """The race map and the 3D surface with no runs on them: what the explorer shows when no run can start."""
    return (race_figure(view.landscape, [], height=map_height, look=look),
            surface_figure(view.xs, view.ys, view.z, [], look=look))


def explorer_figures(view: SurfaceView, result: Race, labels: Sequence[str], sweep_slot: int, *,
                     look: Look = Look(), map_height: int = MAP_HEIGHT, trail: str = GROWING,
                     arrows: ArrowsFor | None = None) -> ExplorerFigures:
    """The race map, the 3D surface, the training curves and the sweep, all from one race, dressed in ``look``.

    ``labels`` (the optimizers' names) are shown as given; the runs' notes (why a run diverged) are in
    the look's language. ``trail`` and ``arrows`` are the race map's (``figures.race.race_figure``).
    """
    runs = run_paths(result.trajectories, labels, language=look.language)
    sweep_runs = run_paths(result.trajectories, [labels[sweep_slot]] * len(result.sweep_rates),
                           first=result.optimizer_count, language=look.language)
    return ExplorerFigures(
        runs=runs,
        race=race_figure(view.landscape, runs, height=map_height, look=look, trail=trail, arrows=arrows),
        surface=surface_figure(view.xs, view.ys, view.z, runs, look=look),
        curves=curves_figure(result.trajectories, labels, look=look),
        sweep=sweep_figure(view.landscape, result.sweep_rates, sweep_runs, result.sweep_active,
                           colour=runs[sweep_slot].colour, look=look),
    )

"""The Network Lab's pictures that the page's own process computes: where a landscape plane lies and
where the runs' paths fall on it, and the decision boundary of a 2-D classifier.

**The plane.** Through the centre θ_c (the end of the first run that stayed finite), along two
directions d₁, d₂: θ(α, β) = θ_c + α d₁ + β d₂.

* ``"pca"``: the top two principal directions of every run's snapshots minus θ_c (Li et al. 2018,
  §7). The paths' coordinates are their projections (α, β) = D (θ − θ_c); the part of each step off
  the plane is not drawn, which is why a projected path may cross the contour lines: the explained
  variance says how much of the path the plane holds.
* ``"random"``: two filter-normalized random directions. A path then lies almost entirely off the
  plane; its coordinates are those of the plane's closest points, (α, β) = G⁻¹ D (θ − θ_c), G = D Dᵀ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from analysis.landscape_planes import random_directions, trajectory_directions, trajectory_extent
from networks.training import TrainingRun

PLANE_MARGIN = 0.25  # the plane reaches this share of the paths' span beyond them on each side
RANDOM_EXTENT = 1.0  # a random plane spans at least ±1 (filter-normalized units: the weights' own size)
BOUNDARY_POINTS = 41  # per side: 50 frames of 41² make a 0.65 MB figure (61² made 1.37 MB)


def finite_snapshots(run: TrainingRun) -> np.ndarray:
    """The indices of the run's snapshots whose parameters are all finite."""
    return np.flatnonzero(np.all(np.isfinite(run.snapshots), axis=1))


def centre_run(runs: Sequence[TrainingRun]) -> int | None:
    """The first run with a finite end point, whose end is the plane's centre (None if every run diverged)."""
    for index, run in enumerate(runs):
        if run.diverged_at is None and len(finite_snapshots(run)):
            return index
    return None


@dataclass(frozen=True, eq=False)
class PlaneSetup:
    """Where a landscape plane lies and where each run's snapshots fall on it."""

    kind: str
    centre_run: int
    centre: np.ndarray  # (P,)
    buffers: dict
    directions: np.ndarray  # (2, P)
    extent: tuple[float, float, float, float]  # α₀, α₁, β₀, β₁
    runs: tuple[int, ...]  # the runs drawn on it (those that did not diverge)
    paths: tuple[np.ndarray, ...]  # per drawn run: (S, 2) coordinates of its snapshots
    path_updates: tuple[np.ndarray, ...]  # per drawn run: the update of each of those snapshots
    explained: np.ndarray | None  # PCA: the share of the paths' variance along d₁ and d₂

    def point(self, alpha: float, beta: float) -> np.ndarray:
        """θ(α, β) on the plane."""
        return self.centre + alpha * self.directions[0] + beta * self.directions[1]


def plane_setup(runs: Sequence[TrainingRun], model: torch.nn.Module, kind: str = "pca", seed: int = 0) -> PlaneSetup:
    """The plane through the first finite run's end along ``kind`` directions, with the path of every run
    that did not diverge (a diverged run's last finite parameters can be 10¹¹ away: they would be the plane).

    ``model`` is any instance of the runs' architecture (the random directions are normalized to its
    filters at the centre). Raises ``ValueError`` when every run diverged (there is no centre).
    """
    first = centre_run(runs)
    if first is None:
        raise ValueError("every run diverged: there is no finite end point to centre a plane on")
    drawn = tuple(index for index, each in enumerate(runs) if each.diverged_at is None)
    run = runs[first]
    last = int(finite_snapshots(run)[-1])
    centre = run.snapshots[last].astype(np.float64)
    runs = [runs[index] for index in drawn]
    kept = [finite_snapshots(each) for each in runs]
    if kind == "pca":
        stacked = np.concatenate([each.snapshots[rows] for each, rows in zip(runs, kept, strict=True)])
        directions, explained, _ = trajectory_directions(np.vstack([stacked, centre]))
        paths = tuple((each.snapshots[rows] - centre) @ directions.T for each, rows in zip(runs, kept, strict=True))
    elif kind == "random":
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(torch.as_tensor(centre, dtype=torch.float32), model.parameters())
        directions = random_directions(model, seed)
        gram = directions @ directions.T
        paths = tuple(np.linalg.solve(gram, directions @ (each.snapshots[rows] - centre).T).T
                      for each, rows in zip(runs, kept, strict=True))
        explained = None
    else:
        raise ValueError(f"unknown plane {kind!r}; choose pca or random")
    extent = _extent(np.concatenate(paths), minimum=RANDOM_EXTENT if kind == "random" else 0.0)
    updates = tuple(each.snapshot_updates[rows] for each, rows in zip(runs, kept, strict=True))
    return PlaneSetup(kind=kind, centre_run=first, centre=centre, buffers=run.buffers[last],
                      directions=np.asarray(directions, dtype=np.float64), extent=extent, runs=drawn, paths=paths,
                      path_updates=updates, explained=explained)


def _extent(points: np.ndarray, minimum: float) -> tuple[float, float, float, float]:
    """``trajectory_extent``'s box around ``points`` and the centre, made square (so that the picture is not
    stretched) and at least ±``minimum`` wide."""
    alpha_low, alpha_high, beta_low, beta_high = trajectory_extent(points, PLANE_MARGIN)
    half = max(alpha_high - alpha_low, beta_high - beta_low, 2 * minimum, 2e-3) / 2
    alpha, beta = (alpha_low + alpha_high) / 2, (beta_low + beta_high) / 2
    return (alpha - half, alpha + half, beta - half, beta + half)


@dataclass(frozen=True, eq=False)
class Boundary:
    """A 2-D classifier's p(class 1) = softmax(outputs)₁ on a grid, at several snapshots of a run."""

    xs: np.ndarray  # (m,)
    ys: np.ndarray  # (m,)
    probability: np.ndarray  # (S, m, m), rows along y
    updates: np.ndarray  # (S,) the update of each frame


def decision_boundary(run: TrainingRun, model: torch.nn.Module, inputs: torch.Tensor, buffers_of, points: int = BOUNDARY_POINTS) -> Boundary:
    """p(class 1) over the data's box at each finite snapshot of ``run`` (two-class 2-D data).

    ``model`` is an instance of the run's architecture, loaded with each snapshot in turn (evaluation mode);
    ``buffers_of(index)`` gives snapshot ``index``'s BatchNorm buffers. The boundary is where p = ½, that is
    where the two outputs are equal, whichever loss trained them.
    """
    low, high = inputs.min(dim=0).values.numpy(), inputs.max(dim=0).values.numpy()
    pad = 0.1 * (high - low)
    xs = np.linspace(low[0] - pad[0], high[0] + pad[0], points)
    ys = np.linspace(low[1] - pad[1], high[1] + pad[1], points)
    grid = torch.as_tensor(np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2), dtype=inputs.dtype)
    rows = finite_snapshots(run)
    frames = []
    model.eval()
    with torch.no_grad():
        for row in rows:
            torch.nn.utils.vector_to_parameters(torch.as_tensor(run.snapshots[row], dtype=grid.dtype), model.parameters())
            for name, value in buffers_of(int(row)).items():
                model.get_buffer(name).copy_(torch.as_tensor(value))
            outputs = model(grid)
            frames.append(torch.softmax(outputs, dim=1)[:, 1].reshape(points, points).numpy())
    return Boundary(xs=xs, ys=ys, probability=np.asarray(frames), updates=run.snapshot_updates[rows])

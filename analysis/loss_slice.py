"""The loss around a critical point of the network experiment, on the plane of two Hessian eigenvectors.

A slice is L_ρ(θ* + a·u₁ + b·u₂) on a grid, where θ* is a run's end point, u₁ the eigenvector of its smallest
eigenvalue and u₂ that of its largest: at a saddle, the way down along u₁ next to the steep walls along u₂.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from analysis.minimum_ratio import Experiment, single_threaded
from analysis.network import loss

MAX_SLICE_HALF_WIDTH = 3.0
SLICE_LOSS_FRACTION = 0.05
SADDLE_CONTRAST = 4.0


@dataclass(frozen=True, eq=False)
class LossSlice:
    """L_ρ(θ* + a·u₁ + b·u₂) on a grid: ``losses[i, j]`` at a = ``first_steps[j]``, b = ``second_steps[i]``.

    u₁ is the eigenvector of the smallest (most negative) eigenvalue, u₂ of the largest.
    """

    run: int
    first_steps: np.ndarray
    second_steps: np.ndarray
    losses: np.ndarray
    center_loss: float
    first_eigenvalue: float
    second_eigenvalue: float


def slice_half_width(eigenvalue: float, loss_change: float, smallest: float = 1e-6,
                     largest: float = MAX_SLICE_HALF_WIDTH) -> float:
    """How far along an eigenvector the quadratic ½|λ|t² reaches ``loss_change``, kept in [smallest, largest]."""
    if eigenvalue == 0 or loss_change <= 0:
        return largest
    return float(min(max(math.sqrt(2 * loss_change / abs(eigenvalue)), smallest), largest))


def downhill_extent(experiment: Experiment, run: int) -> tuple[float, float]:
    """How far the loss stays below L(θ*) along u₁ (either side), and how deep it gets there: (extent, depth).

    Sampled at |t| from 10⁻⁶ to ``MAX_SLICE_HALF_WIDTH`` (log-spaced) on both sides; (0, 0) if the loss
    never drops. At a network's saddle the dip is often tiny and short: e.g. λ₁ = −6·10⁻⁴ drops the loss
    by 6·10⁻⁷ within |t| < 0.1, beyond which higher-order terms take over and it rises steeply.
    """
    magnitudes = torch.logspace(-6, math.log10(MAX_SLICE_HALF_WIDTH), 241, dtype=torch.float64)
    center, direction = experiment.end_points[run], experiment.eigenvectors[run][:, 0]
    weight_decay = experiment.settings.weight_decay
    with torch.no_grad():
        center_loss = loss(center, experiment.data, weight_decay)
        extent, depth = 0.0, 0.0
        for sign in (1.0, -1.0):
            changes = loss(center + sign * magnitudes.unsqueeze(-1) * direction, experiment.data, weight_decay)
            changes = changes - center_loss
            rising = torch.nonzero(changes >= 0).flatten()
            inside = int(rising[0]) if rising.numel() else len(magnitudes)  # samples below L(θ*) from the centre out
            if inside:
                extent = max(extent, float(magnitudes[inside - 1]))
                depth = max(depth, float(-changes[:inside].min()))
    return extent, depth


def loss_slice(experiment: Experiment, run: int, resolution: int = 41, loss_change: float | None = None) -> LossSlice:
    """The objective on the plane through run ``run``'s end point spanned by its extreme eigenvectors.

    Each axis gets its own half-width, so that a saddle's weak downward direction is not flattened by
    the steep upward one. Where the loss drops along u₁ (a saddle), the u₁ axis reaches 1.5× as far as
    the drop (:func:`downhill_extent`) and the u₂ axis as far as the quadratic ½λ₂b² needs to climb
    ``SADDLE_CONTRAST`` times the drop's depth. Otherwise both axes go as far as the quadratic model needs
    to change by ``loss_change`` (default: 5% of the end point's loss). One batched call over the grid.
    """
    if not 0 <= run < experiment.settings.runs:
        raise ValueError(f"run must be from 0 to {experiment.settings.runs - 1}, got {run}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 3 or resolution % 2 == 0:
        raise ValueError(f"the slice needs an odd resolution of at least 3 (so θ* is on the grid), got {resolution!r}")
    center = experiment.end_points[run]
    first, second = experiment.eigenvalues[run, 0].item(), experiment.eigenvalues[run, -1].item()
    center_loss = loss(center, experiment.data, experiment.settings.weight_decay).item()
    with single_threaded():
        extent, depth = downhill_extent(experiment, run) if first < 0 else (0.0, 0.0)
    if depth > 0:
        first_half = min(1.5 * extent, MAX_SLICE_HALF_WIDTH)
        second_half = slice_half_width(second, SADDLE_CONTRAST * depth)
    else:
        change = SLICE_LOSS_FRACTION * center_loss if loss_change is None else loss_change
        first_half, second_half = slice_half_width(first, change), slice_half_width(second, change)
    half = resolution // 2
    unit_steps = torch.arange(-half, half + 1, dtype=torch.float64) / half  # exactly 0 in the middle, symmetric
    first_steps, second_steps = unit_steps * first_half, unit_steps * second_half
    vectors = experiment.eigenvectors[run]
    points = (center + second_steps.reshape(-1, 1, 1) * vectors[:, -1]
              + first_steps.reshape(1, -1, 1) * vectors[:, 0])
    with torch.no_grad():
        losses = loss(points, experiment.data, experiment.settings.weight_decay)
    return LossSlice(run=run, first_steps=first_steps.numpy(), second_steps=second_steps.numpy(),
                     losses=losses.numpy(), center_loss=center_loss, first_eigenvalue=first, second_eigenvalue=second)

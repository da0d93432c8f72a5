"""The loss on a regular grid over a surface's domain, for contour maps and 3D plots."""

from __future__ import annotations

import numpy as np
import torch

from surfaces.base import Surface

# Points per call of the loss. A loss defined by data makes (points × examples) intermediates: for a
# 200 × 200 grid and 40 examples that is 13 MB per operation, which is 5-10× slower than the same work
# in blocks that stay in the CPU's cache (and need no fresh memory from the system at every step).
GRID_BLOCK_POINTS = 5000
# Heights beyond ±1e300 are drawn as gaps: a colour scale or an iso-line subtracts two heights, and
# |a − b| overflows to ∞ past 1.8e308, float64's largest number (an exp(exp(x*y)) grid reaches 1e307).
LARGEST_DRAWN = 1e300


def grid_axes(surface: Surface, resolution: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``resolution`` evenly spaced float64 values across the domain in x and in y, ends included."""
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"the grid resolution must be a whole number ≥ 2, got {resolution!r}")
    domain = surface.domain
    xs = torch.linspace(domain.x_min, domain.x_max, int(resolution), dtype=torch.float64)
    ys = torch.linspace(domain.y_min, domain.y_max, int(resolution), dtype=torch.float64)
    return xs, ys


def loss_values(surface: Surface, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, ys, values)`` with ``values[i, j] = L(xs[j], ys[i])`` as computed: NaN and ±∞ included.

    Rows follow y, columns follow x (Plotly's layout). Batched calls of the loss without autograd, one
    per block of rows (about ``GRID_BLOCK_POINTS`` points).
    """
    xs, ys = grid_axes(surface, resolution)
    points = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1)
    rows_per_block = max(1, GRID_BLOCK_POINTS // len(xs))
    with torch.no_grad():
        values = torch.cat([
            torch.broadcast_to(torch.as_tensor(surface.loss(block), dtype=torch.float64), block.shape[:-1])
            for block in points.split(rows_per_block)
        ])
    return xs.numpy(), ys.numpy(), values.numpy().copy()


def drawable_heights(values: np.ndarray) -> np.ndarray:
    """``values`` with NaN wherever a height cannot be drawn: not finite, or beyond ±``LARGEST_DRAWN``."""
    heights = np.array(values, dtype=float)
    heights[~(np.abs(heights) <= LARGEST_DRAWN)] = np.nan
    return heights


def loss_grid(surface: Surface, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, ys, z)`` with ``z[i, j] = L(xs[j], ys[i])``: rows follow y, columns follow x (Plotly's layout).

    Points where the loss is not finite (a user's ``log`` of a negative number) or beyond ±``LARGEST_DRAWN``
    come back as NaN, which the figures draw as gaps.
    """
    xs, ys, values = loss_values(surface, resolution)
    return xs, ys, drawable_heights(values)

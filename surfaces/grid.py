"""The loss on a regular grid over a surface's domain, for contour maps and 3D plots."""

from __future__ import annotations

import numpy as np
import torch

from surfaces.base import Surface


def grid_axes(surface: Surface, resolution: int) -> tuple[torch.Tensor, torch.Tensor]:
    """``resolution`` evenly spaced float64 values across the domain in x and in y, ends included."""
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)) or resolution < 2:
        raise ValueError(f"the grid resolution must be a whole number ≥ 2, got {resolution!r}")
    domain = surface.domain
    xs = torch.linspace(domain.x_min, domain.x_max, int(resolution), dtype=torch.float64)
    ys = torch.linspace(domain.y_min, domain.y_max, int(resolution), dtype=torch.float64)
    return xs, ys


def loss_grid(surface: Surface, resolution: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(xs, ys, z)`` with ``z[i, j] = L(xs[j], ys[i])``: rows follow y, columns follow x (Plotly's layout).

    One batched call of the loss on all resolution² points, without autograd.
    Points where the loss is not finite (a user's ``log`` of a negative number) come back as NaN,
    which Plotly leaves blank.
    """
    xs, ys = grid_axes(surface, resolution)
    points = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1)
    with torch.no_grad():
        values = torch.broadcast_to(torch.as_tensor(surface.loss(points), dtype=torch.float64), points.shape[:-1])
    z = values.numpy().copy()
    z[~np.isfinite(z)] = np.nan
    return xs.numpy(), ys.numpy(), z

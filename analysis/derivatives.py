r"""Gradients and Hessians of a 2D loss by automatic differentiation, batched over points.

A loss maps float64 points of shape ``(..., 2)`` to losses of shape ``(...)``, one loss per point
(the points never interact). Then the gradient of ``sum(L)`` with respect to all points at once is
the stack of the per-point gradients, and one more backward pass per coordinate gives the Hessian
rows, again for every point at once:

.. math::

    g = \nabla L(\theta) = \left(\frac{\partial L}{\partial x}, \frac{\partial L}{\partial y}\right),
    \qquad
    H_{ij} = \frac{\partial^2 L}{\partial \theta_i \partial \theta_j}.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

Loss = Callable[[torch.Tensor], torch.Tensor]


def as_points(points: torch.Tensor | object) -> torch.Tensor:
    """``points`` as a float64 tensor of shape ``(..., 2)``; raises ``ValueError`` otherwise."""
    tensor = torch.as_tensor(points, dtype=torch.float64)
    if tensor.ndim == 0 or tensor.shape[-1] != 2:
        raise ValueError(f"points must have shape (..., 2), got {tuple(tensor.shape)}")
    return tensor


def _losses(loss: Loss, points: torch.Tensor) -> torch.Tensor:
    """The loss at every point, broadcast to shape ``(...)`` (a constant formula returns a scalar)."""
    return torch.broadcast_to(torch.as_tensor(loss(points), dtype=torch.float64), points.shape[:-1])


def _gradient_of_sum(outputs: torch.Tensor, points: torch.Tensor, *, differentiable: bool = False,
                     keep_graph: bool = False) -> torch.Tensor:
    """d(sum outputs)/d points, with zeros where ``outputs`` does not depend on the points at all.

    ``differentiable`` records this backward pass so it can be differentiated again (double backprop);
    ``keep_graph`` keeps the forward graph for another backward pass through it.
    """
    if not outputs.requires_grad:
        return torch.zeros_like(points)
    (gradient,) = torch.autograd.grad(
        outputs.sum(), points, create_graph=differentiable, retain_graph=differentiable or keep_graph,
        materialize_grads=True,
    )
    return gradient


def loss_and_gradient(loss: Loss, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Losses ``(...)`` and gradients ``(..., 2)`` at a batch of points ``(..., 2)``, both detached."""
    leaf = as_points(points).detach().requires_grad_(True)
    with torch.enable_grad():
        values = _losses(loss, leaf)
        gradient = _gradient_of_sum(values, leaf)
    return values.detach(), gradient.detach()


def derivatives(loss: Loss, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Losses ``(...)``, gradients ``(..., 2)`` and symmetric Hessians ``(..., 2, 2)``, all detached.

    Double backprop: the first backward pass keeps its graph, then one backward pass per coordinate
    ``i`` gives the Hessian row ``∂g_i/∂θ`` at every point. The result is symmetrized, ``(H + Hᵀ)/2``,
    which removes rounding asymmetry (mathematically ``H`` is symmetric for a twice-differentiable loss).
    """
    leaf = as_points(points).detach().requires_grad_(True)
    with torch.enable_grad():
        values = _losses(loss, leaf)
        gradient = _gradient_of_sum(values, leaf, differentiable=True)
        rows = [_gradient_of_sum(gradient[..., 0], leaf, keep_graph=True), _gradient_of_sum(gradient[..., 1], leaf)]
    hessian = torch.stack(rows, dim=-2)
    hessian = (hessian + hessian.transpose(-1, -2)) / 2
    return values.detach(), gradient.detach(), hessian.detach()


def hessians(loss: Loss, points: torch.Tensor) -> torch.Tensor:
    """Symmetric Hessians ``(..., 2, 2)`` at a batch of points ``(..., 2)``."""
    return derivatives(loss, points)[2]


def hessian_at(loss: Loss, x: float, y: float) -> torch.Tensor:
    """The symmetric 2×2 Hessian of ``loss`` at the single point ``(x, y)``."""
    return hessians(loss, torch.tensor([x, y], dtype=torch.float64))

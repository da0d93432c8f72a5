r"""Smoothness along a gradient step (Santurkar et al. 2018, "How does batch normalization help optimization?").

From parameters θ with gradient g = ∇L(θ), for step sizes s ≥ 0 along −g (the model in its own mode, e.g.
training mode, where BatchNorm normalizes with the batch's statistics):

.. math::

    \text{loss variation} = \max_s L(\theta - s g) - \min_s L(\theta - s g), \qquad
    \text{gradient predictiveness} = \max_s \|\nabla L(\theta - s g) - g\|, \qquad
    \beta = \max_{s > 0} \frac{\|\nabla L(\theta - s g) - g\|}{s\,\|g\|}.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import torch
from torch.func import functional_call

from analysis.hessian_operator import trainable_parameters


def _loss_and_gradient(model: torch.nn.Module, loss_fn: Callable, inputs: torch.Tensor, targets: torch.Tensor,
                       point: list[torch.Tensor]) -> tuple[float, torch.Tensor]:
    """L and ∇L at the parameters ``point`` in the model's own mode (on copies of its buffers)."""
    names, _ = trainable_parameters(model)
    leaves = [piece.detach().clone().requires_grad_(True) for piece in point]
    buffers = {name: buffer.detach().clone() for name, buffer in model.named_buffers()}
    loss = loss_fn(functional_call(model, {**dict(zip(names, leaves)), **buffers}, (inputs,)), targets)
    gradients = torch.autograd.grad(loss, leaves)
    return float(loss.detach()), torch.cat([piece.reshape(-1) for piece in gradients])


def step_probe(model: torch.nn.Module, loss_fn: Callable, inputs: torch.Tensor, targets: torch.Tensor,
               step_sizes: np.ndarray) -> dict:
    """Along the step from the model's parameters θ: L(θ − s g) and ‖∇L(θ − s g) − g‖ for each s.

    The model is used in its own mode (training mode: BatchNorm normalizes with the batch's statistics) and
    left unchanged. Returns ``loss`` (S,), ``gradient_change`` (S,) and ``gradient_norm`` ‖g‖.
    """
    _, parameters = trainable_parameters(model)
    start = [parameter.detach() for parameter in parameters]
    _, gradient = _loss_and_gradient(model, loss_fn, inputs, targets, start)
    pieces = [piece.reshape(parameter.shape) for piece, parameter in
              zip(gradient.split([parameter.numel() for parameter in parameters]), parameters)]
    losses, changes = [], []
    for step in step_sizes:
        point = [value - float(step) * piece for value, piece in zip(start, pieces)]
        loss, moved = _loss_and_gradient(model, loss_fn, inputs, targets, point)
        losses.append(loss)
        changes.append(float(torch.linalg.vector_norm(moved - gradient)))
    return {"loss": losses, "gradient_change": changes, "gradient_norm": float(torch.linalg.vector_norm(gradient))}


def smoothness(probe: dict, step_sizes: np.ndarray) -> tuple[float, float, float]:
    """(loss variation, gradient predictiveness, β) of one :func:`step_probe` (NaN where the loss is not finite)."""
    losses, changes = np.asarray(probe["loss"]), np.asarray(probe["gradient_change"])
    moved = step_sizes > 0
    ratios = changes[moved] / (step_sizes[moved] * probe["gradient_norm"])
    if not (np.isfinite(losses).all() and np.isfinite(changes).all()):
        return math.nan, math.nan, math.nan
    return float(losses.max() - losses.min()), float(changes.max()), float(ratios.max())

r"""A real small network: a 1-H-1 tanh MLP on a flat parameter vector, with its exact gradient and Hessian.

The network and its mean-squared-error loss on N points (x_n, y_n) are

.. math::

    f_\theta(x) = \sum_{j=1}^{H} v_j \tanh(w_j x + b_j) + c,
    \qquad
    L(\theta) = \frac1N \sum_{n=1}^{N} r_n^2, \quad r_n = f_\theta(x_n) - y_n,

with θ = (w₁…w_H, b₁…b_H, v₁…v_H, c), P = 3H + 1 numbers. Writing J_n = ∇_θ f(x_n), the gradient and
the Hessian are exact closed forms (``tests/unit/test_network.py`` checks them against autograd):

.. math::

    g = \frac2N \sum_n r_n J_n,
    \qquad
    H = \frac2N \sum_n \left( J_n J_n^\top + r_n \nabla^2_\theta f(x_n) \right).

With h = tanh(w_j x + b_j), s = 1 − h² and s′ = −2hs, ``J = (v_j s x, v_j s, h, 1)``, and ∇²f is zero
between different hidden units; within unit j, over (w_j, b_j, v_j), it is

.. math::

    \begin{pmatrix} v_j s' x^2 & v_j s' x & s x \\ v_j s' x & v_j s' & s \\ s x & s & 0 \end{pmatrix}.

Closed forms instead of autograd because the experiment trains many networks for thousands of steps:
a step is then a handful of tensor operations, the same for one network or a batch. Every function
takes parameters of shape ``(..., P)`` (any batch: runs, or a grid of points on a slice) in float64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

DATASET_SEED = 2021
DATASET_POINTS = 32
INPUT_RANGE = (-2.0, 2.0)
NOISE_LEVEL = 0.1
MIN_HIDDEN, MAX_HIDDEN = 2, 8


@dataclass(frozen=True, eq=False)
class Dataset:
    """N inputs x and targets y, float64 tensors of shape (N,)."""

    inputs: torch.Tensor
    targets: torch.Tensor


def target_function(inputs: torch.Tensor) -> torch.Tensor:
    """The curve the network learns: y = sin(2x) + ½ sin(5x), a wiggle a few tanh units can only roughly fit."""
    return torch.sin(2 * inputs) + 0.5 * torch.sin(5 * inputs)


def make_dataset(seed: int = DATASET_SEED, points: int = DATASET_POINTS) -> Dataset:
    """``points`` evenly spaced x in [−2, 2] and y = target(x) + 0.1·noise, seeded (no files, no downloads)."""
    if points < 2:
        raise ValueError(f"the dataset needs at least 2 points, got {points}")
    inputs = torch.linspace(*INPUT_RANGE, points, dtype=torch.float64)
    generator = torch.Generator().manual_seed(seed)
    noise = torch.randn(points, generator=generator, dtype=torch.float64)
    return Dataset(inputs=inputs, targets=target_function(inputs) + NOISE_LEVEL * noise)


def check_hidden_width(hidden: int) -> int:
    """``hidden`` if it is a whole number in [MIN_HIDDEN, MAX_HIDDEN]; raises ``ValueError`` otherwise."""
    if isinstance(hidden, bool) or not isinstance(hidden, (int, np.integer)) or not MIN_HIDDEN <= hidden <= MAX_HIDDEN:
        raise ValueError(f"the hidden layer must have {MIN_HIDDEN} to {MAX_HIDDEN} units, got {hidden!r}")
    return int(hidden)


def parameter_count(hidden: int) -> int:
    """P = 3H + 1: an input weight, a bias and an output weight per hidden unit, and one output bias."""
    return 3 * check_hidden_width(hidden) + 1


def hidden_width_of(parameters: torch.Tensor) -> int:
    """H from the last axis of ``parameters`` (P = 3H + 1); raises ``ValueError`` for any other length."""
    count = parameters.shape[-1] if parameters.ndim else 0
    if count < 4 or (count - 1) % 3:
        raise ValueError(f"a 1-H-1 network has 3H + 1 parameters, got a vector of length {count}")
    return (count - 1) // 3


def split_parameters(parameters: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Views (w, b, v, c) of a flat ``(..., P)`` vector: input weights, hidden biases, output weights, output bias."""
    hidden = hidden_width_of(parameters)
    return (parameters[..., :hidden], parameters[..., hidden:2 * hidden],
            parameters[..., 2 * hidden:3 * hidden], parameters[..., 3 * hidden])


def _hidden_activations(parameters: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """h = tanh(w x + b) of every unit at every input, shape (..., N, H)."""
    weights, biases, _, _ = split_parameters(parameters)
    return torch.tanh(inputs.unsqueeze(-1) * weights.unsqueeze(-2) + biases.unsqueeze(-2))


def predict(parameters: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """The network's outputs f_θ(x), shape (..., N) for parameters (..., P) and inputs (N,)."""
    _, _, output_weights, output_bias = split_parameters(parameters)
    activations = _hidden_activations(parameters, inputs)
    return (activations * output_weights.unsqueeze(-2)).sum(-1) + output_bias.unsqueeze(-1)


def mean_squared_error(parameters: torch.Tensor, data: Dataset) -> torch.Tensor:
    """The data term (1/N) Σ r_n², shape (...): the "training loss" the experiment reports."""
    return ((predict(parameters, data.inputs) - data.targets) ** 2).mean(-1)


def loss(parameters: torch.Tensor, data: Dataset, weight_decay: float = 0.0) -> torch.Tensor:
    """L_ρ(θ) = (1/N) Σ r_n² + (ρ/2)‖θ‖², shape (...), with ρ = ``weight_decay`` (0: the plain MSE)."""
    return mean_squared_error(parameters, data) + 0.5 * weight_decay * (parameters**2).sum(-1)


def _forward(parameters: torch.Tensor, data: Dataset) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Residuals r (..., N), activations h and slopes s = 1 − h² (..., N, H)."""
    _, _, output_weights, output_bias = split_parameters(parameters)
    activations = _hidden_activations(parameters, data.inputs)
    outputs = (activations @ output_weights.unsqueeze(-1)).squeeze(-1) + output_bias.unsqueeze(-1)
    return outputs - data.targets, activations, 1 - activations**2


def _residuals_and_gradient(parameters: torch.Tensor, data: Dataset, weight_decay: float
                            ) -> tuple[torch.Tensor, torch.Tensor]:
    """Residuals r (..., N) and g = (2/N) Σ r_n J_n + ρθ (..., P), without forming J (fewer, smaller operations)."""
    residuals, activations, slopes = _forward(parameters, data)
    _, _, output_weights, _ = split_parameters(parameters)
    weight = (2 / residuals.shape[-1]) * residuals  # (..., N)
    unit_slopes = weight.unsqueeze(-1) * slopes * output_weights.unsqueeze(-2)  # (2/N) r_n v_j s_nj
    inputs_and_ones = torch.stack([data.inputs, torch.ones_like(data.inputs)])  # (2, N)
    gradient = torch.cat([
        (inputs_and_ones @ unit_slopes).flatten(-2),  # ∂/∂w_j = Σ_n (2/N) r_n v_j s x_n, then ∂/∂b_j (no x_n)
        (weight.unsqueeze(-2) @ activations).squeeze(-2),  # ∂/∂v_j = Σ_n (2/N) r_n h_nj
        weight.sum(-1, keepdim=True),  # ∂/∂c
    ], dim=-1)
    return residuals, gradient + weight_decay * parameters


def gradient(parameters: torch.Tensor, data: Dataset, weight_decay: float = 0.0) -> torch.Tensor:
    """g = ∇L_ρ(θ) (..., P) in closed form (what a training step needs, without the loss itself)."""
    return _residuals_and_gradient(parameters, data, weight_decay)[1]


def loss_and_gradient(parameters: torch.Tensor, data: Dataset, weight_decay: float = 0.0
                      ) -> tuple[torch.Tensor, torch.Tensor]:
    """L_ρ (...) and g = ∇L_ρ (..., P), in closed form."""
    residuals, gradient_of_loss = _residuals_and_gradient(parameters, data, weight_decay)
    return (residuals**2).mean(-1) + 0.5 * weight_decay * (parameters**2).sum(-1), gradient_of_loss


def loss_gradient_hessian(parameters: torch.Tensor, data: Dataset, weight_decay: float = 0.0
                          ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """L_ρ (...), g (..., P) and the exact symmetric Hessian H + ρI (..., P, P), in closed form (module docstring)."""
    residuals, activations, slopes = _forward(parameters, data)
    _, _, output_weights, _ = split_parameters(parameters)
    hidden, count = activations.shape[-1], residuals.shape[-1]
    inputs = data.inputs.unsqueeze(-1)
    unit_jacobian = output_weights.unsqueeze(-2) * slopes
    jacobian = torch.cat([unit_jacobian * inputs, unit_jacobian, activations,
                          torch.ones_like(residuals).unsqueeze(-1)], dim=-1)  # J_n = ∇_θ f(x_n), (..., N, P)
    weight = (2 / count) * residuals
    gradient = (weight.unsqueeze(-2) @ jacobian).squeeze(-2)
    hessian = (2 / count) * jacobian.transpose(-1, -2) @ jacobian

    def weighted_sum(per_point: torch.Tensor) -> torch.Tensor:  # Σ_n (2/N) r_n · per_point[n, j] → (..., H)
        return (weight.unsqueeze(-2) @ per_point).squeeze(-2)

    curvature = -2 * activations * slopes  # s′ = d(1 − tanh²)/da
    blocks = {  # (row block, column block): the diagonal of that H×H block of Σ (2/N) r ∇²f
        (0, 0): output_weights * weighted_sum(curvature * inputs**2),
        (0, 1): output_weights * weighted_sum(curvature * inputs),
        (1, 1): output_weights * weighted_sum(curvature),
        (0, 2): weighted_sum(slopes * inputs),
        (1, 2): weighted_sum(slopes),
    }
    second = torch.zeros_like(hessian)
    for (row, column), diagonal in blocks.items():
        block = torch.diag_embed(diagonal)
        second[..., row * hidden:(row + 1) * hidden, column * hidden:(column + 1) * hidden] = block
        if row != column:
            second[..., column * hidden:(column + 1) * hidden, row * hidden:(row + 1) * hidden] = block
    identity = torch.eye(hessian.shape[-1], dtype=hessian.dtype)
    penalty = 0.5 * weight_decay * (parameters**2).sum(-1)
    return ((residuals**2).mean(-1) + penalty, gradient + weight_decay * parameters,
            hessian + second + weight_decay * identity)


def initial_parameters(hidden: int, seed: int, runs: int) -> torch.Tensor:
    """``runs`` random starting points (runs, P), float64; run i depends only on (seed, i), not on ``runs``.

    Each run has its own generator, seeded by ``numpy.random.SeedSequence(seed).spawn``, so the first
    k runs of a batch of 24 are the k runs of a batch of k. Weights and biases are drawn like
    ``torch.nn.Linear``'s default: uniform in ±1/√(fan-in), i.e. ±1 for the hidden layer, ±1/√H for the output.
    """
    count = parameter_count(hidden)
    if isinstance(runs, bool) or not isinstance(runs, (int, np.integer)) or runs < 1:
        raise ValueError(f"the number of runs must be a whole number ≥ 1, got {runs!r}")
    bounds = torch.cat([torch.ones(2 * hidden, dtype=torch.float64),
                        torch.full((hidden + 1,), hidden**-0.5, dtype=torch.float64)])
    rows = []
    for child in np.random.SeedSequence(seed).spawn(int(runs)):
        generator = torch.Generator().manual_seed(int(child.generate_state(1, dtype=np.uint64)[0] >> 1))
        rows.append((2 * torch.rand(count, generator=generator, dtype=torch.float64) - 1) * bounds)
    return torch.stack(rows)

"""One update rule that is gradient descent, momentum, Nesterov, root mean square, Adagrad, RMSProp and Adam.

Every optimizer of the lecture keeps (at most) two running moments of the gradient and divides a
direction by a per-parameter scale. Written once, with per-run coefficients, the same few tensor
operations advance runs of *different* optimizers side by side in one batch.

.. code-block:: text

    input:  η_t (learning rate), g_t (gradient), and per run the coefficients
            β₁, c₁ (first moment), β₂, c₂ (second moment), a_g, a_m (direction),
            adaptive ∈ {0, 1}, bias_correction ∈ {0, 1}, mean_of_squares ∈ {0, 1}, ε
    initialize: m₀ = 0, v₀ = 0
    for t = 1, 2, …:
        m_t = β₁ m_{t-1} + c₁ g_t                      first moment (momentum buffer)
        v_t = β₂ v_{t-1} + c₂ g_t²                     second moment (square average)
        d_t = a_g g_t + a_m m_t                        direction
        b₁ = 1 - β₁ᵗ,  b₂ = 1 - β₂ᵗ   if bias_correction, else b₁ = b₂ = 1
        n_t = t                       if mean_of_squares, else n_t = 1   (v_t is then a sum of t squares)
        s_t = √(v_t / (b₂ n_t)) + ε   if adaptive, else s_t = 1      (the lecture's σ)
        θ_t = θ_{t-1} - η_t d_t / (b₁ s_t)

================  ====  ======  ====  ======  ===  ===  ========  ===============  ===============
rule              β₁    c₁      β₂    c₂      a_g  a_m  adaptive  bias_correction  mean_of_squares
================  ====  ======  ====  ======  ===  ===  ========  ===============  ===============
GD                0     0       0     0       1    0    0         0                0
Momentum          μ     1       0     0       0    1    0         0                0
Nesterov          μ     1       0     0       1    μ    0         0                0
Root mean square  0     0       1     1       1    0    1         0                1
Adagrad           0     0       1     1       1    0    1         0                0
RMSProp           0     0       α     1 - α   1    0    1         0                0
Adam              β₁    1 - β₁  β₂    1 - β₂  0    1    1         1                0
================  ====  ======  ====  ======  ===  ===  ========  ===============  ===============

With these rows the rule reproduces ``torch.optim`` step for step (``SGD``, ``SGD(nesterov=True)``,
``Adagrad``, ``RMSprop``, ``Adam``): torch's momentum buffer starts as the first gradient, which is
what ``m₀ = 0, c₁ = 1`` gives; ε is added *outside* the square root, as in torch and in optax's
``eps`` (optax's ``eps_root`` would go inside).

The lecture writes momentum as a step, ``m^{t+1} = λ m^t − η g^t``, ``θ^{t+1} = θ^t + m^{t+1}``.
Torch (and this module) keep the weighted sum of gradients instead, ``buf = −m/η``; with a constant
η the two give the same trajectory (with a schedule, torch's form rescales the whole buffer by the
current η_t). Nesterov in the lecture's form is ``θ^{t+1} = θ^t + λ m^{t+1} − η g^t``.

The lecture's σ is this module's ``s``. For the lecture's *root mean square* it is the root of the
mean of the past squared gradients: update t (t = 1, 2, …; the lecture's t is one less) divides the
sum ``v_t = g_1² + … + g_t²`` by n_t = t, so ``σ_t = √(v_t / t) + ε``, with ε outside the root as in
torch's Adagrad (and its 1e-10 by default). No ``torch.optim`` class computes this rule. torch's
``Adagrad`` keeps the same sum but never divides it: its σ = √(g_1² + … + g_t²) + ε only grows, which
is the mean's σ times √t (ε aside): the lecture's rule with η decayed as η/√t. Only the mean can
shrink on a flat stretch after steep steps, so only it shows the lecture's late bursts. For RMSProp
``σ_t = √(α σ_{t−1}² + (1 − α) g_t²)`` started from σ = 0, and Adam is RMSProp plus momentum, with
both moments divided by ``1 − βᵗ`` so that they are unbiased in the first steps.

The functions are pure, like optax's ``init``/``update``: nothing passed in is modified.
``update`` is ``step_factors`` (everything that depends on t but not on the gradients) followed by
``apply_update``; the batched runner computes the factors of all steps before its loop and calls
``descent_step``, the arithmetic of ``apply_update`` without the state tuple.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
from torch import Tensor


class MomentsState(NamedTuple):
    """The running moments of one batch of runs, named as in ``torch.optim``.

    ``count`` is the number of updates made so far; ``momentum_buffer`` is m and ``square_avg`` is
    v, both shaped like the parameters (R, 2).
    """

    count: int
    momentum_buffer: Tensor
    square_avg: Tensor


class RuleCoefficients(NamedTuple):
    """Per-run coefficients of the unified rule, each a float64 tensor of shape (R, 1).

    The row of each optimizer is in the table of the module docstring;
    ``optimizers.settings.rule_coefficients`` builds them from user settings.
    """

    first_decay: Tensor
    first_gain: Tensor
    nesterov_gradient: Tensor
    nesterov_buffer: Tensor
    second_decay: Tensor
    second_gain: Tensor
    adaptive: Tensor
    bias_correction: Tensor
    mean_of_squares: Tensor
    eps: Tensor


class StepFactors(NamedTuple):
    """What update t needs besides the state, (R, 1) each; they depend on t but not on the gradients.

    ``step_size`` = η_t / b₁, ``root_factor`` = 1/(b₂ n_t) for adaptive runs and 0 otherwise, and
    ``root_offset`` = ε for adaptive runs and 1 otherwise, so that s = √(v · root_factor) + root_offset.
    """

    step_size: Tensor
    root_factor: Tensor
    root_offset: Tensor


def init(params: Tensor) -> MomentsState:
    """Zero moments for parameters ``params`` (R, 2): m₀ = v₀ = 0, no update made yet."""
    return MomentsState(count=0, momentum_buffer=torch.zeros_like(params), square_avg=torch.zeros_like(params))


def step_factors(coefficients: RuleCoefficients, count: int | Tensor, learning_rates: Tensor) -> StepFactors:
    """The factors of update number ``count`` (t ≥ 1) with rates η_t ``learning_rates`` (R, 1).

    ``count`` and ``learning_rates`` may carry a leading axis of steps, e.g. (T, 1, 1) and (T, R, 1),
    to compute the factors of a whole run before it starts.
    """
    first_correction = 1 - coefficients.bias_correction * coefficients.first_decay**count
    second_correction = 1 - coefficients.bias_correction * coefficients.second_decay**count
    squares_summed = 1 + coefficients.mean_of_squares * (count - 1)  # n_t: t for the mean of squares, else 1
    return StepFactors(
        step_size=learning_rates / first_correction,
        root_factor=coefficients.adaptive / (second_correction * squares_summed),
        root_offset=coefficients.adaptive * coefficients.eps + (1 - coefficients.adaptive),
    )


def scale(square_avg: Tensor, factors: StepFactors) -> Tensor:
    """The per-parameter scale s = √(v / (b₂ n)) + ε of adaptive runs (the lecture's σ), and 1 for the others."""
    return torch.sqrt(square_avg * factors.root_factor) + factors.root_offset


def descent_step(
    grads: Tensor, momentum_buffer: Tensor, square_avg: Tensor, coefficients: RuleCoefficients, factors: StepFactors
) -> tuple[Tensor, Tensor, Tensor]:
    """The step η_t d_t / (b₁ s_t) that θ goes *down* by, and the new moments m_t, v_t.

    The arithmetic of ``apply_update``, without its state tuple: the batched runner calls this in its loop.
    ``torch.addcmul(a, b, c)`` is a + b·c, one operation instead of two, which matters in a loop of tiny
    tensors (and torch computes it with one rounding, a fused multiply-add).
    """
    momentum_buffer = torch.addcmul(coefficients.first_decay * momentum_buffer, coefficients.first_gain, grads)
    # (c₂ g) g rather than c₂ (g g): runs without σ keep v = 0 even when g² would overflow
    square_avg = torch.addcmul(coefficients.second_decay * square_avg, coefficients.second_gain * grads, grads)
    direction = torch.addcmul(coefficients.nesterov_gradient * grads, coefficients.nesterov_buffer, momentum_buffer)
    return factors.step_size * direction / scale(square_avg, factors), momentum_buffer, square_avg


def apply_update(
    grads: Tensor, state: MomentsState, coefficients: RuleCoefficients, factors: StepFactors
) -> tuple[Tensor, MomentsState]:
    """The unified step with its factors already computed: (updates = −step, new state)."""
    step, momentum_buffer, square_avg = descent_step(
        grads, state.momentum_buffer, state.square_avg, coefficients, factors
    )
    return -step, MomentsState(state.count + 1, momentum_buffer, square_avg)


def update(
    grads: Tensor, state: MomentsState, coefficients: RuleCoefficients, learning_rates: Tensor
) -> tuple[Tensor, MomentsState]:
    """One step of the unified rule: ``updates`` to add to the parameters, and the new state.

    ``grads`` (R, 2) are the gradients at the current parameters; ``learning_rates`` (R, 1) is η_t
    of each run for this step.
    """
    factors = step_factors(coefficients, state.count + 1, learning_rates)
    return apply_update(grads, state, coefficients, factors)

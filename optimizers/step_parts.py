r"""What each step of one run is made of: the gradient term, the momentum term, σ, and their sum.

The lecture draws momentum at θ^t as two arrows, the previous movement scaled by λ and the gradient
step −η g^t, whose sum is the movement m^{t+1}. The unified rule (``optimizers.rules``) moves θ by

.. math::

    \Delta_t = -\frac{\eta_t}{b_1 s_t} d_t, \qquad d_t = a_g g_t + a_m m_t, \qquad m_t = \beta_1 m_{t-1} + c_1 g_t,

so every step splits into the part of this step's gradient and the part carried over from the past:

.. math::

    G_t = -\frac{\eta_t}{b_1 s_t} (a_g + a_m c_1)\, g_t, \qquad
    M_t = -\frac{\eta_t}{b_1 s_t}\, a_m \beta_1 m_{t-1}, \qquad \Delta_t = G_t + M_t.

For momentum with a constant η, G = −η g and M = λ·(the previous movement): the lecture's picture.
Nesterov's G = −η(1 + λ) g and M = −ηλ² m_{t−1} (its form θ + λm^{t+1} − ηg, expanded). Rules
without momentum have M = 0. For the adaptive rules σ = s_t is the per-parameter scale: the step is
−η g/σ where plain gradient descent would take ``gradient_step`` = −η g; ``rate`` = η/σ per axis is
``Trajectories.effective_step``.

The moments come from the rule itself (``optimizers.rules.descent_step``), replayed on the gradients
the run followed: ∇L as recorded, or its batch's gradient (``optimizers.minibatch``), plus the injected
noise (``optimizers.noise``), exactly as ``optimizers.trajectory`` feeds them to the rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from optimizers.minibatch import ExampleLosses, batch_gradients, example_count, uses_minibatches
from optimizers.noise import gradient_noise
from optimizers.rules import descent_step, init, scale, step_factors
from optimizers.settings import OptimizerSettings, rule_coefficients
from optimizers.trajectory import Trajectories


@dataclass(frozen=True, eq=False)
class StepParts:
    """The updates of one run, row k for the update from θ_k to θ_{k+1} (k = 0 … n − 2), float64.

    ``gradient`` (n−1, 2) is the gradient the update followed (noise and batch included),
    ``learning_rate`` (n−1,) its η_k, ``gradient_step`` = −η_k g_k, ``gradient_term`` G and
    ``momentum_term`` M (n−1, 2) sum to ``step`` = θ_{k+1} − θ_k; ``sigma`` (n−1, 2) is the lecture's σ
    (1 for rules without one); ``momentum_buffer`` and ``square_avg`` are the rule's moments after the
    update (torch's ``momentum_buffer`` / ``exp_avg`` and ``square_avg`` / ``exp_avg_sq``).
    ``has_momentum`` and ``adaptive`` say whether the rule has an M term and a σ at all.
    """

    gradient: np.ndarray
    learning_rate: np.ndarray
    gradient_step: np.ndarray
    gradient_term: np.ndarray
    momentum_term: np.ndarray
    step: np.ndarray
    sigma: np.ndarray
    momentum_buffer: np.ndarray
    square_avg: np.ndarray
    has_momentum: bool
    adaptive: bool

    @property
    def rate(self) -> np.ndarray:
        """η_k / σ_k per axis, (n−1, 2): how far one unit of gradient moves each coordinate."""
        return self.learning_rate[:, None] / self.sigma

    @property
    def updates(self) -> int:
        return len(self.learning_rate)


def followed_gradients(trajectories: Trajectories, run: int, settings: OptimizerSettings,
                       example_losses: ExampleLosses | None = None) -> np.ndarray:
    """The gradient each valid update of ``run`` followed, (n−1, 2): what ``run_trajectories`` fed its rule.

    That is ∇L at θ_k (recorded), or for a mini-batch run the gradient of update k's batch (recomputed at
    the recorded θ_k), plus σξ_k of the run's injected noise.
    """
    updates = int(trajectories.lengths[run]) - 1
    points = torch.from_numpy(np.array(trajectories.theta[run, :updates]))
    gradients = torch.from_numpy(np.array(trajectories.gradient[run, :updates]))
    count = example_count(example_losses, [settings], points[:1]) if example_losses is not None else 0
    if updates and uses_minibatches(settings, count):
        batch_gradient = batch_gradients(example_losses, [settings], count, updates)
        gradients = torch.cat([batch_gradient(step, points[step:step + 1]) for step in range(updates)])
    noise = gradient_noise([settings], updates)
    if noise is not None:
        gradients = gradients + noise[:, 0]
    return gradients.numpy()


def step_parts(trajectories: Trajectories, run: int, settings: OptimizerSettings,
               example_losses: ExampleLosses | None = None) -> StepParts:
    """The parts of every valid update of ``run`` of ``trajectories``, which ``settings`` made.

    ``example_losses`` is the surface's, needed only when ``settings`` trains on mini-batches.
    """
    gradients = torch.from_numpy(followed_gradients(trajectories, run, settings, example_losses))
    updates = len(gradients)
    coefficients = rule_coefficients([settings])
    rates = torch.from_numpy(np.array(trajectories.learning_rate[run, :updates])).reshape(updates, 1)
    counts = torch.arange(1, updates + 1, dtype=torch.float64).reshape(updates, 1)
    factors = step_factors(coefficients, counts, rates)  # row t is update t + 1's; root_offset is (1, 1)
    factors = type(factors)(*(factor.expand(updates, 1) for factor in factors))
    state = init(gradients[:1])
    momentum_buffer, square_avg = state.momentum_buffer, state.square_avg
    descents, buffers, squares = [], [state.momentum_buffer], []
    for step in range(updates):
        descent, momentum_buffer, square_avg = descent_step(
            gradients[step:step + 1], momentum_buffer, square_avg, coefficients,
            type(factors)(*(factor[step:step + 1] for factor in factors)))
        descents.append(descent)
        buffers.append(momentum_buffer)
        squares.append(square_avg)
    has_momentum, adaptive = _rule_has(coefficients)
    if not updates:
        empty = np.zeros((0, 2))
        return StepParts(empty, np.zeros(0), *([empty] * 7), has_momentum, adaptive)
    buffers, squares = torch.cat(buffers), torch.cat(squares)
    sigma = scale(squares, factors)
    per_unit = factors.step_size / sigma  # η_t / (b₁ s_t)
    gradient_share = coefficients.nesterov_gradient + coefficients.nesterov_buffer * coefficients.first_gain
    momentum_share = coefficients.nesterov_buffer * coefficients.first_decay
    return StepParts(
        gradient=gradients.numpy(),
        learning_rate=rates.reshape(updates).numpy(),
        gradient_step=(-rates * gradients).numpy(),
        gradient_term=(-per_unit * gradient_share * gradients).numpy(),
        momentum_term=(-per_unit * momentum_share * buffers[:-1]).numpy(),
        step=(-torch.cat(descents)).numpy(),
        sigma=sigma.numpy(),
        momentum_buffer=buffers[1:].numpy(),
        square_avg=squares.numpy(),
        has_momentum=has_momentum,
        adaptive=adaptive,
    )


def _rule_has(coefficients) -> tuple[bool, bool]:
    """(whether the rule carries a momentum term, whether it divides by σ)."""
    has_momentum = bool((coefficients.nesterov_buffer * coefficients.first_decay != 0).any())
    return has_momentum, bool((coefficients.adaptive != 0).any())

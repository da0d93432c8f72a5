"""What each step is made of (optimizers.step_parts) against the runner's own steps and torch.optim's state."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from optimizers.schedules import Schedule
from optimizers.settings import OptimizerKind, OptimizerSettings
from optimizers.step_parts import step_parts
from optimizers.trajectory import run_trajectories
from surfaces.catalogue import get_surface
from tests.unit.test_optimizers import WIDE, himmelblau, rosenbrock, torch_optimizer

STEPS = 120
EVERY_RULE = [
    OptimizerSettings(OptimizerKind.GD, lr=1e-3),
    OptimizerSettings(OptimizerKind.MOMENTUM, lr=5e-4, momentum=0.9),
    OptimizerSettings(OptimizerKind.NESTEROV, lr=5e-4, momentum=0.8),
    OptimizerSettings(OptimizerKind.ROOT_MEAN_SQUARE, lr=0.05),
    OptimizerSettings(OptimizerKind.ADAGRAD, lr=0.3),
    OptimizerSettings(OptimizerKind.RMSPROP, lr=0.01, alpha=0.9),
    OptimizerSettings(OptimizerKind.ADAM, lr=0.05, betas=(0.8, 0.99)),
    OptimizerSettings(OptimizerKind.MOMENTUM, lr=5e-4, schedule=Schedule("exponential", gamma=0.99)),
    OptimizerSettings(OptimizerKind.ADAM, lr=0.05, schedule=Schedule("warmup_cosine", warmup_steps=20, total_steps=STEPS)),
    OptimizerSettings(OptimizerKind.MOMENTUM, lr=5e-4, noise=3.0, seed=4),
    OptimizerSettings(OptimizerKind.RMSPROP, lr=0.01, noise=2.0, seed=1),
]


@pytest.fixture(scope="module")
def raced():
    """Every rule in one batched race on Rosenbrock, as the explorer runs them."""
    return run_trajectories(rosenbrock, [(-1.5, 2.0)] * len(EVERY_RULE), EVERY_RULE, STEPS, WIDE)


def taken_steps(trajectories, run: int) -> np.ndarray:
    length = int(trajectories.lengths[run])
    return np.diff(trajectories.theta[run, :length], axis=0)


@pytest.mark.parametrize("run", range(len(EVERY_RULE)), ids=[f"{s.kind.value}-{i}" for i, s in enumerate(EVERY_RULE)])
def test_the_parts_add_up_to_the_step_the_runner_took(raced, run):
    parts = step_parts(raced, run, EVERY_RULE[run])
    taken = taken_steps(raced, run)
    assert parts.updates == len(taken) == STEPS
    np.testing.assert_allclose(parts.gradient_term + parts.momentum_term, taken, rtol=0, atol=1e-12)
    np.testing.assert_allclose(parts.step, taken, rtol=0, atol=1e-12)
    # η/σ per axis is the per-parameter step the runner recorded
    np.testing.assert_allclose(parts.rate, raced.effective_step[run], rtol=1e-12)
    np.testing.assert_allclose(parts.gradient_step, -parts.learning_rate[:, None] * parts.gradient, rtol=1e-15)


def test_mini_batch_steps_add_up_too():
    """On a surface defined by data, a batch of one example per update: the parts follow each batch's gradient."""
    surface = get_surface("biased_toy")
    settings = [OptimizerSettings("gd", 0.1), OptimizerSettings("momentum", 0.05, batch_size=1, seed=2),
                OptimizerSettings("adam", 0.05, batch_size=3, seed=0, noise=0.5)]
    trajectories = run_trajectories(surface.loss, [(0.0, 0.0)] * 3, settings, 80, surface.domain.padded(1.0).bounds,
                                    example_losses=surface.example_losses)
    for run in (1, 2):
        parts = step_parts(trajectories, run, settings[run], surface.example_losses)
        np.testing.assert_allclose(parts.gradient_term + parts.momentum_term, taken_steps(trajectories, run),
                                   rtol=0, atol=1e-12)
        assert not np.allclose(parts.gradient, trajectories.gradient[run, :80])  # not the full gradient
    # full-batch gradient descent from the saddle: ∇L = 0, no step, nothing to draw
    still = step_parts(trajectories, 0, settings[0], surface.example_losses)
    assert not still.step.any() and not still.gradient.any()


def torch_states(loss, start, setting: OptimizerSettings, steps: int) -> list[dict[str, np.ndarray]]:
    """torch.optim's state after each step (a copy of every tensor in it)."""
    parameter = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = torch_optimizer(setting, parameter)
    states = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss(parameter).backward()
        optimizer.step()
        states.append({name: value.detach().clone().numpy() for name, value in optimizer.state[parameter].items()
                       if isinstance(value, torch.Tensor) and value.ndim})
    return states


TORCH_CASES = [
    (OptimizerSettings(OptimizerKind.MOMENTUM, lr=5e-4, momentum=0.9), {"momentum_buffer": "momentum_buffer"}),
    (OptimizerSettings(OptimizerKind.NESTEROV, lr=5e-4, momentum=0.8), {"momentum_buffer": "momentum_buffer"}),
    (OptimizerSettings(OptimizerKind.ADAGRAD, lr=0.3), {"square_avg": "sum"}),
    (OptimizerSettings(OptimizerKind.RMSPROP, lr=0.01, alpha=0.9), {"square_avg": "square_avg"}),
    (OptimizerSettings(OptimizerKind.ADAM, lr=0.05, betas=(0.8, 0.99)), {"momentum_buffer": "exp_avg",
                                                                          "square_avg": "exp_avg_sq"}),
]


@pytest.mark.parametrize(("setting", "names"), TORCH_CASES, ids=[case[0].kind.value for case in TORCH_CASES])
def test_the_moments_and_sigma_are_torch_optims_state(setting, names):
    start = (0.3, 0.2)
    trajectories = run_trajectories(himmelblau, [start], [setting], 60, WIDE)
    parts = step_parts(trajectories, 0, setting)
    states = torch_states(himmelblau, start, setting, 60)
    for ours, theirs in names.items():
        expected = np.array([state[theirs] for state in states])
        np.testing.assert_allclose(getattr(parts, ours), expected, rtol=1e-9, atol=1e-12, err_msg=f"{ours} vs {theirs}")
    if setting.kind is OptimizerKind.ADAM:  # torch: σ = √(v / (1 − β₂ᵗ)) + ε
        corrections = 1 - setting.betas[1] ** np.arange(1, 61)
        sigma = np.sqrt(np.array([state["exp_avg_sq"] for state in states]) / corrections[:, None]) + setting.eps
        np.testing.assert_allclose(parts.sigma, sigma, rtol=1e-9)
    elif setting.kind.is_adaptive:  # torch's RMSprop and Adagrad: σ = √v + ε
        sigma = np.sqrt(np.array([state[names["square_avg"]] for state in states])) + setting.eps
        np.testing.assert_allclose(parts.sigma, sigma, rtol=1e-9)
    else:
        assert (parts.sigma == 1).all()


def test_momentum_with_a_constant_rate_is_the_lectures_picture(raced):
    """The help text's claim: the momentum term is λ times the previous movement, the gradient term −ηg."""
    run, setting = 1, EVERY_RULE[1]
    parts = step_parts(raced, run, setting)
    taken = taken_steps(raced, run)
    assert parts.has_momentum and not parts.adaptive
    np.testing.assert_allclose(parts.momentum_term[1:], setting.momentum * taken[:-1], rtol=1e-12, atol=1e-15)
    assert not parts.momentum_term[0].any()  # no previous movement before the first step
    np.testing.assert_allclose(parts.gradient_term, -setting.lr * parts.gradient, rtol=1e-15)


def test_nesterov_splits_into_its_lecture_form(raced):
    """θ + λm^{t+1} − ηg = θ + λ²m^t − η(1 + λ)g: G = −η(1 + λ)g, M = λ² times the previous movement."""
    run, setting = 2, EVERY_RULE[2]
    parts = step_parts(raced, run, setting)
    taken = taken_steps(raced, run)
    np.testing.assert_allclose(parts.gradient_term, -setting.lr * (1 + setting.momentum) * parts.gradient, rtol=1e-14)
    # the previous movement m^t = −η·buf_{t−1}, and M = −η λ² buf_{t−1}
    np.testing.assert_allclose(parts.momentum_term[1:], -setting.lr * setting.momentum**2 * parts.momentum_buffer[:-1],
                               rtol=1e-12, atol=1e-15)
    assert not np.allclose(parts.momentum_term[1:], setting.momentum * taken[:-1])  # not plain momentum's λ·Δ


@pytest.mark.parametrize("run", [0, 3, 4, 5])
def test_rules_without_momentum_are_all_gradient_term(raced, run):
    parts = step_parts(raced, run, EVERY_RULE[run])
    assert not parts.has_momentum and not parts.momentum_term.any()
    np.testing.assert_allclose(parts.gradient_term, parts.step, rtol=1e-15)
    assert parts.adaptive == EVERY_RULE[run].kind.is_adaptive
    # the adaptive step is −ηg/σ per axis
    np.testing.assert_allclose(parts.step, parts.gradient_step / parts.sigma, rtol=1e-12)


def test_a_run_that_diverged_has_parts_for_its_valid_updates_only():
    setting = OptimizerSettings(OptimizerKind.GD, lr=1.0)
    trajectories = run_trajectories(himmelblau, [(0.3, 0.2)], [setting], 50, (-6.0, 6.0, -6.0, 6.0))
    assert trajectories.diverged_at[0] is not None
    parts = step_parts(trajectories, 0, setting)
    assert parts.updates == trajectories.lengths[0] - 1
    assert np.isfinite(parts.step).all()
    none = step_parts(run_trajectories(himmelblau, [(0.3, 0.2)], [setting], 0, WIDE), 0, setting)
    assert none.updates == 0 and none.step.shape == (0, 2)

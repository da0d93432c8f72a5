"""The unified update rule against torch.optim, and the convergence behaviour the lecture describes."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from optimizers.rules import init, update
from optimizers.schedules import Schedule, learning_rates
from optimizers.settings import (
    LECTURE_LATEX,
    OptimizerKind,
    OptimizerSettings,
    learning_rate_sweep,
    rule_coefficients,
)
from optimizers.trajectory import run_trajectories

STEPS = 200
WIDE = (-50.0, 50.0, -50.0, 50.0)


def rosenbrock(points):
    x, y = points[..., 0], points[..., 1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def himmelblau(points):
    x, y = points[..., 0], points[..., 1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def booth(points):
    x, y = points[..., 0], points[..., 1]
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


def ravine(points):
    x, y = points[..., 0], points[..., 1]
    return 0.5 * (x**2 + 100 * y**2)


def torch_optimizer(setting: OptimizerSettings, parameter: torch.Tensor) -> torch.optim.Optimizer:
    """torch.optim's own optimizer for ``setting``, from the same keyword values."""
    kind, lr = setting.kind, setting.lr
    if kind is OptimizerKind.GD:
        return torch.optim.SGD([parameter], lr=lr)
    if kind in (OptimizerKind.MOMENTUM, OptimizerKind.NESTEROV):
        return torch.optim.SGD([parameter], lr=lr, momentum=setting.momentum, nesterov=kind is OptimizerKind.NESTEROV)
    if kind is OptimizerKind.ADAGRAD:
        return torch.optim.Adagrad([parameter], lr=lr, eps=setting.eps)
    if kind is OptimizerKind.RMSPROP:
        return torch.optim.RMSprop([parameter], lr=lr, alpha=setting.alpha, eps=setting.eps)
    return torch.optim.Adam([parameter], lr=lr, betas=setting.betas, eps=setting.eps)


SQUARE_STATE = {OptimizerKind.ADAGRAD: "sum", OptimizerKind.RMSPROP: "square_avg", OptimizerKind.ADAM: "exp_avg_sq"}


def torch_run(loss, start, setting: OptimizerSettings, steps: int):
    """θ_0 … θ_T with torch.optim, the schedule applied by setting the group's lr before each step,
    and the per-parameter step η_t / σ read from torch's optimizer state."""
    parameter = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = torch_optimizer(setting, parameter)
    rates = learning_rates(setting.schedule, setting.lr, steps)
    path, effective = [parameter.detach().clone()], []
    for step in range(steps):
        optimizer.zero_grad()
        loss(parameter).backward()
        optimizer.param_groups[0]["lr"] = float(rates[step])
        optimizer.step()
        path.append(parameter.detach().clone())
        effective.append(torch_effective_step(optimizer, parameter, setting, rates[step]))
    return torch.stack(path).numpy(), np.array(effective).reshape(steps, 2)


def torch_effective_step(optimizer, parameter, setting: OptimizerSettings, rate: float) -> np.ndarray:
    if setting.kind not in SQUARE_STATE:
        return np.full(2, rate)
    state = optimizer.state[parameter]
    square = state[SQUARE_STATE[setting.kind]].numpy()
    if setting.kind is OptimizerKind.ADAM:
        square = square / (1 - setting.betas[1] ** float(state["step"]))
    return rate / (np.sqrt(square) + setting.eps)


CASES = [
    OptimizerSettings(OptimizerKind.GD, lr=1e-3),
    OptimizerSettings(OptimizerKind.MOMENTUM, lr=5e-4, momentum=0.9),
    OptimizerSettings(OptimizerKind.NESTEROV, lr=5e-4, momentum=0.8),
    OptimizerSettings(OptimizerKind.ADAGRAD, lr=0.3),
    OptimizerSettings(OptimizerKind.RMSPROP, lr=0.01, alpha=0.9),
    OptimizerSettings(OptimizerKind.RMSPROP, lr=0.003),
    OptimizerSettings(OptimizerKind.ADAM, lr=0.05, betas=(0.8, 0.99)),
    OptimizerSettings(OptimizerKind.ADAM, lr=0.02, eps=1e-6),
    OptimizerSettings(OptimizerKind.MOMENTUM, lr=5e-4, schedule=Schedule("exponential", gamma=0.99)),
    OptimizerSettings(OptimizerKind.ADAM, lr=0.05, schedule=Schedule("warmup_cosine", warmup_steps=20, total_steps=STEPS)),
    OptimizerSettings(OptimizerKind.RMSPROP, lr=0.01, schedule=Schedule("step", step_size=30, gamma=0.5)),
    OptimizerSettings(OptimizerKind.NESTEROV, lr=5e-4, schedule=Schedule("warmup_inverse_sqrt", warmup_steps=10)),
]


@pytest.mark.parametrize(
    ("loss", "starts"),
    [(rosenbrock, [(-1.5, 2.0)]), (himmelblau, [(0.3, 0.2), (-1.0, -3.5)])],
    ids=["rosenbrock", "himmelblau"],
)
def test_every_rule_matches_torch_optim_while_batched_with_the_others(loss, starts):
    settings = [setting for _ in starts for setting in CASES]
    points = [start for start in starts for _ in CASES]
    ours = run_trajectories(loss, points, settings, STEPS, WIDE)
    assert ours.diverged_at == (None,) * len(settings)
    for run, (setting, start) in enumerate(zip(settings, points)):
        path, effective = torch_run(loss, start, setting, STEPS)
        np.testing.assert_allclose(ours.theta[run], path, rtol=0, atol=1e-6, err_msg=f"{setting}")
        np.testing.assert_allclose(ours.effective_step[run], effective, rtol=1e-6, err_msg=f"{setting}")
        np.testing.assert_allclose(ours.learning_rate[run], learning_rates(setting.schedule, setting.lr, STEPS))


def test_recorded_loss_and_gradient_are_those_of_the_recorded_points():
    result = run_trajectories(himmelblau, [(0.3, 0.2)], [CASES[6]], 50, WIDE)
    x, y = result.theta[0, :, 0], result.theta[0, :, 1]
    gradient = np.stack([4 * x * (x**2 + y - 11) + 2 * (x + y**2 - 7), 2 * (x**2 + y - 11) + 4 * y * (x + y**2 - 7)], -1)
    np.testing.assert_allclose(result.loss[0], himmelblau(result.theta[0]), rtol=1e-12)
    np.testing.assert_allclose(result.gradient[0], gradient, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(result.gradient_norm[0], np.linalg.norm(gradient, axis=1), rtol=1e-10, atol=1e-10)


def test_the_pure_update_function_matches_torch_and_leaves_its_inputs_alone():
    settings = CASES[:8]
    coefficients = rule_coefficients(settings)
    start = [(-1.5, 2.0)] * len(settings)
    params = torch.tensor(start, dtype=torch.float64)
    state = init(params)
    rates = torch.tensor([[setting.lr] for setting in settings], dtype=torch.float64)
    for _ in range(60):
        leaf = params.clone().requires_grad_(True)
        (grads,) = torch.autograd.grad(rosenbrock(leaf).sum(), leaf)
        kept = (grads.clone(), state.momentum_buffer.clone(), state.square_avg.clone())
        updates, new_state = update(grads, state, coefficients, rates)
        for before, after in zip(kept, (grads, state.momentum_buffer, state.square_avg)):
            assert torch.equal(before, after)
        assert new_state.count == state.count + 1
        params, state = params + updates, new_state
    for run, setting in enumerate(settings):
        path, _ = torch_run(rosenbrock, start[run], setting, 60)
        np.testing.assert_allclose(params[run].numpy(), path[-1], rtol=0, atol=1e-9, err_msg=f"{setting}")


def test_gradient_descent_momentum_and_adam_find_the_minimum_of_booth():
    settings = [OptimizerSettings("gd", 0.05), OptimizerSettings("momentum", 0.01), OptimizerSettings("adam", 0.1)]
    result = run_trajectories(booth, [(-4.0, -4.0)] * 3, settings, 1000, WIDE)
    np.testing.assert_allclose(result.theta[:, -1], [(1.0, 3.0)] * 3, atol=1e-3)


def test_adam_gets_close_to_the_bottom_of_the_rosenbrock_valley():
    result = run_trajectories(rosenbrock, [(-1.5, 2.0)], [OptimizerSettings("adam", 0.1)], 1000, WIDE)
    np.testing.assert_allclose(result.theta[0, -1], (1.0, 1.0), atol=0.01)
    assert result.loss[0, -1] < 1e-4 * result.loss[0, 0]


def test_gradient_descent_zig_zags_down_a_ravine_where_rmsprop_does_not():
    settings = [OptimizerSettings("gd", 0.019), OptimizerSettings("rmsprop", 0.01)]
    result = run_trajectories(ravine, [(-4.0, 1.0)] * 2, settings, 100, WIDE)
    sign_changes = (np.diff(np.sign(result.theta[:, :, 1]), axis=1) != 0).sum(axis=1)
    assert sign_changes[0] == 100  # y ← (1 − 100η) y = −0.9 y: the sign flips at every step
    assert sign_changes[1] <= 2


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"lr": -1}, "learning rate must be positive, got -1"),
        ({"lr": 0.0}, "learning rate must be positive"),
        ({"lr": float("nan")}, "learning rate must be positive"),
        ({"lr": 1000.0}, "learning rate must be at most 100"),
        ({"momentum": 1.0}, r"momentum must be in \[0, 1\), got 1"),
        ({"momentum": -0.1}, "momentum must be in"),
        ({"alpha": 1.5}, r"alpha must be in \[0, 1\], got 1.5"),
        ({"betas": (1.0, 0.999)}, r"betas\[0\] \(β₁\) must be in \[0, 1\)"),
        ({"betas": (0.9, -0.1)}, r"betas\[1\] \(β₂\) must be in"),
        ({"betas": (0.9,)}, "betas must be a pair"),
        ({"eps": 0.0}, "eps must be positive"),
        ({"noise": -1.0}, "noise must be ≥ 0"),
        ({"seed": -3}, "seed must be a whole number"),
        ({"schedule": "constant"}, "schedule must be a Schedule"),
        ({"kind": "sgd"}, "unknown optimizer 'sgd'; choose one of gd, momentum"),
    ],
)
def test_settings_reject_bad_values_with_a_readable_message(keywords, message):
    arguments = {"kind": "adam", "lr": 0.1} | keywords
    with pytest.raises(ValueError, match=message):
        OptimizerSettings(**arguments)


def test_settings_take_torch_defaults_and_names():
    assert OptimizerSettings("adam", 0.1).eps == 1e-8
    assert OptimizerSettings("rmsprop", 0.1).eps == 1e-8
    assert OptimizerSettings("adagrad", 0.1).eps == 1e-10
    assert OptimizerSettings("rms", 0.1).eps == 1e-10  # the lecture's rule takes Adagrad's ε, outside the root
    assert OptimizerSettings("gd", 0.1).eps is None
    assert OptimizerSettings("adam", 0.1).kind is OptimizerKind.ADAM
    assert OptimizerSettings("adam", 0.1) == OptimizerSettings(OptimizerKind.ADAM, 0.1, eps=1e-8)
    changed = OptimizerSettings("rmsprop", 0.1, alpha=0.9, noise=2.0, seed=4).with_lr(0.3)
    assert changed == OptimizerSettings("rmsprop", 0.3, alpha=0.9, noise=2.0, seed=4)
    with pytest.raises(ValueError, match="learning rate must be positive"):
        changed.with_lr(-0.1)


def test_every_rule_has_a_label_and_the_lecture_formula():
    assert [kind.label for kind in OptimizerKind] == [
        "Gradient descent", "Momentum", "Nesterov", "Root mean square (lecture)", "Adagrad (torch, sum of squares)",
        "RMSProp", "Adam"
    ]
    assert set(LECTURE_LATEX) == set(OptimizerKind)
    assert r"\lambda m^t - \eta^t g^t" in OptimizerKind.MOMENTUM.latex
    assert r"\alpha \left(\sigma_i^{t-1}\right)^2 + (1-\alpha)" in OptimizerKind.RMSPROP.latex
    assert r"\sqrt{\frac{1}{t+1}\sum_{k=0}^{t} \left(g_i^k\right)^2}" in OptimizerKind.ROOT_MEAN_SQUARE.latex
    assert r"\sqrt{\sum_{k=0}^{t} \left(g_i^k\right)^2}" in OptimizerKind.ADAGRAD.latex  # torch's sum, no mean
    assert OptimizerKind("adam") is OptimizerKind.ADAM


# ── The lecture's root mean square: no torch.optim class computes it, so closed forms and a hand loop ──

def rosenbrock_gradient(theta: np.ndarray) -> np.ndarray:
    x, y = theta
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


def lecture_root_mean_square(start, lr: float, rates: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    """The lecture's formula, one step at a time in numpy: σ_i^t = √(1/(t+1) Σ_{k≤t} (g_i^k)²) + ε,
    θ^{t+1} = θ^t − η^t g^t / σ^t. Returns θ^0 … θ^T and η^t/σ^t."""
    theta, squares = np.array(start, dtype=float), []
    path, effective = [theta], []
    for rate in rates:
        gradient = rosenbrock_gradient(theta)
        squares.append(gradient**2)
        sigma = np.sqrt(np.mean(squares, axis=0)) + eps
        theta = theta - rate * gradient / sigma
        path.append(theta)
        effective.append(rate / sigma)
    return np.array(path), np.array(effective)


@pytest.mark.parametrize("schedule", [Schedule(), Schedule("warmup_cosine", warmup_steps=20, total_steps=STEPS)],
                         ids=["constant", "warmup_cosine"])
def test_root_mean_square_is_the_lecture_formula_computed_by_hand(schedule):
    setting = OptimizerSettings(OptimizerKind.ROOT_MEAN_SQUARE, 0.01, schedule=schedule)
    others = [CASES[3], CASES[6]]  # batched with torch's Adagrad and Adam, which must not change
    ours = run_trajectories(rosenbrock, [(-1.5, 2.0)] * 3, [setting, *others], STEPS, WIDE)
    path, effective = lecture_root_mean_square((-1.5, 2.0), setting.lr, learning_rates(schedule, setting.lr, STEPS),
                                               setting.eps)
    np.testing.assert_allclose(ours.theta[0], path, rtol=0, atol=1e-9)
    np.testing.assert_allclose(ours.effective_step[0], effective, rtol=1e-9)  # the η/σ the curves show
    for run, other in enumerate(others, start=1):
        np.testing.assert_allclose(ours.theta[run], torch_run(rosenbrock, (-1.5, 2.0), other, STEPS)[0], atol=1e-6)


def test_root_mean_square_by_the_pure_update_function():
    setting = OptimizerSettings(OptimizerKind.ROOT_MEAN_SQUARE, 0.02)
    params = torch.tensor([(-1.5, 2.0)], dtype=torch.float64)
    state, coefficients = init(params), rule_coefficients([setting])
    for _ in range(60):
        grads = torch.from_numpy(rosenbrock_gradient(params[0].numpy())).reshape(1, 2)
        updates, state = update(grads, state, coefficients, torch.tensor([[setting.lr]], dtype=torch.float64))
        params = params + updates
    path, _ = lecture_root_mean_square((-1.5, 2.0), setting.lr, np.full(60, setting.lr), setting.eps)
    np.testing.assert_allclose(params[0].numpy(), path[-1], rtol=0, atol=1e-10)


def test_on_a_constant_slope_the_mean_keeps_the_step_and_torch_adagrad_shrinks_it():
    """L = c·x + d·y: every gradient is (c, d), so the mean of squares is c², σ = |c| and each step is η;
    torch's Adagrad sums t + 1 squares, σ = |c|√(t+1), so its t-th step is η/√(t+1)."""
    slope = (3.0, -0.25)

    def plane(points):
        return slope[0] * points[..., 0] + slope[1] * points[..., 1]

    lr, steps = 0.1, 50
    settings = [OptimizerSettings("rms", lr, eps=1e-300), OptimizerSettings("adagrad", lr, eps=1e-300)]
    result = run_trajectories(plane, [(0.0, 0.0)] * 2, settings, steps, WIDE)
    t = np.arange(steps + 1)[:, None]
    signs = -np.sign(slope)
    np.testing.assert_allclose(result.theta[0], lr * t * signs, rtol=1e-12, atol=1e-15)
    adagrad_steps = np.concatenate([[0.0], np.cumsum(lr / np.sqrt(np.arange(1, steps + 1)))])[:, None]
    np.testing.assert_allclose(result.theta[1], adagrad_steps * signs, rtol=1e-12, atol=1e-15)


def test_torch_adagrad_is_the_lecture_rule_with_eta_over_root_t():
    """What the rule note says: Adagrad's σ is the mean's σ times √(t+1), i.e. η/√(t+1) with the mean (ε aside)."""
    inverse_root = Schedule("warmup_inverse_sqrt", warmup_steps=1)  # η min(t+1, 1/√(t+1)) = η/√(t+1)
    settings = [OptimizerSettings("adagrad", 0.3), OptimizerSettings("rms", 0.3, schedule=inverse_root)]
    result = run_trajectories(himmelblau, [(0.3, 0.2)] * 2, settings, STEPS, WIDE)
    np.testing.assert_allclose(result.theta[1], result.theta[0], rtol=0, atol=1e-8)


@pytest.mark.parametrize("lr", [1e-4, 0.013, 0.5, 99.0, 100.0])
def test_the_sweep_is_log_spaced_around_the_chosen_rate_and_contains_it(lr):
    rates = np.array(learning_rate_sweep(OptimizerSettings("gd", lr)))
    assert len(rates) == 32
    assert lr in rates
    assert np.all(np.diff(rates) > 0)
    ratios = rates[1:] / rates[:-1]
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-12)  # evenly spaced on a log axis
    high = min(lr * 30, 100.0)
    assert lr / 30 / ratios[0] <= rates[0] <= lr / 30 * (1 + 1e-12)
    assert high / ratios[0] <= rates[-1] <= high * (1 + 1e-12)
    assert all(OptimizerSettings("gd", lr).with_lr(rate).lr == rate for rate in rates)


def test_the_sweep_checks_its_range():
    setting = OptimizerSettings("gd", 0.1)
    assert learning_rate_sweep(setting, count=5, low=0.01, high=1.0) == pytest.approx((0.01, 0.1 / 10**0.5, 0.1, 10**-0.5, 1.0), rel=1e-12)
    with pytest.raises(ValueError, match="low ≤ lr ≤ high"):
        learning_rate_sweep(setting, low=0.2)
    with pytest.raises(ValueError, match="at least 2"):
        learning_rate_sweep(setting, count=1)

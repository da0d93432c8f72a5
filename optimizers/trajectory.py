"""Many optimizer runs on one loss surface, advanced together in a single tensor loop.

Runs of different optimizers share the loop: each run's rule is a row of per-run coefficients
(see ``optimizers.rules``), so a step is one forward pass and one ``torch.autograd.grad`` for all
R runs, then one unified update. The loss must be batched (a point is the last axis, of size 2)
and must treat the points independently, as every surface does; then the runs never interact.

On tensors this small torch's per-operation overhead, not the arithmetic, is the cost, so the
forward and backward passes are recorded once and replayed at the later steps
(``optimizers.operation_tape``): the same operations and bits at a quarter of the cost, with eager
autograd as the fallback for a loss whose recording cannot be replayed faithfully.

A run *diverges* when its parameters, loss or gradient stop being finite numbers or it leaves the
allowed box. Its later values are then discarded (runs do not interact, so this is the same as stopping
it there), and every stored array repeats the last valid value instead of holding a NaN.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from optimizers.noise import gradient_noise
from optimizers.operation_tape import record_operations
from optimizers.rules import StepFactors, descent_step, init, scale, step_factors
from optimizers.schedules import learning_rates
from optimizers.settings import OptimizerSettings, rule_coefficients

MAX_STEPS = 5000
DIVERGENCE_CHECK_EVERY = 50
# Where in the box (as fractions of its width and height) the replayed tape must match eager autograd
# exactly before the loop uses it: a second point, not special for any surface, besides the start.
CHECK_POINT_FRACTIONS = torch.tensor([0.382, 0.618], dtype=torch.float64)
Loss = Callable[[torch.Tensor], torch.Tensor]
REASONS = {
    "step": "its step became infinite",
    "outside": "it left the plotted region",
    "loss": "the loss became infinite or undefined",
    "gradient": "the gradient became infinite or undefined",
}


@dataclass(frozen=True, eq=False)
class Trajectories:
    """The recorded runs, float64 numpy arrays with no NaN; run r is valid up to ``lengths[r]``.

    ``theta`` (R, T+1, 2), ``loss`` (R, T+1), ``gradient`` (R, T+1, 2) and ``gradient_norm`` (R, T+1)
    are taken at θ_0 … θ_T; the gradient is the true one, without batch noise. ``learning_rate``
    (R, T) is η_t of update t + 1 as scheduled, and ``effective_step`` (R, T, 2) its per-parameter
    size η_t / σ_i (η_t for rules without σ). ``diverged_at[r]`` is the first invalid step or None.
    """

    theta: np.ndarray
    loss: np.ndarray
    gradient: np.ndarray
    gradient_norm: np.ndarray
    learning_rate: np.ndarray
    effective_step: np.ndarray
    lengths: np.ndarray
    diverged_at: tuple[int | None, ...]
    reasons: tuple[str, ...]

    @property
    def runs(self) -> int:
        return self.theta.shape[0]

    @property
    def steps(self) -> int:
        return self.theta.shape[1] - 1

    def message(self, run: int) -> str:
        """'' for a run that went all the way, else 'diverged at step k: why'."""
        step = self.diverged_at[run]
        return "" if step is None else f"diverged at step {step}: {self.reasons[run]}"

    def path(self, run: int) -> np.ndarray:
        """The valid points θ_0 … θ_{n−1} of ``run``, shape (n, 2)."""
        return self.theta[run, : self.lengths[run]]

    def losses(self, run: int) -> np.ndarray:
        """L(θ_0) … L(θ_{n−1}) of ``run``, shape (n,)."""
        return self.loss[run, : self.lengths[run]]

    def gradient_norms(self, run: int) -> np.ndarray:
        """‖g_0‖ … ‖g_{n−1}‖ of ``run``, shape (n,)."""
        return self.gradient_norm[run, : self.lengths[run]]

    def effective_steps(self, run: int) -> np.ndarray:
        """η_t / σ_i of the updates between valid points of ``run``, shape (n − 1, 2)."""
        return self.effective_step[run, : self.lengths[run] - 1]


def run_trajectories(
    loss: Loss,
    starts: np.ndarray | Sequence[Sequence[float]],
    settings: Sequence[OptimizerSettings],
    steps: int,
    bounds: tuple[float, float, float, float],
) -> Trajectories:
    """Run ``settings[r]`` from ``starts[r]`` for ``steps`` updates on ``loss``, all R runs at once.

    ``bounds`` = (x_min, x_max, y_min, y_max) is the allowed box; leaving it counts as divergence.
    """
    settings = tuple(settings)
    points = _checked_starts(starts, len(settings))
    _check_steps(steps)
    lower, upper = _checked_bounds(bounds, points)
    coefficients = rule_coefficients(settings)
    scheduled = np.stack([learning_rates(setting.schedule, setting.lr, steps) for setting in settings], axis=1)
    rates = torch.from_numpy(scheduled).reshape(steps, len(settings), 1)
    counts = torch.arange(1, steps + 1, dtype=torch.float64).reshape(steps, 1, 1)
    all_factors = step_factors(coefficients, counts, rates)  # root_offset (R, 1) is the same at every step
    factors = StepFactors(*(factor.expand_as(rates) for factor in all_factors))
    factors_per_step = [
        StepFactors(step_size, root_factor, all_factors.root_offset)
        for step_size, root_factor in zip(factors.step_size.unbind(0), factors.root_factor.unbind(0))
    ]
    noise = gradient_noise(settings, steps)
    noise_per_step = noise.unbind(0) if noise is not None else None

    with torch.enable_grad():  # even if the caller is in no_grad mode; the updates themselves record nothing
        # The first evaluation is recorded; if its tape replays faithfully, the loop replays it
        # (4-7× cheaper than eager autograd here, same bits; see optimizers.operation_tape).
        loss_and_gradient = functools.partial(_loss_and_gradient, loss)
        check_points = (lower + (upper - lower) * CHECK_POINT_FRACTIONS).expand_as(points)
        (value, gradient), tape = record_operations(loss_and_gradient, points, check_points)
        _check_start_is_defined(value, gradient, points)
        loss_and_gradient = tape or loss_and_gradient
        state = init(points)
        momentum_buffer, square_avg = state.momentum_buffer, state.square_avg
        path, values, gradients, square_avgs = [points], [value], [gradient], []
        for step in range(steps):
            if noise_per_step is not None:
                gradient = gradient + noise_per_step[step]
            descent, momentum_buffer, square_avg = descent_step(
                gradient, momentum_buffer, square_avg, coefficients, factors_per_step[step]
            )
            points = points - descent  # θ − step rather than θ + (−step): the same bits, one operation fewer
            path.append(points)
            square_avgs.append(square_avg)
            if (step + 1) % DIVERGENCE_CHECK_EVERY == 0 and not _any_inside(points, lower, upper):
                break  # every run has diverged: nothing left to compute
            value, gradient = loss_and_gradient(points)
            values.append(value)
            gradients.append(gradient)
        if len(values) < len(path):
            value, gradient = loss_and_gradient(points)
            values.append(value)
            gradients.append(gradient)

    effective = _effective_steps(square_avgs, rates, factors, len(settings))
    return _recorded(path, values, gradients, effective, scheduled, lower, upper, steps)


def _loss_and_gradient(loss: Loss, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """L and ∇L at every point (R, 2): one forward pass and one backward pass for the whole batch.

    The points do not interact, so the gradient of Σ_r L(θ_r) with respect to θ_r is ∇L(θ_r). (Giving
    ``grad_outputs=ones`` instead of summing is the same arithmetic, but then the first call of
    ``torch.autograd.grad`` in the process imports sympy for a shape check: 1-2 s at the app's cold start.)
    """
    leaf = points.detach().requires_grad_(True)
    values = loss(leaf)
    if not isinstance(values, torch.Tensor) or values.shape != points.shape[:-1]:
        values = _one_value_per_point(values, points.shape[:-1])
    if not values.requires_grad:  # the loss does not depend on the point
        return values.detach(), torch.zeros_like(points)
    (gradient,) = torch.autograd.grad(values.sum(), leaf, allow_unused=True)
    return values.detach(), torch.zeros_like(points) if gradient is None else gradient


def _one_value_per_point(values: object, shape: torch.Size) -> torch.Tensor:
    """A constant loss (a number, or a tensor without the batch axis) repeated for every point."""
    values = torch.as_tensor(values, dtype=torch.float64)
    if values.numel() != 1:
        raise ValueError(f"the loss must give one value per point, shape {tuple(shape)}; got shape {tuple(values.shape)}")
    return values.reshape(()).expand(shape)


def _any_inside(points: torch.Tensor, lower: torch.Tensor, upper: torch.Tensor) -> bool:
    return bool(((points >= lower) & (points <= upper)).all(dim=1).any())


def _effective_steps(
    square_avgs: list[torch.Tensor], rates: torch.Tensor, factors: StepFactors, runs: int
) -> np.ndarray:
    """η_t / σ of every recorded update, (R, updates, 2), from the moments after each update."""
    if not square_avgs:
        return np.zeros((runs, 0, 2))
    done = len(square_avgs)
    effective = rates[:done] / scale(torch.stack(square_avgs), StepFactors(*(factor[:done] for factor in factors)))
    return effective.transpose(0, 1).numpy()


def _recorded(
    path: list[torch.Tensor],
    values: list[torch.Tensor],
    gradients: list[torch.Tensor],
    effective: np.ndarray,
    scheduled: np.ndarray,
    lower: torch.Tensor,
    upper: torch.Tensor,
    steps: int,
) -> Trajectories:
    """The recorded tensors as numpy arrays (R, …), cut at each run's divergence and held there."""
    theta = torch.stack(path, dim=1).numpy()
    loss = torch.stack(values, dim=1).numpy()
    gradient = torch.stack(gradients, dim=1).numpy()
    checks = {
        "step": np.isfinite(theta).all(axis=-1),
        "outside": ((theta >= lower.numpy()) & (theta <= upper.numpy())).all(axis=-1),
        "loss": np.isfinite(loss),
        "gradient": np.isfinite(gradient).all(axis=-1),
    }
    valid = np.logical_and.reduce(list(checks.values()))
    lengths = np.where(valid.all(axis=1), valid.shape[1], np.argmin(valid, axis=1))
    diverged_at, reasons = [], []
    for run, length in enumerate(lengths):
        if length == valid.shape[1]:
            diverged_at.append(None)
            reasons.append("")
        else:
            diverged_at.append(int(length))
            reasons.append(next(REASONS[name] for name, passed in checks.items() if not passed[run, length]))
    theta, loss, gradient = (_hold_last(array, lengths, steps + 1) for array in (theta, loss, gradient))
    arrays = {
        "theta": theta,
        "loss": loss,
        "gradient": gradient,
        "gradient_norm": np.hypot(gradient[..., 0], gradient[..., 1]),
        "learning_rate": np.ascontiguousarray(scheduled.T),
        "effective_step": _effective_steps_held(effective, scheduled, lengths, steps),
        "lengths": lengths.astype(np.int64),
    }
    for array in arrays.values():
        array.setflags(write=False)
    return Trajectories(**arrays, diverged_at=tuple(diverged_at), reasons=tuple(reasons))


def _effective_steps_held(effective: np.ndarray, scheduled: np.ndarray, lengths: np.ndarray, steps: int) -> np.ndarray:
    """η/σ of the n − 1 updates between valid points, held after; η_t where a run has no such update."""
    held = _hold_last(effective, lengths - 1, steps)
    without_update = lengths == 1
    held[without_update] = scheduled.T[without_update, :, None]
    return held


def _hold_last(values: np.ndarray, counts: np.ndarray, total: int) -> np.ndarray:
    """``values`` (R, m, …) widened to (R, total, …), entries from ``counts[r]`` on repeating the last valid one."""
    index = np.minimum(np.arange(total)[None, :], np.maximum(counts - 1, 0)[:, None])
    index = index.reshape(index.shape + (1,) * (values.ndim - 2))
    return np.take_along_axis(values, index, axis=1)


def _checked_starts(starts: np.ndarray | Sequence[Sequence[float]], runs: int) -> torch.Tensor:
    array = np.array(starts, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError(f"starts must be a list of (x, y) points, shape (R, 2); got shape {array.shape}")
    if array.shape[0] != runs:
        raise ValueError(f"got {array.shape[0]} start points for {runs} optimizer settings; they must match")
    if runs == 0:
        raise ValueError("at least one run is needed")
    if not np.isfinite(array).all():
        raise ValueError("every start point must have finite coordinates")
    return torch.from_numpy(array)


def _check_steps(steps: int) -> None:
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or not 0 <= steps <= MAX_STEPS:
        raise ValueError(f"the number of steps must be a whole number from 0 to {MAX_STEPS}, got {steps!r}")


def _checked_bounds(bounds: tuple[float, float, float, float], points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    x_min, x_max, y_min, y_max = (float(value) for value in bounds)
    if not (np.isfinite([x_min, x_max, y_min, y_max]).all() and x_min < x_max and y_min < y_max):
        raise ValueError(f"bounds must be finite (x_min, x_max, y_min, y_max) with min < max, got {tuple(bounds)}")
    lower = torch.tensor([[x_min, y_min]], dtype=torch.float64)
    upper = torch.tensor([[x_max, y_max]], dtype=torch.float64)
    outside = ~((points >= lower) & (points <= upper)).all(dim=1)
    if outside.any():
        x, y = points[int(outside.nonzero()[0, 0])].tolist()
        raise ValueError(f"the start point ({x:.3g}, {y:.3g}) is outside the region {tuple(bounds)}")
    return lower, upper


def _check_start_is_defined(value: torch.Tensor, gradient: torch.Tensor, points: torch.Tensor) -> None:
    undefined = ~(torch.isfinite(value) & torch.isfinite(gradient).all(dim=1))
    if undefined.any():
        x, y = points[int(undefined.nonzero()[0, 0])].tolist()
        raise ValueError(f"the loss or its gradient is not a finite number at the start point ({x:.3g}, {y:.3g})")

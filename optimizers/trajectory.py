"""Many optimizer runs on one loss surface, advanced together in a single tensor loop.

Runs of different optimizers share the loop: each run's rule is a row of per-run coefficients
(see ``optimizers.rules``), so a step is one forward pass and one ``torch.autograd.grad`` for all
R runs, then one unified update. The loss must be batched (a point is the last axis, of size 2)
and must treat the points independently, as every surface does; then the runs never interact.

On tensors this small torch's per-operation overhead, not the arithmetic, is the cost, so the
forward and backward passes are recorded once and replayed at the later steps
(``optimizers.operation_tape``): the same operations and bits at a quarter of the cost, with eager
autograd as the fallback for a loss whose recording cannot be replayed faithfully.

A run with a batch size (``settings.batch_size``, 0 < B < N) trains on mini-batches of a loss that is a
mean over examples, given as ``example_losses``: those runs advance in their own loop
(``optimizers.minibatch``), and their record joins the others' in the same ``Trajectories``.

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

from optimizers.minibatch import BatchGradient, ExampleLosses, batch_gradients, example_count, uses_minibatches
from optimizers.noise import gradient_noise
from optimizers.operation_tape import record_operations
from optimizers.rules import RuleCoefficients, StepFactors, descent_step, init, scale, step_factors
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
    are taken at θ_0 … θ_T; the gradient is the full one, ∇L, without injected noise and whatever batch
    the update used. ``learning_rate``
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
    example_losses: ExampleLosses | None = None,
) -> Trajectories:
    """Run ``settings[r]`` from ``starts[r]`` for ``steps`` updates on ``loss``, all R runs at once.

    ``bounds`` = (x_min, x_max, y_min, y_max) is the allowed box; leaving it counts as divergence.
    ``example_losses`` maps points (..., 2) to every example's loss (..., N), of which ``loss`` is the
    mean; runs with a batch size 0 < B < N train on mini-batches of them.
    """
    settings = tuple(settings)
    points = _checked_starts(starts, len(settings))
    _check_steps(steps)
    lower, upper = _checked_bounds(bounds, points)
    count = example_count(example_losses, settings, points)
    coefficients = rule_coefficients(settings)
    scheduled = np.stack([learning_rates(setting.schedule, setting.lr, steps) for setting in settings], axis=1)
    rates = torch.from_numpy(scheduled).reshape(steps, len(settings), 1)
    counts = torch.arange(1, steps + 1, dtype=torch.float64).reshape(steps, 1, 1)
    all_factors = step_factors(coefficients, counts, rates)  # root_offset (R, 1) is the same at every step
    factors = StepFactors(*(factor.expand_as(rates) for factor in all_factors))
    noise = gradient_noise(settings, steps)
    minibatch_runs = [run for run, setting in enumerate(settings) if uses_minibatches(setting, count)]
    full_runs = [run for run in range(len(settings)) if run not in minibatch_runs]

    with torch.enable_grad():  # even if the caller is in no_grad mode; the updates themselves record nothing
        eager = functools.partial(_loss_and_gradient, loss)
        if not minibatch_runs:
            recording = _descent_loop(*_first_evaluation(eager, points, lower, upper), points, coefficients,
                                      _per_step(factors), noise, lower, upper)
        else:
            recordings = []
            for runs in (full_runs, minibatch_runs):
                if not runs:
                    continue
                index = torch.tensor(runs)
                group = (points[index], _runs_of(coefficients, index), _per_step(_runs_of(factors, index, axis=1)),
                         None if noise is None else noise[:, index])
                first = _first_evaluation(eager, group[0], lower, upper)
                batch_gradient = None if runs is full_runs else batch_gradients(
                    example_losses, [settings[run] for run in runs], count, steps)
                recordings.append(_descent_loop(*first, *group, lower, upper, batch_gradient))
            recording = _merged(recordings, full_runs + minibatch_runs)

    path, values, gradients, square_avgs = recording
    effective = _effective_steps(square_avgs, rates, factors, len(settings))
    return _recorded(path, values, gradients, effective, scheduled, lower, upper, steps)


Recording = tuple[list[torch.Tensor], list[torch.Tensor], list[torch.Tensor], list[torch.Tensor]]


def _descent_loop(
    first: tuple[torch.Tensor, torch.Tensor],
    loss_and_gradient: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
    points: torch.Tensor,
    coefficients: RuleCoefficients,
    factors_per_step: list[StepFactors],
    noise: torch.Tensor | None,
    lower: torch.Tensor,
    upper: torch.Tensor,
    batch_gradient: BatchGradient | None = None,
) -> Recording:
    """The runs' points θ⁰ … θᵀ, L and ∇L there, and the moments v after each update.

    ``first`` is (L, ∇L) at ``points``; ``noise`` (T, R, 2) is the injected σξ, if any. Each update follows
    ∇L, or with ``batch_gradient`` (``optimizers.minibatch``) the gradient of update t's own batch; the
    record keeps the full ∇L either way.
    """
    value, gradient = first
    state = init(points)
    momentum_buffer, square_avg = state.momentum_buffer, state.square_avg
    noise_per_step = noise.unbind(0) if noise is not None else None
    path, values, gradients, square_avgs = [points], [value], [gradient], []
    for step, factors in enumerate(factors_per_step):
        if batch_gradient is not None:
            gradient = batch_gradient(step, points)
        if noise_per_step is not None:
            gradient = gradient + noise_per_step[step]
        descent, momentum_buffer, square_avg = descent_step(gradient, momentum_buffer, square_avg, coefficients, factors)
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
    return path, values, gradients, square_avgs


def _first_evaluation(eager: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]], points: torch.Tensor,
                      lower: torch.Tensor, upper: torch.Tensor):
    """L and ∇L at the start points (checked), and the function the loop evaluates them with.

    The first evaluation is recorded; if its tape replays faithfully, the loop replays it (4-7× cheaper
    than eager autograd here, same bits; see optimizers.operation_tape), else it stays eager.
    """
    check_points = (lower + (upper - lower) * CHECK_POINT_FRACTIONS).expand_as(points)
    (value, gradient), tape = record_operations(eager, points, check_points)
    _check_start_is_defined(value, gradient, points)
    return (value, gradient), tape or eager


def _per_step(factors: StepFactors) -> list[StepFactors]:
    """The factors (T, R, 1) of a whole run as one ``StepFactors`` (R, 1) per step."""
    return [StepFactors(*step) for step in zip(*(factor.unbind(0) for factor in factors))]


def _runs_of(rows: tuple, index: torch.Tensor, axis: int = 0) -> tuple:
    """The same named tuple of tensors with only the runs ``index`` (on ``axis``)."""
    return type(rows)(*(field.index_select(axis, index) for field in rows))


def _merged(recordings: list[Recording], runs: list[int]) -> Recording:
    """Recordings of groups of runs joined into one, run r at position r; ``runs`` lists the groups' runs in order.

    A group that stopped early (all its runs had diverged) repeats its last entry, which lies outside the box.
    """
    if len(recordings) == 1:
        return recordings[0]  # one group holding every run, in order
    order = torch.argsort(torch.tensor(runs))
    merged = []
    for lists in zip(*recordings):
        length = max(len(entries) for entries in lists)
        stacked = [torch.stack(entries + entries[-1:] * (length - len(entries))) if entries else None for entries in lists]
        if any(entry is None for entry in stacked):
            merged.append([])  # no update made at all (zero steps)
            continue
        merged.append(list(torch.cat(stacked, dim=1)[:, order].unbind(0)))
    return tuple(merged)


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

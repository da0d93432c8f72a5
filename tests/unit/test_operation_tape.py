"""The recorded tape of L and ∇L replays eager autograd bit for bit, and refuses what it cannot replay."""

from __future__ import annotations

import functools

import numpy as np
import pytest
import torch

import optimizers.trajectory as trajectory
from optimizers.operation_tape import record_operations
from optimizers.settings import OptimizerSettings
from surfaces.catalogue import SURFACES
from surfaces.formula import compile_formula

FORMULAS = ("x**2 - y**2", "abs(x) + y^2", "max(x, y) + min(x**2, y)", "relu(x - 1) + softplus(y)",
            "sqrt(x**2 + y**2 + 1) + log(1 + exp(-x*y))", "sin(3*x) * cos(2*y) + tanh(x) + sigmoid(y)",
            "1/(x**2 + 0.1) - 2/(y*y + 1)**3")
RACE = (OptimizerSettings("gd", 0.01), OptimizerSettings("momentum", 0.01, noise=0.5, seed=3),
        OptimizerSettings("rmsprop", 0.05), OptimizerSettings("adam", 0.1))


def eager(loss, points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return trajectory._loss_and_gradient(loss, points)


def random_points(bounds: tuple[float, float, float, float], count: int, seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    low = torch.tensor(bounds[0::2], dtype=torch.float64)
    high = torch.tensor(bounds[1::2], dtype=torch.float64)
    return low + (high - low) * torch.rand(count, 2, generator=generator, dtype=torch.float64)


def same_bits(left: torch.Tensor, right: torch.Tensor) -> bool:
    return left.dtype == right.dtype and left.shape == right.shape and torch.equal(
        torch.nan_to_num(left, nan=0.0), torch.nan_to_num(right, nan=0.0)) and torch.equal(left.isnan(), right.isnan())


LOSSES = {key: surface.loss for key, surface in SURFACES.items()} | {text: compile_formula(text).loss for text in FORMULAS}


@pytest.mark.parametrize("key", LOSSES)
def test_the_tape_replays_eager_autograd_bit_for_bit_at_other_points(key):
    loss = LOSSES[key]
    bounds = SURFACES[key].domain.bounds if key in SURFACES else (-3.0, 3.0, -3.0, 3.0)
    points, check = random_points(bounds, 4, 0), random_points(bounds, 4, 1)
    function = functools.partial(trajectory._loss_and_gradient, loss)
    (value, gradient), tape = record_operations(function, points, check)
    assert tape is not None, f"{key}: expected a replayable tape"
    assert same_bits(value, eager(loss, points)[0]) and same_bits(gradient, eager(loss, points)[1])
    for seed in range(2, 7):
        elsewhere = random_points(bounds, 4, seed)
        replayed, expected = tape(elsewhere), eager(loss, elsewhere)
        assert all(same_bits(left, right) for left, right in zip(replayed, expected)), (key, seed)


def with_tapes_refused(monkeypatch) -> None:
    monkeypatch.setattr(trajectory, "record_operations",
                        lambda function, argument, check: (tuple(function(argument)), None))


@pytest.mark.parametrize("key", ["himmelblau", "rosenbrock", "rastrigin", "classifier_ce", "abs(x) + y^2"])
def test_runs_with_the_tape_equal_runs_without_it(key, monkeypatch):
    loss = LOSSES[key]
    bounds = SURFACES[key].domain.bounds if key in SURFACES else (-3.0, 3.0, -3.0, 3.0)
    starts = random_points(bounds, len(RACE), 9).numpy() * 0.5
    taped = trajectory.run_trajectories(loss, starts, RACE, 300, bounds)
    with_tapes_refused(monkeypatch)
    plain = trajectory.run_trajectories(loss, starts, RACE, 300, bounds)
    for run in range(len(RACE)):
        np.testing.assert_array_equal(taped.path(run), plain.path(run))
        np.testing.assert_array_equal(taped.losses(run), plain.losses(run))
        np.testing.assert_array_equal(taped.gradient_norms(run), plain.gradient_norms(run))
    assert taped.diverged_at == plain.diverged_at


def branchy(points: torch.Tensor) -> torch.Tensor:
    """A Python ``if`` on a value: the recorded path need not be the path elsewhere."""
    x, y = points[..., 0], points[..., 1]
    return x**2 + y**2 if float(x.detach().sum()) > 0 else -(x**2) + y**2


def noisy(points: torch.Tensor) -> torch.Tensor:
    return (points**2).sum(-1) + torch.rand(points.shape[:-1], dtype=points.dtype)


def writes_its_input(points: torch.Tensor) -> torch.Tensor:
    points.data.mul_(1.0)
    return (points**2).sum(-1)


@pytest.mark.parametrize("loss", [branchy, noisy, writes_its_input], ids=lambda loss: loss.__name__)
def test_a_loss_the_tape_cannot_replay_faithfully_is_refused_and_runs_eagerly(loss):
    points, check = random_points((-2, 2, -2, 2), 4, 0), random_points((-2, 2, -2, 2), 4, 1)
    function = functools.partial(trajectory._loss_and_gradient, loss)
    _, tape = record_operations(function, points, check)
    assert tape is None
    result = trajectory.run_trajectories(loss, points.numpy(), RACE, 20, (-2.0, 2.0, -2.0, 2.0))
    assert result.path(0).shape == (21, 2)


def test_a_tape_that_disagrees_with_eager_at_the_check_point_is_refused():
    """A value that left torch (``.tolist()``) is a constant in the tape, so the check point exposes it."""
    def leaky(points: torch.Tensor) -> torch.Tensor:
        shift = torch.tensor(points.detach().sum().tolist(), dtype=points.dtype)
        return ((points - shift) ** 2).sum(-1)

    points, check = random_points((-2, 2, -2, 2), 4, 0), random_points((-2, 2, -2, 2), 4, 1)
    _, tape = record_operations(functools.partial(trajectory._loss_and_gradient, leaky), points, check)
    assert tape is None

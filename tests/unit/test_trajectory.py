"""The batched runner: shapes, divergence, gradient noise and argument checks."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from optimizers.noise import standard_noise
from optimizers.settings import OptimizerSettings
from optimizers.trajectory import MAX_STEPS, run_trajectories

BOX = (-5.0, 5.0, -5.0, 5.0)


def himmelblau(points):
    x, y = points[..., 0], points[..., 1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def badly_scaled_bowl(points):
    return points[..., 0] ** 2 + 10 * points[..., 1] ** 2


def cone(points):
    return torch.sqrt(points[..., 0] ** 2 + points[..., 1] ** 2)


def flat(points):
    return 0 * points[..., 0]


def all_finite(result) -> bool:
    arrays = (result.theta, result.loss, result.gradient, result.gradient_norm, result.learning_rate, result.effective_step)
    return all(np.isfinite(array).all() for array in arrays)


def test_shapes_and_types_of_the_record():
    settings = [OptimizerSettings("gd", 0.01), OptimizerSettings("adam", 0.1)]
    result = run_trajectories(himmelblau, [(0.0, 0.0), (1.0, -1.0)], settings, 30, BOX)
    assert result.theta.shape == (2, 31, 2) and result.gradient.shape == (2, 31, 2)
    assert result.loss.shape == result.gradient_norm.shape == (2, 31)
    assert result.learning_rate.shape == (2, 30) and result.effective_step.shape == (2, 30, 2)
    assert result.theta.dtype == np.float64 and result.lengths.tolist() == [31, 31]
    assert result.runs == 2 and result.steps == 30
    assert result.message(0) == "" and result.diverged_at == (None, None)
    np.testing.assert_array_equal(result.theta[:, 0], [(0.0, 0.0), (1.0, -1.0)])
    np.testing.assert_array_equal(result.effective_step[0], 0.01)  # plain GD: the step is η itself
    assert result.path(1).shape == (31, 2) and result.losses(1).shape == (31,)
    with pytest.raises(ValueError):
        result.theta[0, 0, 0] = 1.0  # the record is read-only


def test_zero_steps_gives_just_the_start():
    result = run_trajectories(himmelblau, [(1.0, 2.0)], [OptimizerSettings("adam", 0.1)], 0, BOX)
    assert result.theta.shape == (1, 1, 2) and result.learning_rate.shape == (1, 0)
    assert result.effective_step.shape == (1, 0, 2) and result.lengths.tolist() == [1]
    assert result.loss[0, 0] == pytest.approx(himmelblau(np.array([1.0, 2.0])))


def test_a_run_that_leaves_the_region_stops_there_without_nan_and_says_when():
    settings = [OptimizerSettings("gd", 1.0), OptimizerSettings("gd", 0.01)]
    result = run_trajectories(badly_scaled_bowl, [(1.0, 1.0), (1.0, 1.0)], settings, 100, BOX)
    # y ← y − 20 y = −19 y: the first step lands at y = −19, outside the box
    assert result.diverged_at == (1, None)
    assert result.lengths.tolist() == [1, 101]
    assert result.message(0) == "diverged at step 1: it left the plotted region"
    assert all_finite(result)
    np.testing.assert_array_equal(result.theta[0], np.tile([1.0, 1.0], (101, 1)))  # held at the last valid point
    assert result.path(0).shape == (1, 2) and result.effective_steps(0).shape == (0, 2)


def test_a_loss_that_overflows_inside_the_region_is_reported_as_infinite():
    huge = (-1e300, 1e300, -1e300, 1e300)
    result = run_trajectories(badly_scaled_bowl, [(1.0, 1.0)], [OptimizerSettings("gd", 1.0)], 300, huge)
    y, expected = 1.0, 0
    while math.isfinite(10 * y * y):  # the first step whose loss 10 y² overflows
        y, expected = -19 * y, expected + 1
    assert result.diverged_at == (expected,)
    assert "loss became infinite" in result.message(0) and f"step {expected}" in result.message(0)
    assert all_finite(result) and result.theta[0, -1, 1] == result.theta[0, expected - 1, 1]


def test_an_undefined_gradient_is_reported():
    # GD with η = 1 on ‖θ‖ from (1, 0) lands exactly on the tip of the cone, where ∇‖θ‖ is 0/0
    result = run_trajectories(cone, [(1.0, 0.0)], [OptimizerSettings("gd", 1.0)], 10, BOX)
    assert result.diverged_at == (1,)
    assert result.message(0) == "diverged at step 1: the gradient became infinite or undefined"
    assert all_finite(result)


def test_when_every_run_diverges_the_record_still_has_every_step():
    settings = [OptimizerSettings("gd", 1.0), OptimizerSettings("momentum", 1.0), OptimizerSettings("rmsprop", 100.0),
                OptimizerSettings("adam", 100.0), OptimizerSettings("adagrad", 100.0)]
    result = run_trajectories(badly_scaled_bowl, [(1.0, 1.0)] * 5, settings, 1000, BOX)
    assert result.theta.shape == (5, 1001, 2) and all(step is not None for step in result.diverged_at)
    assert all_finite(result)


def test_an_undefined_start_is_refused():
    with pytest.raises(ValueError, match=r"not a finite number at the start point \(0, 0\)"):
        run_trajectories(cone, [(0.0, 0.0)], [OptimizerSettings("gd", 0.1)], 10, BOX)


def test_a_loss_that_does_not_depend_on_the_point_has_zero_gradient():
    constant = run_trajectories(lambda points: torch.zeros(points.shape[:-1]), [(1.0, 2.0)],
                                [OptimizerSettings("adam", 0.1)], 5, BOX)
    np.testing.assert_array_equal(constant.gradient, 0.0)
    np.testing.assert_array_equal(constant.theta[0], np.tile([1.0, 2.0], (6, 1)))


def test_noise_is_reproducible_per_seed_and_zero_noise_is_no_noise():
    def run(*settings, steps=100):
        return run_trajectories(himmelblau, [(0.5, 0.5)] * len(settings), settings, steps, BOX).theta

    noisy = OptimizerSettings("momentum", 0.01, noise=5.0, seed=3)
    same, other = run(noisy, noisy), run(noisy.with_lr(0.01), OptimizerSettings("momentum", 0.01, noise=5.0, seed=4))
    np.testing.assert_array_equal(same[0], same[1])
    np.testing.assert_array_equal(same[0], other[0])
    assert np.abs(other[0] - other[1]).max() > 0.01
    quiet = run(OptimizerSettings("momentum", 0.01), OptimizerSettings("momentum", 0.01, noise=0.0, seed=9), noisy)
    np.testing.assert_array_equal(quiet[0], quiet[1])
    assert np.abs(quiet[0] - quiet[2]).max() > 0.01
    alone = run(noisy)
    np.testing.assert_array_equal(alone[0], quiet[2])  # a run does not depend on its neighbours
    np.testing.assert_array_equal(run(noisy, steps=300)[0, :101], alone[0])  # nor on the number of steps


def test_noise_is_sigma_times_a_standard_normal_added_to_the_gradient():
    steps, lr, sigma = 2000, 0.1, 3.0
    setting = OptimizerSettings("gd", lr, noise=sigma, seed=11)
    result = run_trajectories(flat, [(0.0, 0.0)], [setting], steps, (-1e6, 1e6, -1e6, 1e6))
    xi = -np.diff(result.theta[0], axis=0) / (lr * sigma)  # θ_{t+1} − θ_t = −η (0 + σ ξ_t)
    assert np.abs(xi.mean(axis=0)).max() < 4 / math.sqrt(steps)
    np.testing.assert_allclose(xi.std(axis=0), 1.0, atol=0.05)
    assert abs(np.corrcoef(xi[:, 0], xi[:, 1])[0, 1]) < 0.1
    np.testing.assert_allclose(xi, standard_noise(11, steps).numpy(), rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(result.gradient, 0.0)  # the record keeps the true gradient


def test_the_starts_and_settings_are_not_modified():
    starts = np.array([[0.5, 0.5], [1.0, 1.0]])
    settings = [OptimizerSettings("adam", 0.1), OptimizerSettings("gd", 0.01)]
    run_trajectories(himmelblau, starts, settings, 20, BOX)
    np.testing.assert_array_equal(starts, [[0.5, 0.5], [1.0, 1.0]])


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"steps": -1}, f"steps must be a whole number from 0 to {MAX_STEPS}, got -1"),
        ({"steps": MAX_STEPS + 1}, "from 0 to 5000"),
        ({"steps": 10.0}, "whole number"),
        ({"starts": [(0.0, 0.0), (1.0, 1.0)]}, "got 2 start points for 1 optimizer settings"),
        ({"starts": [(0.0, 0.0, 1.0)]}, r"shape \(R, 2\)"),
        ({"starts": [(float("nan"), 0.0)]}, "finite coordinates"),
        ({"starts": [(9.0, 0.0)]}, r"start point \(9, 0\) is outside the region"),
        ({"bounds": (1.0, -1.0, -1.0, 1.0)}, "min < max"),
        ({"bounds": (-1.0, 1.0, -1.0, float("inf"))}, "must be finite"),
    ],
)
def test_bad_arguments_are_refused_with_a_message(arguments, message):
    call = {"loss": himmelblau, "starts": [(0.0, 0.0)], "settings": [OptimizerSettings("gd", 0.1)], "steps": 10,
            "bounds": BOX} | arguments
    with pytest.raises(ValueError, match=message):
        run_trajectories(**call)


def test_a_loss_without_one_value_per_point_is_refused():
    with pytest.raises(ValueError, match=r"one value per point, shape \(1,\); got shape \(1, 2\)"):
        run_trajectories(lambda points: points**2, [(0.0, 0.0)], [OptimizerSettings("gd", 0.1)], 3, BOX)


def test_the_runner_works_inside_no_grad():
    with torch.no_grad():
        result = run_trajectories(himmelblau, [(0.0, 0.0)], [OptimizerSettings("adam", 0.1)], 20, BOX)
    assert result.gradient_norm[0, 0] > 0 and result.diverged_at == (None,)

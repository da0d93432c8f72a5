"""Mini-batch training: the batch order, the runner's batch gradients against hand computation and torch.optim."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from analysis.derivatives import loss_and_gradient
from optimizers.minibatch import batch_weights, batches, epoch_orders
from optimizers.settings import OptimizerSettings
from optimizers.trajectory import run_trajectories
from surfaces.catalogue import SURFACES
from surfaces.data_surfaces import BIASED_TOY_INPUTS, BIASED_TOY_TARGETS
from tests.unit.test_optimizers import torch_optimizer

TOY = SURFACES["biased_toy"]
CLASSIFIER = SURFACES["classifier_ce"]


def race(surface, settings, steps, start=None):
    start = surface.starts[1] if start is None else start
    return run_trajectories(surface.loss, [start] * len(settings), settings, steps, surface.domain.padded(1.0).bounds,
                            example_losses=surface.example_losses)


# ── The batch order ──

def test_every_epoch_is_a_fresh_shuffle_of_all_examples_cut_into_batches():
    count, batch_size, steps = 8, 3, 3 * 5  # 3 batches per epoch, of 3, 3 and 2 examples
    order = batches(count, batch_size, seed=4, steps=steps)
    assert [len(batch) for batch in order] == [3, 3, 2] * 5
    epochs = [torch.cat(order[start:start + 3]) for start in range(0, steps, 3)]
    assert all(sorted(epoch.tolist()) == list(range(count)) for epoch in epochs)
    assert len({tuple(epoch.tolist()) for epoch in epochs}) == 5  # reshuffled every epoch
    torch.testing.assert_close(torch.stack(epochs), epoch_orders(count, 4, 5), rtol=0, atol=0)
    assert [batch.tolist() for batch in batches(count, batch_size, 4, steps)] == [batch.tolist() for batch in order]
    assert [batch.tolist() for batch in batches(count, batch_size, 5, steps)] != [batch.tolist() for batch in order]


def test_the_batch_weights_are_one_over_the_batch_size_on_its_examples():
    weights = batch_weights(8, 3, seed=4, steps=7)
    for row, batch in zip(weights, batches(8, 3, seed=4, steps=7)):
        expected = torch.zeros(8, dtype=torch.float64)
        expected[batch] = 1 / len(batch)
        torch.testing.assert_close(row, expected, rtol=0, atol=0)


# ── The runner ──

@pytest.mark.parametrize("kind", ["gd", "adam"])
@pytest.mark.parametrize("surface", [TOY, CLASSIFIER], ids=lambda surface: surface.key)
def test_a_batch_of_all_examples_is_full_batch_gradient_descent_bit_for_bit(surface, kind):
    count = surface.example_count
    settings = [OptimizerSettings(kind, 0.05, batch_size=size, seed=3) for size in (0, count, count + 5)]
    result = race(surface, settings, 200)
    np.testing.assert_array_equal(result.theta[1], result.theta[0])
    np.testing.assert_array_equal(result.theta[2], result.theta[0])
    np.testing.assert_array_equal(result.loss[1], result.loss[0])


def test_one_step_with_a_batch_of_one_follows_that_examples_gradient():
    lr, start, seed = 0.1, (0.3, -0.4), 6
    result = race(TOY, [OptimizerSettings("gd", lr, batch_size=1, seed=seed)], 1, start=start)
    (example,) = batches(TOY.example_count, 1, seed, 1)[0].tolist()
    x, y = float(BIASED_TOY_INPUTS[example]), float(BIASED_TOY_TARGETS[example])
    w1, w2 = start
    residual = y - w2 * (w1 * x + 1)  # ℓ = r², ∂ℓ/∂w₁ = −2r·w₂x, ∂ℓ/∂w₂ = −2r·(w₁x + 1)
    gradient = np.array([-2 * residual * w2 * x, -2 * residual * (w1 * x + 1)])
    np.testing.assert_allclose(result.theta[0, 1], np.array(start) - lr * gradient, rtol=0, atol=1e-15)


@pytest.mark.parametrize(("surface", "batch_size", "start"),
                         [(TOY, 1, (0.5, -0.5)), (TOY, 3, (0.5, -0.5)), (CLASSIFIER, 7, (6.0, 6.0))],
                         ids=["toy-1", "toy-3", "classifier-7"])
def test_mini_batch_runs_match_torch_optim_on_the_same_batches(surface, batch_size, start):
    settings = [OptimizerSettings("gd", 0.05, batch_size=batch_size, seed=2),
                OptimizerSettings("momentum", 0.02, batch_size=batch_size, seed=2),
                OptimizerSettings("adam", 0.05, batch_size=batch_size, seed=5)]
    steps = 150
    result = race(surface, settings, steps, start=start)
    assert result.diverged_at == (None, None, None)
    for run, setting in enumerate(settings):
        parameter = torch.tensor(start, dtype=torch.float64, requires_grad=True)
        optimizer = torch_optimizer(setting, parameter)
        path = [parameter.detach().clone()]
        for batch in batches(surface.example_count, batch_size, setting.seed, steps):
            optimizer.zero_grad()
            surface.example_losses(parameter)[batch].mean().backward()
            optimizer.step()
            path.append(parameter.detach().clone())
        np.testing.assert_allclose(result.theta[run], torch.stack(path).numpy(), rtol=1e-10, atol=1e-12)


def test_the_record_keeps_the_full_loss_and_gradient_and_a_run_does_not_depend_on_its_neighbours():
    sgd = OptimizerSettings("gd", 0.1, batch_size=2, seed=1)
    full = OptimizerSettings("momentum", 0.02)
    mixed = race(TOY, [full, sgd, full.with_lr(0.05)], 100)
    values, gradients = loss_and_gradient(TOY.loss, torch.tensor(mixed.theta[1]))
    np.testing.assert_allclose(mixed.loss[1], values.numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(mixed.gradient[1], gradients.numpy(), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(race(TOY, [sgd], 100).theta[0], mixed.theta[1])
    np.testing.assert_array_equal(race(TOY, [full], 100).theta[0], mixed.theta[0])
    np.testing.assert_array_equal(race(TOY, [full.with_lr(0.05)], 100).theta[0], mixed.theta[2])
    assert mixed.effective_step.shape == (3, 100, 2) and np.all(mixed.effective_step[1] == 0.1)


def test_a_mini_batch_run_that_blows_up_is_cut_like_any_other():
    result = race(TOY, [OptimizerSettings("gd", 10.0, batch_size=1), OptimizerSettings("gd", 0.05)], 300)
    assert result.diverged_at[0] is not None and result.diverged_at[1] is None
    assert np.isfinite(result.theta).all() and np.isfinite(result.loss).all()


def test_a_batch_size_needs_per_example_losses_of_the_right_shape():
    saddle = SURFACES["saddle"]
    with pytest.raises(ValueError, match="a batch size needs a loss that is a mean over examples"):
        run_trajectories(saddle.loss, [(1.0, 1.0)], [OptimizerSettings("gd", 0.1, batch_size=2)], 10, (-2, 2, -2, 2))
    with pytest.raises(ValueError, match=r"shape \(points, examples\) = \(1, N\), got \(1,\)"):
        run_trajectories(TOY.loss, [(1.0, 1.0)], [OptimizerSettings("gd", 0.1, batch_size=2)], 10, (-2, 2, -2, 2),
                         example_losses=TOY.loss)


@pytest.mark.parametrize("batch_size", [-1, 1.5, True, "4"])
def test_a_batch_size_is_a_whole_number_of_examples(batch_size):
    with pytest.raises(ValueError, match="batch size must be a whole number ≥ 0"):
        OptimizerSettings("gd", 0.1, batch_size=batch_size)

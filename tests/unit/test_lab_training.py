"""Training in the Network Lab against oracles: hand-written optimizer steps on the same batches, closed-form
gradients, the project's schedules; determinism, divergence, bounds and the settings' checks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
import torch.nn.functional as functional

from networks.data import DATA_NAMES, load_data
from networks.models import ModelSettings
from networks.training import (MAX_SNAPSHOT_BYTES, MAX_UPDATES, TrainingSettings, build, data_tensors, loss_function,
                          model_at, snapshot_plan, train, warm_up)
from optimizers.schedules import Schedule, learning_rates
from optimizers.settings import OptimizerSettings

SMALL = ModelSettings(widths=(6,), activation="tanh")


def settings_for(kind: str = "momentum", lr: float = 0.05, batch_size: int = 32, **changes) -> TrainingSettings:
    optimizer = OptimizerSettings(kind=kind, lr=lr, batch_size=batch_size,
                                  schedule=changes.pop("schedule", Schedule()))
    fields = {"data": "moons", "model": SMALL, "optimizer": optimizer, "epochs": 2, "dtype": "float64"} | changes
    return TrainingSettings(**fields)


def hand_batches(count: int, batch_size: int, seed: int, updates: int) -> list[torch.Tensor]:
    """The documented batch order: a permutation per epoch from a generator seeded with ``seed``, cut in order."""
    generator, batches = torch.Generator().manual_seed(seed), []
    while len(batches) < updates:
        order = torch.randperm(count, generator=generator) if batch_size < count else torch.arange(count)
        batches += list(order.split(batch_size))
    return batches[:updates]


def hand_training(settings: TrainingSettings) -> list[torch.Tensor]:
    """θ after every update, by the algorithms' textbook formulas in torch's conventions (no torch.optim)."""
    data = load_data(settings.data, settings.data_seed)
    inputs, targets = data.train_inputs.double(), data.train_targets
    model, loss_fn, optimizer = build(settings), loss_function(settings), settings.optimizer
    parameters = list(model.parameters())
    rates = learning_rates(optimizer.schedule, optimizer.lr, settings.update_count)
    first = [torch.zeros_like(p) for p in parameters]
    second = [torch.zeros_like(p) for p in parameters]
    path = [torch.cat([p.detach().reshape(-1) for p in parameters])]
    batches = hand_batches(data.train_size, settings.batch_size, settings.seed, settings.update_count)
    for step, batch in enumerate(batches, start=1):
        model.zero_grad()
        loss_fn(model(inputs[batch]), targets[batch]).backward()
        rate = float(rates[step - 1])
        with torch.no_grad():
            for parameter, m, v in zip(parameters, first, second):
                g = parameter.grad
                if optimizer.kind.value == "gd":
                    direction = g
                elif optimizer.kind.value in ("momentum", "nesterov"):
                    m.copy_(g if step == 1 else optimizer.momentum * m + g)  # torch: the first buffer is g
                    direction = g + optimizer.momentum * m if optimizer.kind.value == "nesterov" else m
                elif optimizer.kind.value == "adagrad":
                    v.add_(g * g)
                    direction = g / (v.sqrt() + optimizer.eps)
                elif optimizer.kind.value == "rmsprop":
                    v.copy_(optimizer.alpha * v + (1 - optimizer.alpha) * g * g)
                    direction = g / (v.sqrt() + optimizer.eps)
                else:  # adam, ε outside the root of the bias-corrected v
                    beta1, beta2 = optimizer.betas
                    m.copy_(beta1 * m + (1 - beta1) * g)
                    v.copy_(beta2 * v + (1 - beta2) * g * g)
                    corrected = (v / (1 - beta2**step)).sqrt() + optimizer.eps
                    direction = m / (1 - beta1**step) / corrected
                parameter -= rate * direction
        path.append(torch.cat([p.detach().reshape(-1) for p in parameters]))
    return path


@pytest.mark.parametrize("kind", ["gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_every_optimizer_follows_its_formula_on_the_same_batches(kind):
    lr = {"adagrad": 0.05, "rmsprop": 0.005, "adam": 0.01}.get(kind, 0.1)
    settings = settings_for(kind, lr, batch_size=48, snapshots=30)  # 400 / 48: a last batch of 16
    run = train(settings)
    path = hand_training(settings)
    assert run.diverged_at is None and len(run.snapshot_updates) == settings.update_count + 1 == 19
    np.testing.assert_allclose(run.snapshots, torch.stack(path).numpy(), rtol=0, atol=1e-10)


def test_a_warm_up_schedule_gives_each_update_its_rate():
    schedule = Schedule(kind="warmup_cosine", warmup_steps=5, total_steps=20, final_fraction=0.1)
    settings = settings_for("momentum", 0.2, batch_size=40, schedule=schedule, snapshots=30)
    run = train(settings)
    np.testing.assert_array_equal(run.learning_rate, learning_rates(schedule, 0.2, 20))
    np.testing.assert_allclose(run.snapshots, torch.stack(hand_training(settings)).numpy(), rtol=0, atol=1e-10)


def test_the_full_batch_is_gradient_descent_on_the_whole_training_set():
    full = settings_for("gd", 0.5, batch_size=0, epochs=5, snapshots=10)
    run = train(full)
    assert full.batch_size == 400 and full.updates_per_epoch == 1
    assert run.epoch_updates.tolist() == [0, 1, 2, 3, 4, 5]
    as_large = train(dataclasses.replace(full, optimizer=dataclasses.replace(full.optimizer, batch_size=10_000)))
    np.testing.assert_array_equal(as_large.snapshots, run.snapshots)
    np.testing.assert_allclose(run.snapshots, torch.stack(hand_training(full)).numpy(), rtol=0, atol=1e-12)
    # the first update's minibatch loss is the training loss at the start, evaluated on the whole set
    assert run.update_loss[0] == pytest.approx(run.train_loss[0], rel=1e-12)


def test_one_step_of_a_linear_classifier_matches_its_closed_form_gradient():
    """Softmax regression f = W x + b with cross-entropy: ∇_W = (1/N) Σ (p_n − onehot(y_n)) x_nᵀ, ∇_b = its mean."""
    settings = settings_for("gd", 0.3, batch_size=0, model=ModelSettings(widths=()), updates=1, snapshots=2)
    run = train(settings)
    data = load_data("moons")
    inputs, labels = data.train_inputs.double(), data.train_targets
    start = torch.from_numpy(run.snapshots[0])
    weights, bias = start[:4].reshape(2, 2), start[4:]
    residual = torch.softmax(inputs @ weights.T + bias, dim=1) - functional.one_hot(labels, 2).double()
    gradient = torch.cat([(residual.T @ inputs / len(labels)).reshape(-1), residual.mean(0)])
    np.testing.assert_allclose(run.snapshots[1], (start - 0.3 * gradient).numpy(), rtol=0, atol=1e-14)
    assert run.gradient_norm[0] == pytest.approx(float(gradient.norm()), rel=1e-12)


def test_the_same_settings_give_the_same_numbers_bit_for_bit():
    settings = TrainingSettings(data="digits", model=ModelSettings((16, 16), batch_norm=True), epochs=2,
                                optimizer=OptimizerSettings(kind="adam", lr=0.01, batch_size=50))
    first, second = train(settings), train(settings)
    for field in ("train_loss", "validation_accuracy", "update_loss", "gradient_norm", "snapshots"):
        np.testing.assert_array_equal(getattr(first, field), getattr(second, field))
    assert all(np.array_equal(a[name], b[name]) for a, b in zip(first.buffers, second.buffers) for name in a)
    other_seed = train(dataclasses.replace(settings, seed=1))
    assert not np.array_equal(other_seed.update_loss, first.update_loss)


@pytest.mark.parametrize("name", DATA_NAMES)
def test_every_data_set_trains_and_its_training_loss_falls(name):
    model = ModelSettings((8, 8), kind="cnn") if name in ("digits", "mnist") else ModelSettings((16,), "tanh")
    optimizer = OptimizerSettings(kind="adam", lr=0.01, batch_size=64)
    settings = TrainingSettings(data=name, model=model, optimizer=optimizer, epochs=3,
                                loss="mse" if name == "curve" else "cross_entropy",
                                updates=20 if name == "mnist" else None)
    run = train(settings)
    assert run.diverged_at is None and run.train_loss[-1] < run.train_loss[0]
    assert np.isnan(run.train_accuracy).all() == (name == "curve")


def test_training_leaves_torchs_global_random_state_alone():
    state = torch.get_rng_state()
    train(settings_for(epochs=1))
    assert torch.equal(torch.get_rng_state(), state)


def test_the_network_at_a_snapshot_gives_the_recorded_losses():
    settings = TrainingSettings(data="digits", model=ModelSettings((16,), batch_norm=True), epochs=3,
                                optimizer=OptimizerSettings(kind="momentum", lr=0.05, batch_size=64))
    run = train(settings)
    _, _, validation_inputs, validation_targets = data_tensors(settings)
    assert run.snapshot_updates[-1] == run.epoch_updates[-1] == settings.update_count
    model = model_at(run, -1)
    assert not model.training
    with torch.no_grad():
        validation = loss_function(settings)(model(validation_inputs), validation_targets)
    assert float(validation) == run.validation_loss[-1]
    np.testing.assert_array_equal(model[1].running_mean.numpy(), run.buffers[-1]["1.running_mean"])
    assert run.buffers[0]["1.running_var"].tolist() == [1.0] * 16  # BatchNorm's start: mean 0, variance 1
    assert all(isinstance(value, np.ndarray) for buffers in run.buffers for value in buffers.values())


def test_divergence_stops_the_training_and_keeps_only_finite_numbers():
    settings = settings_for("gd", 100.0, batch_size=16, loss="mse", model=ModelSettings((32, 32), "relu"), epochs=5)
    run = train(settings)
    assert run.diverged_at is not None and 1 <= run.diverged_at <= settings.update_count
    assert len(run.update_loss) == len(run.gradient_norm) == run.diverged_at - 1
    assert run.snapshot_updates[-1] == run.diverged_at - 1
    for values in (run.snapshots, run.update_loss, run.gradient_norm, run.train_loss, run.validation_loss):
        assert np.isfinite(values).all()
    assert run.epoch_updates[-1] < run.diverged_at


def test_batch_size_one_and_batch_norm_with_a_lone_last_example():
    single = train(settings_for("gd", 0.05, batch_size=1, updates=30))
    assert single.updates_done == 30 and single.epoch_updates.tolist() == [0, 30]  # ends mid-epoch
    digits = TrainingSettings(data="digits", model=ModelSettings((8,), batch_norm=True), epochs=1,
                              optimizer=OptimizerSettings(kind="gd", lr=0.05, batch_size=2))
    assert digits.updates_per_epoch == 718  # 1437 = 718 · 2 + 1: the lone example waits for the next epoch
    assert train(dataclasses.replace(digits, updates=720)).epoch_updates.tolist() == [0, 718, 720]


def test_progress_reports_rising_fractions_and_may_cancel():
    fractions = []
    train(settings_for(epochs=3), progress=fractions.append)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)

    def cancel(fraction):
        if fraction > 0.5:
            raise KeyboardInterrupt("superseded")

    with pytest.raises(KeyboardInterrupt):
        train(settings_for(epochs=3), progress=cancel)


def test_losses_are_their_formulas():
    outputs, labels = torch.tensor([[2.0, -1.0, 0.5]]), torch.tensor([0])
    one_hot = torch.tensor([[1.0, 0.0, 0.0]])
    mse = loss_function(settings_for(loss="mse"))(outputs, labels)
    lecture = loss_function(settings_for(loss="softmax_mse"))(outputs, labels)
    cross_entropy = loss_function(settings_for())(outputs, labels)
    assert float(mse) == pytest.approx(float(((outputs - one_hot) ** 2).sum()))
    assert float(lecture) == pytest.approx(float(((torch.softmax(outputs, 1) - one_hot) ** 2).sum()))
    assert float(cross_entropy) == pytest.approx(-float(torch.log_softmax(outputs, 1)[0, 0]))
    curve_loss = loss_function(settings_for(data="curve", loss="mse"))
    curve = curve_loss(torch.tensor([[1.0], [3.0]]), torch.tensor([[0.0], [1.0]]))
    assert float(curve) == pytest.approx(2.5)


def test_snapshots_stay_within_their_memory_bound():
    plan = snapshot_plan(10_000, 200, parameters=250_000)
    assert len(plan) * 250_000 * 4 <= MAX_SNAPSHOT_BYTES and plan[0] == 0 and plan[-1] == 10_000
    assert snapshot_plan(3, 50, parameters=10).tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize("changes, message", [
    ({"optimizer": OptimizerSettings(kind="rms", lr=0.1)}, "not a torch.optim"),
    ({"optimizer": OptimizerSettings(kind="gd", lr=0.1, noise=0.5)}, "noise"),
    ({"data": "moons", "model": ModelSettings((4,), kind="cnn")}, "needs image data"),
    ({"data": "curve"}, "regression"),
    ({"loss": "hinge"}, "unknown loss"),
    ({"epochs": 0}, "epochs must be"),
    ({"updates": MAX_UPDATES + 1}, "updates must be"),
    ({"optimizer": OptimizerSettings(kind="gd", lr=0.1, batch_size=1), "epochs": 30}, "more than 10,000"),
    ({"model": ModelSettings((4,), batch_norm=True), "optimizer": OptimizerSettings(kind="gd", lr=0.1, batch_size=1)},
     "at least 2 examples"),
    ({"data": "mnist", "model": ModelSettings((256, 256, 256, 256))}, "parameters, more than"),
    ({"data": "mnist", "model": ModelSettings((128, 128)), "epochs": 200,
      "optimizer": OptimizerSettings(kind="gd", lr=0.1)}, "would take about"),
    ({"dtype": "float16"}, "dtype"),
    ({"snapshots": 1}, "snapshots must be"),
])
def test_bad_settings_are_refused_with_a_message_that_says_what_to_change(changes, message):
    with pytest.raises(ValueError, match=message):
        TrainingSettings(**changes)


def test_the_warm_up_trains_a_tiny_network_and_loads_the_default_data():
    warm_up()
    assert load_data.cache_info().currsize >= 1

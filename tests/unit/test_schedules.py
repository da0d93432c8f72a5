"""Schedules against their closed forms and against the rate torch.optim.lr_scheduler really uses."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler

from optimizers.schedules import Schedule, learning_rate_at, learning_rates

BASE = 0.3


def rates_torch_uses(make_scheduler, steps: int) -> np.ndarray:
    """The lr of the optimizer's group at each of ``steps`` optimizer steps, with the scheduler stepped after each."""
    parameter = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([parameter], lr=BASE)
    scheduler = make_scheduler(optimizer)
    used = []
    for _ in range(steps):
        used.append(optimizer.param_groups[0]["lr"])
        parameter.grad = torch.ones_like(parameter)
        optimizer.step()
        scheduler.step()
    return np.array(used)


def test_constant():
    np.testing.assert_array_equal(learning_rates(Schedule(), BASE, 7), np.full(7, BASE))


@pytest.mark.parametrize("gamma", [0.9, 0.995, 1.0])
def test_exponential_is_torch_exponential_lr(gamma):
    ours = learning_rates(Schedule("exponential", gamma=gamma), BASE, 300)
    np.testing.assert_allclose(ours, BASE * gamma ** np.arange(300), rtol=1e-12)
    np.testing.assert_allclose(ours, rates_torch_uses(lambda o: lr_scheduler.ExponentialLR(o, gamma), 300), rtol=1e-10)


@pytest.mark.parametrize(("step_size", "gamma"), [(1, 0.9), (30, 0.5), (100, 0.1)])
def test_step_is_torch_step_lr(step_size, gamma):
    ours = learning_rates(Schedule("step", step_size=step_size, gamma=gamma), BASE, 250)
    assert ours[step_size - 1] == BASE and ours[step_size] == pytest.approx(BASE * gamma)
    expected = rates_torch_uses(lambda o: lr_scheduler.StepLR(o, step_size=step_size, gamma=gamma), 250)
    np.testing.assert_allclose(ours, expected, rtol=1e-12)


@pytest.mark.parametrize(("warmup", "total", "final"), [(10, 100, 0.0), (50, 400, 0.1), (2, 30, 0.5)])
def test_warmup_cosine_is_torch_linear_then_cosine(warmup, total, final):
    schedule = Schedule("warmup_cosine", warmup_steps=warmup, total_steps=total, final_fraction=final)
    ours = learning_rates(schedule, BASE, total + 20)

    def torch_schedule(optimizer):
        rise = lr_scheduler.LinearLR(optimizer, start_factor=1 / warmup, end_factor=1.0, total_iters=warmup - 1)
        fall = lr_scheduler.CosineAnnealingLR(optimizer, T_max=total - warmup, eta_min=final * BASE)
        return lr_scheduler.SequentialLR(optimizer, [rise, fall], milestones=[warmup])

    np.testing.assert_allclose(ours[: total + 1], rates_torch_uses(torch_schedule, total + 1), rtol=1e-9, atol=1e-15)
    assert ours[warmup - 1] == pytest.approx(BASE) and ours[0] == pytest.approx(BASE / warmup)
    np.testing.assert_allclose(ours[total:], final * BASE, atol=1e-15)  # holds η_min after the end


@pytest.mark.parametrize("warmup", [1, 10, 100])
def test_warmup_inverse_sqrt_rises_linearly_then_falls_as_one_over_root_t(warmup):
    ours = learning_rates(Schedule("warmup_inverse_sqrt", warmup_steps=warmup), BASE, 1000)
    t = np.arange(1000)
    np.testing.assert_allclose(ours[:warmup], BASE * (t[:warmup] + 1) / warmup, rtol=1e-12)
    np.testing.assert_allclose(ours[warmup - 1 :] * np.sqrt(t[warmup - 1 :] + 1), BASE * math.sqrt(warmup), rtol=1e-12)
    assert ours.max() == pytest.approx(BASE) and np.argmax(ours) == warmup - 1


def test_learning_rate_at_is_vectorised_over_any_array_of_steps():
    schedule = Schedule("warmup_cosine", warmup_steps=5, total_steps=40)
    steps = np.array([[0, 3, 17], [39, 40, 41]])
    values = learning_rate_at(schedule, BASE, steps)
    assert values.shape == (2, 3)
    np.testing.assert_array_equal(values, learning_rates(schedule, BASE, 42)[steps])
    assert learning_rates(schedule, BASE, 0).shape == (0,)


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"kind": "linear"}, "unknown schedule 'linear'; choose one of constant"),
        ({"gamma": 0.0}, r"gamma=0.0 must be in \(0, 1\]"),
        ({"gamma": 1.5}, "gamma=1.5 must be"),
        ({"step_size": 0}, "step_size=0 must be a whole number ≥ 1"),
        ({"step_size": 2.5}, "step_size=2.5 must be a whole number"),
        ({"warmup_steps": 0}, "warmup_steps=0 must be a whole number ≥ 1"),
        ({"total_steps": -1}, "total_steps=-1 must be"),
        ({"final_fraction": 2.0}, r"final_fraction=2.0 must be in \[0, 1\]"),
        ({"kind": "warmup_cosine", "warmup_steps": 50, "total_steps": 50}, "total_steps=50 must be larger than warmup_steps=50"),
    ],
)
def test_bad_schedules_are_refused_up_front(keywords, message):
    with pytest.raises(ValueError, match=message):
        Schedule(**keywords)

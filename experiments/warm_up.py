r"""Warm-up: Adam's first steps rest on a σ estimated from a few gradients; warm-up keeps η small meanwhile.

Adam's update t (torch's ``Adam``, the lecture's σ is √v̂):

.. math::

    \theta^{t} = \theta^{t-1} - \eta^{t-1}\, \frac{\hat m^t}{\sqrt{\hat v^t} + \varepsilon}, \qquad
    \hat v^t = \frac{v^t}{1 - \beta_2^t}, \quad v^t = \beta_2 v^{t-1} + (1 - \beta_2)\, (g^t)^2 .

At t = 1, v̂ = g² and m̂ = g: every parameter moves by η (its gradient's sign), however small its gradient,
so ‖Δθ¹‖ = η ‖g/(|g| + ε)‖ ≈ η √P. The lecture: σ computed from few gradients is a poor estimate, η/σ can be
huge early on, and warm-up (η growing from small) keeps those first steps short until σ is reliable.

Method: an MLP of eight ReLU layers on the digits, cross-entropy, Adam (torch's defaults β = (0.9, 0.999),
ε = 1e-8) with mini-batches, at each η of a sweep, with and without a linear warm-up over the first
``warmup_steps`` updates (``warmup_cosine`` with η_min = η: the rate then stays at η, so the two arms differ
only in the warm-up), from the same initializations (one per seed). The long runs are
``networks.training.train``; the first ``early_updates`` updates are run again by :func:`early_updates`,
the same steps with the same batches, reading the real optimizer's state after each step: ‖Δθ‖, and over
the parameters that have had a gradient (v̂ > 0) the median and the largest of η^{t−1}/(√v̂^t + ε), the
per-parameter rate of that update. The others (44 % at the start: ReLU units off for the whole batch) sit at
η/ε and do not move, so they are left out of both, and their share is reported apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from experiments.findings import Finding, LabLink, rates_list
from experiments.presets import check_learning_rates, check_seeds
from experiments.results import jsonable
from experiments.statistics import Interval, mean_interval
from networks.data import SPLIT_SIZES
from networks.models import ModelSettings
from networks.training import (TrainingSettings, batch_starts, build, data_tensors, loss_function, make_optimizer,
                               train)
from optimizers.schedules import Schedule, learning_rates
from optimizers.settings import DEFAULT_EPS, OptimizerKind, OptimizerSettings

NAME = "warm_up"
PART = 7
ARMS = ("constant", "warm_up")
EPSILON = DEFAULT_EPS[OptimizerKind.ADAM]  # torch's Adam ε, the default of every run here
LEARNED = 0.5  # a run whose final training accuracy is below this has not learned the digits (chance is 0.1)


@dataclass(frozen=True)
class Settings:
    """Adam at each of ``learning_rates`` with and without warm-up, from each seed's initialization."""

    learning_rates: tuple[float, ...] = (0.001, 0.003, 0.01, 0.03, 0.1)
    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    widths: tuple[int, ...] = (64,) * 8
    data: str = "digits"
    batch_size: int = 64
    epochs: int = 20
    warmup_steps: int = 100
    early_updates: int = 50

    def __post_init__(self) -> None:
        check_learning_rates(self.learning_rates)
        check_seeds(self.seeds)
        training = self.training(self.learning_rates[0], self.seeds[0], "warm_up")  # checks network and budget
        if not 10 <= self.early_updates <= training.update_count:
            raise ValueError(f"early_updates must be from 10 to the {training.update_count} updates of a run, "
                             f"got {self.early_updates!r}")

    def schedule(self, arm: str) -> Schedule:
        if arm not in ARMS:
            raise ValueError(f"arm must be one of {ARMS}, got {arm!r}")
        if arm == "constant":
            return Schedule()
        return Schedule(kind="warmup_cosine", warmup_steps=self.warmup_steps, total_steps=self.warmup_steps + 1,
                        final_fraction=1.0)

    def training(self, learning_rate: float, seed: int, arm: str) -> TrainingSettings:
        return TrainingSettings(
            data=self.data, model=ModelSettings(self.widths, activation="relu"), loss="cross_entropy",
            optimizer=OptimizerSettings(kind=OptimizerKind.ADAM, lr=learning_rate, batch_size=self.batch_size,
                                        schedule=self.schedule(arm)),
            epochs=self.epochs, seed=seed, snapshots=2, budget="experiment")


PRESETS = {
    "full": Settings(),
    "live": Settings(learning_rates=(0.01,), seeds=(0, 1, 2), epochs=5),
}


def early_updates(training: TrainingSettings, count: int) -> dict:
    """The first ``count`` updates of ``train(training)`` again (same batches, same ``torch.optim.Adam``), and
    after each: the batch's loss, ‖Δθ‖, η used, the median and the largest η/(√v̂ + ε) over the parameters whose
    gradients were not all 0 so far (v̂ > 0; the others have η/ε and do not move), and the share of such silent
    parameters, read from the optimizer's ``exp_avg_sq`` and ``step`` (v̂ = v / (1 − β₂ᵗ))."""
    inputs, targets, _, _ = data_tensors(training)
    loss_fn = loss_function(training)
    model = build(training)
    parameters = list(model.parameters())
    optimizer = make_optimizer(parameters, training.optimizer)
    rates = learning_rates(training.optimizer.schedule, training.optimizer.lr, count)
    beta2, eps = training.optimizer.betas[1], training.optimizer.eps
    generator = torch.Generator().manual_seed(training.seed)
    size, batch_size = SPLIT_SIZES[training.data][0], training.batch_size
    rows = []
    model.train()
    while len(rows) < count:
        # the batches of ``networks.training.train``: a fresh permutation per epoch, cut in order
        order = torch.randperm(size, generator=generator) if batch_size < size else torch.arange(size)
        for begin in batch_starts(size, batch_size, training.model.batch_norm):
            if len(rows) == count:
                break
            batch = order[begin:begin + batch_size]
            rate = float(rates[len(rows)])
            for group in optimizer.param_groups:
                group["lr"] = rate
            before = torch.cat([parameter.detach().reshape(-1) for parameter in parameters])
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(inputs[batch]), targets[batch])
            loss.backward()
            optimizer.step()
            after = torch.cat([parameter.detach().reshape(-1) for parameter in parameters])
            corrected = torch.cat([_corrected_second_moment(optimizer.state[parameter], beta2)
                                   for parameter in parameters])
            per_parameter = rate / (corrected.sqrt() + eps)
            moved = corrected > 0
            rows.append((float(loss.detach()), float(torch.linalg.vector_norm(after - before)), rate,
                         float(per_parameter[moved].median()), float(per_parameter[moved].max()),
                         float(1 - moved.double().mean())))
    columns = np.array(rows, dtype=np.float64)
    return {"loss": columns[:, 0].tolist(), "step": columns[:, 1].tolist(), "rate": columns[:, 2].tolist(),
            "rate_over_sigma_median": columns[:, 3].tolist(), "rate_over_sigma_max": columns[:, 4].tolist(),
            "silent_share": columns[:, 5].tolist()}


def _corrected_second_moment(state: dict, beta2: float) -> torch.Tensor:
    """v̂ = v/(1 − β₂ᵗ) per entry of one parameter (float64, flat), from torch's Adam state after its step t."""
    return (state["exp_avg_sq"].double() / (1 - beta2 ** float(state["step"]))).reshape(-1)


def measure_run(settings: Settings, learning_rate: float, seed: int, arm: str) -> dict:
    training = settings.training(learning_rate, seed, arm)
    run = train(training)
    return {
        "learning_rate": learning_rate, "seed": seed, "arm": arm, "diverged_at": run.diverged_at,
        "parameter_count": run.parameter_count,
        "epoch_updates": run.epoch_updates.tolist(), "train_loss": run.train_loss.tolist(),
        "train_accuracy": run.train_accuracy.tolist(), "validation_accuracy": run.validation_accuracy.tolist(),
        "final_loss": float(run.train_loss[-1]), "final_accuracy": float(run.train_accuracy[-1]),
        "final_validation_accuracy": float(run.validation_accuracy[-1]),
        "early": early_updates(training, settings.early_updates),
    }


def run(settings: Settings, progress=None) -> dict:
    """Every (η, arm, seed) run (``measure_run``), η in the outer loop."""
    cases = [(rate, arm, seed) for rate in settings.learning_rates for arm in ARMS for seed in settings.seeds]
    runs = []
    for index, (rate, arm, seed) in enumerate(cases):
        runs.append(measure_run(settings, rate, seed, arm))
        if progress is not None:
            progress((index + 1) / len(cases))
    return {"settings": jsonable(settings), "runs": runs}


def runs_of(result: dict, learning_rate: float, arm: str) -> list[dict]:
    return [entry for entry in result["runs"] if entry["learning_rate"] == learning_rate and entry["arm"] == arm]


def first_step_ratio(entry: dict, late: int = 10) -> float:
    """‖Δθ¹‖ over the median ‖Δθ‖ of the last ``late`` early updates."""
    steps = entry["early"]["step"]
    return steps[0] / float(np.median(steps[-late:]))


def sigma_ratio(entry: dict, late: int = 10) -> float:
    """The parameters' median η/σ at update 1 over its median over the last ``late`` early updates."""
    medians = entry["early"]["rate_over_sigma_median"]
    return medians[0] / float(np.median(medians[-late:]))


def ratio_interval(ratios) -> Interval:
    """The mean of log₁₀ of positive ratios and its 95 % interval: ratios spread over orders of magnitude between
    seeds (η/σ's fall did: 10× to 1,500×), so they are averaged geometrically."""
    return mean_interval(math.log10(ratio) for ratio in ratios if ratio > 0)  # a zero ratio has no logarithm


def ratio_text(interval: Interval) -> str:
    """``1.4e+03 (95 %: 210–9.5e+03)``: the geometric mean and its interval, from :func:`ratio_interval`."""
    return f"{10 ** interval.mean:.3g} (95 %: {10 ** interval.low:.2g}–{10 ** interval.high:.2g})"


def final_losses(result: dict, learning_rate: float, arm: str) -> Interval:
    return mean_interval(entry["final_loss"] for entry in runs_of(result, learning_rate, arm))


def learned(entry: dict) -> bool:
    """The run did not diverge and ended with a training accuracy of at least ``LEARNED``."""
    return entry["diverged_at"] is None and entry["final_accuracy"] >= LEARNED


def warm_up_lower(result: dict, learning_rate: float) -> bool:
    """Warm-up's final loss below the constant rate's, their 95 % intervals apart."""
    return final_losses(result, learning_rate, "warm_up").high < final_losses(result, learning_rate, "constant").low


def _per_rate(result: dict, describe) -> str:
    return "; ".join(f"η = {rate:g}: {describe(rate)}" for rate in result["settings"]["learning_rates"])


def findings(result: dict) -> tuple[Finding, ...]:
    """The first steps' size and η/σ (without warm-up), and where warm-up lowers the final loss."""
    rates = result["settings"]["learning_rates"]
    late = result["settings"]["early_updates"]

    def constant(rate):
        return runs_of(result, rate, "constant")

    step_ratios = {rate: ratio_interval(first_step_ratio(entry) for entry in constant(rate)) for rate in rates}
    sigma_ratios = {rate: ratio_interval(sigma_ratio(entry) for entry in constant(rate)) for rate in rates}
    helped = [rate for rate in rates if warm_up_lower(result, rate)]
    hurt = [rate for rate in rates
            if final_losses(result, rate, "constant").high < final_losses(result, rate, "warm_up").low]

    def failed(rate, arm):
        entries = runs_of(result, rate, arm)
        return f"{sum(not learned(entry) for entry in entries)}/{len(entries)}"

    def silent(rate, update):
        return mean_interval(100 * entry["early"]["silent_share"][update] for entry in constant(rate)).mean

    silent_first = f"{silent(rates[0], 0):.0f} %"  # update 1 sees the initialization's gradient, whatever η
    silent_late = [silent(rate, -1) for rate in rates]
    all_learned = [rate for rate in rates if all(learned(entry) for arm in ARMS for entry in runs_of(result, rate, arm))]

    first = runs_of(result, rates[0], "constant")[0]
    return (
        Finding("first_steps", {
            "ratios": _per_rate(result, lambda rate: ratio_text(step_ratios[rate])),
            "late": f"{late - 9}–{late}",
            "closed_form": f"{math.sqrt(first['parameter_count']):.0f}",
            "silent_first": silent_first, "early": str(late),
            "silent_late": f"{min(silent_late):.0f}–{max(silent_late):.0f} %"},
            all(interval.low > 0 for interval in step_ratios.values())),
        Finding("rate_over_sigma", {
            "ratios": _per_rate(result, lambda rate: ratio_text(sigma_ratios[rate])),
            "first": _per_rate(result, lambda rate: ratio_text(ratio_interval(
                entry["early"]["rate_over_sigma_median"][0] for entry in constant(rate)))),
            "largest": _per_rate(result, lambda rate: f"{max(entry['early']['rate_over_sigma_max'][0] for entry in constant(rate)):.3g}"),
            "eps": f"{EPSILON:g}", "silent_first": silent_first,
            "late": f"{late - 9}–{late}"},
            all(interval.low > 0 for interval in sigma_ratios.values())),
        Finding("final_loss", {
            "losses": _per_rate(result, lambda rate: f"{final_losses(result, rate, 'constant').text()} → "
                                                     f"{final_losses(result, rate, 'warm_up').text()}"),
            "helped_count": str(len(helped)), "helped": rates_list(helped),
            "hurt_count": str(len(hurt)), "hurt": rates_list(hurt),
            "rate_count": str(len(rates)),
            "learned_count": str(len(all_learned)), "all_learned": rates_list(all_learned),
            "failed": _per_rate(result, lambda rate: f"{failed(rate, 'constant')} → {failed(rate, 'warm_up')}"),
            "warmup": str(result["settings"]["warmup_steps"]), "learned": f"{LEARNED:g}"},
            bool(helped)),
    )


def setup_fields(result: dict) -> dict:
    settings = result["settings"]
    return {"depth": str(len(settings["widths"])), "width": str(settings["widths"][0]), "data": settings["data"],
            "parameters": f"{result['runs'][0]['parameter_count']:,}", "batch": str(settings["batch_size"]),
            "epochs": str(settings["epochs"]), "rates": ", ".join(f"{rate:g}" for rate in settings["learning_rates"]),
            "warmup": str(settings["warmup_steps"]), "seeds": str(len(settings["seeds"])),
            "early": str(settings["early_updates"]), "learned": f"{LEARNED:g}", "eps": f"{EPSILON:g}",
            "betas": ", ".join(f"{beta:g}" for beta in OptimizerSettings(OptimizerKind.ADAM, 0.001).betas)}


def lab_links(result: dict) -> tuple[LabLink, ...]:
    """None: the Lab trains at most four hidden layers, and these networks have eight (the texts say so)."""
    return ()

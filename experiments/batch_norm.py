r"""Batch normalization changes the landscape: the same MLP with and without ``torch.nn.BatchNorm1d``.

The lecture (part 9) says BatchNorm makes the error surface easier: smoother, so that larger learning rates
train. Measured here on the digits, for a ReLU MLP of four hidden layers, trained by plain mini-batch SGD:

* **Learning rates.** Both networks on one grid of η, same seeds, same epochs: final validation accuracy and
  divergence; η "works" when no seed diverged and the mean validation accuracy reaches ``working_accuracy``.
* **Smoothness along the step** (Santurkar et al. 2018, "How does batch normalization help optimization?"). At
  every snapshot θ of the run at ``curvature_lr``, on a batch B of the training batch size in training mode
  (batch statistics, the loss SGD descends), with g = ∇L_B(θ) and steps s ∈ [0, ``max_step``·η]:

  .. math::

      \text{loss variation} = \max_s L_B(\theta - s g) - \min_s L_B(\theta - s g), \qquad
      \beta = \max_{s > 0} \frac{\|\nabla L_B(\theta - s g) - g\|}{s\,\|g\|},

  and the gradient predictiveness max_s ‖∇L_B(θ − s g) − g‖ (how far the gradient moves over the step).
* **Sharpness and spectrum over training.** λ_max of the Hessian of the loss on the Lab's curvature batch
  (its first 1,000 training examples), in float64, in training mode (BatchNorm normalizing with those
  examples' statistics) and in evaluation mode (its running averages, the Lab's mode; the same for the plain
  network); the eigenvalue density (stochastic Lanczos quadrature) in training mode at a few epochs.
* **Training vs evaluation mode.** The BatchNorm network's validation loss and accuracy at every snapshot, with
  the running averages (evaluation mode) and with each batch's own statistics (training mode, the validation set
  cut in order into batches of the training batch size).

"The same network": the same hidden widths, activation and seed; :func:`networks.models.initialize` draws only
the Linear layers' weights and biases, in the same order, so both networks start from the same Linear
parameters; the BatchNorm network adds γ = 1, β = 0 (2 per hidden unit) and running averages. The same seed
also gives both the same batch order and the same probe batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from analysis.hessian_operator import HessianOperator
from analysis.curvature import sharpness
from analysis.step_smoothness import smoothness, step_probe
from analysis.spectral_lanczos import broadened_density, lanczos_quadrature
from experiments.findings import Finding, LabLink
from experiments.presets import check_learning_rates, check_seeds
from experiments.results import jsonable
from experiments.statistics import mean_interval
from networks.models import ModelSettings
from networks.training import TrainingRun, TrainingSettings, data_tensors, loss_function, model_at, train
from optimizers.settings import OptimizerKind, OptimizerSettings
from scenes.network_lab import CURVATURE_SAMPLES, EPOCHS, LabSettings, curvature_batch

NAME = "batch_norm"
PART = 9
ARMS = ("plain", "batch_norm")  # without and with BatchNorm
DENSITY_POINTS = 241  # the spectrum's grid: enough for its peaks, a small results file
LAB_LINK_RATES = 3    # the Lab trains up to three optimizers: the link holds the grid's η around curvature_lr


@dataclass(frozen=True)
class Settings:
    """One comparison: the network, its training, the η grid and where along training to measure."""

    seeds: tuple[int, ...] = (0, 1, 2)
    widths: tuple[int, ...] = (32, 32, 32, 32)
    activation: str = "relu"
    batch_size: int = 64
    epochs: int = 20
    learning_rates: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
    curvature_lr: float = 0.3            # the run whose landscape is measured (a grid η where both can train)
    working_accuracy: float = 0.9        # mean final validation accuracy for η to count as working
    snapshots_per_epoch: int = 2
    sharpness_epochs: tuple[int, ...] = (0, 1, 2, 5, 10, 20)
    spectrum_epochs: tuple[int, ...] = (0, 2, 20)
    max_step: float = 4.0                # steps s up to max_step · curvature_lr along −g
    step_points: int = 9

    def __post_init__(self) -> None:
        check_seeds(self.seeds)
        ModelSettings(self.widths, self.activation, True)
        check_learning_rates(self.learning_rates)
        if self.curvature_lr not in self.learning_rates:
            raise ValueError(f"curvature_lr {self.curvature_lr} must be one of the learning rates "
                             f"{self.learning_rates}")
        if not 0 < self.working_accuracy <= 1:
            raise ValueError(f"working_accuracy is a share between 0 and 1, got {self.working_accuracy}")
        if self.batch_size < 2 or self.snapshots_per_epoch < 1 or self.step_points < 2 or self.max_step <= 0:
            raise ValueError("batch size ≥ 2, snapshots per epoch ≥ 1, step points ≥ 2 and max_step > 0 "
                             "are needed")
        for name in ("sharpness_epochs", "spectrum_epochs"):
            epochs = getattr(self, name)
            if not epochs or any(not 0 <= epoch <= self.epochs for epoch in epochs):
                raise ValueError(f"{name} must lie between 0 and {self.epochs} epochs, got {epochs!r}")
        self.training(True, self.curvature_lr, self.seeds[0])  # the training's own checks

    def training(self, batch_norm: bool, lr: float, seed: int) -> TrainingSettings:
        """The training of one arm at η = ``lr`` from ``seed`` (plain SGD, snapshots at every half epoch)."""
        return TrainingSettings(
            data="digits", model=ModelSettings(self.widths, self.activation, batch_norm),
            optimizer=OptimizerSettings(kind=OptimizerKind.GD, lr=lr, batch_size=self.batch_size),
            epochs=self.epochs, seed=seed, snapshots=self.epochs * self.snapshots_per_epoch + 1,
            budget="experiment")

    @property
    def step_sizes(self) -> np.ndarray:
        return np.linspace(0.0, self.max_step * self.curvature_lr, self.step_points)


PRESETS = {
    "full": Settings(),
    "live": Settings(seeds=(0,), epochs=5, learning_rates=(0.03, 0.3, 3.0), sharpness_epochs=(0, 1, 5),
                     spectrum_epochs=(5,), step_points=5),
}


# --- the measurements -------------------------------------------------------------------------------------------

def _mode_evaluation(model: torch.nn.Module, loss_fn: Callable, inputs: torch.Tensor, targets: torch.Tensor,
                     batch_size: int) -> tuple[float, float, float, float]:
    """(loss, accuracy) in evaluation mode on the whole set, then in training mode batch by batch (in order)."""
    with torch.no_grad():
        model.eval()
        outputs = model(inputs)
        evaluation = (float(loss_fn(outputs, targets)), float((outputs.argmax(1) == targets).double().mean()))
        model.train()  # the running averages this updates belong to a model rebuilt for this snapshot only
        batches = [model(inputs[start:start + batch_size]) for start in range(0, len(inputs), batch_size)]
        outputs = torch.cat(batches)
        training = (float(loss_fn(outputs, targets)), float((outputs.argmax(1) == targets).double().mean()))
        model.eval()
    return (*evaluation, *training)


def _in_mode(model: torch.nn.Module, training_mode: bool) -> torch.nn.Module:
    model = model.double()
    return model.train() if training_mode else model.eval()


def _spectrum(model: torch.nn.Module, loss_fn: Callable, inputs: torch.Tensor, targets: torch.Tensor,
              seed: int) -> dict:
    operator = HessianOperator(model, loss_fn, inputs, targets)
    nodes, weights = lanczos_quadrature(operator.matvec, operator.size, operator.dtype, seed)
    grid, density = broadened_density(nodes, weights, points=DENSITY_POINTS)
    return {"grid": grid.tolist(), "density": density.tolist()}


def _snapshot(run: TrainingRun, epoch: int, settings: Settings) -> int:
    """The index of the snapshot at the end of ``epoch`` (0 = the start)."""
    return min(epoch * settings.snapshots_per_epoch, len(run.snapshot_updates) - 1)


def curvature_along(run: TrainingRun, settings: Settings, seed: int, spectrum: bool) -> dict:
    """λ_max at ``sharpness_epochs`` in training mode (and, with BatchNorm, evaluation mode), in float64 on the
    Lab's curvature batch; with ``spectrum``, the training-mode eigenvalue density at ``spectrum_epochs``."""
    training = run.settings
    loss_fn = loss_function(training)
    inputs, targets = curvature_batch(training)
    inputs = inputs.double()
    modes = (True, False) if training.model.batch_norm else (True,)
    measured: dict = {"sharpness": {("training" if mode else "evaluation"): [] for mode in modes}, "spectrum": []}
    for epoch in settings.sharpness_epochs:
        for mode in modes:
            model = _in_mode(model_at(run, _snapshot(run, epoch, settings)), mode)
            measured["sharpness"]["training" if mode else "evaluation"].append(
                sharpness(model, loss_fn, inputs, targets))
    if not training.model.batch_norm:
        measured["sharpness"]["evaluation"] = measured["sharpness"]["training"]  # no BatchNorm: one function
    if spectrum:
        for epoch in settings.spectrum_epochs:
            model = _in_mode(model_at(run, _snapshot(run, epoch, settings)), True)
            measured["spectrum"].append(_spectrum(model, loss_fn, inputs, targets, seed))
    return measured


def steps_along(run: TrainingRun, settings: Settings, seed: int) -> dict:
    """At every snapshot: the step probe on a batch (drawn from a generator seeded ``seed``) and its smoothness;
    with BatchNorm, the validation loss and accuracy in both modes."""
    training = run.settings
    loss_fn = loss_function(training)
    train_inputs, train_targets, validation_inputs, validation_targets = data_tensors(training)
    generator = torch.Generator().manual_seed(seed)
    step_sizes = settings.step_sizes
    probes, rows, mode_rows = [], [], []
    for index in range(len(run.snapshot_updates)):
        batch = torch.randperm(len(train_inputs), generator=generator)[:settings.batch_size]
        probe = step_probe(model_at(run, index).train(), loss_fn, train_inputs[batch], train_targets[batch], step_sizes)
        probes.append(probe)
        rows.append(smoothness(probe, step_sizes))
        if training.model.batch_norm:
            mode_rows.append(_mode_evaluation(model_at(run, index), loss_fn, validation_inputs, validation_targets,
                                              settings.batch_size))
    rows = np.array(rows)
    measured: dict = {"smoothness": {"loss_variation": rows[:, 0], "gradient_predictiveness": rows[:, 1],
                                     "beta": rows[:, 2], "step_loss": [probe["loss"] for probe in probes],
                                     "gradient_norm": [probe["gradient_norm"] for probe in probes]}}
    if training.model.batch_norm:
        mode_rows = np.array(mode_rows)
        measured["modes"] = {"evaluation_loss": mode_rows[:, 0], "evaluation_accuracy": mode_rows[:, 1],
                             "training_loss": mode_rows[:, 2], "training_accuracy": mode_rows[:, 3]}
    return measured


def _working(diverged: list[bool], accuracies: list[float], threshold: float) -> bool:
    return not any(diverged) and float(np.mean(accuracies)) >= threshold


def run(settings: Settings, progress: Callable[[float], None] | None = None) -> dict:
    """Train both arms on the η grid for every seed; measure the landscape along the runs at ``curvature_lr``."""
    total = 2 * len(settings.seeds) * (len(settings.learning_rates) + 3)
    done = [0]

    def advance(amount: int = 1) -> None:
        done[0] += amount
        if progress is not None:
            progress(min(1.0, done[0] / total))

    grid: dict = {arm: {"validation_accuracy": [], "train_loss": [], "diverged_at": []} for arm in ARMS}
    curves: dict = {arm: {"train_loss": [], "validation_accuracy": [], "update_loss": []} for arm in ARMS}
    landscapes: dict = {arm: [] for arm in ARMS}
    updates: dict = {}
    for arm, batch_norm in zip(ARMS, (False, True)):
        for lr in settings.learning_rates:
            rows = {"validation_accuracy": [], "train_loss": [], "diverged_at": []}
            for seed in settings.seeds:
                trained = train(settings.training(batch_norm, lr, seed))
                rows["validation_accuracy"].append(float(trained.validation_accuracy[-1]))
                rows["train_loss"].append(float(trained.train_loss[-1]))
                rows["diverged_at"].append(trained.diverged_at)
                if lr == settings.curvature_lr:
                    updates = {"epoch_updates": trained.epoch_updates, "snapshot_updates": trained.snapshot_updates}
                    curves[arm]["train_loss"].append(trained.train_loss)
                    curves[arm]["validation_accuracy"].append(trained.validation_accuracy)
                    curves[arm]["update_loss"].append(trained.update_loss)
                    landscapes[arm].append({**curvature_along(trained, settings, seed, seed == settings.seeds[0]),
                                            **steps_along(trained, settings, seed)})
                    advance(3)
                advance()
            for key, values in rows.items():
                grid[arm][key].append(values)
        grid[arm]["working"] = [_working([step is not None for step in diverged], accuracies,
                                         settings.working_accuracy)
                                for diverged, accuracies in zip(grid[arm]["diverged_at"],
                                                                grid[arm]["validation_accuracy"])]
    result = {
        "settings": jsonable(settings),
        "parameters": {arm: settings.training(batch_norm, settings.curvature_lr, 0).parameter_count
                       for arm, batch_norm in zip(ARMS, (False, True))},
        "learning_rates": {"rates": list(settings.learning_rates), **grid},
        "curves": {"epoch_updates": updates["epoch_updates"], **curves},
        "snapshot_updates": updates["snapshot_updates"],
        "sharpness": {"epochs": list(settings.sharpness_epochs),
                      **{arm: {mode: [landscape["sharpness"][mode] for landscape in landscapes[arm]]
                               for mode in ("training", "evaluation")} for arm in ARMS}},
        "spectrum": {"epochs": list(settings.spectrum_epochs),
                     **{arm: landscapes[arm][0]["spectrum"] for arm in ARMS}},
        "smoothness": {"step_sizes": settings.step_sizes,
                       **{arm: {key: [landscape["smoothness"][key] for landscape in landscapes[arm]]
                                for key in landscapes[arm][0]["smoothness"]} for arm in ARMS}},
        "modes": {key: [landscape["modes"][key] for landscape in landscapes["batch_norm"]]
                  for key in landscapes["batch_norm"][0]["modes"]},
    }
    return jsonable(result)


# --- what was measured, beside the lecture ----------------------------------------------------------------------

def largest_working(result: dict, arm: str) -> float | None:
    """The largest η of the grid that works for ``arm`` (None when none does)."""
    rates = result["learning_rates"]["rates"]
    working = [rate for rate, works in zip(rates, result["learning_rates"][arm]["working"]) if works]
    return max(working) if working else None


def per_seed(result: dict, arm: str, measure: str, reduce: Callable = np.nanmean) -> list[float]:
    """Each seed's ``reduce`` (mean, largest) of a smoothness ``measure`` over the snapshots after the start."""
    return [float(reduce(np.asarray(values, dtype=float)[1:])) for values in result["smoothness"][arm][measure]]


def mode_gaps(result: dict) -> np.ndarray:
    """|evaluation-mode − training-mode validation loss| of the BatchNorm network, (seeds, snapshots)."""
    modes = result["modes"]
    return np.abs(np.asarray(modes["evaluation_loss"]) - np.asarray(modes["training_loss"]))


def _smaller(smaller: list[float], larger: list[float]) -> bool:
    """True when every seed's value with BatchNorm is below the same seed's value without."""
    return all(low < high for low, high in zip(smaller, larger, strict=True))


def _text(values) -> str:
    return mean_interval(values).text()


def _rate_finding(result: dict) -> Finding:
    """Larger learning rates: agrees when the largest η that works with BatchNorm is above the largest that
    works without. When either network has no working η there is nothing to compare: the finding
    ``learning_rates_none`` (the same claim) says so, and does not agree."""
    settings, rates = result["settings"], result["learning_rates"]
    working = {arm: [rate for rate, works in zip(rates["rates"], rates[arm]["working"]) if works] for arm in ARMS}
    fields = {"accuracy": f"{settings['working_accuracy']:g}", "epochs": settings["epochs"],
              "rates": ", ".join(f"{rate:g}" for rate in rates["rates"]),
              **{f"{arm}_count": len(working[arm]) for arm in ARMS}}
    if not all(working.values()):
        return Finding("learning_rates_none", fields, False)
    largest = {arm: largest_working(result, arm) for arm in ARMS}
    fields.update({f"{arm}{suffix}": text for arm in ARMS for suffix, text in (
        ("", ", ".join(f"{rate:g}" for rate in working[arm])), ("_largest", f"{largest[arm]:g}"))})
    return Finding("learning_rates", fields, largest["batch_norm"] > largest["plain"])


def _smoothness_finding(result: dict, key: str, measure: str) -> Finding:
    """A smoothness measure along the run: BatchNorm agrees when, for every seed, both its mean over the
    run and its largest value are below the plain network's."""
    settings = result["settings"]
    means = {arm: per_seed(result, arm, measure) for arm in ARMS}
    largest = {arm: per_seed(result, arm, measure, np.nanmax) for arm in ARMS}
    starts = {arm: [values[0] for values in result["smoothness"][arm][measure]] for arm in ARMS}
    gradients = {arm: [values[0] for values in result["smoothness"][arm]["gradient_norm"]] for arm in ARMS}
    fields = {"lr": f"{settings['curvature_lr']:g}", "max_step": f"{settings['max_step']:g}",
              "seeds": len(settings["seeds"]), "batch": settings["batch_size"]}
    for arm in ARMS:
        fields.update({f"{arm}_mean": _text(means[arm]), f"{arm}_largest": _text(largest[arm]),
                       f"{arm}_start": _text(starts[arm]), f"{arm}_gradient": _text(gradients[arm])})
    agrees = _smaller(means["batch_norm"], means["plain"]) and _smaller(largest["batch_norm"], largest["plain"])
    return Finding(key, fields, agrees)


def _sharpness_finding(result: dict) -> Finding:
    """λ_max in training mode: BatchNorm agrees when it is below the plain network's at every measured epoch,
    for every seed."""
    settings, sharp = result["settings"], result["sharpness"]
    values = {arm: np.asarray(sharp[arm]["training"], dtype=float) for arm in ARMS}
    fields = {"lr": f"{settings['curvature_lr']:g}", "edge": f"{2 / settings['curvature_lr']:.3g}",
              "epochs": settings["epochs"]}
    for arm in ARMS:
        fields.update({f"{arm}_start": _text(values[arm][:, 0]), f"{arm}_largest": _text(values[arm].max(axis=1)),
                       f"{arm}_end": _text(values[arm][:, -1])})
    fields["batch_norm_evaluation_largest"] = _text(np.asarray(sharp["batch_norm"]["evaluation"]).max(axis=1))
    fields["batch_norm_evaluation_end"] = _text(np.asarray(sharp["batch_norm"]["evaluation"])[:, -1])
    return Finding("sharpness", fields, bool((values["batch_norm"] < values["plain"]).all()))


def _modes_finding(result: dict) -> Finding:
    """The running averages catch up with the batch statistics: agrees when the two modes' validation losses
    are closer at the end than half an epoch into training (mean over seeds)."""
    gaps, updates = mode_gaps(result), result["snapshot_updates"]
    accuracy = {mode: _text([values[-1] for values in result["modes"][f"{mode}_accuracy"]])
                for mode in ("evaluation", "training")}
    return Finding("modes", {
        "early_update": updates[1], "early_gap": _text(gaps[:, 1]), "end_gap": _text(gaps[:, -1]),
        "end_update": updates[-1], "evaluation_accuracy": accuracy["evaluation"],
        "training_accuracy": accuracy["training"], "batch": result["settings"]["batch_size"]},
        bool(gaps[:, -1].mean() < gaps[:, 1].mean()))


def findings(result: dict) -> tuple[Finding, ...]:
    return (_rate_finding(result),
            _smoothness_finding(result, "loss_variation", "loss_variation"),
            _smoothness_finding(result, "gradient_predictiveness", "gradient_predictiveness"),
            _smoothness_finding(result, "beta_smoothness", "beta"),
            _sharpness_finding(result), _modes_finding(result))


def setup_fields(result: dict) -> dict:
    settings = result["settings"]
    return {"widths": "-".join(str(width) for width in (64, *settings["widths"], 10)),
            "activation": {"relu": "ReLU"}.get(settings["activation"], settings["activation"]),
            "plain_parameters": f"{result['parameters']['plain']:,}",
            "batch_norm_parameters": f"{result['parameters']['batch_norm']:,}", "seeds": len(settings["seeds"]),
            "epochs": settings["epochs"], "batch": settings["batch_size"],
            "rates": ", ".join(f"{rate:g}" for rate in settings["learning_rates"]),
            "lr": f"{settings['curvature_lr']:g}", "samples": f"{CURVATURE_SAMPLES:,}",
            "max_step": f"{settings['max_step']:g}", "accuracy": f"{settings['working_accuracy']:g}"}


def lab_links(result: dict) -> tuple[LabLink, ...]:
    """One link per arm: the first seed's training at ``curvature_lr`` and the grid's next larger η (up to three
    optimizers, the Lab's limit); none when the Lab cannot train that many epochs. (The grid's η are all on the
    Lab's menu, ``ui.optimizer_panel.LEARNING_RATES``: a test checks it.)"""
    settings = Settings(**{key: tuple(value) if isinstance(value, list) else value
                           for key, value in result["settings"].items()})
    rates = [rate for rate in settings.learning_rates if rate >= settings.curvature_lr][:LAB_LINK_RATES]
    if settings.epochs not in EPOCHS:
        return ()
    links = []
    for arm, batch_norm in zip(ARMS, (False, True)):
        trained = settings.training(batch_norm, settings.curvature_lr, settings.seeds[0])
        base = TrainingSettings(data=trained.data, model=trained.model, optimizer=trained.optimizer,
                                epochs=trained.epochs, seed=trained.seed)
        optimizers = tuple(OptimizerSettings(kind=OptimizerKind.GD, lr=rate, batch_size=settings.batch_size)
                           for rate in rates)
        links.append(LabLink(arm, LabSettings(base=base, optimizers=optimizers),
                             {"rates": ", ".join(f"{rate:g}" for rate in rates), "seed": settings.seeds[0]}))
    return tuple(links)

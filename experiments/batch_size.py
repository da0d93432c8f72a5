r"""Batch size on real digits: time, gradient noise, accuracy, sharpness and Keskar et al.'s flat-vs-sharp slice.

The lecture's claims (its summary table): a small batch makes a quick update but a slow epoch (without
parallel hardware; with it, one update takes about the same time for any batch that fits), a noisy gradient,
and better optimization and generalization; a large batch finds sharp minima (Keskar et al. 2017).

Method. One MLP on the digits (cross-entropy, plain ``torch.optim.SGD``, the same η for every batch size, as
Keskar et al. kept one optimizer setting) is trained from the same initialization per seed with each batch
size B, twice: for the same number of epochs E (B = 1 makes N updates per epoch, the full batch one) and
for the same number of updates U. η = 0.05 was chosen before the comparisons, from the Lab's grid, as one that
trained the batch of one for 5 epochs (seed 0; at η = 0.1 it fell to chance, 10 %, within 20 epochs; 0.07 was
not tried). Over the full 20 epochs it falls at 0.05 too: the results show it, η was not changed.
At the end of the U updates, on the whole training set in evaluation mode:

* the sharpness λ_max of the Hessian H (Lanczos on Hessian-vector products) and, as the flatness measure,
  the average curvature tr H / P (Hutch++): λ_max sees the one sharpest direction, tr H all of them;
* Keskar's picture: the loss along θ(α) = (1 − α) θ_small + α θ_large, α ∈ [−1, 2], on the training and the
  validation sets; its numbers are the rise of the training loss one half-distance outside each solution,
  L(−½) − L(0) beside the small-batch one and L(1½) − L(1) beside the large-batch one.

The gradient noise E‖g_B − g‖² (mini-batch gradient around the full one) is measured at the initialization
and at the full-batch solution from per-example gradients, by drawing batches, beside its closed form
(N − B)/(N − 1) · σ²/B (:mod:`analysis.gradient_noise`).
Time per update is the median over measured updates after a warm-up (the engine's per-update clock), on one
thread of this machine's CPU, for the digits and the MNIST subset; time per epoch is ⌈N/B⌉ of them.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np
import torch

from analysis.curvature import hessian_trace, sharpness
from analysis.gradient_noise import gradient_noise, per_example_gradients
from analysis.landscape_planes import loss_line
from experiments import batch_size_findings
from experiments.findings import LabLink
from experiments.results import jsonable
from networks.data import DATA_SHAPES, IMAGE_SETS, SPLIT_SIZES
from networks.models import ModelSettings
from networks.training import TrainingSettings, build, data_tensors, loss_function, model_at, train
from optimizers.settings import OptimizerKind, OptimizerSettings

NAME = "batch_size"
PART = 4
findings = batch_size_findings.findings  # the lecture's summary table judged from a result, in its own module
SLICE_RANGE = (-1.0, 2.0)


def _whole_numbers(values, name: str, low: int) -> tuple[int, ...]:
    values = tuple(values)
    if not values or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low for v in values):
        raise ValueError(f"{name} must be whole numbers ≥ {low}, got {values!r}")
    return tuple(int(v) for v in values)


@dataclass(frozen=True)
class Settings:
    """One batch-size experiment. ``batch_sizes`` in increasing order, 0 = the full training set (last);
    ``small_batch`` is the small-batch solution of the slice, the full batch the large one."""

    seeds: tuple[int, ...] = (0, 1, 2, 3, 4)
    data: str = "digits"
    widths: tuple[int, ...] = (32, 32)
    learning_rate: float = 0.05
    batch_sizes: tuple[int, ...] = (1, 4, 16, 64, 256, 0)
    small_batch: int = 16
    epochs: int = 20
    updates: int = 2_000
    timing_data: tuple[str, ...] = ("digits", "mnist")
    timing_warm_up: int = 10
    timing_updates: int = 100
    noise_samples: int = 64
    slice_points: int = 61

    def __post_init__(self) -> None:
        seeds = _whole_numbers(self.seeds, "seeds", 0)
        if len(set(seeds)) != len(seeds):
            raise ValueError(f"seeds must differ, got {seeds!r}")
        sizes = _whole_numbers(self.batch_sizes, "batch sizes", 0)
        resolved = [size or SPLIT_SIZES[self.data][0] for size in sizes]
        if sizes[-1] != 0 or resolved != sorted(set(resolved)):
            raise ValueError(f"batch sizes must increase and end with 0 (the full set), got {sizes!r}")
        if self.small_batch not in sizes[:-1]:
            raise ValueError(f"the small batch must be one of {sizes[:-1]}, got {self.small_batch!r}")
        if self.data not in IMAGE_SETS or any(name not in IMAGE_SETS for name in self.timing_data):
            raise ValueError(f"the data sets must be among {IMAGE_SETS}")
        ModelSettings(tuple(self.widths))
        if not (isinstance(self.learning_rate, float) and 0 < self.learning_rate <= 10):
            raise ValueError(f"the learning rate must be a number in (0, 10], got {self.learning_rate!r}")
        for name in ("epochs", "updates", "timing_warm_up", "timing_updates", "noise_samples", "slice_points"):
            _whole_numbers((getattr(self, name),), name, 1 if name != "timing_warm_up" else 0)
        object.__setattr__(self, "seeds", seeds)
        object.__setattr__(self, "batch_sizes", sizes)
        object.__setattr__(self, "widths", tuple(self.widths))
        object.__setattr__(self, "timing_data", tuple(self.timing_data))


PRESETS = {
    "full": Settings(),
    "live": Settings(seeds=(0,), batch_sizes=(4, 16, 256, 0), epochs=5, updates=400, timing_data=("digits",),
                     timing_updates=30, noise_samples=16, slice_points=31),
}


def training_settings(settings: Settings, batch_size: int, seed: int, *, epochs: int | None = None,
                      updates: int | None = None, data: str | None = None) -> TrainingSettings:
    """The engine's settings of one arm: B = ``batch_size`` (0 = full), E epochs or U updates."""
    return TrainingSettings(
        data=data or settings.data, model=ModelSettings(settings.widths), loss="cross_entropy",
        optimizer=OptimizerSettings(kind=OptimizerKind.GD, lr=settings.learning_rate, batch_size=batch_size),
        epochs=epochs or 1, updates=updates, seed=seed, snapshots=2, budget="experiment")


def _end_numbers(run) -> dict:
    return {"train_accuracy": float(run.train_accuracy[-1]), "validation_accuracy": float(run.validation_accuracy[-1]),
            "train_loss": float(run.train_loss[-1]), "validation_loss": float(run.validation_loss[-1]),
            "epochs": float(run.updates_done / run.settings.updates_per_epoch), "updates": int(run.updates_done)}


def timing_devices() -> tuple[str, ...]:
    """Where updates are timed: the CPU, and the GPU when there is one (the lecture's parallel update)."""
    return ("cpu", "cuda") if torch.cuda.is_available() else ("cpu",)


def _timing(settings: Settings, progress, device: str = "cpu") -> dict:
    """Median seconds per update (after a warm-up) for each data set and batch size, and per epoch."""
    timing = {}
    for data in settings.timing_data:
        count = SPLIT_SIZES[data][0]
        sizes = [size or count for size in settings.batch_sizes]
        per_update = []
        for size in sizes:
            run = train(training_settings(settings, size, settings.seeds[0], data=data,
                                          updates=settings.timing_warm_up + settings.timing_updates), device=device)
            per_update.append(float(np.median(run.update_seconds[settings.timing_warm_up:])))
            progress()
        per_epoch = [seconds * math.ceil(count / size) for seconds, size in zip(per_update, sizes)]
        timing[data] = {"batch_sizes": sizes, "update_seconds": per_update, "epoch_seconds": per_epoch,
                        "parameters": training_settings(settings, 1, 0, data=data).parameter_count}
    return timing


def run(settings: Settings, progress=None) -> dict:
    """Every arm for every seed, then the timing; JSON-able, the same for the same seeds (but ``"timing"``)."""
    count = SPLIT_SIZES[settings.data][0]
    sizes = [size or count for size in settings.batch_sizes]
    small, large = sizes.index(settings.small_batch), len(sizes) - 1
    devices = timing_devices()
    steps = len(settings.seeds) * (2 * len(sizes) + 2) + len(devices) * len(settings.timing_data) * len(sizes)
    done = [0]

    def advance() -> None:
        done[0] += 1
        if progress is not None:
            progress(min(1.0, done[0] / steps))

    loss_fn = loss_function(training_settings(settings, 1, 0))
    train_x, train_y, validation_x, validation_y = data_tensors(training_settings(settings, 1, 0))
    load_before = os.getloadavg()
    rows = {"same_epochs": [], "same_updates": [], "sharpness": [], "curvature_trace": [], "trace_error": [],
            "slice_train": [], "slice_validation": [], "distance": [], "noise_start": [], "noise_end": []}
    epoch_seconds = []
    for seed in settings.seeds:
        same_epochs, same_updates, lambdas, traces, errors, ends = [], [], [], [], [], []
        for size in sizes:
            by_epochs = train(training_settings(settings, size, seed, epochs=settings.epochs))
            same_epochs.append(_end_numbers(by_epochs) | {"curve": by_epochs.train_accuracy.tolist()})
            if seed == settings.seeds[0]:
                epoch_seconds.append(float(np.median(by_epochs.epoch_seconds)))
            advance()
            by_updates = train(training_settings(settings, size, seed, updates=settings.updates))
            same_updates.append(_end_numbers(by_updates))
            model = model_at(by_updates, -1)
            lambdas.append(sharpness(model, loss_fn, train_x, train_y))
            trace, error = hessian_trace(model, loss_fn, train_x, train_y, seed=seed)
            traces.append(trace / by_updates.parameter_count)
            errors.append(error / by_updates.parameter_count)
            ends.append(by_updates.snapshots[-1])
            advance()
        rows["same_epochs"].append(same_epochs)
        rows["same_updates"].append(same_updates)
        rows["sharpness"].append(lambdas)
        rows["curvature_trace"].append(traces)
        rows["trace_error"].append(errors)
        model = build(training_settings(settings, 1, seed))
        for inputs, targets, key in ((train_x, train_y, "slice_train"),
                                     (validation_x, validation_y, "slice_validation")):
            alphas, losses = loss_line(model.eval(), loss_fn, inputs, targets, ends[small], ends[large],
                                       points=settings.slice_points, extent=SLICE_RANGE, kind="interpolation")
            rows[key].append(losses.tolist())
        rows["distance"].append(float(np.linalg.norm(ends[large].astype(np.float64) - ends[small])))
        noise_sizes = sizes[:-1]
        rows["noise_start"].append(gradient_noise(per_example_gradients(model, train_x, train_y), noise_sizes,
                                                  settings.noise_samples, seed))
        torch.nn.utils.vector_to_parameters(torch.from_numpy(ends[large]).clone(), model.parameters())
        rows["noise_end"].append(gradient_noise(per_example_gradients(model, train_x, train_y), noise_sizes,
                                                settings.noise_samples, seed))
        advance()
        advance()
    timing = _timing(settings, advance)
    if "cuda" in devices:
        timing["cuda"] = _timing(settings, advance, "cuda") | {"name": torch.cuda.get_device_name()}
    timing |= {"device": "cpu, one thread", "cuda_available": "cuda" in devices,
               "load_before": list(load_before), "load_after": list(os.getloadavg()),
               "measured_epoch_seconds": {settings.data: epoch_seconds}}
    return {"settings": jsonable(settings), "batch_sizes": sizes, "small": small, "large": large,
            "train_size": count, "validation_size": SPLIT_SIZES[settings.data][1],
            "parameters": training_settings(settings, 1, 0).parameter_count,
            "alphas": np.linspace(*SLICE_RANGE, settings.slice_points).tolist(), **rows, "timing": timing}


def setup_fields(result: dict) -> dict:
    settings, sizes = result["settings"], result["batch_sizes"]
    return {"data": settings["data"], "train_size": f"{result['train_size']:,}",
            "validation_size": f"{result['validation_size']:,}",
            "network": "-".join(str(width) for width in (DATA_SHAPES[settings["data"]][0], *settings["widths"], 10)),
            "parameters": f"{result['parameters']:,}", "learning_rate": f"{settings['learning_rate']:g}",
            "batch_sizes": ", ".join(f"{size:,}" for size in sizes), "epochs": str(settings["epochs"]),
            "updates": f"{settings['updates']:,}", "seed_count": str(len(settings["seeds"])),
            "small_batch": str(sizes[result["small"]]), "large_batch": f"{sizes[result['large']]:,}",
            "noise_samples": str(settings["noise_samples"]), "timing_updates": str(settings["timing_updates"]),
            "timing_warm_up": str(settings["timing_warm_up"])}


def lab_links(result: dict) -> tuple[LabLink, ...]:
    """The same-epochs runs the Lab can train again: the small batch, the largest partial batch and the full
    batch side by side, from the first seed (runs beyond the Lab's 10,000 updates, and the counted-updates
    runs, have no link)."""
    from scenes.lab_links import lab_query
    from scenes.network_lab import EPOCHS, LabSettings

    stored = result["settings"]
    if stored["epochs"] not in EPOCHS:
        return ()
    optimizers, sizes = [], result["batch_sizes"]
    for size in dict.fromkeys((sizes[result["small"]], sizes[-2], sizes[-1])):
        optimizer = OptimizerSettings(kind=OptimizerKind.GD, lr=stored["learning_rate"], batch_size=size)
        try:
            TrainingSettings(data=stored["data"], model=ModelSettings(tuple(stored["widths"])), optimizer=optimizer,
                             epochs=stored["epochs"], seed=stored["seeds"][0])
        except ValueError:
            continue
        optimizers.append(optimizer)
    if not optimizers:
        return ()
    base = TrainingSettings(data=stored["data"], model=ModelSettings(tuple(stored["widths"])), optimizer=optimizers[0],
                            epochs=stored["epochs"], seed=stored["seeds"][0])
    lab = LabSettings(base=base, optimizers=tuple(optimizers))
    try:
        lab_query(lab)
    except ValueError:
        return ()
    return (LabLink("same_epochs", lab, {"batches": ", ".join(f"{o.batch_size:,}" for o in optimizers),
                                         "epochs": str(stored["epochs"])}),)

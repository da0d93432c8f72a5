r"""Training a Network Lab network: real ``torch.optim`` optimizers, the project's schedules, mini-batches.

With N training examples and batch size B, an epoch is a fresh permutation of the N examples (``torch.randperm``
from a generator seeded with ``seed``) cut in order into ⌈N/B⌉ batches, the last one smaller when B does not
divide N (the convention of ``optimizers.minibatch``); B = 0 or B ≥ N is the full batch, in the data's order.
Update t = 1, 2, … takes batch Bᵗ, its loss and gradient at θ^{t−1},

.. math::

    L_{B^t}(\theta) = \frac{1}{|B^t|} \sum_{n \in B^t} \ell(f_\theta(x_n), y_n), \qquad
    g^{t} = \nabla L_{B^t}(\theta^{t-1}),

and the optimizer's step with η^{t−1} = ``learning_rate_at(schedule, lr, t − 1)`` (the schedule's η_0 is the
first update's). Losses ℓ (``loss_function``): softmax + cross-entropy −log softmax(f)_y; "mse" ‖f − onehot(y)‖²
(raw outputs, or (f − y)² for the regression curve); "softmax_mse" ‖softmax(f) − onehot(y)‖², the lecture's
"soft-max + MSE", whose surface is flat where the loss is large. Everything runs on one torch thread, seeded:
the same settings give the same numbers bit for bit. After each epoch the whole training and validation sets
are evaluated in evaluation mode (BatchNorm's running averages). The settings, their checks and the lab's
bounds are in ``networks.training_settings`` (re-exported here).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as functional
from torch import nn

from analysis.minimum_ratio import single_threaded
from networks.data import DATA_SHAPES, load_data
from networks.models import ModelSettings, build_model
from networks.training_settings import (  # noqa: F401 (re-exported: the lab's one import for a training)
    DTYPES, LOSS_NAMES, MAX_EPOCHS, MAX_ESTIMATED_SECONDS, MAX_SNAPSHOT_BYTES, MAX_SNAPSHOTS, MAX_UPDATES,
    TrainingSettings, batch_starts)
from optimizers.schedules import learning_rates
from optimizers.settings import OptimizerKind, OptimizerSettings


@dataclass(eq=False)
class TrainingRun:
    """What one training recorded (E epochs rows, U updates, S snapshots).

    Epoch arrays have E + 1 rows: row 0 at the initialization, then one per completed epoch (and, when
    ``updates`` ends mid-epoch, one at the end), evaluated on the whole sets in evaluation mode; accuracy
    is NaN for the regression curve. Per update t = 1 … U: the batch's loss and ‖g‖ at θ^{t−1} (training
    mode), η used, seconds taken; per epoch its seconds (evaluations left out of both). ``snapshots`` (S, P)
    are flat parameters in ``model.parameters()`` order at ``snapshot_updates`` (0 = start, U = end), at
    most ``MAX_SNAPSHOT_BYTES`` (16 MiB) in all, with BatchNorm's running averages in ``buffers`` (numpy,
    by ``state_dict`` name). After a divergence every array stops before the update that diverged
    (``diverged_at``): everything recorded is finite, the last snapshot is the last finite point.
    """

    settings: TrainingSettings
    parameter_count: int
    epoch_updates: np.ndarray
    train_loss: np.ndarray
    train_accuracy: np.ndarray
    validation_loss: np.ndarray
    validation_accuracy: np.ndarray
    update_loss: np.ndarray
    gradient_norm: np.ndarray
    learning_rate: np.ndarray
    update_seconds: np.ndarray
    epoch_seconds: np.ndarray
    snapshot_updates: np.ndarray
    snapshots: np.ndarray
    buffers: list[dict[str, np.ndarray]]
    diverged_at: int | None
    total_seconds: float = 0.0

    @property
    def updates_done(self) -> int:
        return len(self.update_loss)


def loss_function(settings: TrainingSettings) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """ℓ averaged over the examples: ``loss_fn(model(inputs), targets)`` → scalar (the module docstring)."""
    if settings.loss == "cross_entropy":
        return functional.cross_entropy
    if settings.data == "curve":
        return _squared_error
    if settings.loss == "mse":
        return _one_hot_squared_error
    return _softmax_squared_error


def _squared_error(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return ((outputs - targets) ** 2).sum(dim=1).mean()


def _one_hot_squared_error(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    one_hot = functional.one_hot(targets, outputs.shape[1]).to(outputs.dtype)
    return ((outputs - one_hot) ** 2).sum(dim=1).mean()


def _softmax_squared_error(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return _one_hot_squared_error(torch.softmax(outputs, dim=1), targets)


def make_optimizer(parameters, settings: OptimizerSettings) -> torch.optim.Optimizer:
    """The ``torch.optim`` optimizer of ``settings`` (gd, momentum and Nesterov are ``SGD``).

    torch's momentum v = λv + g, θ ← θ − η v equals the lecture's m = λm − ηg, θ ← θ + m when η is constant
    (m = −ηv); under a schedule torch rescales the whole buffer by the current η.
    """
    kind = settings.kind
    if kind is OptimizerKind.GD:
        return torch.optim.SGD(parameters, lr=settings.lr)
    if kind in (OptimizerKind.MOMENTUM, OptimizerKind.NESTEROV):
        return torch.optim.SGD(parameters, lr=settings.lr, momentum=settings.momentum,
                               nesterov=kind is OptimizerKind.NESTEROV)
    if kind is OptimizerKind.ADAGRAD:
        return torch.optim.Adagrad(parameters, lr=settings.lr, eps=settings.eps)
    if kind is OptimizerKind.RMSPROP:
        return torch.optim.RMSprop(parameters, lr=settings.lr, alpha=settings.alpha, eps=settings.eps)
    if kind is OptimizerKind.ADAM:
        return torch.optim.Adam(parameters, lr=settings.lr, betas=settings.betas, eps=settings.eps)
    raise ValueError(f"{kind.label} is not a torch.optim optimizer")


def snapshot_plan(updates: int, count: int, parameters: int, itemsize: int = 4) -> np.ndarray:
    """The updates after which to keep the parameters: 0 and ``updates`` and evenly between, at most ``count``
    and at most ``MAX_SNAPSHOT_BYTES`` of ``parameters`` numbers of ``itemsize`` bytes each."""
    count = max(2, min(count, MAX_SNAPSHOT_BYTES // (parameters * itemsize), updates + 1))
    return np.unique(np.round(np.linspace(0, updates, count)).astype(np.int64))


def build(settings: TrainingSettings) -> nn.Module:
    """The network of ``settings`` at its initialization, in the training's dtype."""
    features, outputs, image_shape = DATA_SHAPES[settings.data]
    model = build_model(settings.model, features, outputs, settings.seed, image_shape)
    return model.to(DTYPES[settings.dtype])


def _flat(parameters: list[torch.Tensor]) -> torch.Tensor:
    return torch.cat([parameter.detach().reshape(-1) for parameter in parameters])


def _snapshot(parameters: list[torch.Tensor]) -> torch.Tensor:
    return _flat(parameters).cpu()


def _buffers(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: buffer.detach().clone() for name, buffer in model.named_buffers()}


def _as_arrays(buffers: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    # numpy, not tensors: a run crosses process boundaries, where torch would pass each tensor as shared memory
    return {name: buffer.cpu().numpy() for name, buffer in buffers.items()}


def data_tensors(settings: TrainingSettings) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """(train inputs, train targets, validation inputs, validation targets) as the training uses them: inputs
    (and the curve's targets) in the run's dtype, so ``loss_fn(model_at(run, i)(inputs), targets)`` works."""
    data = load_data(settings.data, settings.data_seed)
    dtype = DTYPES[settings.dtype]
    targets = [data.train_targets, data.validation_targets]
    if data.is_regression:
        targets = [target.to(dtype) for target in targets]
    return data.train_inputs.to(dtype), targets[0], data.validation_inputs.to(dtype), targets[1]


def _evaluate(model: nn.Module, loss_fn, inputs: torch.Tensor, targets: torch.Tensor, classes: int
              ) -> tuple[float, float]:
    """(loss, accuracy) of the whole set in evaluation mode; accuracy NaN for regression."""
    model.eval()
    with torch.no_grad():
        outputs = model(inputs)
        loss = float(loss_fn(outputs, targets))
        accuracy = float((outputs.argmax(dim=1) == targets).double().mean()) if classes else math.nan
    model.train()
    return loss, accuracy


def train(settings: TrainingSettings, progress: Callable[[float], None] | None = None,
          device: str | torch.device = "cpu") -> TrainingRun:
    """Train the network of ``settings`` and record it (``TrainingRun``); deterministic, one torch thread.

    ``progress(fraction)`` is called about every 1 % of the updates; an exception it raises (a cancel)
    propagates. A non-finite loss, gradient, parameter or evaluation stops the training (``diverged_at``).
    ``device`` is where the network and the data live (``"cuda"`` on a GPU; the batch order is drawn on the
    CPU either way); the record comes back on the CPU. Bit-for-bit repeatable on the CPU.
    """
    start_time = time.perf_counter()
    data = load_data(settings.data, settings.data_seed)
    dtype = DTYPES[settings.dtype]
    train_inputs, train_targets, validation_inputs, validation_targets = (
        tensor.to(device) for tensor in data_tensors(settings))
    count, batch_size, total = data.train_size, settings.batch_size, settings.update_count
    loss_fn = loss_function(settings)
    rates = learning_rates(settings.optimizer.schedule, settings.optimizer.lr, total)
    report_every = max(1, total // 100)
    with single_threaded():
        model = build(settings).to(device)
        parameters = list(model.parameters())
        plan = set(snapshot_plan(total, settings.snapshots, sum(p.numel() for p in parameters),
                                 dtype.itemsize).tolist())
        optimizer = make_optimizer(parameters, settings.optimizer)
        generator = torch.Generator().manual_seed(settings.seed)
        has_buffers = any(True for _ in model.buffers())
        epochs = [(0, *_evaluate(model, loss_fn, train_inputs, train_targets, data.classes),
                   *_evaluate(model, loss_fn, validation_inputs, validation_targets, data.classes))]
        records: list[tuple[float, float, float, float]] = []
        epoch_seconds: list[float] = []
        snapshots, snapshot_updates, buffers = [_snapshot(parameters)], [0], [_as_arrays(_buffers(model))]
        diverged_at, update = None, 0
        if progress is not None:
            progress(0.0)
        model.train()
        while update < total and diverged_at is None:
            order = (torch.randperm(count, generator=generator) if batch_size < count
                     else torch.arange(count))
            epoch_start = time.perf_counter()
            starts = batch_starts(count, batch_size, settings.model.batch_norm)
            for begin in starts:
                update_start = time.perf_counter()
                batch = order[begin:begin + batch_size].to(device)
                previous = _flat(parameters)
                previous_buffers = _buffers(model) if has_buffers else {}
                rate = float(rates[update])
                for group in optimizer.param_groups:
                    group["lr"] = rate
                optimizer.zero_grad(set_to_none=True)
                loss = loss_fn(model(train_inputs[batch]), train_targets[batch])
                loss.backward()
                norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in parameters]))
                loss_value, norm_value = float(loss.detach()), float(norm)
                finite = math.isfinite(loss_value) and math.isfinite(norm_value)
                if finite:
                    optimizer.step()
                    finite = bool(torch.isfinite(torch.stack([p.sum() for p in parameters]).sum()))
                update += 1
                now = time.perf_counter()  # the update's and the epoch's time leave out the evaluations
                update_seconds, epoch_elapsed = now - update_start, now - epoch_start
                at_epoch_end = begin == starts[-1] or update == total
                if finite and at_epoch_end:
                    row = (update, *_evaluate(model, loss_fn, train_inputs, train_targets, data.classes),
                           *_evaluate(model, loss_fn, validation_inputs, validation_targets, data.classes))
                    finite = math.isfinite(row[1]) and math.isfinite(row[3])  # the losses (the curve has no accuracy)
                if not finite:
                    torch.nn.utils.vector_to_parameters(previous, parameters)
                    for name, buffer in model.named_buffers():
                        buffer.copy_(previous_buffers[name])
                    diverged_at = update
                    break
                records.append((loss_value, norm_value, rate, update_seconds))
                if update in plan:
                    snapshots.append(_snapshot(parameters))
                    snapshot_updates.append(update)
                    buffers.append(_as_arrays(_buffers(model)))
                if progress is not None and (update % report_every == 0 or update == total):
                    progress(update / total)
                if at_epoch_end:
                    epochs.append(row)
                    epoch_seconds.append(epoch_elapsed)
                    break
        if diverged_at is not None and snapshot_updates[-1] != diverged_at - 1:
            snapshots.append(_snapshot(parameters))
            snapshot_updates.append(diverged_at - 1)
            buffers.append(_as_arrays(_buffers(model)))
    columns = np.array(epochs, dtype=np.float64).reshape(-1, 5)
    per_update = np.array(records, dtype=np.float64).reshape(-1, 4)
    return TrainingRun(
        settings=settings, parameter_count=int(snapshots[0].numel()), epoch_updates=columns[:, 0].astype(np.int64),
        train_loss=columns[:, 1], train_accuracy=columns[:, 2], validation_loss=columns[:, 3],
        validation_accuracy=columns[:, 4], update_loss=per_update[:, 0], gradient_norm=per_update[:, 1],
        learning_rate=per_update[:, 2], update_seconds=per_update[:, 3], epoch_seconds=np.array(epoch_seconds),
        snapshot_updates=np.array(snapshot_updates, dtype=np.int64),
        snapshots=torch.stack(snapshots).numpy(), buffers=buffers, diverged_at=diverged_at,
        total_seconds=time.perf_counter() - start_time)


def model_at(run: TrainingRun, snapshot: int) -> nn.Module:
    """The network at snapshot ``snapshot`` (negative counts from the end), rebuilt, in evaluation mode."""
    model = build(run.settings)
    torch.nn.utils.vector_to_parameters(torch.from_numpy(run.snapshots[snapshot]).clone(), model.parameters())
    model.load_state_dict({name: torch.from_numpy(value) for name, value in run.buffers[snapshot].items()},
                          strict=False)
    return model.eval()


def warm_up() -> None:
    """Do once, in a fresh process, what a first training does lazily: import scikit-learn (the data),
    ``torch._dynamo`` (the first ``torch.optim`` optimizer imports it: ≈ 1.5 s of CPU) and run autograd;
    then load the default data. For a worker process's initializer, so that no student waits for it."""
    train(TrainingSettings(data="moons", model=ModelSettings((2,)), epochs=1, snapshots=2))
    load_data(TrainingSettings().data)

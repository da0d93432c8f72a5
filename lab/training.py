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
are evaluated in evaluation mode (BatchNorm's running averages).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as functional
from torch import nn

from analysis.minimum_ratio import single_threaded
from lab.data import DATA_SHAPES, IMAGE_SETS, SPLIT_SIZES, check_data_name, check_seed, load_data
from lab.models import MAX_PARAMETERS, ModelSettings, build_model, multiply_adds, parameter_count
from optimizers.schedules import learning_rates
from optimizers.settings import OptimizerKind, OptimizerSettings

LOSS_NAMES = ("cross_entropy", "mse", "softmax_mse")
DTYPES = {"float32": torch.float32, "float64": torch.float64}
MAX_EPOCHS = 200
MAX_UPDATES = 10_000
MAX_SNAPSHOTS = 200
# The time budget: ``estimated_seconds`` is CPU time on one core of this machine (rates measured with one torch
# thread): forward + backward multiply-adds per second, and a fixed cost per update. The limit leaves room for
# the 2-3× slow-down of a shared machine (other trainings on the same 2 cores) within 30 s of waiting.
MULTIPLY_ADD_RATE = {"mlp": 1e10, "cnn": 3e9}
UPDATE_OVERHEAD_SECONDS, UPDATE_SECONDS_PER_PARAMETER, BATCH_NORM_UPDATE_SECONDS = 7e-4, 6e-9, 6e-4
MAX_ESTIMATED_SECONDS = 7.0
MAX_SNAPSHOT_BYTES = 16 * 2**20
DEFAULT_OPTIMIZER = OptimizerSettings(kind=OptimizerKind.MOMENTUM, lr=0.05, momentum=0.9, batch_size=64)


def _whole(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low:,} to {high:,}, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class TrainingSettings:
    """One training, checked on construction (ranges in the module constants; messages say what to change).

    ``updates`` (when set) replaces ``epochs``; the batch size and schedule come from ``optimizer``;
    ``seed`` fixes the initialization and the batch order, ``data_seed`` the data's split (and points);
    ``snapshots`` counts the parameter snapshots kept, start and end included, evenly spread over the updates.
    """

    data: str = "digits"
    data_seed: int = 0
    model: ModelSettings = field(default_factory=ModelSettings)
    loss: str = "cross_entropy"
    optimizer: OptimizerSettings = DEFAULT_OPTIMIZER
    epochs: int = 20
    updates: int | None = None
    seed: int = 0
    snapshots: int = 50
    dtype: str = "float32"

    def __post_init__(self) -> None:
        check_data_name(self.data)
        check_seed(self.data_seed, "the data seed")
        check_seed(self.seed)
        if not isinstance(self.model, ModelSettings):
            raise ValueError(f"model must be a ModelSettings, got {type(self.model).__name__}")
        if not isinstance(self.optimizer, OptimizerSettings):
            raise ValueError(f"optimizer must be an OptimizerSettings, got {type(self.optimizer).__name__}")
        if self.loss not in LOSS_NAMES:
            raise ValueError(f"unknown loss {self.loss!r}; choose one of {', '.join(LOSS_NAMES)}")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be one of {', '.join(DTYPES)}, got {self.dtype!r}")
        if self.data == "curve" and self.loss != "mse":
            raise ValueError("the curve is a regression (one real output): train it with the loss 'mse'")
        if self.model.kind == "cnn" and self.data not in IMAGE_SETS:
            raise ValueError(f"a CNN needs image data ({' or '.join(IMAGE_SETS)}); use an MLP for {self.data!r}")
        if self.optimizer.kind is OptimizerKind.ROOT_MEAN_SQUARE:
            raise ValueError("the lecture's root mean square is not a torch.optim optimizer; choose Adagrad "
                             "(its sum-of-squares form), RMSProp or Adam")
        if self.optimizer.noise:
            raise ValueError("injected gradient noise is for the 2-D surfaces; here the mini-batches are the noise "
                             "(set a batch size instead)")
        _whole(self.epochs, "epochs", 1, MAX_EPOCHS)
        if self.updates is not None:
            _whole(self.updates, "updates", 1, MAX_UPDATES)
        _whole(self.snapshots, "snapshots", 2, MAX_SNAPSHOTS)
        if self.model.batch_norm and self.batch_size == 1:
            raise ValueError("BatchNorm needs at least 2 examples per batch (it divides by the batch's variance): "
                             "choose a batch size of 2 or more, or turn BatchNorm off")
        if self.update_count > MAX_UPDATES:
            raise ValueError(f"{self.epochs} epochs of batches of {self.batch_size} make {self.update_count:,} "
                             f"updates, more than {MAX_UPDATES:,}: choose fewer epochs or a larger batch")
        if self.parameter_count > MAX_PARAMETERS:
            raise ValueError(f"this network has {self.parameter_count:,} parameters, more than {MAX_PARAMETERS:,}: "
                             f"choose narrower or fewer layers")
        if self.estimated_seconds > MAX_ESTIMATED_SECONDS:
            raise ValueError(f"this training would take about {self.estimated_seconds:.0f} s here, the lab allows "
                             f"{MAX_ESTIMATED_SECONDS:.0f} s: choose fewer epochs or updates, or a smaller network")

    @property
    def batch_size(self) -> int:
        """B, examples per update (the optimizer's batch size; 0 or more than N means all N)."""
        count = SPLIT_SIZES[self.data][0]
        return self.optimizer.batch_size if 0 < self.optimizer.batch_size < count else count

    @property
    def updates_per_epoch(self) -> int:
        """⌈N/B⌉, one fewer when BatchNorm would get a last batch of one example (``batch_starts``)."""
        return len(batch_starts(SPLIT_SIZES[self.data][0], self.batch_size, self.model.batch_norm))

    @property
    def update_count(self) -> int:
        """U, the updates this training makes: ``updates``, or ``epochs`` × ⌈N/B⌉."""
        return self.updates if self.updates is not None else self.epochs * self.updates_per_epoch

    @property
    def estimated_seconds(self) -> float:
        """About how long ``train`` takes here: U (c₀ + c₁ P) + (3 U B + (E + 1)(N + V)) · MACs / rate,
        the updates' fixed costs, forward and backward passes (3 × the forward's multiply-adds), evaluations."""
        features, outputs, image_shape = DATA_SHAPES[self.data]
        per_example = multiply_adds(self.model, features, outputs, image_shape)
        evaluations = (-(-self.update_count // self.updates_per_epoch) + 1) * sum(SPLIT_SIZES[self.data])
        examples = 3 * self.update_count * self.batch_size + evaluations
        per_update = (UPDATE_OVERHEAD_SECONDS + UPDATE_SECONDS_PER_PARAMETER * self.parameter_count
                      + BATCH_NORM_UPDATE_SECONDS * self.model.batch_norm)
        overhead = self.update_count * per_update
        return overhead + examples * per_example / MULTIPLY_ADD_RATE[self.model.kind]

    @property
    def parameter_count(self) -> int:
        features, outputs, image_shape = DATA_SHAPES[self.data]
        return parameter_count(self.model, features, outputs, image_shape)


@dataclass(eq=False)
class TrainingRun:
    """What one training recorded (E epochs rows, U updates, S snapshots).

    Epoch arrays have E + 1 rows: row 0 at the initialization, then one per completed epoch (and, when
    ``updates`` ends mid-epoch, one at the end), evaluated on the whole sets in evaluation mode; accuracy
    is NaN for the regression curve. ``snapshots`` (S, P) are flat parameters in ``model.parameters()``
    order, at most ``MAX_SNAPSHOT_BYTES`` (16 MiB) in all. After a divergence every array stops before
    the update that diverged: everything recorded is finite.
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
    buffers: list[dict[str, torch.Tensor]]
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


def batch_starts(count: int, batch_size: int, batch_norm: bool) -> range:
    """Where each batch of an epoch begins in the epoch's order: 0, B, 2B, … below N.

    With BatchNorm a last batch of a single example is left out of that epoch (its variance is undefined;
    torch refuses it); reshuffled, the example is in other epochs' batches.
    """
    end = count - 1 if batch_norm and count % batch_size == 1 and count > 1 else count
    return range(0, end, batch_size)


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


def _buffers(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: buffer.detach().clone() for name, buffer in model.named_buffers()}


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


def train(settings: TrainingSettings, progress: Callable[[float], None] | None = None) -> TrainingRun:
    """Train the network of ``settings`` and record it (``TrainingRun``); deterministic, one torch thread.

    ``progress(fraction)`` is called about every 1 % of the updates; an exception it raises (a cancel)
    propagates. A non-finite loss, gradient, parameter or evaluation stops the training (``diverged_at``).
    """
    start_time = time.perf_counter()
    data = load_data(settings.data, settings.data_seed)
    dtype = DTYPES[settings.dtype]
    train_inputs, validation_inputs = data.train_inputs.to(dtype), data.validation_inputs.to(dtype)
    train_targets, validation_targets = data.train_targets, data.validation_targets
    if data.is_regression:
        train_targets, validation_targets = train_targets.to(dtype), validation_targets.to(dtype)
    count, batch_size, total = data.train_size, settings.batch_size, settings.update_count
    loss_fn = loss_function(settings)
    rates = learning_rates(settings.optimizer.schedule, settings.optimizer.lr, total)
    report_every = max(1, total // 100)
    with single_threaded():
        model = build(settings)
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
        snapshots, snapshot_updates, buffers = [_flat(parameters)], [0], [_buffers(model)]
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
                batch = order[begin:begin + batch_size]
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
                at_epoch_end = begin == starts[-1] or update == total
                if finite and at_epoch_end:
                    row = (update, *_evaluate(model, loss_fn, train_inputs, train_targets, data.classes),
                           *_evaluate(model, loss_fn, validation_inputs, validation_targets, data.classes))
                    finite = math.isfinite(row[1]) and math.isfinite(row[3])  # the losses (accuracy is NaN for the curve)
                if not finite:
                    torch.nn.utils.vector_to_parameters(previous, parameters)
                    for name, buffer in model.named_buffers():
                        buffer.copy_(previous_buffers[name])
                    diverged_at = update
                    break
                records.append((loss_value, norm_value, rate, time.perf_counter() - update_start))
                if update in plan:
                    snapshots.append(_flat(parameters))
                    snapshot_updates.append(update)
                    buffers.append(_buffers(model))
                if progress is not None and (update % report_every == 0 or update == total):
                    progress(update / total)
                if at_epoch_end:
                    epochs.append(row)
                    epoch_seconds.append(time.perf_counter() - epoch_start)
                    break
        if diverged_at is not None and snapshot_updates[-1] != diverged_at - 1:
            snapshots.append(_flat(parameters))
            snapshot_updates.append(diverged_at - 1)
            buffers.append(_buffers(model))
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
    model.load_state_dict(run.buffers[snapshot], strict=False)
    return model.eval()

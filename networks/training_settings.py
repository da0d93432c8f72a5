r"""What one Network Lab training is: ``TrainingSettings``, checked on construction, and the lab's bounds.

The bounds keep every training within the time budget (the default ≤ 3 s, the largest ≤ 30 s of waiting on
this shared 2-core machine) and its snapshots within ``MAX_SNAPSHOT_BYTES``. ``estimated_seconds`` is the
budget's measure, CPU seconds on one core:

.. math::

    T \approx U\,(c_0 + c_1 P + c_{BN}) + \frac{(3\,U B + (E + 1)(N + V))\;\mathrm{MACs}}{r},

the updates' fixed cost, forward and backward passes (3 × the forward's multiply-adds per example) and the
evaluations of both sets after each of the E epochs, with r the measured multiply-add rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from networks.data import DATA_SHAPES, IMAGE_SETS, SPLIT_SIZES, check_data_name, check_seed
from networks.models import MAX_PARAMETERS, ModelSettings, multiply_adds, parameter_count
from optimizers.settings import OptimizerKind, OptimizerSettings

LOSS_NAMES = ("cross_entropy", "mse", "softmax_mse")
DTYPES = {"float32": torch.float32, "float64": torch.float64}
MAX_EPOCHS = 200
MAX_UPDATES = 10_000
MAX_SNAPSHOTS = 200
# The time budget: ``estimated_seconds`` is CPU time on one core of this machine (rates measured with one torch
# thread): forward + backward multiply-adds per second, and a fixed cost per update. The limit leaves room for
# the 3-4× slow-down of a shared machine (load average 5-6 on its 2 cores) within 30 s of waiting.
MULTIPLY_ADD_RATE = {"mlp": 1e10, "cnn": 3e9}
UPDATE_OVERHEAD_SECONDS = {"mlp": 7e-4, "cnn": 1.7e-3}  # a convolution, pooling and reshape cost more calls
UPDATE_SECONDS_PER_PARAMETER, BATCH_NORM_UPDATE_SECONDS = 6e-9, 6e-4
MAX_ESTIMATED_SECONDS = 6.0
# The lecture's experiments (``experiments/``) run from scripts and in the workers with larger bounds: a batch of
# one over many epochs, or fifty networks driven to critical points, is not a classroom wait but is still bounded.
BUDGETS = {"lab": (MAX_EPOCHS, MAX_UPDATES, MAX_ESTIMATED_SECONDS), "experiment": (2_000, 200_000, 1_800.0)}
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
    budget: str = "lab"  # "experiment": the larger bounds of BUDGETS, for the lecture's experiments

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
        if self.budget not in BUDGETS:
            raise ValueError(f"budget must be one of {', '.join(BUDGETS)}, got {self.budget!r}")
        max_epochs, max_updates, max_seconds = BUDGETS[self.budget]
        _whole(self.epochs, "epochs", 1, max_epochs)
        if self.updates is not None:
            _whole(self.updates, "updates", 1, max_updates)
        _whole(self.snapshots, "snapshots", 2, MAX_SNAPSHOTS)
        if self.model.batch_norm and self.batch_size == 1:
            raise ValueError("BatchNorm needs at least 2 examples per batch (it divides by the batch's variance): "
                             "choose a batch size of 2 or more, or turn BatchNorm off")
        if self.update_count > max_updates:
            raise ValueError(f"{self.epochs} epochs of batches of {self.batch_size} make {self.update_count:,} "
                             f"updates, more than {max_updates:,}: choose fewer epochs or a larger batch")
        if self.parameter_count > MAX_PARAMETERS:
            raise ValueError(f"this network has {self.parameter_count:,} parameters, more than {MAX_PARAMETERS:,}: "
                             f"choose narrower or fewer layers")
        if self.estimated_seconds > max_seconds:
            raise ValueError(f"this training would take about {self.estimated_seconds:.0f} s here, the lab allows "
                             f"{max_seconds:.0f} s: choose fewer epochs or updates, or a smaller network")

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
        per_update = (UPDATE_OVERHEAD_SECONDS[self.model.kind] + UPDATE_SECONDS_PER_PARAMETER * self.parameter_count
                      + BATCH_NORM_UPDATE_SECONDS * self.model.batch_norm)
        overhead = self.update_count * per_update
        return overhead + examples * per_example / MULTIPLY_ADD_RATE[self.model.kind]

    @property
    def parameter_count(self) -> int:
        features, outputs, image_shape = DATA_SHAPES[self.data]
        return parameter_count(self.model, features, outputs, image_shape)


def batch_starts(count: int, batch_size: int, batch_norm: bool) -> range:
    """Where each batch of an epoch begins in the epoch's order: 0, B, 2B, … below N.

    With BatchNorm a last batch of a single example is left out of that epoch (its variance is undefined;
    torch refuses it); reshuffled, the example is in other epochs' batches.
    """
    end = count - 1 if batch_norm and count % batch_size == 1 and count > 1 else count
    return range(0, end, batch_size)

"""What a student chooses for one optimizer, checked on construction, and the learning-rate sweep.

The hyperparameters carry ``torch.optim``'s names (``lr, momentum, alpha, betas, eps``) so that a test
can hand the same values to ``torch.optim`` and compare the trajectories.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import Enum

import numpy as np
import torch

from optimizers.rules import RuleCoefficients
from optimizers.schedules import Schedule

MAX_LEARNING_RATE = 100.0


class OptimizerKind(str, Enum):
    """The update rules of the lecture; the value is the short name used in URLs."""

    GD = "gd"
    MOMENTUM = "momentum"
    NESTEROV = "nesterov"
    ROOT_MEAN_SQUARE = "rms"
    ADAGRAD = "adagrad"
    RMSPROP = "rmsprop"
    ADAM = "adam"

    @property
    def label(self) -> str:
        """The name shown to students."""
        return LABELS[self]

    @property
    def latex(self) -> str:
        """The update rule in the lecture's notation."""
        return LECTURE_LATEX[self]

    @property
    def is_adaptive(self) -> bool:
        """Whether the rule divides by a per-parameter σ (and so uses ``eps``)."""
        return self in DEFAULT_EPS


LABELS = {
    OptimizerKind.GD: "Gradient descent",
    OptimizerKind.MOMENTUM: "Momentum",
    OptimizerKind.NESTEROV: "Nesterov",
    OptimizerKind.ROOT_MEAN_SQUARE: "Root mean square (lecture)",
    OptimizerKind.ADAGRAD: "Adagrad (torch, sum of squares)",
    OptimizerKind.RMSPROP: "RMSProp",
    OptimizerKind.ADAM: "Adam",
}

LECTURE_LATEX = {
    OptimizerKind.GD: r"\theta^{t+1} = \theta^t - \eta^t g^t",
    OptimizerKind.MOMENTUM: r"m^{t+1} = \lambda m^t - \eta^t g^t, \qquad \theta^{t+1} = \theta^t + m^{t+1}",
    OptimizerKind.NESTEROV: (
        r"m^{t+1} = \lambda m^t - \eta^t g^t, \qquad \theta^{t+1} = \theta^t + \lambda m^{t+1} - \eta^t g^t"
    ),
    OptimizerKind.ROOT_MEAN_SQUARE: (
        r"\theta_i^{t+1} = \theta_i^t - \frac{\eta^t}{\sigma_i^t} g_i^t, \qquad"
        r"\sigma_i^t = \sqrt{\frac{1}{t+1}\sum_{k=0}^{t} \left(g_i^k\right)^2} + \varepsilon"
    ),
    OptimizerKind.ADAGRAD: (
        r"\theta_i^{t+1} = \theta_i^t - \frac{\eta^t}{\sigma_i^t} g_i^t, \qquad"
        r"\sigma_i^t = \sqrt{\sum_{k=0}^{t} \left(g_i^k\right)^2} + \varepsilon"
    ),
    OptimizerKind.RMSPROP: (
        r"\theta_i^{t+1} = \theta_i^t - \frac{\eta^t}{\sigma_i^t} g_i^t, \qquad"
        r"\sigma_i^t = \sqrt{\alpha \left(\sigma_i^{t-1}\right)^2 + (1-\alpha)\left(g_i^t\right)^2},"
        r"\quad \sigma_i^{-1} = 0"
    ),
    OptimizerKind.ADAM: (
        r"m^{t} = \beta_1 m^{t-1} + (1-\beta_1) g^t, \quad"
        r"v^{t} = \beta_2 v^{t-1} + (1-\beta_2) \left(g^t\right)^2, \quad"
        r"\theta^{t+1} = \theta^t - \eta^t \frac{m^t / (1-\beta_1^{t+1})}{\sqrt{v^t / (1-\beta_2^{t+1})} + \varepsilon}"
    ),
}

# The lecture's root mean square takes torch Adagrad's ε (outside the root, like every rule here).
DEFAULT_EPS = {OptimizerKind.ROOT_MEAN_SQUARE: 1e-10, OptimizerKind.ADAGRAD: 1e-10, OptimizerKind.RMSPROP: 1e-8,
               OptimizerKind.ADAM: 1e-8}


# Plain gradient descent: the direction is the gradient, no moments, no σ.
GRADIENT_DESCENT_ROW = {name: 0.0 for name in RuleCoefficients._fields} | {"nesterov_gradient": 1.0}


def _check_in_range(name: str, value: float, low: float, high: float, *, high_included: bool) -> None:
    inside = low <= value <= high if high_included else low <= value < high
    if not inside:
        closing = "]" if high_included else ")"
        raise ValueError(f"{name} must be in [{low:g}, {high:g}{closing}, got {value:g}")


@dataclass(frozen=True)
class OptimizerSettings:
    """One optimizer: its rule, hyperparameters (torch's names and defaults), schedule, injected noise and batch size.

    ``eps=None`` means torch's default for the rule (Adagrad and the lecture's root mean square 1e-10,
    RMSProp and Adam 1e-8; plain and momentum descent have no ε). ``noise`` is σ of a Gaussian perturbation
    the app adds to every gradient, a stand-in for mini-batch noise on surfaces that are not a sum over
    examples. ``batch_size`` is real mini-batch training on surfaces that are (``optimizers.minibatch``):
    B examples per update, reshuffled every epoch; 0 (or B ≥ N) is the full batch. ``seed`` fixes both the
    noise and the batch order.
    """

    kind: OptimizerKind
    lr: float
    momentum: float = 0.9
    alpha: float = 0.99
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float | None = None
    schedule: Schedule = field(default_factory=Schedule)
    noise: float = 0.0
    seed: int = 0
    batch_size: int = 0

    def __post_init__(self) -> None:
        try:
            kind = OptimizerKind(self.kind)
        except ValueError:
            names = ", ".join(kind.value for kind in OptimizerKind)
            raise ValueError(f"unknown optimizer {self.kind!r}; choose one of {names}") from None
        object.__setattr__(self, "kind", kind)
        if not isinstance(self.lr, numbers.Real) or not math.isfinite(self.lr) or self.lr <= 0:
            raise ValueError(f"learning rate must be positive, got {self.lr}")
        if self.lr > MAX_LEARNING_RATE:
            raise ValueError(f"learning rate must be at most {MAX_LEARNING_RATE:g}, got {self.lr:g}")
        _check_in_range("momentum", self.momentum, 0, 1, high_included=False)
        _check_in_range("alpha", self.alpha, 0, 1, high_included=True)
        if len(self.betas) != 2:
            raise ValueError(f"betas must be a pair (β₁, β₂), got {self.betas!r}")
        object.__setattr__(self, "betas", (float(self.betas[0]), float(self.betas[1])))
        _check_in_range("betas[0] (β₁)", self.betas[0], 0, 1, high_included=False)
        _check_in_range("betas[1] (β₂)", self.betas[1], 0, 1, high_included=False)
        if self.eps is None and kind.is_adaptive:
            object.__setattr__(self, "eps", DEFAULT_EPS[kind])
        if self.eps is not None and not (math.isfinite(self.eps) and self.eps > 0):
            raise ValueError(f"eps must be positive (it keeps η/σ finite where the gradient is 0), got {self.eps}")
        if not math.isfinite(self.noise) or self.noise < 0:
            raise ValueError(f"noise must be ≥ 0 (it is the σ of the gradient noise), got {self.noise}")
        if not isinstance(self.seed, (int, np.integer)) or isinstance(self.seed, bool) or self.seed < 0:
            raise ValueError(f"seed must be a whole number ≥ 0, got {self.seed!r}")
        if not isinstance(self.schedule, Schedule):
            raise ValueError(f"schedule must be a Schedule, got {type(self.schedule).__name__}")
        if not isinstance(self.batch_size, (int, np.integer)) or isinstance(self.batch_size, bool) or self.batch_size < 0:
            raise ValueError(f"batch size must be a whole number ≥ 0 (0 is the full batch), got {self.batch_size!r}")

    def with_lr(self, lr: float) -> OptimizerSettings:
        """The same settings with another learning rate (checked like the original)."""
        return replace(self, lr=lr)

    def coefficient_row(self) -> tuple[float, ...]:
        """This optimizer's row of the unified rule, in the field order of ``RuleCoefficients``.

        Each rule names only the coefficients it changes from plain gradient descent (the table in
        ``optimizers.rules``).
        """
        beta1, beta2 = self.betas
        adaptive = {"adaptive": 1.0, "eps": self.eps or 0.0}
        rows = {
            OptimizerKind.GD: {},
            OptimizerKind.MOMENTUM: {"first_decay": self.momentum, "first_gain": 1.0, "nesterov_gradient": 0.0,
                                     "nesterov_buffer": 1.0},
            OptimizerKind.NESTEROV: {"first_decay": self.momentum, "first_gain": 1.0,
                                     "nesterov_buffer": self.momentum},
            OptimizerKind.ROOT_MEAN_SQUARE: {**adaptive, "second_decay": 1.0, "second_gain": 1.0,
                                             "mean_of_squares": 1.0},
            OptimizerKind.ADAGRAD: {**adaptive, "second_decay": 1.0, "second_gain": 1.0},
            OptimizerKind.RMSPROP: {**adaptive, "second_decay": self.alpha, "second_gain": 1 - self.alpha},
            OptimizerKind.ADAM: {**adaptive, "first_decay": beta1, "first_gain": 1 - beta1, "nesterov_gradient": 0.0,
                                 "nesterov_buffer": 1.0, "second_decay": beta2, "second_gain": 1 - beta2,
                                 "bias_correction": 1.0},
        }
        row = GRADIENT_DESCENT_ROW | rows[self.kind]
        return tuple(row[name] for name in RuleCoefficients._fields)


def rule_coefficients(settings: Sequence[OptimizerSettings]) -> RuleCoefficients:
    """The coefficients of the unified rule for a batch of runs, each field a float64 tensor (R, 1)."""
    table = torch.tensor([setting.coefficient_row() for setting in settings], dtype=torch.float64)
    table = table.reshape(len(settings), len(RuleCoefficients._fields))
    return RuleCoefficients(*(column.reshape(-1, 1) for column in table.unbind(dim=1)))


def learning_rate_sweep(
    settings: OptimizerSettings, count: int = 32, low: float | None = None, high: float | None = None
) -> tuple[float, ...]:
    """``count`` learning rates, evenly spaced on a log scale, one of which is ``settings.lr`` exactly.

    By default they run from about lr/30 to lr·30, cut at ``MAX_LEARNING_RATE``: wide enough to show
    both the crawl of a too-small η and the blow-up of a too-large one. The grid is shifted (by less
    than one spacing, towards smaller rates) so that lr itself lies on it.
    """
    lr = settings.lr
    low = lr / 30 if low is None else low
    high = min(lr * 30, MAX_LEARNING_RATE) if high is None else high
    if not isinstance(count, (int, np.integer)) or count < 2:
        raise ValueError(f"a sweep needs at least 2 learning rates, got count={count!r}")
    if not 0 < low <= lr <= high <= MAX_LEARNING_RATE:
        raise ValueError(
            f"the sweep must satisfy 0 < low ≤ lr ≤ high ≤ {MAX_LEARNING_RATE:g}, got low={low:g}, lr={lr:g}, high={high:g}"
        )
    if low == high:
        raise ValueError(f"the sweep needs low < high, got low = high = {low:g}")
    ratio = (high / low) ** (1 / (count - 1))
    position = min(max(math.ceil(math.log(lr / low) / math.log(ratio)), 0), count - 1)
    return tuple(min(lr * ratio ** float(index - position), high) for index in range(count))

"""Learning-rate schedules η_t as closed-form functions of the step (optax style, no hidden state).

The lecture's two ideas: *decay* (η_t shrinks as training approaches a minimum; it also tames
Adagrad's late "explosions" where σ has become small) and *warm-up* (η_t first grows, then shrinks,
so that the first, badly estimated σ does not send the parameters far away).

η_t is the rate of update t + 1, t = 0, 1, …; base η is the optimizer's learning rate.

=====================  ============================================================================
kind                   η_t
=====================  ============================================================================
constant               η
exponential            η γᵗ                                      (torch ``ExponentialLR``)
step                   η γ^⌊t / step_size⌋                       (torch ``StepLR``)
warmup_cosine          η (t + 1) / w for t < w, then η_min + (η − η_min)(1 + cos(π (t − w)/(T − w)))/2,
                       η_min = final_fraction · η, and η_min after T = total_steps
                       (torch ``LinearLR`` then ``CosineAnnealingLR`` in a ``SequentialLR``)
warmup_inverse_sqrt    η min((t + 1) / w, √(w / (t + 1)))        (the Transformer's schedule)
=====================  ============================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

ScheduleKind = Literal["constant", "exponential", "step", "warmup_cosine", "warmup_inverse_sqrt"]
SCHEDULE_KINDS: tuple[str, ...] = ("constant", "exponential", "step", "warmup_cosine", "warmup_inverse_sqrt")


@dataclass(frozen=True)
class Schedule:
    """Which schedule, with its parameters; checked on construction.

    ``gamma`` is the factor per step (exponential) or per ``step_size`` steps (step);
    ``warmup_steps`` = w, ``total_steps`` = T and ``final_fraction`` = η_min / η are for the warm-up kinds.
    """

    kind: ScheduleKind = "constant"
    gamma: float = 0.99
    step_size: int = 100
    warmup_steps: int = 50
    total_steps: int = 1000
    final_fraction: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in SCHEDULE_KINDS:
            raise ValueError(f"unknown schedule {self.kind!r}; choose one of {', '.join(SCHEDULE_KINDS)}")
        gamma, step_size, warmup_steps = self.gamma, self.step_size, self.warmup_steps
        total_steps, final_fraction = self.total_steps, self.final_fraction
        if not 0 < gamma <= 1:
            raise ValueError(f"{gamma=} must be in (0, 1]: the rate is multiplied by it")
        if not _is_whole(step_size) or step_size < 1:
            raise ValueError(f"{step_size=} must be a whole number ≥ 1")
        if not _is_whole(warmup_steps) or warmup_steps < 1:
            raise ValueError(f"{warmup_steps=} must be a whole number ≥ 1")
        if not _is_whole(total_steps) or total_steps < 1:
            raise ValueError(f"{total_steps=} must be a whole number ≥ 1")
        if not 0 <= final_fraction <= 1:
            raise ValueError(f"{final_fraction=} must be in [0, 1]: the final rate as a share of η")
        if self.kind == "warmup_cosine" and total_steps <= warmup_steps:
            raise ValueError(f"{total_steps=} must be larger than {warmup_steps=}: the decay follows the warm-up")


def _is_whole(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def learning_rate_at(schedule: Schedule, base_lr: float, steps: np.ndarray) -> np.ndarray:
    """η_t for an array of steps t ≥ 0 (any shape), in float64."""
    step = np.asarray(steps, dtype=np.float64)
    if schedule.kind == "constant":
        return np.full_like(step, base_lr)
    if schedule.kind == "exponential":
        return base_lr * schedule.gamma**step
    if schedule.kind == "step":
        return base_lr * schedule.gamma ** np.floor(step / schedule.step_size)
    warmup = schedule.warmup_steps
    rising = base_lr * (step + 1) / warmup
    if schedule.kind == "warmup_inverse_sqrt":
        return np.minimum(rising, base_lr * np.sqrt(warmup / (step + 1)))
    final = schedule.final_fraction * base_lr
    progress = np.clip((step - warmup) / (schedule.total_steps - warmup), 0.0, 1.0)
    cosine = final + (base_lr - final) * (1 + np.cos(np.pi * progress)) / 2
    return np.where(step < warmup, rising, cosine)


def learning_rates(schedule: Schedule, base_lr: float, steps: int) -> np.ndarray:
    """η_t for t = 0 … steps − 1, shape (steps,): entry t is the rate of update t + 1."""
    return learning_rate_at(schedule, base_lr, np.arange(steps))

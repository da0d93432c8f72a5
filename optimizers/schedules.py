"""Learning-rate schedules η_t as closed-form functions of the step (optax style, no hidden state).

The lecture's two ideas: *decay* (η_t shrinks as training approaches a minimum; it also tames the
late "explosions" of the lecture's root mean square, whose σ shrinks where the gradients have become
small) and *warm-up* (η_t first grows, then shrinks, so that the first, badly estimated σ does not send
the parameters far away).

η_t is the rate of update t + 1, t = 0, 1, …: η_0 takes the start θ_0 to θ_1 (the lecture's
θ^{t+1} = θ^t − η^t g^t with θ^0 the start). Base η is the optimizer's learning rate.

=====================  ============================================================================
kind                   η_t
=====================  ============================================================================
constant               η
exponential            η γᵗ                                      (torch ``ExponentialLR``)
step                   η γ^⌊t / step_size⌋                       (torch ``StepLR``)
warmup_cosine          η (t + 1) / w for t < w (η/w at t = 0, η at t = w − 1),
                       then η_min + (η − η_min)(1 + cos(π (t − w)/(T − w)))/2 for w ≤ t < T = total_steps,
                       and η_min from T on; η_min = final_fraction · η
                       (torch ``LinearLR`` then ``CosineAnnealingLR`` in a ``SequentialLR``)
warmup_inverse_sqrt    η min((t + 1) / w, √(w / (t + 1)))        (the Transformer's schedule)
=====================  ============================================================================

``schedule_latex`` shows these formulas to students, from ``SCHEDULE_LATEX``, their one home next to
the code; a test evaluates the LaTeX as displayed and compares it with ``learning_rate_at``.
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


# The formula of each kind as students see it. Products are written with ``\,`` (never by juxtaposition),
# so that the test can read the formula as it is displayed and compare it with ``learning_rate_at``.
SCHEDULE_LATEX = {
    "constant": r"\eta^t = \eta",
    "exponential": r"\eta^t = \eta\,\gamma^{t}",
    "step": r"\eta^t = \eta\,\gamma^{\lfloor t / s \rfloor}",
    "warmup_cosine": (
        r"\eta^t = \begin{cases} \eta\,\frac{t+1}{w} & t < w \\"
        r" \eta_{\min} + (\eta - \eta_{\min})\,\frac{1}{2}\,\Bigl(1 + \cos\frac{\pi\,(t-w)}{T-w}\Bigr) & w \le t < T \\"
        r" \eta_{\min} & t \ge T \end{cases}"
    ),
    "warmup_inverse_sqrt": r"\eta^t = \eta\,\min\Bigl(\frac{t+1}{w},\ \sqrt{\frac{w}{t+1}}\Bigr)",
}
# Which update η^t belongs to: t = 0 is the first step, from the start θ^0.
STEP_LATEX = r"\eta^t\!: \theta^t \to \theta^{t+1},\ t = 0, 1, 2, \ldots"


def schedule_latex(schedule: Schedule) -> str:
    """η^t of ``schedule`` as displayed: its formula, the values of its parameters, and which step t = 0 is."""
    final = "0" if schedule.final_fraction == 0 else rf"{schedule.final_fraction:g}\,\eta"
    values = {
        "constant": (),
        "exponential": ((r"\gamma", schedule.gamma),),
        "step": ((r"\gamma", schedule.gamma), ("s", schedule.step_size)),
        "warmup_cosine": (("w", schedule.warmup_steps), ("T", schedule.total_steps), (r"\eta_{\min}", final)),
        "warmup_inverse_sqrt": (("w", schedule.warmup_steps),),
    }[schedule.kind]
    parameters = r",\ ".join(f"{name} = {value:g}" if not isinstance(value, str) else f"{name} = {value}"
                             for name, value in values)
    return r" \qquad ".join(part for part in (SCHEDULE_LATEX[schedule.kind], parameters, STEP_LATEX) if part)


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

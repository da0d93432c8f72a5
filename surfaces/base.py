"""What a loss surface is: a batched torch function on the (x, y) plane, its domain and what we know of it.

A surface is a two-parameter "network": θ = (x, y) and a loss L(θ). Everything the app computes
(gradients, Hessians, optimizer paths) comes from ``Surface.loss`` by automatic differentiation.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from surfaces.datasets import Dataset

MAX_STARTS = 4


class PointKind(str, enum.Enum):
    """What a critical point (gradient zero) is, read from the signs of the Hessian's eigenvalues."""

    MINIMUM = "local minimum"
    MAXIMUM = "local maximum"
    SADDLE = "saddle"
    DEGENERATE = "degenerate"


@dataclass(frozen=True)
class Domain:
    """The rectangle [x_min, x_max] × [y_min, y_max] a surface is drawn on."""

    x_min: float
    x_max: float
    y_min: float
    y_max: float

    def __post_init__(self) -> None:
        bounds = self.bounds
        if not all(math.isfinite(bound) for bound in bounds):
            raise ValueError(f"the domain bounds must be finite numbers, got {bounds}")
        if not (self.x_min < self.x_max and self.y_min < self.y_max):
            raise ValueError(f"the domain needs x min < x max and y min < y max, got {bounds}")

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(x_min, x_max, y_min, y_max)``."""
        return (self.x_min, self.x_max, self.y_min, self.y_max)

    @property
    def width(self) -> float:
        return self.x_max - self.x_min

    @property
    def height(self) -> float:
        return self.y_max - self.y_min

    @property
    def diameter(self) -> float:
        """Length of the diagonal: the natural length scale of the picture."""
        return math.hypot(self.width, self.height)

    def contains(self, x: float, y: float) -> bool:
        """Whether (x, y) lies in the closed rectangle."""
        return self.x_min <= x <= self.x_max and self.y_min <= y <= self.y_max

    def clamp(self, x: float, y: float) -> tuple[float, float]:
        """The point of the rectangle nearest to (x, y)."""
        return (min(max(x, self.x_min), self.x_max), min(max(y, self.y_min), self.y_max))

    def padded(self, fraction: float) -> Domain:
        """A larger rectangle: each side moved out by ``fraction`` of the width (or height).

        Optimizer paths that leave ``domain.padded(1.0)`` are reported as diverged.
        """
        if not (math.isfinite(fraction) and fraction >= 0):
            raise ValueError(f"the padding fraction must be a number ≥ 0, got {fraction}")
        dx, dy = fraction * self.width, fraction * self.height
        return Domain(self.x_min - dx, self.x_max + dx, self.y_min - dy, self.y_max + dy)


@dataclass(frozen=True)
class CriticalPoint:
    """A point where the gradient vanishes, and its kind."""

    x: float
    y: float
    kind: PointKind


def points_of_kind(kind: PointKind, *coordinates: tuple[float, float]) -> tuple[CriticalPoint, ...]:
    """Critical points of one kind: ``points_of_kind(PointKind.MINIMUM, (1, 3))``."""
    return tuple(CriticalPoint(float(x), float(y), kind) for x, y in coordinates)


@dataclass(frozen=True)
class SurfaceParameter:
    """One tunable knob of a surface family, e.g. the ravine's condition number κ.

    ``build(value)`` returns the surface for that value; ``low``/``high``/``step`` suit a slider.
    """

    name: str
    label: str
    low: float
    high: float
    default: float
    step: float
    build: Callable[[float], Surface]

    def __post_init__(self) -> None:
        if not (self.low <= self.default <= self.high and self.step > 0):
            raise ValueError(f"parameter '{self.name}' needs low ≤ default ≤ high and step > 0")

    def validate(self, value: float) -> float:
        """``value`` as a float; raises ``ValueError`` with the allowed range when it is outside it."""
        number = float(value)
        if not (math.isfinite(number) and self.low <= number <= self.high):
            raise ValueError(f"the {self.label} must be between {self.low:g} and {self.high:g}, got {value}")
        return number


@dataclass(frozen=True)
class Surface:
    """A loss surface L(x, y) with its domain, start points, formula, lecture note and known critical points.

    ``loss`` maps float64 points of shape ``(..., 2)`` to losses of shape ``(...)``, one per point;
    it is written with torch operations so autograd gives exact gradients and Hessians.
    ``critical_points`` lists the isolated critical points inside the domain (the tests check them);
    ``critical_sets`` describes critical points that are not isolated, such as a valley of minima.
    A surface defined by data (the error surface of a tiny model) carries its ``dataset``: then ``loss``
    is the model's average loss over those examples, and a page can draw them. ``lower_bound`` is a value
    the loss never goes below, when known (0 for a square): a critical point where L reaches it is a
    minimum even where its Hessian is singular and the second-order test cannot decide.

    A surface that is a mean over examples, L(θ) = (1/N) Σₙ ℓₙ(θ), carries ``example_losses``, which maps
    points ``(..., 2)`` to every example's loss ℓₙ, shape ``(..., N)``: then an optimizer can use
    mini-batches, each update the mean of a few ℓₙ (the lecture's L₁, L₂, …: every batch has its own
    loss surface).
    """

    key: str
    name: str
    loss: Callable[[torch.Tensor], torch.Tensor]
    domain: Domain
    starts: tuple[tuple[float, float], ...]
    latex: str
    lecture: str
    critical_points: tuple[CriticalPoint, ...]
    critical_sets: tuple[str, ...] = ()
    parameter: SurfaceParameter | None = None
    dataset: Dataset | None = None
    lower_bound: float | None = None
    example_losses: Callable[[torch.Tensor], torch.Tensor] | None = None

    def __post_init__(self) -> None:
        if not 1 <= len(self.starts) <= MAX_STARTS:
            raise ValueError(f"surface '{self.key}' needs between 1 and {MAX_STARTS} start points")
        outside = [point for point in self.starts if not self.domain.contains(*point)]
        outside += [(point.x, point.y) for point in self.critical_points if not self.domain.contains(point.x, point.y)]
        if outside:
            raise ValueError(f"surface '{self.key}': points outside its domain: {outside}")

    def with_parameter(self, value: float) -> Surface:
        """The surface of the same family with its knob at ``value`` (``self`` if it has no knob)."""
        if self.parameter is None:
            return self
        return self.parameter.build(self.parameter.validate(value))

    @property
    def example_count(self) -> int:
        """N, the number of examples the loss averages (0 for a surface that is not a mean over examples)."""
        if self.example_losses is None:
            return 0
        with torch.no_grad():
            return int(self.example_losses(torch.zeros(2, dtype=torch.float64)).shape[-1])

    def loss_at(self, x: float, y: float) -> float:
        """L(x, y) as a Python float."""
        with torch.no_grad():
            return float(self.loss(torch.tensor([x, y], dtype=torch.float64)))

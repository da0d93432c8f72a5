r"""Where a loss is not a finite number: at one point (in L or only in its derivatives), or on the drawn grid.

A formula can be valid and still be unusable somewhere: ``log(x)`` is undefined (NaN) for x < 0,
``exp(exp(x*y))`` overflows (±∞) where xy > 6.56, ``sqrt(x*x)`` is finite everywhere but its slope
(by autograd) is NaN at x = 0. The pages say which of these happened and where, from the values below:

* ``failure_of(values)``: ``UNDEFINED`` if any value is NaN, else ``OVERFLOW`` if any is ±∞ (or, with
  ``largest``, beyond ±largest), else ``None``.
* ``not_finite_at(x, y, L, g[, H])``: the first of L, g, H that is not finite at (x, y), as a ``NotFinite``.
* ``grid_gaps(xs, ys, values)``: the share of a grid that cannot be drawn, why, and one such point (the
  one nearest the grid's centre), as ``GridGaps``. Heights beyond ``surfaces.grid.LARGEST_DRAWN``
  (1e300) are drawn as gaps too, so on a grid they count as an ``OVERFLOW``, like ±∞.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from analysis.derivatives import Loss, derivatives, loss_and_gradient
from surfaces.grid import LARGEST_DRAWN

OVERFLOW = "overflow"
UNDEFINED = "undefined"
QUANTITIES = ("loss", "gradient", "hessian")


def failure_of(values: torch.Tensor | np.ndarray | float, largest: float = math.inf) -> str | None:
    """``UNDEFINED`` if a value is NaN, else ``OVERFLOW`` if one is ±∞ or beyond ±``largest``, else None."""
    array = np.asarray(values.detach() if isinstance(values, torch.Tensor) else values, dtype=float)
    if np.isnan(array).any():
        return UNDEFINED
    if not (np.isfinite(array) & (np.abs(array) <= largest)).all():
        return OVERFLOW
    return None


@dataclass(frozen=True)
class NotFinite:
    """At (``x``, ``y``) the ``quantity`` ("loss", "gradient" or "hessian") is not finite: it is
    ``failure`` (``OVERFLOW`` or ``UNDEFINED``). ``loss`` is L there when L itself is finite, else None."""

    x: float
    y: float
    quantity: str
    failure: str
    loss: float | None = None


def not_finite_at(x: float, y: float, value: torch.Tensor, gradient: torch.Tensor,
                  hessian: torch.Tensor | None = None) -> NotFinite | None:
    """The first of L, g (and H, if given) at (x, y) that is not a finite number, or None if all are."""
    for quantity, tensor in zip(QUANTITIES, (value, gradient, hessian)):
        if tensor is None:
            continue
        failure = failure_of(tensor)
        if failure is not None:
            loss = None if quantity == "loss" else float(value)
            return NotFinite(float(x), float(y), quantity, failure, loss)
    return None


class NotFiniteError(ValueError):
    """A point where the loss or one of its derivatives is not a finite number; ``problem`` says which.

    >>> str(NotFiniteError(NotFinite(0.5, 1.0, "gradient", UNDEFINED, 0.5)))
    'the gradient of the loss is undefined (NaN) at (0.5, 1)'
    """

    def __init__(self, problem: NotFinite) -> None:
        what = "the loss" if problem.quantity == "loss" else f"the {problem.quantity} of the loss"
        how = "undefined (NaN)" if problem.failure == UNDEFINED else "infinite (an overflow)"
        super().__init__(f"{what} is {how} at ({problem.x:g}, {problem.y:g})")
        self.problem = problem

    def __reduce__(self) -> tuple[type[NotFiniteError], tuple[NotFinite]]:
        # Keep the problem when the error is pickled (a worker process, workers.POOL, sends its errors to the server).
        return (type(self), (self.problem,))


def check_finite_at(loss: Loss, x: float, y: float, *, second_order: bool = False) -> None:
    """Raise ``NotFiniteError`` unless L and g (and H with ``second_order``) are finite at (x, y)."""
    point = torch.tensor([x, y], dtype=torch.float64)
    if second_order:
        problem = not_finite_at(x, y, *derivatives(loss, point))
    else:
        problem = not_finite_at(x, y, *loss_and_gradient(loss, point))
    if problem is not None:
        raise NotFiniteError(problem)


@dataclass(frozen=True)
class GridGaps:
    """Where a grid of losses cannot be drawn: the ``fraction`` of its points (0 to 1), the failures seen
    there (``OVERFLOW``: ±∞ or beyond ±1e300; ``UNDEFINED``: NaN; in that order) and ``example``, the
    one nearest the grid's centre."""

    fraction: float
    failures: tuple[str, ...]
    example: tuple[float, float] | None

    @property
    def everywhere(self) -> bool:
        return self.fraction >= 1.0

    @property
    def any(self) -> bool:
        return self.fraction > 0.0


def grid_gaps(xs: np.ndarray, ys: np.ndarray, values: np.ndarray) -> GridGaps:
    """The gaps of ``values[i, j] = L(xs[j], ys[i])``: NaN (undefined), ±∞ or beyond ±``LARGEST_DRAWN``
    (overflow)."""
    values = np.asarray(values, dtype=float)
    undefined = np.isnan(values)
    overflow = ~undefined & ~(np.abs(values) <= LARGEST_DRAWN)
    gaps = undefined | overflow
    count = int(gaps.sum())
    if count == 0:
        return GridGaps(0.0, (), None)
    failures = tuple(name for name, mask in ((OVERFLOW, overflow), (UNDEFINED, undefined)) if mask.any())
    rows, columns = np.nonzero(gaps)
    centre_x, centre_y = (xs[0] + xs[-1]) / 2, (ys[0] + ys[-1]) / 2
    nearest = int(np.argmin(np.hypot(xs[columns] - centre_x, ys[rows] - centre_y)))
    return GridGaps(count / gaps.size, failures, (float(xs[columns[nearest]]), float(ys[rows[nearest]])))

r"""The lecture's way out of a saddle: a step along an eigenvector u of a negative Hessian eigenvalue λ.

Along the unit vector u (signed so that gᵀu ≤ 0) the second-order Taylor expansion at θ′ predicts

.. math::

    L(\theta' + t u) - L(\theta') \approx q(t) = t\, g^\top u + \tfrac12 \lambda t^2 < 0 .

How far to step is read off the loss itself: the longest t (up to a reach) for which the actual change
along u has stayed within ``ESCAPE_TOLERANCE`` of q at every t sampled on the way, so the change shown
as predicted and the one measured agree to that tolerance. A fixed length can jump past where the model
holds: on Rastrigin a step of 12 % of the domain crossed several ripples (q = −593, actual −5.84).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import torch

from analysis.derivatives import Loss
from analysis.point_report import PointReport

ESCAPE_TOLERANCE = 0.1  # |actual − predicted| ≤ 10 % of |predicted| at every sampled t up to the step
SAMPLE_RATIO = 0.97  # consecutive sampled lengths, from the reach down: 3 % apart
SHORTEST_SAMPLE = 1e-3  # the shortest sampled length, as a fraction of the reach


class NoEscapeDirectionError(ValueError):
    """No eigenvalue of the Hessian is negative, so no direction lowers the loss to second order."""


@dataclass(frozen=True, eq=False)
class EscapeStep:
    """A step of length ``step`` from ``start`` along the unit eigenvector ``direction`` of ``eigenvalue``.

    ``predicted_change`` = gᵀu·step + ½λ·step², the Taylor expansion's change of the loss; at a saddle
    (g = 0) it is ½λ·step² < 0. ``actual_change`` is L(point) − L(start) when the loss was given.
    A step sized by ``trusted_escape_step`` carries the ``reach`` and ``tolerance`` it was sized with.
    """

    start: tuple[float, float]
    point: tuple[float, float]
    direction: torch.Tensor
    eigenvalue: float
    step: float
    predicted_change: float
    actual_change: float | None
    reach: float | None = None
    tolerance: float | None = None


def escape_direction(report: PointReport) -> torch.Tensor:
    """The unit eigenvector u of the most negative eigenvalue, signed so that gᵀu ≤ 0 (downhill to first order).

    Raises ``NoEscapeDirectionError`` when λ ≥ 0: then no direction lowers the loss to second order.
    """
    eigenvalue = float(report.eigenvalues[0])
    if eigenvalue >= 0:
        raise NoEscapeDirectionError(
            f"no Hessian eigenvalue is negative here (smallest λ = {eigenvalue:.3g}), so no direction "
            "lowers the loss to second order: this is not a saddle or a maximum")
    direction = report.eigenvectors[:, 0]
    return -direction if float(report.gradient @ direction) > 0 else direction


def trusted_step_length(report: PointReport, loss: Loss, reach: float,
                        tolerance: float = ESCAPE_TOLERANCE) -> float | None:
    """The longest step t ≤ ``reach`` along ``escape_direction`` whose loss change matches q(t) to ``tolerance``.

    The slice f(t) = L(θ′ + t·u) − L(θ′) is evaluated at t = reach·0.97ᵏ down to reach/1000, and the answer
    is the longest sampled t with |f(s) − q(s)| ≤ tolerance·|q(s)| at every sampled s ≤ t: near θ′ the
    mismatch is the third-order term, |f − q| / |q| ≈ |∂³L/∂u³|·t / (3|λ|) at a saddle, which the
    samples measure instead of bounding. None when even the shortest sample misses (then no visible
    step follows the quadratic model).
    """
    if not (math.isfinite(reach) and reach > 0):
        raise ValueError(f"the reach must be a positive number, got {reach}")
    direction = escape_direction(report)
    count = math.ceil(math.log(SHORTEST_SAMPLE) / math.log(SAMPLE_RATIO))
    steps = reach * SAMPLE_RATIO ** torch.arange(count, -1, -1, dtype=torch.float64)  # ascending
    points = torch.tensor([report.x, report.y], dtype=torch.float64) + steps.unsqueeze(-1) * direction
    with torch.no_grad():
        actual = torch.broadcast_to(torch.as_tensor(loss(points), dtype=torch.float64), steps.shape) - report.loss
    predicted = float(report.gradient @ direction) * steps + 0.5 * float(report.eigenvalues[0]) * steps**2
    trusted = (actual - predicted).abs() <= tolerance * predicted.abs()  # False where actual is NaN
    misses = torch.nonzero(~trusted)
    if misses.numel() == 0:
        return reach
    first_miss = int(misses[0])
    return float(steps[first_miss - 1]) if first_miss > 0 else None


def escape_step(report: PointReport, step: float, loss: Loss | None = None) -> EscapeStep:
    """Move ``step`` along the eigenvector u of the most negative eigenvalue λ (how the lecture escapes a saddle).

    θ = θ′ + step·u, with the sign of u chosen so that gᵀu ≤ 0 (also downhill to first order).
    Raises ``NoEscapeDirectionError`` when λ ≥ 0: then no direction lowers the loss to second order.
    """
    if not (math.isfinite(step) and step > 0):
        raise ValueError(f"the step length must be a positive number, got {step}")
    direction = escape_direction(report)
    eigenvalue = float(report.eigenvalues[0])
    slope = float(report.gradient @ direction)
    point = (report.x + step * float(direction[0]), report.y + step * float(direction[1]))
    actual_change = None
    if loss is not None:
        with torch.no_grad():
            actual_change = float(loss(torch.tensor(point, dtype=torch.float64))) - report.loss
    return EscapeStep(
        start=(report.x, report.y), point=point, direction=direction, eigenvalue=eigenvalue, step=float(step),
        predicted_change=slope * step + 0.5 * eigenvalue * step**2, actual_change=actual_change,
    )


def trusted_escape_step(report: PointReport, loss: Loss, reach: float,
                        tolerance: float = ESCAPE_TOLERANCE) -> EscapeStep | None:
    """The escape step of ``trusted_step_length`` (None where no sampled length is trusted)."""
    length = trusted_step_length(report, loss, reach, tolerance)
    if length is None:
        return None
    return dataclasses.replace(escape_step(report, length, loss), reach=float(reach), tolerance=tolerance)

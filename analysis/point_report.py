r"""Everything the lecture reads off one point θ′: loss, gradient, Hessian, eigen-decomposition, verdict.

Near θ′ the loss is approximated by its second-order Taylor expansion

.. math::

    L(\theta) \approx L(\theta') + (\theta - \theta')^\top g
                      + \tfrac12 (\theta - \theta')^\top H (\theta - \theta'),

with g the gradient and H the Hessian at θ′. At a critical point g = 0 and the eigenvalues of H decide:
all positive, a local minimum; all negative, a local maximum; both signs, a saddle; a zero eigenvalue,
the second-order terms cannot tell (degenerate).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from analysis.derivatives import Loss, as_points, derivatives
from analysis.finiteness import NotFinite, NotFiniteError, not_finite_at
from surfaces.base import PointKind

GRADIENT_TOLERANCE = 1e-6
EIGEN_TOLERANCE = 1e-6
KINK_PROBE = 1e-6
KINK_TOLERANCE = 1e-4


class HessianUndefinedError(ValueError):
    """The Hessian means nothing at the point asked about: the loss has a kink there, or (as the
    subclass ``HessianNotFiniteError``) the loss, its gradient or its Hessian is not a finite number."""


class HessianNotFiniteError(HessianUndefinedError, NotFiniteError):
    """L, g or H is not a finite number at the point; ``problem`` says which and how (overflow or NaN)."""

    def __init__(self, problem: NotFinite) -> None:
        NotFiniteError.__init__(self, problem)
        what = "the loss" if problem.quantity == "loss" else f"the {problem.quantity}"
        self.args = (f"the Hessian is undefined here: {what} at ({problem.x:g}, {problem.y:g}) is not a finite "
                     "number (the surface is not smooth at this point)",)


class NoEscapeDirectionError(ValueError):
    """No eigenvalue of the Hessian is negative, so no direction lowers the loss to second order."""


def classify_critical_point(eigenvalues: torch.Tensor | Sequence[float], tolerance: float = EIGEN_TOLERANCE
                            ) -> PointKind:
    """The kind of a critical point from its Hessian eigenvalues λ, with |λ| ≤ ``tolerance`` counted as zero.

    Both signs present: saddle (a zero eigenvalue does not change that). Otherwise a zero eigenvalue makes
    the point degenerate; all λ > tolerance, a minimum; all λ < −tolerance, a maximum.
    """
    values = torch.as_tensor(eigenvalues, dtype=torch.float64).reshape(1, -1)
    return classify_critical_points(values, torch.tensor([tolerance], dtype=torch.float64))[0]


def classify_critical_points(eigenvalues: torch.Tensor, tolerances: torch.Tensor) -> list[PointKind]:
    """``classify_critical_point`` for a batch: eigenvalues (n, d) and one tolerance per point (n,)."""
    if eigenvalues.ndim != 2 or eigenvalues.shape[-1] == 0 or not bool(torch.isfinite(eigenvalues).all()):
        raise ValueError(f"eigenvalues must be finite numbers, one row per point, got {eigenvalues.tolist()}")
    limit = tolerances.reshape(-1, 1)
    has_positive, has_negative = (eigenvalues > limit).any(dim=-1), (eigenvalues < -limit).any(dim=-1)
    has_zero = (eigenvalues.abs() <= limit).any(dim=-1)
    codes = torch.where(has_positive & has_negative, 0, torch.where(has_zero, 1, torch.where(has_positive, 2, 3)))
    kinds = (PointKind.SADDLE, PointKind.DEGENERATE, PointKind.MINIMUM, PointKind.MAXIMUM)
    return [kinds[code] for code in codes.tolist()]


def _oriented(eigenvectors: torch.Tensor) -> torch.Tensor:
    """Eigenvector columns with a reproducible sign: the first non-negligible component made positive."""
    significant = eigenvectors.abs() > 1e-12
    first = torch.argmax(significant.to(torch.int64), dim=0)
    signs = torch.sign(eigenvectors.gather(0, first.unsqueeze(0))).squeeze(0)
    return eigenvectors * torch.where(signs == 0, torch.ones_like(signs), signs)


@dataclass(frozen=True, eq=False)
class PointReport:
    """Loss, gradient g (2,), Hessian H (2, 2), its eigenvalues (ascending) and unit eigenvectors (columns).

    ``curvature`` is what the eigenvalues alone say (the shape of the Taylor quadric); ``verdict`` is the
    same but only at a critical point (‖g‖ ≤ gradient tolerance), and ``None`` where the gradient is
    clearly non-zero: there the loss goes down along −g whatever the curvature.
    """

    x: float
    y: float
    loss: float
    gradient: torch.Tensor
    gradient_norm: float
    hessian: torch.Tensor
    eigenvalues: torch.Tensor
    eigenvectors: torch.Tensor
    condition_number: float
    is_critical: bool
    curvature: PointKind
    verdict: PointKind | None

    def taylor_approximation(self, points: torch.Tensor) -> torch.Tensor:
        """The Taylor quadric L(θ′) + (θ − θ′)ᵀg + ½(θ − θ′)ᵀH(θ − θ′) at points θ of shape (..., 2)."""
        offset = as_points(points) - torch.tensor([self.x, self.y], dtype=torch.float64)
        curvature_term = torch.einsum("...i,ij,...j->...", offset, self.hessian, offset)
        return self.loss + offset @ self.gradient + 0.5 * curvature_term


def _condition_number(eigenvalues: torch.Tensor) -> float:
    """|λ|max / |λ|min, infinite when some eigenvalue is exactly zero."""
    magnitudes = eigenvalues.abs()
    smallest, largest = float(magnitudes.min()), float(magnitudes.max())
    return math.inf if smallest == 0 else largest / smallest


def gradient_jump(loss: Loss, x: float, y: float, hessian: torch.Tensor, probe: float = KINK_PROBE) -> float:
    r"""How far the gradient is from continuous at θ′ = (x, y): 0 where the loss is smooth there.

    For a twice-differentiable loss the gradients a tiny ``h`` to either side along each axis e_i obey

    .. math::

        g(\theta' + h e_i) - g(\theta' - h e_i) = 2h\, H e_i + O(h^3),

    so the largest mismatch, relative to 1 + ‖g‖, is about h² times the third derivatives (≈ 1e-12 here).
    Across a kink (``abs`` at 0, ``relu``, ``max``) the slope jumps by a finite amount, and autograd's
    value *at* the kink (a one-sided or averaged slope, and a Hessian of 0) means nothing. The gradients
    are autograd's at the probe points, never finite differences of the loss.
    """
    offsets = probe * torch.tensor([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]], dtype=torch.float64)
    _, gradients, _ = derivatives(loss, torch.tensor([x, y], dtype=torch.float64) + offsets)
    if not bool(torch.isfinite(gradients).all()):
        return math.inf
    predicted = 2 * probe * hessian
    mismatch = torch.stack([gradients[0] - gradients[1] - predicted[:, 0], gradients[2] - gradients[3] - predicted[:, 1]])
    scale = 1.0 + float(torch.linalg.vector_norm(gradients, dim=-1).max())
    return float(mismatch.abs().max()) / scale


def inspect_point(loss: Loss, x: float, y: float, gradient_tolerance: float = GRADIENT_TOLERANCE,
                  eigen_tolerance: float = EIGEN_TOLERANCE) -> PointReport:
    """The full second-order picture of ``loss`` at (x, y), by autograd in float64 and ``torch.linalg.eigh``.

    Raises ``HessianNotFiniteError`` (a ``HessianUndefinedError``) where the loss, gradient or Hessian is
    not finite (e.g. √(x²+y²) at 0), and ``HessianUndefinedError`` where the gradient jumps, so the loss
    is not twice differentiable (e.g. |x| + y² on the line x = 0).
    """
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(f"the point must have finite coordinates, got ({x}, {y})")
    value, gradient, hessian = derivatives(loss, torch.tensor([x, y], dtype=torch.float64))
    problem = not_finite_at(x, y, value, gradient, hessian)
    if problem is not None:
        raise HessianNotFiniteError(problem)
    if gradient_jump(loss, x, y, hessian) > KINK_TOLERANCE:
        raise HessianUndefinedError(
            f"the Hessian is undefined here: the slope of the loss jumps at ({x:g}, {y:g}) "
            "(the surface has a kink, as |x| has at 0, so it is not twice differentiable)")
    eigenvalues, eigenvectors = torch.linalg.eigh(hessian)
    gradient_norm = float(torch.linalg.vector_norm(gradient))
    curvature = classify_critical_point(eigenvalues, eigen_tolerance)
    is_critical = gradient_norm <= gradient_tolerance
    return PointReport(
        x=float(x), y=float(y), loss=float(value), gradient=gradient, gradient_norm=gradient_norm,
        hessian=hessian, eigenvalues=eigenvalues, eigenvectors=_oriented(eigenvectors),
        condition_number=_condition_number(eigenvalues), is_critical=is_critical, curvature=curvature,
        verdict=curvature if is_critical else None,
    )


@dataclass(frozen=True, eq=False)
class EscapeStep:
    """A step of length ``step`` from ``start`` along the unit eigenvector ``direction`` of ``eigenvalue``.

    ``predicted_change`` = gᵀu·step + ½λ·step², the Taylor expansion's change of the loss; at a saddle
    (g = 0) it is ½λ·step² < 0. ``actual_change`` is L(point) − L(start) when the loss was given.
    """

    start: tuple[float, float]
    point: tuple[float, float]
    direction: torch.Tensor
    eigenvalue: float
    step: float
    predicted_change: float
    actual_change: float | None


def escape_step(report: PointReport, step: float, loss: Loss | None = None) -> EscapeStep:
    """Move ``step`` along the eigenvector u of the most negative eigenvalue λ (how the lecture escapes a saddle).

    θ = θ′ + step·u, with the sign of u chosen so that gᵀu ≤ 0 (also downhill to first order).
    Raises ``NoEscapeDirectionError`` when λ ≥ 0: then no direction lowers the loss to second order.
    """
    if not (math.isfinite(step) and step > 0):
        raise ValueError(f"the step length must be a positive number, got {step}")
    eigenvalue = float(report.eigenvalues[0])
    if eigenvalue >= 0:
        raise NoEscapeDirectionError(
            f"no Hessian eigenvalue is negative here (smallest λ = {eigenvalue:.3g}), so no direction "
            "lowers the loss to second order: this is not a saddle or a maximum")
    direction = report.eigenvectors[:, 0]
    if float(report.gradient @ direction) > 0:
        direction = -direction
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

r"""Everything the lecture reads off one point θ′: loss, gradient, Hessian, eigen-decomposition, verdict.

Near θ′ the loss is approximated by its second-order Taylor expansion

.. math::

    L(\theta) \approx L(\theta') + (\theta - \theta')^\top g
                      + \tfrac12 (\theta - \theta')^\top H (\theta - \theta'),

with g the gradient and H the Hessian at θ′. At a critical point g = 0 and the eigenvalues of H decide:
all positive, a local minimum; all negative, a local maximum; both signs, a saddle; a zero eigenvalue,
the second-order terms cannot tell (degenerate), unless L there equals a value the loss never goes below
(0 for a square): then the point is a minimum whatever the higher orders say.

A point typed to a few decimals is rarely exactly critical: within δ (half a unit of the last decimal) of
a critical point θ*, its gradient is ‖g(θ′)‖ = ‖∫ H (θ′ − θ*)‖ ≤ max‖H‖₂ · δ√2, as big as 1.5e-3 at
Himmelblau's minimum typed as (−2.8051, 3.1313). ``inspect_point`` given that ``precision`` looks for θ*
by Newton's method and says when the point is a critical point within the precision shown.
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
# A critical point counts as "within the precision shown" up to this many δ from θ′ in each coordinate:
# rounding moves a point at most δ, and the factor 2 (one unit of the last decimal) is the safety margin for
# the third-order terms that Newton's method neglects and for a set of critical points, where it lands on
# some point of the set and not the nearest one.
PRECISION_SAFETY = 2.0
NEWTON_STEPS = 6
NEWTON_STEP_FLOOR = 1e-13  # relative to the coordinates: a shorter Newton step is float64 rounding
# A loss within this (times 1 + |bound|) of its lower bound is at the bound: float64 rounding of L itself.
LOWER_BOUND_TOLERANCE = 1e-12


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


def at_lower_bound(losses: torch.Tensor, lower_bound: float | None) -> torch.Tensor:
    """Which losses equal ``lower_bound`` (a value the loss never goes below), to float64 rounding."""
    if lower_bound is None:
        return torch.zeros(losses.shape, dtype=torch.bool)
    return losses <= lower_bound + LOWER_BOUND_TOLERANCE * (1 + abs(lower_bound))


def decided_kinds(kinds: Sequence[PointKind], losses: torch.Tensor, lower_bound: float | None) -> list[PointKind]:
    """The kinds of critical points, with a degenerate one where L equals ``lower_bound`` made a minimum.

    Where the Hessian is singular the second-order test cannot decide, but L(θ*) = min L decides:
    no point has a lower loss, so θ* is a (global) minimum, as on the lecture toy's valley w₁w₂ = 1.
    """
    bound = at_lower_bound(losses.reshape(-1), lower_bound).tolist()
    return [PointKind.MINIMUM if kind is PointKind.DEGENERATE and lowest else kind
            for kind, lowest in zip(kinds, bound)]


def _oriented(eigenvectors: torch.Tensor) -> torch.Tensor:
    """Eigenvector columns with a reproducible sign: the first non-negligible component made positive."""
    significant = eigenvectors.abs() > 1e-12
    first = torch.argmax(significant.to(torch.int64), dim=0)
    signs = torch.sign(eigenvectors.gather(0, first.unsqueeze(0))).squeeze(0)
    return eigenvectors * torch.where(signs == 0, torch.ones_like(signs), signs)


@dataclass(frozen=True, eq=False)
class PointReport:
    """Loss, gradient g (2,), Hessian H (2, 2), its eigenvalues (ascending) and unit eigenvectors (columns).

    ``curvature`` is what the eigenvalues alone say (the shape of the Taylor quadric). ``critical_point`` is
    θ′ itself where ‖g‖ ≤ gradient tolerance (``is_critical``), a critical point θ* within the precision
    of θ′ where Newton's method finds one (``within_precision``), else ``None``. ``hessian_verdict`` is the
    kind of that critical point its own Hessian says, ``verdict`` the kind it is: the same, except that a
    degenerate one where L equals the loss's lower bound is a minimum. Both are ``None`` where there is no
    critical point: there the loss goes down along −g whatever the curvature.
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
    critical_point: tuple[float, float] | None = None
    hessian_verdict: PointKind | None = None

    @property
    def within_precision(self) -> bool:
        """Not critical itself, but a critical point lies within the precision the point was given to."""
        return self.critical_point is not None and not self.is_critical

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


def _hessian_spread(loss: Loss, x: float, y: float, hessian: torch.Tensor, half_width: float) -> float:
    """max ‖H(c) − H(θ′)‖₂ over the corners c of the box θ′ ± half_width: how much the curvature can change
    within the box (third-order terms), so an eigenvalue smaller than this may be zero at θ*."""
    corners = half_width * torch.tensor([[1.0, 1.0], [1.0, -1.0], [-1.0, 1.0], [-1.0, -1.0]], dtype=torch.float64)
    _, _, hessians = derivatives(loss, torch.tensor([x, y], dtype=torch.float64) + corners)
    if not bool(torch.isfinite(hessians).all()):
        return math.inf
    return float(torch.linalg.matrix_norm(hessians - hessian, ord=2).max())


def _critical_point_within(loss: Loss, x: float, y: float, gradient: torch.Tensor, hessian: torch.Tensor,
                           half_width: float, gradient_tolerance: float) -> tuple[float, float] | None:
    r"""A critical point θ* (‖g(θ*)‖ ≤ ``gradient_tolerance``) with |θ*ᵢ − θ′ᵢ| ≤ ``half_width``, or None;
    ``gradient`` and ``hessian`` are g and H at θ′ = (x, y).

    A necessary condition comes first: for θ* in the box,

    .. math::

        \lVert g(\theta') \rVert = \Bigl\lVert \int_0^1 H(\theta^* + s(\theta' - \theta^*))\,ds\,(\theta' - \theta^*)
        \Bigr\rVert \le (\lVert H(\theta') \rVert_2 + \Delta H)\, \sqrt2\, w,

    with w = ``half_width`` and ΔH how much H changes over the box (measured at its corners). Then Newton's
    method from θ′, θ ← θ − H⁺g, finds θ*; eigenvalues below ΔH are left alone (the box's rounding may
    make them zero, as across the lecture toy's valley of minima, where Newton would otherwise slide along
    it). The answer is a critical point the same test ‖g‖ ≤ tolerance accepts, found, not estimated.
    """
    start = torch.tensor([x, y], dtype=torch.float64)
    spread = _hessian_spread(loss, x, y, hessian, half_width)
    reach = (float(torch.linalg.matrix_norm(hessian, ord=2)) + spread) * math.sqrt(2) * half_width
    if not float(torch.linalg.vector_norm(gradient)) <= reach:
        return None
    point = start
    for _ in range(NEWTON_STEPS):
        eigenvalues, eigenvectors = torch.linalg.eigh(hessian)
        usable = eigenvalues.abs() > spread
        along = eigenvectors.T @ gradient
        step = eigenvectors @ torch.where(usable, along / torch.where(usable, eigenvalues, 1.0), 0.0)
        point = point - step
        if float((point - start).abs().max()) > half_width:
            return None
        _, gradient, hessian = derivatives(loss, point)
        if not bool(torch.isfinite(gradient).all() and torch.isfinite(hessian).all()):
            return None
        if float(step.abs().max()) <= NEWTON_STEP_FLOOR * (1 + float(start.abs().max())):
            break  # converged to float64 rounding (quadratically, a step or two after ‖g‖ ≤ tolerance)
    if float(torch.linalg.vector_norm(gradient)) > gradient_tolerance:
        return None
    return float(point[0]), float(point[1])


def inspect_point(loss: Loss, x: float, y: float, gradient_tolerance: float = GRADIENT_TOLERANCE,
                  eigen_tolerance: float = EIGEN_TOLERANCE, *, precision: float = 0.0,
                  lower_bound: float | None = None) -> PointReport:
    """The full second-order picture of ``loss`` at (x, y), by autograd in float64 and ``torch.linalg.eigh``.

    ``precision`` is how far from the point the user meant it may lie in each coordinate (δ, half a unit of
    the last decimal shown): a critical point within ``PRECISION_SAFETY``·δ makes the point critical
    within the precision shown. ``lower_bound`` is a value the loss never goes below, when known.
    Raises ``HessianNotFiniteError`` (a ``HessianUndefinedError``) where the loss, gradient or Hessian is
    not finite (e.g. √(x²+y²) at 0), and ``HessianUndefinedError`` where the gradient jumps, so the loss
    is not twice differentiable (e.g. |x| + y² on the line x = 0).
    """
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(f"the point must have finite coordinates, got ({x}, {y})")
    if not (math.isfinite(precision) and precision >= 0):
        raise ValueError(f"the precision must be a number ≥ 0, got {precision}")
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
    critical_point = (float(x), float(y)) if is_critical else None
    if critical_point is None and precision > 0:
        critical_point = _critical_point_within(loss, x, y, gradient, hessian, PRECISION_SAFETY * precision,
                                                gradient_tolerance)
    return PointReport(
        x=float(x), y=float(y), loss=float(value), gradient=gradient, gradient_norm=gradient_norm,
        hessian=hessian, eigenvalues=eigenvalues, eigenvectors=_oriented(eigenvectors),
        condition_number=_condition_number(eigenvalues), is_critical=is_critical, curvature=curvature,
        critical_point=critical_point, **_kinds_of(loss, critical_point, eigen_tolerance, lower_bound),
    )


def _kinds_of(loss: Loss, critical_point: tuple[float, float] | None, eigen_tolerance: float,
              lower_bound: float | None) -> dict[str, PointKind | None]:
    """``hessian_verdict`` and ``verdict`` of the critical point (None if there is none): from its own Hessian,
    which near θ′ can differ in sign from H(θ′) along a direction where it is almost zero, and then from the
    loss's lower bound."""
    if critical_point is None:
        return {"hessian_verdict": None, "verdict": None}
    value, _, hessian = derivatives(loss, torch.tensor(critical_point, dtype=torch.float64))
    kind = classify_critical_point(torch.linalg.eigvalsh(hessian), eigen_tolerance)
    return {"hessian_verdict": kind, "verdict": decided_kinds([kind], value, lower_bound)[0]}

r"""Find the critical points of a surface: Newton's method on ∇L = 0 from a grid of seeds, all at once.

Newton's method solves g(θ) = 0 by linearizing the gradient, g(θ + s) ≈ g + Hs, and stepping to its zero:

.. math::

    \theta \leftarrow \theta - H^{+} g,

with H⁺ the pseudo-inverse (directions with a near-zero eigenvalue are left alone). Unlike gradient
descent it is attracted to every kind of critical point, minima, maxima and saddles alike, so a grid
of seeds finds them all. Converged points are deduplicated and classified by their Hessian; a degenerate
one (singular Hessian) where L equals the surface's lower bound is a minimum, as on the lecture toy's
valley w₁w₂ = 1, a non-isolated set of minima where the second-order test alone cannot decide.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from analysis.derivatives import Loss, derivatives
from analysis.point_report import classify_critical_points, decided_kinds
from surfaces.base import CriticalPoint, Domain, PointKind, Surface

DEFAULT_SEEDS_PER_AXIS = 24
MAX_POINTS = 40
MAX_ITERATIONS = 80
# Degenerate points at least SET_SPACING apart, this many of them, make a non-isolated set.
MIN_SET_POINTS = 3
RELATIVE_GRADIENT_TOLERANCE = 1e-9
RELATIVE_EIGEN_TOLERANCE = 1e-6
# Lengths relative to the domain's diagonal.
LAST_STEP_TOLERANCE = 1e-4
DUPLICATE_DISTANCE = 1e-5
SET_SPACING = 1e-2
INSIDE_SLACK = 1e-9


@dataclass(frozen=True)
class Atlas:
    """The critical points found in a domain (at most ``MAX_POINTS``), whether some form a non-isolated set,
    and a sentence for the student about what was found (and left out).

    ``found`` counts what the search found before the cap: the points of the non-isolated set when there
    is one (then ``isolated`` counts the isolated points besides it), else every point (``isolated`` 0).
    ``kept_set`` counts the points of the set among ``points`` (the last ones). Their Hessian is singular;
    ``set_lower_bound`` is the loss's lower bound when the set lies on it: then they are minima, else
    degenerate (the second-order test cannot decide).
    """

    points: tuple[CriticalPoint, ...]
    non_isolated: bool
    note: str
    found: int = -1
    isolated: int = 0
    kept_set: int = -1
    set_lower_bound: float | None = None

    def __post_init__(self) -> None:
        if self.kept_set < 0:  # an atlas made by hand: its degenerate points are the set
            kept_set = sum(point.kind is PointKind.DEGENERATE for point in self.points) if self.non_isolated else 0
            object.__setattr__(self, "kept_set", kept_set)
        if self.found < 0:  # made by hand: what it keeps is all there is
            object.__setattr__(self, "found", self.kept_set if self.non_isolated else len(self.points))
            object.__setattr__(self, "isolated", len(self.points) - self.kept_set if self.non_isolated else 0)


def _seed_grid(domain: Domain, seeds_per_axis: int) -> torch.Tensor:
    """Centres of a seeds_per_axis × seeds_per_axis grid of cells over the domain, shape (n², 2)."""
    fractions = (torch.arange(seeds_per_axis, dtype=torch.float64) + 0.5) / seeds_per_axis
    xs = domain.x_min + fractions * domain.width
    ys = domain.y_min + fractions * domain.height
    return torch.stack(torch.meshgrid(xs, ys, indexing="xy"), dim=-1).reshape(-1, 2)


def _finite_rows(*tensors: torch.Tensor) -> torch.Tensor:
    """Mask of the points whose loss, gradient and Hessian are all finite."""
    return torch.stack([torch.isfinite(t.reshape(t.shape[0], -1)).all(dim=-1) for t in tensors]).all(dim=0)


def _newton_steps(gradient: torch.Tensor, hessian: torch.Tensor, max_step: float) -> torch.Tensor:
    """H⁺g for every point (eigenvalues below 1e-10 of the largest treated as zero), clipped to ``max_step``."""
    eigenvalues, eigenvectors = torch.linalg.eigh(hessian)
    scale = eigenvalues.abs().amax(dim=-1, keepdim=True)
    usable = eigenvalues.abs() > 1e-10 * scale + 1e-300
    along = (eigenvectors.transpose(-1, -2) @ gradient.unsqueeze(-1)).squeeze(-1)
    coefficients = torch.where(usable, along / torch.where(usable, eigenvalues, torch.ones_like(eigenvalues)), 0.0)
    steps = (eigenvectors @ coefficients.unsqueeze(-1)).squeeze(-1)
    lengths = torch.linalg.vector_norm(steps, dim=-1, keepdim=True)
    return steps * torch.clamp(max_step / lengths.clamp_min(1e-300), max=1.0)


@dataclass(frozen=True)
class _Scales:
    """Typical sizes on this surface, so the tolerances suit x² and 10⁸·x² alike."""

    length: float  # the domain's diagonal
    gradient: float  # median ‖g‖ over the seeds
    curvature: float  # median largest |λ| over the seeds


def _typical_scales(loss: Loss, seeds: torch.Tensor, domain: Domain) -> _Scales:
    _, gradient, hessian = derivatives(loss, seeds)
    finite = _finite_rows(gradient, hessian)
    if not bool(finite.any()):
        return _Scales(domain.diameter, 1.0, 1.0)
    gradient_norms = torch.linalg.vector_norm(gradient[finite], dim=-1)
    curvatures = torch.linalg.eigvalsh(hessian[finite]).abs().amax(dim=-1)
    return _Scales(domain.diameter, float(gradient_norms.median()), float(curvatures.median()))


def _inside(points: torch.Tensor, domain: Domain, slack: float = 0.0) -> torch.Tensor:
    return ((points[:, 0] >= domain.x_min - slack) & (points[:, 0] <= domain.x_max + slack)
            & (points[:, 1] >= domain.y_min - slack) & (points[:, 1] <= domain.y_max + slack))


def _newton(loss: Loss, seeds: torch.Tensor, domain: Domain, scales: _Scales, max_step: float) -> torch.Tensor:
    """Damped Newton from all seeds in one batch; returns the end points of the runs that converged.

    A run has converged when its last step is short and its gradient tiny; runs that leave the domain
    (padded by half its size) or reach a point where the loss is not twice differentiable are dropped.
    On a plateau the gradient is tiny too, but Newton's steps there stay long (they head off to infinity).
    """
    points, alive = seeds.clone(), torch.ones(seeds.shape[0], dtype=torch.bool)
    box = domain.padded(0.5)
    last_steps = torch.full((seeds.shape[0],), math.inf, dtype=torch.float64)
    for _ in range(MAX_ITERATIONS):
        values, gradient, hessian = derivatives(loss, points)
        alive &= _finite_rows(values, gradient, hessian)
        gradient = torch.where(alive.unsqueeze(-1), gradient, 0.0)
        hessian = torch.where(alive.reshape(-1, 1, 1), hessian, 0.0)
        steps = _newton_steps(gradient, hessian, max_step)
        points = points - steps
        last_steps = torch.linalg.vector_norm(steps, dim=-1)
        alive &= _inside(points, box)
        if not bool((last_steps[alive] > 1e-15 * scales.length).any()):
            break
    values, gradient, hessian = derivatives(loss, points)
    alive &= _finite_rows(values, gradient, hessian)
    gradient_norms = torch.linalg.vector_norm(gradient, dim=-1)
    converged = (alive & _inside(points, domain, INSIDE_SLACK * scales.length)
                 & (gradient_norms <= RELATIVE_GRADIENT_TOLERANCE * max(1.0, scales.gradient))
                 & (last_steps <= LAST_STEP_TOLERANCE * scales.length))
    return points[converged]


def _distinct(points: torch.Tensor, distance: float) -> torch.Tensor:
    """The points with no earlier point within ``distance`` (one representative per cluster)."""
    close = torch.cdist(points, points) <= distance
    earlier = torch.ones_like(close).tril(diagonal=-1)
    return points[~(close & earlier).any(dim=1)]


def _kinds(hessian: torch.Tensor, typical_curvature: float) -> list[PointKind]:
    """Kind of each point; an eigenvalue counts as zero below 1e-6 of the surface's typical curvature
    (or of the point's own largest eigenvalue, if that is larger)."""
    eigenvalues = torch.linalg.eigvalsh(hessian)
    largest = eigenvalues.abs().amax(dim=-1).clamp_min(typical_curvature)
    return classify_critical_points(eigenvalues, RELATIVE_EIGEN_TOLERANCE * largest)


def _evenly_spaced(items: list, count: int) -> list:
    """``count`` items spread over the list (all of them when there are not more)."""
    if len(items) <= count:
        return items
    return [items[round(i * (len(items) - 1) / max(count - 1, 1))] for i in range(count)]


def find_critical_points(surface_or_loss: Surface | Loss,
                         domain: Domain | tuple[float, float, float, float] | None = None,
                         seeds_per_axis: int = DEFAULT_SEEDS_PER_AXIS, max_points: int = MAX_POINTS) -> Atlas:
    """All critical points Newton's method reaches from a seeds_per_axis² grid over the domain.

    ``domain`` defaults to the surface's own. Points where the loss is not twice differentiable (non-finite
    Hessian) are skipped. When several distinct degenerate points are found they are reported as a
    non-isolated set (a valley or plateau of critical points) and only a sample of them is returned.
    Degenerate points where L equals the surface's ``lower_bound`` are minima.
    """
    lower_bound = None
    if isinstance(surface_or_loss, Surface):
        loss, domain, lower_bound = surface_or_loss.loss, domain or surface_or_loss.domain, surface_or_loss.lower_bound
    elif callable(surface_or_loss):
        loss = surface_or_loss
    else:
        raise TypeError("find_critical_points needs a Surface or a loss function")
    if domain is None:
        raise ValueError("give the domain to search when passing a bare loss function")
    domain = domain if isinstance(domain, Domain) else Domain(*domain)
    if isinstance(seeds_per_axis, bool) or not isinstance(seeds_per_axis, int) or not 2 <= seeds_per_axis <= 200:
        raise ValueError(f"seeds_per_axis must be a whole number from 2 to 200, got {seeds_per_axis!r}")
    if max_points < 1:
        raise ValueError(f"max_points must be at least 1, got {max_points}")

    seeds = _seed_grid(domain, seeds_per_axis)
    scales = _typical_scales(loss, seeds, domain)
    found = _distinct(_newton(loss, seeds, domain, scales, 0.5 * domain.diameter / seeds_per_axis),
                      DUPLICATE_DISTANCE * domain.diameter)
    values, _, hessian = derivatives(loss, found)
    order = torch.argsort(values)
    found, kinds = found[order], _kinds(hessian[order], scales.curvature)
    isolated = [CriticalPoint(float(x), float(y), kind) for (x, y), kind in zip(found.tolist(), kinds)
                if kind is not PointKind.DEGENERATE]
    degenerate = found[torch.tensor([kind is PointKind.DEGENERATE for kind in kinds], dtype=torch.bool)]
    # Newton crawls towards a degenerate point (x⁶ + y², say) and stops short in slightly different places:
    # merge such near neighbours, so that only genuinely spread-out degenerate points count as a set.
    degenerate = _distinct(degenerate, SET_SPACING * domain.diameter)
    with torch.no_grad():
        losses = torch.broadcast_to(torch.as_tensor(loss(degenerate), dtype=torch.float64), degenerate.shape[:-1])
    decided = decided_kinds([PointKind.DEGENERATE] * degenerate.shape[0], losses, lower_bound)
    singular = [CriticalPoint(float(x), float(y), kind) for (x, y), kind in zip(degenerate.tolist(), decided)]
    non_isolated = len(singular) >= MIN_SET_POINTS
    on_bound = non_isolated and all(kind is PointKind.MINIMUM for kind in decided)
    return _atlas(isolated, singular, non_isolated, max_points, lower_bound if on_bound else None)


def _atlas(isolated: list[CriticalPoint], singular: list[CriticalPoint], non_isolated: bool,
           max_points: int, set_lower_bound: float | None = None) -> Atlas:
    """Cap the list and write the note: isolated points first (lowest loss first), then the points with a
    singular Hessian."""
    total = len(isolated) + len(singular)
    if total == 0:
        return Atlas((), False, "no critical point found in this domain.", 0)
    if non_isolated:
        kept_isolated = isolated[: max(max_points // 2, max_points - len(singular))]
        along_the_set = sorted(singular, key=lambda point: (point.x, point.y))
        kept_set = _evenly_spaced(along_the_set, max_points - len(kept_isolated))
        note = (f"found {len(singular)} critical points with a singular Hessian (an eigenvalue 0) spread out over a "
                "curve or region: a non-isolated set of critical points")
        if isolated:
            note += f", and {_count(len(isolated), 'isolated critical point')}"
        if len(kept_isolated) < len(isolated) or len(kept_set) < len(singular):
            note += f"; showing a sample of {len(kept_set)} points of the set"
            if len(kept_isolated) < len(isolated):
                note += f" and the {len(kept_isolated)} isolated points with the lowest loss"
        note += "." + (" The second-order test cannot tell what these points are." if set_lower_bound is None else
                       f" The second-order test cannot decide there, but the loss on the set is {set_lower_bound:g}, "
                       "the lowest value it can take, so every point of the set is a minimum.")
        return Atlas(tuple(kept_isolated + kept_set), True, note, len(singular), len(isolated), len(kept_set),
                     set_lower_bound)
    points = tuple((isolated + singular)[:max_points])
    note = f"found {_count(total, 'critical point')}"
    if len(points) < total:
        note += f"; showing the {len(points)} with the lowest loss"
    return Atlas(points, False, note + ".", total)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"

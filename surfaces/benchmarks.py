"""Classic optimization test functions: Rosenbrock, Himmelblau, six-hump camel, Rastrigin, Booth.

Each loss is a module-level torch function of points ``p`` of shape ``(..., 2)``. Critical points without
a closed form were found once by Newton's method from a dense grid of seeds in float64 (the lists are
complete inside each domain) and are checked by the tests.
"""

from __future__ import annotations

import itertools
import math

import torch

from surfaces.base import CriticalPoint, Domain, PointKind, Surface, points_of_kind


def rosenbrock_loss(p: torch.Tensor) -> torch.Tensor:
    """L = (1 − x)² + 100(y − x²)²."""
    x, y = p[..., 0], p[..., 1]
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def himmelblau_loss(p: torch.Tensor) -> torch.Tensor:
    """L = (x² + y − 11)² + (x + y² − 7)²."""
    x, y = p[..., 0], p[..., 1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def six_hump_camel_loss(p: torch.Tensor) -> torch.Tensor:
    """L = (4 − 2.1x² + x⁴/3)x² + xy + (−4 + 4y²)y²."""
    x, y = p[..., 0], p[..., 1]
    return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2


def rastrigin_loss(p: torch.Tensor) -> torch.Tensor:
    """L = 20 + Σᵢ (θᵢ² − 10 cos 2πθᵢ)."""
    return 20 + (p**2 - 10 * torch.cos(2 * math.pi * p)).sum(dim=-1)


def booth_loss(p: torch.Tensor) -> torch.Tensor:
    """L = (x + 2y − 7)² + (2x + y − 5)²."""
    x, y = p[..., 0], p[..., 1]
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


def _with_mirror(*coordinates: tuple[float, float]) -> tuple[tuple[float, float], ...]:
    """The points and their mirror images through the origin (the camel has L(−θ) = L(θ))."""
    return tuple(point for x, y in coordinates for point in ((x, y), (-x, -y)))


# Rastrigin is a sum of one function per coordinate, r(t) = t² − 10 cos 2πt, so its critical points are
# exactly the pairs of critical points of r: r'(t) = 2t + 20π sin 2πt = 0. In [−5.12, 5.12] r has a minimum
# near each integer and a maximum near each half-integer (roots by Newton, |r'| < 2e-13).
RASTRIGIN_ONE_DIMENSIONAL_MINIMA = (0.0, 0.9949586376523348, 1.9899122337085497, 2.984855701039481,
                                    3.9797838603007536, 4.974691390895051)
RASTRIGIN_ONE_DIMENSIONAL_MAXIMA = (0.5025460365546747, 1.5076407318703584, 2.512743318200085,
                                    3.517859138170441, 4.522993659584519)


def _rastrigin_critical_points() -> tuple[CriticalPoint, ...]:
    """All 441 critical points in the square: 121 minima, 100 maxima, 220 saddles, nearest the origin first."""
    minima = sorted({sign * t for t in RASTRIGIN_ONE_DIMENSIONAL_MINIMA for sign in (1, -1)}, key=abs)
    maxima = sorted({sign * t for t in RASTRIGIN_ONE_DIMENSIONAL_MAXIMA for sign in (1, -1)}, key=abs)
    kind_of = {(True, True): PointKind.MINIMUM, (False, False): PointKind.MAXIMUM}
    labelled = [(t, True) for t in minima] + [(t, False) for t in maxima]
    points = [CriticalPoint(x, y, kind_of.get((x_is_minimum, y_is_minimum), PointKind.SADDLE))
              for (x, x_is_minimum), (y, y_is_minimum) in itertools.product(labelled, repeat=2)]
    return tuple(sorted(points, key=lambda point: (math.hypot(point.x, point.y), point.x, point.y)))


ROSENBROCK = Surface(
    key="rosenbrock",
    name="Rosenbrock",
    loss=rosenbrock_loss,
    domain=Domain(-2.0, 2.0, -1.0, 3.0),
    starts=((-1.5, 2.0), (-1.2, 1.0), (0.0, 2.5), (1.8, 0.5)),
    latex=r"(1 - x)^2 + 100\,(y - x^2)^2",
    lecture="A curved, narrow valley around the parabola y = x², with the only minimum at (1, 1). Across the "
            "valley the loss is steep, along its floor almost flat: gradient descent reaches the floor quickly "
            "and then crawls, the kind of ravine where momentum and Adam pay off.",
    critical_points=points_of_kind(PointKind.MINIMUM, (1.0, 1.0)),
)

HIMMELBLAU = Surface(
    key="himmelblau",
    name="Himmelblau",
    loss=himmelblau_loss,
    domain=Domain(-5.0, 5.0, -5.0, 5.0),
    starts=((0.0, 0.0), (-4.5, 0.5), (-1.0, 4.5), (1.0, -4.5)),
    latex=r"(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    lecture="Four minima with loss 0, one maximum and four saddles between them: which minimum gradient descent "
            "finds depends on where it starts, and a start near a saddle first slows down there.",
    critical_points=(
        *points_of_kind(PointKind.MINIMUM, (3.0, 2.0), (-2.805118086952745, 3.131312518250573),
                        (-3.779310253377747, -3.2831859912861696), (3.5844283403304917, -1.8481265269644036)),
        *points_of_kind(PointKind.MAXIMUM, (-0.27084459066734756, -0.9230385564799816)),
        *points_of_kind(PointKind.SADDLE, (-3.0730257507643897, -0.08135304428796751),
                        (-0.12796134673068005, -1.9537149802445766), (0.08667750455539634, 2.884254701174776),
                        (3.385154183607021, 0.07385187983774928)),
    ),
)

SIX_HUMP_CAMEL = Surface(
    key="six_hump_camel",
    name="Six-hump camel",
    loss=six_hump_camel_loss,
    domain=Domain(-3.0, 3.0, -2.0, 2.0),
    starts=((-2.5, 1.5), (2.0, -1.5), (0.5, 1.5), (-0.3, -0.2)),
    latex=r"\left(4 - 2.1 x^2 + \tfrac{x^4}{3}\right) x^2 + x y + \left(-4 + 4 y^2\right) y^2",
    lecture="Six minima (the two global ones at loss −1.0316), two maxima and seven saddles, one of them at the "
            "origin: a small landscape with critical points of every kind, where the start decides the outcome.",
    critical_points=(
        *points_of_kind(PointKind.MINIMUM, *_with_mirror(
            (0.08984201310031806, -0.7126564030207396), (1.7036067149699807, -0.7960835686726252),
            (1.6071047529201974, 0.5686514548841314))),
        *points_of_kind(PointKind.MAXIMUM, *_with_mirror((1.2302298765166526, 0.16233458445899496))),
        *points_of_kind(PointKind.SADDLE, (0.0, 0.0), *_with_mirror(
            (1.1092053368047865, -0.7682680925095399), (1.2960702671671092, 0.6050843880386585),
            (1.6380679841897785, 0.22867406904439405))),
    ),
)

RASTRIGIN = Surface(
    key="rastrigin",
    name="Rastrigin",
    loss=rastrigin_loss,
    domain=Domain(-5.12, 5.12, -5.12, 5.12),
    starts=((4.3, 3.7), (-2.2, 4.6), (0.6, -0.4)),
    latex=r"20 + \left(x^2 - 10\cos 2\pi x\right) + \left(y^2 - 10\cos 2\pi y\right)",
    lecture="A bowl covered with ripples: 121 local minima in this square (and 100 maxima, 220 saddles). "
            "The bottom of every ripple has zero gradient, so plain gradient descent stops in the first one it "
            "meets; only the minimum at the origin is global.",
    critical_points=_rastrigin_critical_points(),
)

BOOTH = Surface(
    key="booth",
    name="Booth",
    loss=booth_loss,
    domain=Domain(-10.0, 10.0, -10.0, 10.0),
    starts=((-8.0, -8.0), (8.0, 8.0), (-9.0, 9.0)),
    latex=r"(x + 2y - 7)^2 + (2x + y - 5)^2",
    lecture="A plain convex bowl with its minimum at (1, 3) and the same Hessian everywhere, [[10, 8], [8, 10]] "
            "(eigenvalues 2 and 18): the easy case where every optimizer with a small enough learning rate "
            "converges.",
    critical_points=points_of_kind(PointKind.MINIMUM, (1.0, 3.0)),
)

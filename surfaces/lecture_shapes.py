"""Surfaces built to show one idea of the lecture each: saddles, valleys of minima, ravines, flat vs sharp, plateaus.

Each loss is a module-level torch function of points ``p`` of shape ``(..., 2)``, with ``x = p[..., 0]``
and ``y = p[..., 1]``. Coordinates of critical points that have no closed form were found once by
Newton's method in float64 and are checked by the tests (gradient below 1e-6, kind from the Hessian).
"""

from __future__ import annotations

import functools

import torch

from surfaces.base import Domain, PointKind, Surface, SurfaceParameter, points_of_kind


def saddle_loss(p: torch.Tensor) -> torch.Tensor:
    """L = x² − y²."""
    return p[..., 0] ** 2 - p[..., 1] ** 2


def monkey_saddle_loss(p: torch.Tensor) -> torch.Tensor:
    """L = x³ − 3xy²."""
    x, y = p[..., 0], p[..., 1]
    return x**3 - 3 * x * y**2


def lecture_toy_loss(p: torch.Tensor) -> torch.Tensor:
    """L = (1 − w₁w₂)², the squared error of ŷ = w₁w₂x on the single example x = 1, y = 1."""
    return (1 - p[..., 0] * p[..., 1]) ** 2


def ravine_loss(p: torch.Tensor, condition_number: float) -> torch.Tensor:
    """L = ½(x² + κy²): Hessian diag(1, κ), so its condition number is exactly κ."""
    return 0.5 * (p[..., 0] ** 2 + condition_number * p[..., 1] ** 2)


def flat_sharp_loss(p: torch.Tensor) -> torch.Tensor:
    """A wide Gaussian well at (−1.5, 0), a narrow deeper one at (1.5, 0), on a shallow bowl."""
    x, y = p[..., 0], p[..., 1]
    wide = torch.exp(-((x + 1.5) ** 2 + y**2) / 2)
    sharp = torch.exp(-((x - 1.5) ** 2 + y**2) / 0.125)
    return 0.05 * (x**2 + y**2) - wide - 1.1 * sharp


FLAT_SHARP_TEST_SHIFT = (0.2, 0.0)


def flat_sharp_test_loss(p: torch.Tensor) -> torch.Tensor:
    """The lecture's "testing" loss for ``flat_sharp_loss``: the training surface shifted a little, L(θ − δ), δ = (0.2, 0).

    Test data differ from training data, so their loss surface is a slightly different one; at a flat
    minimum the loss hardly changes under the shift, at a sharp one it rises steeply.
    """
    return flat_sharp_loss(p - torch.tensor(FLAT_SHARP_TEST_SHIFT, dtype=p.dtype))


def plateau_loss(p: torch.Tensor) -> torch.Tensor:
    """L = 1 − exp(−(x² + y²)/2): a single well; the gradient r·exp(−r²/2) dies out away from it."""
    return 1 - torch.exp(-(p[..., 0] ** 2 + p[..., 1] ** 2) / 2)


SADDLE = Surface(
    key="saddle",
    name="Saddle",
    loss=saddle_loss,
    domain=Domain(-2.0, 2.0, -2.0, 2.0),
    starts=((1.8, 0.05), (-1.6, -0.4), (1.5, 1.5)),
    latex=r"x^2 - y^2",
    lecture="The gradient is zero at the origin but it is not a minimum: the Hessian has one positive and one "
            "negative eigenvalue (+2 and −2), and moving along the eigenvector of −2 (the y axis) lowers the loss. "
            "Gradient descent started near the x axis slows down as it passes the saddle.",
    critical_points=points_of_kind(PointKind.SADDLE, (0.0, 0.0)),
)

MONKEY_SADDLE = Surface(
    key="monkey_saddle",
    name="Monkey saddle",
    loss=monkey_saddle_loss,
    domain=Domain(-1.5, 1.5, -1.5, 1.5),
    starts=((1.2, 0.05), (-0.6, 1.0)),
    latex=r"x^3 - 3 x y^2",
    lecture="A degenerate critical point: at the origin the gradient and the whole Hessian are zero, so the "
            "second-order Taylor expansion cannot tell what kind of point it is. The loss goes down in three "
            "directions and up in three.",
    critical_points=points_of_kind(PointKind.DEGENERATE, (0.0, 0.0)),
)

LECTURE_TOY = Surface(
    key="lecture_toy",
    name="Lecture toy: (1 − w₁w₂)²",
    loss=lecture_toy_loss,
    domain=Domain(-2.0, 2.0, -2.0, 2.0),
    starts=((0.3, -0.25), (-1.5, -1.8), (1.8, -1.2)),
    latex=r"\left(1 - w_1 w_2\right)^2 \quad (x = w_1,\ y = w_2)",
    lecture="The lecture's smallest network, ŷ = w₁w₂x, trained on the single example x = 1, y = 1. The origin "
            "is a saddle with Hessian eigenvalues +2 and −2; a step along the eigenvector (1, 1)/√2 of λ = −2 "
            "lowers the loss. Every point of the valley w₁w₂ = 1 is a minimum with loss 0.",
    critical_points=points_of_kind(PointKind.SADDLE, (0.0, 0.0)),
    critical_sets=("the valley w₁w₂ = 1 (two branches of a hyperbola): every point a minimum with loss 0, "
                   "the Hessian has a zero eigenvalue along the valley",),
    lower_bound=0.0,  # a square
)


def ravine_surface(condition_number: float) -> Surface:
    """The ravine ½(x² + κy²) with κ = ``condition_number`` (validated by ``Surface.with_parameter``)."""
    return Surface(
        key="ravine",
        name="Ravine",
        loss=functools.partial(ravine_loss, condition_number=condition_number),
        domain=Domain(-5.0, 5.0, -2.0, 2.0),
        starts=((-4.5, 1.5), (4.0, -1.8), (-4.8, 0.3)),
        latex=rf"\tfrac{{1}}{{2}}\left(x^2 + {condition_number:g}\, y^2\right)",
        lecture="An elongated bowl whose Hessian has eigenvalues 1 and κ. Plain gradient descent needs a learning "
                "rate below 2/κ for the steep direction, so it crawls along the flat one or zig-zags across the "
                "valley; adaptive learning rates (Adagrad, RMSProp, Adam) give each direction its own step size.",
        critical_points=points_of_kind(PointKind.MINIMUM, (0.0, 0.0)),
        parameter=RAVINE_CONDITION_NUMBER,
    )


RAVINE_CONDITION_NUMBER = SurfaceParameter(
    name="condition_number", label="condition number κ", low=1.0, high=100.0, default=20.0, step=1.0,
    build=ravine_surface,
)

RAVINE = ravine_surface(RAVINE_CONDITION_NUMBER.default)

FLAT_SHARP = Surface(
    key="flat_sharp",
    name="Flat and sharp minima",
    loss=flat_sharp_loss,
    domain=Domain(-4.0, 4.0, -3.0, 3.0),
    starts=((0.3, 1.2), (3.0, 1.5), (-3.5, -2.0)),
    latex=(r"0.05\,(x^2 + y^2) - e^{-\left((x+1.5)^2 + y^2\right)/2}"
           r" - 1.1\, e^{-\left((x-1.5)^2 + y^2\right)/0.125}"),
    lecture="Two minima of different sharpness: a wide, flat one on the left (Hessian eigenvalues about 1.1, loss "
            "−0.90) and a narrow, sharp one on the right (about 17.6), which is deeper (loss −1.00). The lecture's "
            "case for flat minima: the loss on test data is the training loss shifted a little. Shift this surface by "
            "0.2 along x: at the flat minimum the loss barely changes (−0.90 → −0.88), at the sharp one it jumps "
            "(−1.00 → −0.71), now worse than the flat one. Noisy steps tend to shake an optimizer out of the sharp "
            "minimum; Keskar et al. (2017) found that large batches settle in sharp minima, which generalize worse.",
    critical_points=(
        *points_of_kind(PointKind.MINIMUM, (-1.3624592478443456, 0.0), (1.4895806159890956, 0.0)),
        *points_of_kind(PointKind.SADDLE, (0.7995635679922368, 0.0)),
    ),
)

PLATEAU = Surface(
    key="plateau",
    name="Plateau",
    loss=plateau_loss,
    domain=Domain(-4.0, 4.0, -4.0, 4.0),
    starts=((3.0, 2.5), (-3.5, 0.5), (1.0, -1.5)),
    latex=r"1 - e^{-(x^2 + y^2)/2}",
    lecture="A single well in a flat plain: far from the minimum the loss is close to 1, yet the gradient is "
            "almost zero (about 0.001 at distance 4), so gradient descent stalls on the plateau although the "
            "loss is high. A small gradient does not always mean a critical point.",
    critical_points=points_of_kind(PointKind.MINIMUM, (0.0, 0.0)),
)

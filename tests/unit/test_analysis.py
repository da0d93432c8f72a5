"""Autograd derivatives vs hand-written closed forms; classification, point reports and the escape step."""

from __future__ import annotations

import math

import pytest
import torch

from analysis.derivatives import hessian_at, hessians, loss_and_gradient
from analysis.escape import (
    ESCAPE_TOLERANCE, SAMPLE_RATIO, NoEscapeDirectionError, escape_step, trusted_escape_step, trusted_step_length,
)
from analysis.point_report import (
    HessianUndefinedError, classify_critical_point, decided_kinds, gradient_jump, inspect_point,
)
from surfaces.base import PointKind
from surfaces.catalogue import SURFACES


def saddle_closed_form(x, y):
    return torch.stack([2 * x, -2 * y], -1), torch.stack([torch.full_like(x, 2.0), 0 * x, 0 * x,
                                                         torch.full_like(x, -2.0)], -1).reshape(*x.shape, 2, 2)


def himmelblau_closed_form(x, y):
    a, b = x**2 + y - 11, x + y**2 - 7
    gradient = torch.stack([4 * x * a + 2 * b, 2 * a + 4 * y * b], -1)
    hessian = torch.stack([4 * a + 8 * x**2 + 2, 4 * x + 4 * y, 4 * x + 4 * y, 4 * b + 8 * y**2 + 2], -1)
    return gradient, hessian.reshape(*x.shape, 2, 2)


def rosenbrock_closed_form(x, y):
    gradient = torch.stack([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)], -1)
    hessian = torch.stack([2 - 400 * y + 1200 * x**2, -400 * x, -400 * x, torch.full_like(x, 200.0)], -1)
    return gradient, hessian.reshape(*x.shape, 2, 2)


def six_hump_camel_closed_form(x, y):
    gradient = torch.stack([8 * x - 8.4 * x**3 + 2 * x**5 + y, x - 8 * y + 16 * y**3], -1)
    hessian = torch.stack([8 - 25.2 * x**2 + 10 * x**4, torch.ones_like(x), torch.ones_like(x), -8 + 48 * y**2], -1)
    return gradient, hessian.reshape(*x.shape, 2, 2)


def ravine_closed_form(x, y, kappa=20.0):
    gradient = torch.stack([x, kappa * y], -1)
    hessian = torch.stack([torch.ones_like(x), 0 * x, 0 * x, torch.full_like(x, kappa)], -1)
    return gradient, hessian.reshape(*x.shape, 2, 2)


CLOSED_FORMS = {
    "saddle": saddle_closed_form,
    "himmelblau": himmelblau_closed_form,
    "rosenbrock": rosenbrock_closed_form,
    "six_hump_camel": six_hump_camel_closed_form,
    "ravine": ravine_closed_form,
}


def random_points(key: str, count: int = 64, seed: int = 7) -> torch.Tensor:
    domain = SURFACES[key].domain
    unit = torch.rand(count, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    return torch.stack([domain.x_min + unit[:, 0] * domain.width, domain.y_min + unit[:, 1] * domain.height], -1)


@pytest.mark.parametrize("key", CLOSED_FORMS)
def test_gradients_and_hessians_match_the_closed_forms(key):
    points = random_points(key)
    expected_gradient, expected_hessian = CLOSED_FORMS[key](points[:, 0], points[:, 1])
    values, gradient = loss_and_gradient(SURFACES[key].loss, points)
    torch.testing.assert_close(values, SURFACES[key].loss(points), rtol=0, atol=1e-12)
    torch.testing.assert_close(gradient, expected_gradient, rtol=0, atol=1e-9)
    torch.testing.assert_close(hessians(SURFACES[key].loss, points), expected_hessian, rtol=0, atol=1e-9)
    x, y = points[5].tolist()
    torch.testing.assert_close(hessian_at(SURFACES[key].loss, x, y), expected_hessian[5], rtol=0, atol=1e-9)


def test_derivatives_keep_any_batch_shape():
    points = random_points("himmelblau", 24).reshape(2, 3, 4, 2)
    values, gradient = loss_and_gradient(SURFACES["himmelblau"].loss, points)
    hessian = hessians(SURFACES["himmelblau"].loss, points)
    assert values.shape == (2, 3, 4) and gradient.shape == (2, 3, 4, 2) and hessian.shape == (2, 3, 4, 2, 2)
    assert not (values.requires_grad or gradient.requires_grad or hessian.requires_grad)
    torch.testing.assert_close(hessian, hessian.transpose(-1, -2), rtol=0, atol=0)
    flat = hessians(SURFACES["himmelblau"].loss, points.reshape(-1, 2))
    torch.testing.assert_close(hessian.reshape(-1, 2, 2), flat, rtol=0, atol=1e-12)


def test_constant_and_linear_losses_have_zero_curvature():
    points = random_points("saddle", 5)
    for loss in (lambda p: torch.tensor(3.0, dtype=torch.float64), lambda p: 2 * p[..., 0] - p[..., 1]):
        values, gradient = loss_and_gradient(loss, points)
        assert values.shape == (5,)
        assert torch.equal(hessians(loss, points), torch.zeros(5, 2, 2, dtype=torch.float64))
    assert torch.equal(gradient, torch.tensor([[2.0, -1.0]] * 5, dtype=torch.float64))


def test_derivatives_reject_points_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
        loss_and_gradient(SURFACES["saddle"].loss, torch.zeros(4, 3))


@pytest.mark.parametrize(("eigenvalues", "kind"), [
    ((1.0, 2.0), PointKind.MINIMUM),
    ((-3.0, -0.5), PointKind.MAXIMUM),
    ((-2.0, 2.0), PointKind.SADDLE),
    ((0.0, 1.0), PointKind.DEGENERATE),
    ((-2.0, 0.0), PointKind.DEGENERATE),
    ((0.0, 0.0), PointKind.DEGENERATE),
    ((-1e-9, 3.0), PointKind.DEGENERATE),
    ((-2.0, 0.0, 3.0), PointKind.SADDLE),
])
def test_classify_critical_point(eigenvalues, kind):
    assert classify_critical_point(torch.tensor(eigenvalues), tolerance=1e-6) is kind


def test_classify_rejects_non_finite_eigenvalues():
    with pytest.raises(ValueError, match="finite"):
        classify_critical_point([math.nan, 1.0])


def test_report_at_the_saddle_of_x2_minus_y2():
    report = inspect_point(SURFACES["saddle"].loss, 0.0, 0.0)
    assert report.is_critical and report.verdict is PointKind.SADDLE and report.gradient_norm == 0.0
    torch.testing.assert_close(report.eigenvalues, torch.tensor([-2.0, 2.0], dtype=torch.float64))
    assert report.condition_number == pytest.approx(1.0)
    torch.testing.assert_close(report.eigenvectors.abs(), torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64))


@pytest.mark.parametrize(("key", "x", "y"), [("himmelblau", 1.3, -2.2), ("rosenbrock", -0.7, 2.1),
                                             ("six_hump_camel", 0.4, 0.9), ("ravine", 1.0, 0.5)])
def test_report_eigenpairs_reconstruct_the_hessian(key, x, y):
    report = inspect_point(SURFACES[key].loss, x, y)
    vectors, values = report.eigenvectors, report.eigenvalues
    assert float(values[0]) <= float(values[1])
    torch.testing.assert_close(vectors.T @ vectors, torch.eye(2, dtype=torch.float64), rtol=0, atol=1e-12)
    torch.testing.assert_close(report.hessian @ vectors, vectors * values, rtol=0, atol=1e-9)
    expected_gradient, expected_hessian = CLOSED_FORMS[key](torch.tensor(x, dtype=torch.float64),
                                                            torch.tensor(y, dtype=torch.float64))
    torch.testing.assert_close(report.gradient, expected_gradient, rtol=0, atol=1e-9)
    torch.testing.assert_close(report.hessian, expected_hessian, rtol=0, atol=1e-9)
    assert report.gradient_norm == pytest.approx(float(expected_gradient.norm()))
    assert report.loss == pytest.approx(SURFACES[key].loss_at(x, y))
    magnitudes = sorted(abs(v) for v in values.tolist())
    assert report.condition_number == pytest.approx(magnitudes[1] / magnitudes[0])
    assert not report.is_critical and report.verdict is None
    assert report.curvature is classify_critical_point(values)


def test_report_verdicts_at_known_points():
    himmelblau = SURFACES["himmelblau"]
    for point in himmelblau.critical_points:
        assert inspect_point(himmelblau.loss, point.x, point.y).verdict is point.kind
    monkey = inspect_point(SURFACES["monkey_saddle"].loss, 0.0, 0.0)
    assert monkey.verdict is PointKind.DEGENERATE and monkey.condition_number == math.inf


def test_taylor_approximation_is_exact_for_a_quadratic_and_third_order_close_otherwise():
    booth = SURFACES["booth"]
    report = inspect_point(booth.loss, -3.0, 4.0)
    points = random_points("booth", 10)
    torch.testing.assert_close(report.taylor_approximation(points), booth.loss(points), rtol=1e-12, atol=1e-9)
    himmelblau = SURFACES["himmelblau"]
    report = inspect_point(himmelblau.loss, 1.0, 1.0)
    nearby = [torch.tensor([1 + r, 1 - r], dtype=torch.float64) for r in (1e-2, 1e-3)]
    errors = [abs(float(report.taylor_approximation(point)) - himmelblau.loss_at(*point.tolist())) for point in nearby]
    assert errors[1] < errors[0] / 500  # O(r³): ten times closer, a thousand times smaller


def test_undefined_hessian_is_a_typed_error():
    with pytest.raises(HessianUndefinedError, match="the Hessian is undefined here"):
        inspect_point(lambda p: torch.sqrt(p[..., 0] ** 2 + p[..., 1] ** 2), 0.0, 0.0)
    with pytest.raises(HessianUndefinedError, match="the loss"):
        inspect_point(lambda p: torch.log(p[..., 0]), -1.0, 0.0)
    with pytest.raises(ValueError, match="finite"):
        inspect_point(SURFACES["saddle"].loss, math.nan, 0.0)


@pytest.mark.parametrize("loss, x, y", [
    (lambda p: p[..., 0].abs() + p[..., 1] ** 2, 0.0, 0.0),            # autograd alone: H = diag(0, 2), "degenerate"
    (lambda p: p[..., 0].abs() + p[..., 1] ** 2, 0.0, 1.5),            # anywhere on the kink line x = 0
    (lambda p: (p[..., 0] - p[..., 1]).abs(), 0.3, 0.3),                # a diagonal kink line
    (lambda p: torch.relu(p[..., 1]) * 1e-3 + p[..., 0] ** 2, 0.0, 0.0),  # a small jump of the slope
    (lambda p: torch.maximum(p[..., 0], p[..., 1]), 1.0, 1.0),
])
def test_a_kink_makes_the_hessian_undefined(loss, x, y):
    with pytest.raises(HessianUndefinedError, match="slope of the loss jumps"):
        inspect_point(loss, x, y)


@pytest.mark.parametrize("key", sorted(SURFACES))
def test_smooth_surfaces_have_no_kink_at_their_critical_points(key):
    surface = SURFACES[key]
    for point in surface.critical_points:
        hessian = hessian_at(surface.loss, point.x, point.y)
        assert gradient_jump(surface.loss, point.x, point.y, hessian) < 1e-8


@pytest.mark.parametrize("step", [1e-3, 0.1, 0.5])
def test_escape_step_leaves_the_lecture_toy_saddle_along_the_diagonal(step):
    toy = SURFACES["lecture_toy"]
    escape = escape_step(inspect_point(toy.loss, 0.0, 0.0), step, toy.loss)
    diagonal = torch.tensor([1.0, 1.0], dtype=torch.float64) / math.sqrt(2)
    assert abs(float(escape.direction @ diagonal)) == pytest.approx(1.0, abs=1e-12)
    assert escape.eigenvalue == pytest.approx(-2.0)
    assert escape.predicted_change == pytest.approx(-(step**2))  # ½λ‖u‖² with λ = −2
    # Along (s, s)/√2 the loss is (1 − s²/2)², so the exact change is −s² + s⁴/4.
    assert escape.actual_change == pytest.approx(-(step**2) + step**4 / 4, rel=1e-9)
    assert escape.actual_change < 0
    assert math.hypot(escape.point[0], escape.point[1]) == pytest.approx(step)


def test_escape_step_goes_downhill_even_off_the_critical_point():
    saddle = SURFACES["saddle"]
    report = inspect_point(saddle.loss, 0.3, -0.2)  # g = (0.6, 0.4): u = (0, 1) would go uphill
    escape = escape_step(report, 0.1, saddle.loss)
    assert float(report.gradient @ escape.direction) <= 0 and escape.actual_change < 0
    assert escape.predicted_change == pytest.approx(escape.actual_change, abs=1e-12)  # the loss is quadratic


def test_escape_step_refuses_a_minimum_and_bad_steps():
    booth = SURFACES["booth"]
    with pytest.raises(NoEscapeDirectionError, match="no Hessian eigenvalue is negative"):
        escape_step(inspect_point(booth.loss, 1.0, 3.0), 0.1)
    with pytest.raises(ValueError, match="positive"):
        escape_step(inspect_point(SURFACES["saddle"].loss, 0.0, 0.0), -0.1)


def test_the_trusted_escape_step_is_where_the_lecture_toy_leaves_its_quadratic_model_by_ten_percent():
    """Along (1, 1)/√2 from the toy's saddle the change is −t² + t⁴/4 against Taylor's −t²: they part by
    t²/4 of the prediction, 10 % at t = √0.4. The step is the longest sample (3 % apart) below that."""
    toy = SURFACES["lecture_toy"]
    report = inspect_point(toy.loss, 0.0, 0.0)
    length = trusted_step_length(report, toy.loss, reach=2.0)
    assert math.sqrt(0.4) * SAMPLE_RATIO <= length <= math.sqrt(0.4)
    escape = trusted_escape_step(report, toy.loss, reach=2.0)
    assert (escape.step, escape.reach, escape.tolerance) == (length, 2.0, ESCAPE_TOLERANCE)
    assert escape.actual_change == pytest.approx(-(length**2) + length**4 / 4, rel=1e-12)
    assert trusted_step_length(report, toy.loss, reach=0.5) == 0.5  # the model holds all the way: the reach
    quadratic = SURFACES["saddle"]
    assert trusted_step_length(inspect_point(quadratic.loss, 0.0, 0.0), quadratic.loss, reach=1.7) == 1.7


def test_the_trusted_escape_step_refuses_a_minimum_and_a_bad_reach():
    booth = SURFACES["booth"]
    with pytest.raises(NoEscapeDirectionError):
        trusted_step_length(inspect_point(booth.loss, 1.0, 3.0), booth.loss, reach=1.0)
    with pytest.raises(ValueError, match="reach"):
        trusted_step_length(inspect_point(SURFACES["saddle"].loss, 0.0, 0.0), SURFACES["saddle"].loss, reach=0.0)


def test_a_point_rounded_off_a_critical_point_obeys_the_gradient_bound_and_newton_finds_the_point():
    """‖g(θ′)‖ ≤ max‖H‖₂·‖θ′ − θ*‖₂ for θ* within δ per coordinate: with δ = 5e-5 Himmelblau's rounded critical
    points have ‖g‖ up to 5e-3 and are critical within that precision; exactly critical without it."""
    himmelblau = SURFACES["himmelblau"]
    delta = 5e-5
    for point in himmelblau.critical_points:
        x, y = round(point.x, 4), round(point.y, 4)
        report = inspect_point(himmelblau.loss, x, y, precision=delta)
        largest = float(report.eigenvalues.abs().max())
        assert report.gradient_norm <= 1.1 * largest * math.hypot(x - point.x, y - point.y) + 1e-12
        if (x, y) != (point.x, point.y):
            assert report.within_precision and report.verdict is point.kind
            assert report.critical_point == pytest.approx((point.x, point.y), abs=1e-9)
            assert inspect_point(himmelblau.loss, x, y).verdict is None  # no precision given: exact only
    with pytest.raises(ValueError, match="precision"):
        inspect_point(himmelblau.loss, 3.0, 2.0, precision=-1.0)


def test_a_degenerate_critical_point_at_the_losss_lower_bound_is_a_minimum():
    """x⁴ + y⁴ ≥ 0 has a zero Hessian at the origin: degenerate for the Hessian, a minimum by L = 0."""
    quartic = lambda p: p[..., 0] ** 4 + p[..., 1] ** 4  # noqa: E731
    report = inspect_point(quartic, 0.0, 0.0, lower_bound=0.0)
    assert report.hessian_verdict is PointKind.DEGENERATE and report.verdict is PointKind.MINIMUM
    assert inspect_point(quartic, 0.0, 0.0).verdict is PointKind.DEGENERATE
    assert inspect_point(quartic, 0.0, 0.0, lower_bound=-1.0).verdict is PointKind.DEGENERATE  # not at the bound
    kinds = [PointKind.DEGENERATE, PointKind.DEGENERATE, PointKind.SADDLE]
    assert decided_kinds(kinds, torch.tensor([1e-30, 0.5, 0.0], dtype=torch.float64), 0.0) == \
        [PointKind.MINIMUM, PointKind.DEGENERATE, PointKind.SADDLE]

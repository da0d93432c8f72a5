"""The surface registry: each listed critical point really is one, of the listed kind; domains, knobs, grids."""

from __future__ import annotations

import collections
import math
import types

import numpy as np
import pytest
import torch

from surfaces.base import CriticalPoint, Domain, PointKind, Surface
from surfaces.catalogue import SURFACES, UnknownSurfaceError, get_surface
from surfaces.grid import loss_grid
from surfaces.lecture_shapes import FLAT_SHARP_TEST_SHIFT, flat_sharp_test_loss
from tests.unit.quoted import assert_quoted, printed

REQUIRED_KEYS = ("saddle", "monkey_saddle", "lecture_toy", "ravine", "rosenbrock", "flat_sharp", "himmelblau",
                 "six_hump_camel", "rastrigin", "plateau", "booth")
DATA_KEYS = ("classifier_mse", "classifier_ce", "features_raw", "features_normalized",  # tested in test_data_surfaces
             "biased_toy")


def gradient_and_hessian(surface: Surface, x: float, y: float) -> tuple[torch.Tensor, torch.Tensor]:
    """An oracle independent of analysis/: torch.autograd.functional on a single point."""
    point = torch.tensor([x, y], dtype=torch.float64)
    gradient = torch.autograd.functional.jacobian(surface.loss, point)
    hessian = torch.autograd.functional.hessian(surface.loss, point)
    return gradient, hessian


def kind_from_eigenvalues(eigenvalues: torch.Tensor, tolerance: float = 1e-6) -> PointKind:
    low, high = float(eigenvalues.min()), float(eigenvalues.max())
    if low < -tolerance and high > tolerance:
        return PointKind.SADDLE
    if min(abs(low), abs(high)) <= tolerance:
        return PointKind.DEGENERATE
    return PointKind.MINIMUM if low > 0 else PointKind.MAXIMUM


def listed_points() -> list[tuple[str, CriticalPoint]]:
    return [(key, point) for key, surface in SURFACES.items() for point in surface.critical_points]


def test_registry_holds_the_required_surfaces_in_menu_order_and_is_read_only():
    assert tuple(SURFACES) == REQUIRED_KEYS + DATA_KEYS
    assert isinstance(SURFACES, types.MappingProxyType)
    with pytest.raises(TypeError):
        SURFACES["new"] = SURFACES["saddle"]  # type: ignore[index]
    assert all(surface.key == key for key, surface in SURFACES.items())


def test_unknown_surface_names_the_valid_choices():
    with pytest.raises(UnknownSurfaceError) as caught:
        get_surface("foo")
    assert isinstance(caught.value, KeyError) and isinstance(caught.value, ValueError)
    message = str(caught.value)
    assert message.startswith("unknown surface 'foo'; choose one of:") and "himmelblau" in message
    assert get_surface("booth") is SURFACES["booth"]


@pytest.mark.parametrize("key", REQUIRED_KEYS + DATA_KEYS)
def test_every_surface_is_complete_and_batched(key):
    surface = SURFACES[key]
    assert surface.name and surface.latex and "$" not in surface.latex and len(surface.lecture) > 40
    assert 1 <= len(surface.starts) <= 4 and all(surface.domain.contains(*start) for start in surface.starts)
    assert surface.critical_points, "every built-in surface lists its known critical points"
    generator = torch.Generator().manual_seed(0)
    points = torch.rand(3, 5, 2, generator=generator, dtype=torch.float64) * 4 - 2
    values = surface.loss(points)
    assert values.shape == (3, 5) and values.dtype == torch.float64
    one_by_one = torch.stack([surface.loss(point) for point in points.reshape(-1, 2)]).reshape(3, 5)
    torch.testing.assert_close(values, one_by_one, rtol=0, atol=1e-12)
    expected = float(surface.loss(torch.tensor([0.5, -0.25], dtype=torch.float64)))
    assert surface.loss_at(0.5, -0.25) == pytest.approx(expected)


@pytest.mark.parametrize(("key", "point"), [(key, point) for key, point in listed_points() if key != "rastrigin"],
                         ids=lambda value: value if isinstance(value, str) else f"({value.x:.3f},{value.y:.3f})")
def test_each_listed_critical_point_has_zero_gradient_and_its_listed_kind(key, point):
    surface = SURFACES[key]
    gradient, hessian = gradient_and_hessian(surface, point.x, point.y)
    assert float(gradient.norm()) < 1e-9  # the coordinates are hard-coded to ~1e-15
    assert kind_from_eigenvalues(torch.linalg.eigvalsh(hessian)) is point.kind


def test_all_441_rastrigin_critical_points_at_once():
    points = SURFACES["rastrigin"].critical_points
    assert len(points) == 441 and len({(p.x, p.y) for p in points}) == 441
    counts = {kind: sum(p.kind is kind for p in points) for kind in PointKind}
    assert counts == {PointKind.MINIMUM: 121, PointKind.MAXIMUM: 100, PointKind.SADDLE: 220,
                      PointKind.DEGENERATE: 0}
    assert (points[0].x, points[0].y, points[0].kind) == (0.0, 0.0, PointKind.MINIMUM)
    # The closed form: ∂L/∂θᵢ = 2θᵢ + 20π sin 2πθᵢ, ∂²L/∂θᵢ² = 2 + 40π² cos 2πθᵢ, no cross terms.
    theta = torch.tensor([[p.x, p.y] for p in points], dtype=torch.float64)
    assert float((2 * theta + 20 * math.pi * torch.sin(2 * math.pi * theta)).abs().max()) < 1e-9
    curvature = 2 + 40 * math.pi**2 * torch.cos(2 * math.pi * theta)
    for point, (curvature_x, curvature_y) in zip(points, curvature.tolist()):
        assert kind_from_eigenvalues(torch.tensor([curvature_x, curvature_y])) is point.kind
        gradient, hessian = gradient_and_hessian(SURFACES["rastrigin"], point.x, point.y)
        assert float(gradient.norm()) < 1e-9  # the coordinates are hard-coded to ~1e-15
        assert kind_from_eigenvalues(torch.linalg.eigvalsh(hessian)) is point.kind


def test_lecture_toy_valley_is_a_set_of_degenerate_critical_points():
    surface = SURFACES["lecture_toy"]
    assert surface.critical_sets and "w₁w₂ = 1" in surface.critical_sets[0]
    for w1 in (-1.7, -0.6, 0.8, 1.9):
        gradient, hessian = gradient_and_hessian(surface, w1, 1 / w1)
        eigenvalues = torch.linalg.eigvalsh(hessian)
        assert float(gradient.norm()) < 1e-12 and abs(float(eigenvalues[0])) < 1e-12
        assert float(eigenvalues[1]) == pytest.approx(2 * (w1**2 + w1**-2))


def test_ravine_eigenvalue_ratio_is_the_condition_number():
    ravine = SURFACES["ravine"]
    assert ravine.parameter is not None and ravine.parameter.default == 20
    for kappa in (1.0, 7.5, 20.0, 100.0):
        surface = ravine.with_parameter(kappa)
        assert surface.key == "ravine" and surface.parameter is ravine.parameter
        _, hessian = gradient_and_hessian(surface, 0.3, -0.7)
        eigenvalues = torch.linalg.eigvalsh(hessian)
        assert float(eigenvalues[1] / eigenvalues[0]) == pytest.approx(kappa, rel=1e-12)
        assert str(int(kappa)) in surface.latex or f"{kappa:g}" in surface.latex


@pytest.mark.parametrize("value", [0.5, 100.5, float("nan"), float("inf")])
def test_ravine_rejects_a_condition_number_out_of_range(value):
    with pytest.raises(ValueError, match="between 1 and 100"):
        SURFACES["ravine"].with_parameter(value)


def test_with_parameter_on_a_surface_without_a_knob_returns_it_unchanged():
    assert SURFACES["booth"].with_parameter(3.0) is SURFACES["booth"]


def test_the_sharp_minimum_is_deeper_in_training_and_worse_on_the_shifted_test_surface():
    """The lecture's picture in numbers: the test loss is the training loss shifted a little (here by 0.2 along x)."""
    surface = SURFACES["flat_sharp"]
    flat, sharp = (p for p in surface.critical_points if p.kind is PointKind.MINIMUM)
    flat_curvature = torch.linalg.eigvalsh(gradient_and_hessian(surface, flat.x, flat.y)[1])
    sharp_curvature = torch.linalg.eigvalsh(gradient_and_hessian(surface, sharp.x, sharp.y)[1])
    assert float(sharp_curvature.max() / flat_curvature.max()) > 10
    training = [surface.loss_at(point.x, point.y) for point in (flat, sharp)]
    test = [float(flat_sharp_test_loss(torch.tensor([point.x, point.y], dtype=torch.float64))) for point in (flat, sharp)]
    np.testing.assert_allclose(test, [surface.loss_at(point.x - 0.2, point.y) for point in (flat, sharp)], rtol=1e-15)
    assert FLAT_SHARP_TEST_SHIFT == (0.2, 0.0)
    assert training[1] < training[0] and test[1] > test[0]  # deeper in training, worse in testing
    assert test[0] - training[0] < 0.03 < 0.25 < test[1] - training[1]
    numbers = tuple(printed(value, 2) for value in (*training, *test))
    assert numbers == ("−0.90", "−1.00", "−0.88", "−0.71")
    curvatures = tuple(f"{float(values.mean()):.1f}" for values in (flat_curvature, sharp_curvature))
    assert curvatures == ("1.1", "17.6")
    assert_quoted(("surfaces.flat_sharp.lecture",), *numbers, *curvatures, "0.2")
    assert_quoted(("tour.batch_noise.story",), *numbers, "0.2")
    assert all(number in surface.lecture for number in (*numbers, *curvatures))


def test_plateau_has_high_loss_and_tiny_gradient_far_from_the_minimum():
    surface = SURFACES["plateau"]
    gradient, _ = gradient_and_hessian(surface, 4.0, 0.0)
    assert surface.loss_at(4.0, 0.0) > 0.99 and float(gradient.norm()) < 2e-3
    assert float(gradient_and_hessian(surface, 1.0, 0.0)[0].norm()) > 0.5


def test_domain_geometry():
    domain = Domain(-1.0, 3.0, 0.0, 2.0)
    assert (domain.width, domain.height, domain.bounds) == (4.0, 2.0, (-1.0, 3.0, 0.0, 2.0))
    assert domain.contains(3.0, 0.0) and not domain.contains(3.01, 1.0)
    assert domain.clamp(5.0, -1.0) == (3.0, 0.0) and domain.clamp(0.5, 1.5) == (0.5, 1.5)
    assert domain.padded(0.5) == Domain(-3.0, 5.0, -1.0, 3.0)
    assert domain.diameter == pytest.approx(math.hypot(4, 2))
    for bad in ((1.0, 1.0, 0.0, 1.0), (0.0, 1.0, 2.0, 1.0), (0.0, math.inf, 0.0, 1.0)):
        with pytest.raises(ValueError, match="domain"):
            Domain(*bad)
    with pytest.raises(ValueError):
        domain.padded(-0.1)


def test_surface_rejects_start_points_outside_its_domain():
    booth = SURFACES["booth"]
    with pytest.raises(ValueError, match="outside its domain"):
        Surface(key="x", name="x", loss=booth.loss, domain=Domain(0, 1, 0, 1), starts=((2.0, 0.5),),
                latex="x", lecture="x", critical_points=())


@pytest.mark.parametrize("key", REQUIRED_KEYS)
def test_loss_grid_matches_the_loss_pointwise(key):
    surface = SURFACES[key]
    xs, ys, z = loss_grid(surface, 200)
    assert xs.shape == (200,) and ys.shape == (200,) and z.shape == (200, 200) and np.isfinite(z).all()
    assert (xs[0], xs[-1], ys[0], ys[-1]) == pytest.approx(surface.domain.bounds)
    for row, column in ((0, 0), (17, 150), (199, 3)):
        assert z[row, column] == pytest.approx(surface.loss_at(xs[column], ys[row]), rel=1e-12, abs=1e-12)


def test_loss_grid_blanks_undefined_values_and_rejects_bad_resolutions():
    surface = Surface(key="log", name="log", loss=lambda p: torch.log(p[..., 0]), domain=Domain(-1, 1, -1, 1),
                      starts=((0.5, 0.5),), latex=r"\log x", lecture="", critical_points=())
    _, _, z = loss_grid(surface, 11)
    assert np.isnan(z[:, :5]).all() and np.isfinite(z[:, 6:]).all()
    for bad in (1, 2.5, True):
        with pytest.raises(ValueError, match="resolution"):
            loss_grid(surface, bad)


def test_the_benchmark_texts_quote_their_computed_critical_points():
    """Counts by kind, the quoted losses and eigenvalues, computed from each surface's listed critical points."""
    def counted(key: str) -> dict[PointKind, int]:
        return collections.Counter(point.kind for point in SURFACES[key].critical_points)

    def eigenvalues(key: str, x: float, y: float) -> list[float]:
        return torch.linalg.eigvalsh(gradient_and_hessian(SURFACES[key], x, y)[1]).tolist()

    himmelblau = counted("himmelblau")
    assert (himmelblau[PointKind.MINIMUM], himmelblau[PointKind.MAXIMUM], himmelblau[PointKind.SADDLE]) == (4, 1, 4)
    assert max(SURFACES["himmelblau"].loss_at(p.x, p.y) for p in SURFACES["himmelblau"].critical_points
               if p.kind is PointKind.MINIMUM) < 1e-20
    camel = counted("six_hump_camel")
    assert (camel[PointKind.MINIMUM], camel[PointKind.MAXIMUM], camel[PointKind.SADDLE]) == (6, 2, 7)
    lowest = min(SURFACES["six_hump_camel"].loss_at(p.x, p.y) for p in SURFACES["six_hump_camel"].critical_points)
    assert printed(lowest, 4) == "−1.0316"
    assert any(p.kind is PointKind.SADDLE and (p.x, p.y) == (0.0, 0.0) for p in SURFACES["six_hump_camel"].critical_points)
    assert_quoted(("surfaces.six_hump_camel.lecture",), "−1.0316")
    rastrigin = counted("rastrigin")
    assert_quoted(("surfaces.rastrigin.lecture",),
                  *(str(rastrigin[kind]) for kind in (PointKind.MINIMUM, PointKind.MAXIMUM, PointKind.SADDLE)))
    assert eigenvalues("booth", 1.0, 3.0) == pytest.approx([2.0, 18.0], abs=1e-12)
    assert gradient_and_hessian(SURFACES["booth"], -2.0, 0.5)[1].tolist() == [[10.0, 8.0], [8.0, 10.0]]
    assert_quoted(("surfaces.booth.lecture",), "(1, 3)", "[[10, 8], [8, 10]]", "2", "18")
    assert eigenvalues("saddle", 0.0, 0.0) == [-2.0, 2.0]
    assert_quoted(("surfaces.saddle.lecture",), "+2", "−2")
    plateau_gradient = float(gradient_and_hessian(SURFACES["plateau"], 4.0, 0.0)[0].norm())
    assert f"{plateau_gradient:.1g}" == "0.001"
    assert_quoted(("surfaces.plateau.lecture",), "0.001", "4")

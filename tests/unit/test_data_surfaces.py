"""Surfaces defined by data: the lecture's two claims, in numbers, on exactly the registered surfaces.

Loss function: for the same classifier, data and start, MSE is flat where its loss is high and
cross-entropy is not, so gradient descent makes progress only on cross-entropy.
Feature normalization: standardizing two features 100× apart turns a ravine (condition number ~10⁴)
into a round bowl (~1), and one learning rate that zig-zags and crawls before converges fast after.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from analysis.atlas import find_critical_points
from analysis.derivatives import hessian_at, loss_and_gradient
from optimizers.settings import OptimizerKind, OptimizerSettings
from optimizers.trajectory import Trajectories, run_trajectories
from surfaces.base import PointKind, Surface
from surfaces.catalogue import SURFACES
from surfaces.data_surfaces import BIASED_TOY_INPUTS, BIASED_TOY_TARGETS, NORMALIZED_FEATURES_DATA
from surfaces.datasets import Dataset, features_of_different_scales, noisy_line, standardized, two_class_clouds
from surfaces.grid import loss_grid
from tests.unit.quoted import assert_quoted, printed

DATASET_KEYS = ("classifier_mse", "classifier_ce", "features_raw", "features_normalized")
DATA_KEYS = (*DATASET_KEYS, "biased_toy")
HIGH_LOSS_START = (-6.0, 6.0)  # the classifiers' first start: confidently wrong, top left
GD = OptimizerSettings(OptimizerKind.GD, lr=0.1)
STEPS = 300


def gradient_norm(surface: Surface, x: float, y: float) -> float:
    _, gradient = loss_and_gradient(surface.loss, torch.tensor([x, y], dtype=torch.float64))
    return float(gradient.norm())


def condition_number(surface: Surface, x: float, y: float) -> float:
    eigenvalues = torch.linalg.eigvalsh(hessian_at(surface.loss, x, y))
    return float(eigenvalues[1] / eigenvalues[0])


def gradient_descent(surface: Surface, start: tuple[float, float], steps: int = STEPS) -> Trajectories:
    """Plain GD with η = 0.1, in the explorer's box (the domain padded by its own size)."""
    return run_trajectories(surface.loss, [start], [GD], steps, surface.domain.padded(1.0).bounds)


# ── The registry ──

def test_data_surfaces_come_after_the_others_in_menu_order():
    keys = tuple(SURFACES)
    assert keys[-len(DATA_KEYS):] == DATA_KEYS
    assert all(SURFACES[key].dataset is None and SURFACES[key].example_losses is None
               for key in keys[: -len(DATA_KEYS)])


@pytest.mark.parametrize(("key", "count"), [(key, 40) for key in DATASET_KEYS] + [("biased_toy", 8)])
def test_every_data_surface_is_the_mean_of_its_example_losses(key, count):
    """What mini-batches need: ℓₙ for every example, batched, whose mean is the surface's loss bit for bit."""
    surface = SURFACES[key]
    generator = torch.Generator().manual_seed(2)
    points = torch.rand(3, 5, 2, generator=generator, dtype=torch.float64) * 8 - 4
    losses = surface.example_losses(points)
    assert losses.shape == (3, 5, count) and surface.example_count == count
    assert torch.equal(losses.mean(dim=-1), surface.loss(points))
    one_by_one = torch.stack([surface.example_losses(point) for point in points.reshape(-1, 2)]).reshape(3, 5, count)
    torch.testing.assert_close(losses, one_by_one, rtol=0, atol=1e-12)


@pytest.mark.parametrize("key", DATASET_KEYS)
def test_every_data_surface_carries_its_data_and_a_finite_grid(key):
    surface = SURFACES[key]
    assert surface.critical_points and all(point.kind is PointKind.MINIMUM for point in surface.critical_points)
    assert surface.dataset is not None and surface.dataset.count == 40
    # batching (a loss of any batch shape equals the loss point by point) is checked for every surface
    # in tests/unit/test_surfaces.py; here, the whole domain's grid on the data surfaces
    xs, ys, z = loss_grid(surface, 200)
    assert z.shape == (200, 200) and np.isfinite(z).all()
    assert z[17, 150] == pytest.approx(surface.loss_at(xs[150], ys[17]), rel=1e-12)


# ── The data sets ──

def test_the_data_sets_are_reproducible_and_depend_on_the_seed():
    for make in (two_class_clouds, features_of_different_scales):
        first, again, other = make(), make(), make(seed=1)
        assert torch.equal(first.features, again.features) and torch.equal(first.targets, again.targets)
        assert not torch.equal(first.features, other.features)
    # The registered surfaces use exactly these draws (the critical points are hard-coded from them).
    assert torch.equal(SURFACES["classifier_ce"].dataset.features, two_class_clouds().features)
    assert torch.equal(SURFACES["features_raw"].dataset.targets, features_of_different_scales().targets)


def test_the_two_class_clouds_are_balanced_and_overlap():
    data = two_class_clouds()
    assert data.features.shape == (40, 2) and data.targets.dtype == torch.int64
    assert int((data.targets == 0).sum()) == int((data.targets == 1).sum()) == 20
    # Overlap: no line through the origin separates the classes, so cross-entropy has a finite minimum.
    angles = torch.linspace(0, 2 * torch.pi, 3601, dtype=torch.float64)
    directions = torch.stack((torch.cos(angles), torch.sin(angles)), dim=-1)
    signs = 1.0 - 2.0 * data.targets.to(torch.float64)
    margins = directions @ (data.features * signs.unsqueeze(-1)).T
    assert not bool((margins > 0).all(dim=-1).any())


def test_the_features_are_100_times_apart_and_standardizing_makes_them_alike():
    data = features_of_different_scales()
    torch.testing.assert_close(data.features.std(dim=0, correction=0),
                               torch.tensor([0.03, 3.0], dtype=torch.float64), rtol=1e-12, atol=0)
    assert float(data.features.mean(dim=0).abs().max()) < 1e-15 and abs(float(data.targets.mean())) < 1e-15
    normalized = NORMALIZED_FEATURES_DATA.features
    torch.testing.assert_close(normalized, standardized(data.features))
    torch.testing.assert_close(normalized.std(dim=0, correction=0), torch.ones(2, dtype=torch.float64))
    assert float(normalized.mean(dim=0).abs().max()) < 1e-15
    assert torch.equal(NORMALIZED_FEATURES_DATA.targets, data.targets)


def test_bad_data_sets_are_refused_with_a_message():
    with pytest.raises(ValueError, match="even whole number"):
        two_class_clouds(count=7)
    with pytest.raises(ValueError, match="scales must be positive"):
        features_of_different_scales(scales=(0.0, 1.0))
    with pytest.raises(ValueError, match="constant feature"):
        standardized(torch.ones(5, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        Dataset(torch.zeros(4, 3, dtype=torch.float64), torch.zeros(4), "")
    with pytest.raises(ValueError, match="one target per example"):
        Dataset(torch.zeros(4, 2, dtype=torch.float64), torch.zeros(3), "")


# ── Loss function: MSE vs cross-entropy ──

def softmax_scores(points: torch.Tensor, data: Dataset) -> torch.Tensor:
    """The oracle's scores (z, 0) of the two classes, shape (..., N, 2)."""
    z = points @ data.features.T
    return torch.stack((z, torch.zeros_like(z)), dim=-1)


def cross_entropy_oracle(points: torch.Tensor, data: Dataset) -> torch.Tensor:
    scores = softmax_scores(points, data)
    targets = data.targets.expand(scores.shape[:-1])
    return F.cross_entropy(scores.reshape(-1, 2), targets.reshape(-1), reduction="none").reshape(targets.shape).mean(-1)


def mse_oracle(points: torch.Tensor, data: Dataset) -> torch.Tensor:
    probabilities = torch.softmax(softmax_scores(points, data), dim=-1)
    labels = F.one_hot(data.targets, num_classes=2).to(torch.float64)
    return ((probabilities - labels) ** 2).sum(dim=-1).mean(dim=-1)


@pytest.mark.parametrize(("key", "oracle"), [("classifier_ce", cross_entropy_oracle), ("classifier_mse", mse_oracle)])
def test_the_classifier_losses_are_softmax_then_cross_entropy_or_squared_error(key, oracle):
    surface = SURFACES[key]
    generator = torch.Generator().manual_seed(1)
    points = torch.rand(64, 2, generator=generator, dtype=torch.float64) * 16 - 8
    torch.testing.assert_close(surface.loss(points), oracle(points, surface.dataset), rtol=1e-12, atol=1e-13)
    _, ours = loss_and_gradient(surface.loss, points)
    _, expected = loss_and_gradient(lambda p: oracle(p, surface.dataset), points)
    torch.testing.assert_close(ours, expected, rtol=1e-10, atol=1e-13)


def test_mse_is_flat_where_its_loss_is_high_and_cross_entropy_is_steep_there():
    mse, cross_entropy = SURFACES["classifier_mse"], SURFACES["classifier_ce"]
    # At the common start: MSE near its maximum 2, gradient 0.0036; cross-entropy gradient 1.57.
    assert mse.loss_at(*HIGH_LOSS_START) > 0.85 * 2
    assert gradient_norm(mse, *HIGH_LOSS_START) < 0.005
    assert gradient_norm(cross_entropy, *HIGH_LOSS_START) > 1.5
    assert gradient_norm(cross_entropy, *HIGH_LOSS_START) > 400 * gradient_norm(mse, *HIGH_LOSS_START)
    # Over the whole region where MSE is above 85 % of its maximum (a sixth of the domain).
    xs, ys, _ = loss_grid(mse, 60)
    points = torch.stack(torch.meshgrid(torch.from_numpy(xs), torch.from_numpy(ys), indexing="xy"), dim=-1)
    mse_values, mse_gradients = loss_and_gradient(mse.loss, points)
    _, cross_entropy_gradients = loss_and_gradient(cross_entropy.loss, points)
    high = mse_values > 0.85 * 2
    assert 0.1 < float(high.double().mean()) < 0.3
    mse_slopes = mse_gradients[high].norm(dim=-1)
    cross_entropy_slopes = cross_entropy_gradients[high].norm(dim=-1)
    assert float(mse_slopes.median()) < 0.02 and float(mse_slopes.max()) < 0.15
    assert float(cross_entropy_slopes.min()) > 1.4
    assert float(mse_slopes.median()) < float(cross_entropy_slopes.min()) / 50


def test_from_the_same_high_loss_start_gradient_descent_gets_somewhere_only_on_cross_entropy():
    mse, cross_entropy = SURFACES["classifier_mse"], SURFACES["classifier_ce"]
    assert mse.starts[0] == cross_entropy.starts[0] == HIGH_LOSS_START
    on_mse, on_cross_entropy = gradient_descent(mse, HIGH_LOSS_START), gradient_descent(cross_entropy, HIGH_LOSS_START)
    assert on_mse.diverged_at == on_cross_entropy.diverged_at == (None,)

    def progress(run: Trajectories, surface: Surface) -> float:
        """Share of the way from the start's loss down to the minimum's loss."""
        lowest = surface.loss_at(surface.critical_points[0].x, surface.critical_points[0].y)
        return (run.loss[0, 0] - run.loss[0, -1]) / (run.loss[0, 0] - lowest)

    assert progress(on_cross_entropy, cross_entropy) > 0.99 and progress(on_mse, mse) < 0.001
    # The lecture sentences quote these numbers.
    assert (f"{on_mse.loss[0, 0]:.3f}", f"{on_mse.loss[0, -1]:.3f}") == ("1.760", "1.760")
    assert (f"{on_cross_entropy.loss[0, 0]:.1f}", f"{on_cross_entropy.loss[0, -1]:.2f}") == ("13.1", "0.20")
    assert_quoted(("surfaces.classifier_mse.lecture",), "1.760 → 1.760", "η = 0.1", f"{STEPS}", "(−6, 6)")
    assert_quoted(("surfaces.classifier_ce.lecture",), "13.1", "0.20", "η = 0.1", f"{STEPS}", "(−6, 6)")
    slopes = [gradient_norm(surface, *HIGH_LOSS_START) for surface in (mse, cross_entropy)]
    assert (f"{slopes[0]:.1g}", f"{slopes[1]:.2g}", int(slopes[1] / slopes[0]) // 100 * 100) == ("0.004", "1.6", 400)
    assert_quoted(("surfaces.classifier_mse.lecture",), "0.004")
    assert_quoted(("surfaces.classifier_ce.lecture",), "1.6", "400")
    assert np.linalg.norm(on_mse.path(0)[-1] - on_mse.path(0)[0]) < 0.2
    minimum = cross_entropy.critical_points[0]
    assert np.hypot(*(on_cross_entropy.path(0)[-1] - (minimum.x, minimum.y))) < 0.5


def test_each_classifier_has_one_minimum_in_the_domain_near_the_other():
    mse, cross_entropy = SURFACES["classifier_mse"], SURFACES["classifier_ce"]
    (mse_minimum,), (cross_entropy_minimum,) = mse.critical_points, cross_entropy.critical_points
    assert (round(cross_entropy_minimum.x, 2), round(cross_entropy_minimum.y, 2)) == (2.07, -1.29)
    assert_quoted(("surfaces.classifier_ce.lecture",), "(2.07, −1.29)")
    assert np.hypot(mse_minimum.x - cross_entropy_minimum.x, mse_minimum.y - cross_entropy_minimum.y) < 0.5
    # The MSE minimum is a real bowl (both curvatures positive), just a shallow one.
    eigenvalues = torch.linalg.eigvalsh(hessian_at(mse.loss, mse_minimum.x, mse_minimum.y))
    assert float(eigenvalues[0]) > 1e-3


# ── Feature normalization ──

def test_the_minimum_is_the_least_squares_solution():
    for key in ("features_raw", "features_normalized"):
        surface = SURFACES[key]
        data = surface.dataset
        solution = torch.linalg.lstsq(data.features, data.targets.unsqueeze(-1)).solution.squeeze(-1)
        (minimum,) = surface.critical_points
        torch.testing.assert_close(torch.tensor([minimum.x, minimum.y], dtype=torch.float64), solution,
                                   rtol=1e-10, atol=1e-12)
        # The Hessian of the mean squared error is the same everywhere: (2/N) XᵀX.
        torch.testing.assert_close(hessian_at(surface.loss, -1.0, 2.0), 2 * data.features.T @ data.features / 40)


def test_normalizing_reparametrizes_the_same_models():
    """With centred data, x̃ⱼ = xⱼ/σⱼ: the weights w̃ⱼ = σⱼwⱼ give the same predictions, so the same minimum loss."""
    raw, normalized = SURFACES["features_raw"], SURFACES["features_normalized"]
    (raw_minimum,), (normalized_minimum,) = raw.critical_points, normalized.critical_points
    assert (normalized_minimum.x, normalized_minimum.y) == pytest.approx((0.03 * raw_minimum.x, 3 * raw_minimum.y))
    assert normalized.loss_at(normalized_minimum.x, normalized_minimum.y) == pytest.approx(
        raw.loss_at(raw_minimum.x, raw_minimum.y), rel=1e-9)


def test_normalizing_turns_a_ravine_into_a_round_bowl():
    raw, normalized = SURFACES["features_raw"], SURFACES["features_normalized"]
    raw_eigenvalues = torch.linalg.eigvalsh(hessian_at(raw.loss, 0.0, 0.0))
    normalized_eigenvalues = torch.linalg.eigvalsh(hessian_at(normalized.loss, 0.0, 0.0))
    assert condition_number(raw, 0.0, 0.0) > 5000
    assert condition_number(normalized, 0.0, 0.0) < 1.2
    # The numbers in the lecture sentences.
    assert [f"{value:.2g}" for value in raw_eigenvalues.tolist()] == ["0.0018", "18"]
    assert round(condition_number(raw, 0.0, 0.0), -3) == 10_000
    assert [f"{value:.2f}" for value in normalized_eigenvalues.tolist()] == ["1.93", "2.07"]
    assert f"{condition_number(normalized, 0.0, 0.0):.2f}" == "1.07"
    assert_quoted(("surfaces.features_raw.lecture",), "0.0018", "18", "0.03", "3")
    assert_quoted(("surfaces.features_normalized.lecture",), "1.93", "2.07", "1.07")


def test_one_learning_rate_zig_zags_and_crawls_before_and_converges_fast_after():
    raw, normalized = SURFACES["features_raw"], SURFACES["features_normalized"]
    assert raw.starts[0] == normalized.starts[0]
    start = raw.starts[0]
    on_raw, on_normalized = gradient_descent(raw, start), gradient_descent(normalized, start)
    assert on_raw.diverged_at == on_normalized.diverged_at == (None,)

    def distances(run: Trajectories, surface: Surface) -> np.ndarray:
        minimum = surface.critical_points[0]
        return np.hypot(run.theta[0, :, 0] - minimum.x, run.theta[0, :, 1] - minimum.y)

    def sign_changes(values: np.ndarray) -> int:
        # Once a path sits at the minimum, its offset is rounding (±4e-16, either sign): not an overshoot.
        values = values[np.abs(values) > 1e-9]
        return int((np.sign(values[1:]) != np.sign(values[:-1])).sum())

    after = distances(on_normalized, normalized)
    assert int(np.argmax(after < 0.01)) == 28 and after[-1] < 1e-9
    before = distances(on_raw, raw)
    assert before[-1] > 5 and f"{before[-1]:.1f}" == "5.5"  # crawling along the ravine floor
    assert_quoted(("surfaces.features_raw.lecture",), "η = 0.1", f"{STEPS}", "5.5")
    assert_quoted(("surfaces.features_normalized.lecture",), "η = 0.1", "0.01", "28")
    # Zig-zag: across the ravine (the steep w₂ direction) the raw path overshoots again and again.
    steep_raw = on_raw.theta[0, :, 1] - raw.critical_points[0].y
    steep_normalized = on_normalized.theta[0, :, 1] - normalized.critical_points[0].y
    assert sign_changes(steep_raw[:50]) >= 20 and sign_changes(steep_normalized) == 0


# ── Mini-batches: a saddle of L where no example's loss is flat ──

def test_the_toys_targets_are_centred_exactly():
    inputs, targets = noisy_line()
    assert torch.equal(inputs, BIASED_TOY_INPUTS) and torch.equal(targets, BIASED_TOY_TARGETS)
    assert inputs.shape == targets.shape == (8,) and float(targets.sum()) == 0.0  # exactly, not 1e-17
    assert not torch.equal(noisy_line(seed=2)[1], targets)
    with pytest.raises(ValueError, match="power of two"):
        noisy_line(count=6)


def test_the_biased_toys_origin_is_a_saddle_of_the_mean_where_every_example_still_has_a_slope():
    toy = SURFACES["biased_toy"]
    origin = torch.zeros(2, dtype=torch.float64)
    _, gradient = loss_and_gradient(toy.loss, origin)
    assert torch.equal(gradient, torch.zeros(2, dtype=torch.float64))  # exactly 0: gradient descent never moves
    per_example = torch.autograd.functional.jacobian(toy.example_losses, origin)  # ∇ℓₙ(0, 0) = (0, −2yₙ)
    torch.testing.assert_close(per_example, torch.stack((torch.zeros(8), -2 * BIASED_TOY_TARGETS), dim=-1).double(),
                               rtol=0, atol=0)
    assert float(per_example[:, 1].abs().min()) > 0.5  # no example is flat there
    # The Hessian at the origin, closed form [[0, −2 (xy)‾], [−2 (xy)‾, 2]]: a saddle.
    covariance = float((BIASED_TOY_INPUTS * BIASED_TOY_TARGETS).mean())
    hessian = hessian_at(toy.loss, 0.0, 0.0)
    torch.testing.assert_close(hessian, torch.tensor([[0.0, -2 * covariance], [-2 * covariance, 2.0]],
                                                     dtype=torch.float64), rtol=1e-12, atol=1e-14)
    eigenvalues = torch.linalg.eigvalsh(hessian).tolist()
    (minimum,) = [point for point in toy.critical_points if point.kind is PointKind.MINIMUM]
    slopes = (-2 * BIASED_TOY_TARGETS).tolist()
    numbers = (*(printed(value, 2) for value in (*eigenvalues, min(slopes), max(slopes), minimum.x, minimum.y)),)
    assert numbers == ("−0.23", "2.23", "−2.34", "1.66", "−0.96", "−1.28")
    assert_quoted(("surfaces.biased_toy.lecture",), *numbers)
    assert all(number in toy.lecture for number in numbers)


def test_the_biased_toys_minimum_is_the_least_squares_line():
    toy = SURFACES["biased_toy"]
    (minimum,) = [point for point in toy.critical_points if point.kind is PointKind.MINIMUM]
    design = torch.stack((BIASED_TOY_INPUTS, torch.ones(8, dtype=torch.float64)), dim=-1)
    slope, intercept = torch.linalg.lstsq(design, BIASED_TOY_TARGETS.unsqueeze(-1)).solution.squeeze(-1).tolist()
    assert (minimum.x * minimum.y, minimum.y) == pytest.approx((slope, intercept), rel=1e-12)
    points = torch.stack(torch.meshgrid(*(torch.linspace(-3, 3, 121, dtype=torch.float64),) * 2, indexing="xy"), dim=-1)
    assert float(toy.loss(points).min()) >= toy.loss_at(minimum.x, minimum.y)
    found = find_critical_points(toy).points  # an independent search: these two are all there is
    assert sorted((point.kind, round(point.x, 6), round(point.y, 6)) for point in found) == sorted(
        (point.kind, round(point.x, 6), round(point.y, 6)) for point in toy.critical_points)

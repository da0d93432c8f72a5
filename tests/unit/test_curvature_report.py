"""analysis.hessian_report: the Lab's one-click Hessian, exact and matrix-free, against the dense oracle.

Oracles: ``eigh`` of ``torch.func.hessian`` (spectrum, counts, ratios, trace), and points whose kind is known
in closed form: least squares at its solution (a minimum), a two-layer linear net at zero (a saddle),
a quartic at zero (flat: H = 0), a random start (not critical).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from analysis.hessian_report import FLAT, MINIMUM, NOT_CRITICAL, SADDLE, hessian_report
from tests.unit.curvature_cases import (
    cross_entropy,
    data,
    model_state,
    network,
    one_thread,  # noqa: F401 (a fixture, found by name)
    oracle_hessian,
    same_state,
)

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def case():
    model, (inputs, targets) = network(batch_norm=True), data()
    eigenvalues = np.linalg.eigvalsh(oracle_hessian(model, cross_entropy, inputs, targets))
    return model, inputs, targets, eigenvalues


def test_exact_report_counts_the_dense_spectrum(case):
    model, inputs, targets, eigenvalues = case
    report = hessian_report(model, cross_entropy, inputs, targets, k=4, flat_tolerance=0.05)
    scale = np.abs(eigenvalues).max()
    assert report.exact and report.parameter_count == eigenvalues.size == 253
    assert np.abs(report.eigenvalues - eigenvalues).max() <= 1e-12 * scale
    assert np.abs(report.top_values - eigenvalues[::-1][:4]).max() <= 1e-12 * scale
    assert np.abs(report.bottom_values - eigenvalues[:4]).max() <= 1e-12 * scale
    assert report.trace == pytest.approx(eigenvalues.sum(), rel=1e-12) and report.trace_error == 0.0
    band = 0.05 * scale
    assert report.flat_band == pytest.approx(band, rel=1e-12)
    flat, positive = int((np.abs(eigenvalues) <= band).sum()), int((eigenvalues > band).sum())
    negative = eigenvalues.size - flat - positive
    assert (report.flat_count, report.positive_count, report.negative_count) == (flat, positive, negative)
    assert flat > 0 and negative > 0, "the case must exercise all three counts"
    assert report.minimum_ratio == pytest.approx((eigenvalues > 0).mean())
    assert report.minimum_ratio_without_flat == pytest.approx(positive / (positive + negative))
    assert np.trapezoid(report.density, report.density_grid) == pytest.approx(1.0, abs=1e-8)
    assert np.trapezoid(report.density * report.density_grid, report.density_grid) == pytest.approx(
        eigenvalues.mean(), abs=1e-8)
    hessian = oracle_hessian(model, cross_entropy, inputs, targets)
    for values, vectors in ((report.top_values, report.top_vectors), (report.bottom_values, report.bottom_vectors)):
        assert np.linalg.norm(hessian @ vectors - vectors * values, axis=0).max() <= 1e-10 * scale


def test_matrix_free_report_agrees_with_the_exact_one(case):
    model, inputs, targets, eigenvalues = case
    exact = hessian_report(model, cross_entropy, inputs, targets)
    free = hessian_report(model, cross_entropy, inputs, targets, dense_limit=0)
    scale = np.abs(eigenvalues).max()
    assert not free.exact and free.eigenvalues is None
    assert free.minimum_ratio is None and free.flat_count is None and free.negative_count is None
    assert np.abs(free.top_values - exact.top_values).max() <= 1e-6 * scale
    assert np.abs(free.bottom_values - exact.bottom_values).max() <= 1e-6 * scale
    assert np.abs(np.abs((free.top_vectors * exact.top_vectors).sum(0)) - 1).max() <= 1e-6
    assert 0 < free.trace_error and abs(free.trace - exact.trace) <= 3 * free.trace_error
    assert np.trapezoid(free.density, free.density_grid) == pytest.approx(1.0, abs=1e-8)
    assert (free.verdict, free.loss, free.gradient_norm) == (exact.verdict, exact.loss, exact.gradient_norm)


def test_a_random_start_is_not_critical(case):
    model, inputs, targets, _ = case
    report = hessian_report(model, cross_entropy, inputs, targets)
    assert report.gradient_norm > report.gradient_tolerance
    assert report.verdict == NOT_CRITICAL


def squared_error(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return ((outputs.squeeze(-1) - targets) ** 2).mean()


def test_least_squares_solution_is_a_minimum():
    inputs = torch.randn(40, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    targets = inputs @ torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64) + 0.1 * inputs[:, 0] ** 2
    model = nn.Linear(3, 1, bias=False).double()
    with torch.no_grad():
        model.weight.copy_(torch.linalg.lstsq(inputs, targets[:, None]).solution.T)
    report = hessian_report(model, squared_error, inputs, targets, k=2)
    # H = 2XᵀX/N, positive definite.
    expected = np.linalg.eigvalsh((2 * inputs.T @ inputs / 40).numpy())
    assert report.gradient_norm < 1e-12
    assert report.eigenvalues == pytest.approx(expected, rel=1e-12)
    assert (report.verdict, report.minimum_ratio, report.minimum_ratio_without_flat) == (MINIMUM, 1.0, 1.0)


def test_two_layer_linear_net_at_zero_is_a_saddle():
    """f(x) = a·b·x with a = b = 0 fitting y = x: g = 0 and H = [[0, −2E[x²]], [−2E[x²], 0]], λ = ±2E[x²]."""
    inputs = torch.linspace(-1, 1, 21, dtype=torch.float64)[:, None]
    model = nn.Sequential(nn.Linear(1, 1, bias=False), nn.Linear(1, 1, bias=False)).double()
    nn.init.zeros_(model[0].weight), nn.init.zeros_(model[1].weight)
    report = hessian_report(model, squared_error, inputs, inputs[:, 0], k=1)
    curvature = 2 * float((inputs**2).mean())
    assert report.gradient_norm == 0.0
    assert report.eigenvalues == pytest.approx([-curvature, curvature], rel=1e-12)
    assert (report.verdict, report.minimum_ratio, report.negative_count) == (SADDLE, 0.5, 1)


def test_quartic_at_zero_is_flat():
    inputs = torch.randn(10, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    model = nn.Linear(2, 1, bias=False).double()
    nn.init.zeros_(model.weight)
    report = hessian_report(model, lambda outputs, _: (outputs**4).mean(), inputs, inputs, k=1)
    assert (report.verdict, report.flat_count, report.minimum_ratio_without_flat) == (FLAT, 2, None)


@pytest.mark.parametrize("dense_limit", [0, 3000])
def test_report_leaves_the_model_alone(dense_limit):
    model, (inputs, targets) = network(batch_norm=True).train(), data()
    before = model_state(model)
    hessian_report(model, cross_entropy, inputs, targets, k=2, dense_limit=dense_limit)
    assert same_state(before, model_state(model))


def test_bad_settings_get_a_clear_message(case):
    model, inputs, targets, _ = case
    for keywords, message in (({"k": 0}, "k must be"), ({"flat_tolerance": -1.0}, "flat_tolerance must be"),
                              ({"gradient_tolerance": float("nan")}, "gradient_tolerance must be")):
        with pytest.raises(ValueError, match=message):
            hessian_report(model, cross_entropy, inputs, targets, **keywords)


def test_a_point_where_the_loss_is_not_finite_has_no_hessian_and_says_so():
    """A diverged run's last finite parameters can still give an infinite loss: the report used to read
    ‖g‖ = nan as small and call the point a saddle."""
    import pytest
    import torch

    from analysis.curvature import sharpness
    from analysis.hessian_operator import NotFiniteLoss
    from analysis.hessian_report import hessian_report

    model = torch.nn.Linear(2, 1)
    with torch.no_grad():
        model.weight.fill_(1e30)
    inputs, targets = torch.full((4, 2), 1e10), torch.zeros(4, 1)
    loss_fn = torch.nn.functional.mse_loss
    for compute in (hessian_report, sharpness):
        with pytest.raises(NotFiniteLoss, match="no Hessian to read"):
            compute(model, loss_fn, inputs, targets)

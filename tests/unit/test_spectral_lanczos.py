"""The matrix-free estimators on matrices we know whole: Hutch++ and stochastic Lanczos quadrature.

Oracles: a network's Hessian from ``torch.func.hessian`` (its trace, its ``eigh`` spectrum), applied by plain
matrix products, so hundreds of seeds are cheap; and diagonal matrices with few distinct eigenvalues.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from analysis.spectral_lanczos import (
    broadened_density,
    hutch_plus_plus,
    lanczos_quadrature,
    lanczos_tridiagonal,
    quadrature_nodes,
)
from tests.unit.curvature_cases import cross_entropy, data, network, oracle_hessian


@pytest.fixture(scope="module")
def hessian() -> torch.Tensor:
    """A real network's Hessian (P = 253, BatchNorm in evaluation mode): a few outliers over a bulk."""
    return torch.from_numpy(oracle_hessian(network(batch_norm=True), cross_entropy, *data()))


def test_hutch_plus_plus_is_unbiased_and_its_error_bar_calibrated(hessian):
    exact = float(torch.trace(hessian))
    results = np.array([hutch_plus_plus(lambda block: hessian @ block, hessian.shape[0], torch.float64, seed)
                        for seed in range(300)])
    estimates, errors = results[:, 0], results[:, 1]
    deviations = np.abs(estimates - exact) / errors
    assert abs(estimates.mean() - exact) <= 4 * estimates.std() / np.sqrt(len(estimates))
    # A standard error: about 68 % of seeds within one bar, about 95 % within two, nearly all within three.
    assert 0.6 <= (deviations <= 1).mean() <= 0.76
    assert 0.9 <= (deviations <= 2).mean()
    assert 0.97 <= (deviations <= 3).mean()
    assert 0.8 <= estimates.std() / errors.mean() <= 1.25


def test_hutch_plus_plus_beats_hutchinson_on_a_network_hessian(hessian):
    """The reason for Hutch++: the same 90 products, a smaller error, because the outliers are counted exactly."""
    size = hessian.shape[0]
    _, error = hutch_plus_plus(lambda block: hessian @ block, size, torch.float64)
    off_diagonal = float((hessian**2).sum() - (torch.diagonal(hessian) ** 2).sum())
    assert error < np.sqrt(2 * off_diagonal / 90)


def test_hutch_plus_plus_refuses_too_few_products():
    with pytest.raises(ValueError, match="at least 2·sketch"):
        hutch_plus_plus(lambda block: block, 100, torch.float64, matrix_products=21)


def test_lanczos_stops_in_an_invariant_subspace_with_exact_quadrature():
    """Three distinct eigenvalues: Lanczos ends after three steps, and the nodes are those eigenvalues."""
    diagonal = torch.tensor([1.0] * 4 + [-2.0] * 3 + [5.0] * 3, dtype=torch.float64)
    start = torch.ones(10, dtype=torch.float64) / np.sqrt(10)
    alphas, betas = lanczos_tridiagonal(lambda vector: diagonal * vector, start, steps=10, dtype=torch.float64)
    assert len(alphas) == 3 and len(betas) == 2
    nodes, weights = quadrature_nodes(alphas, betas)
    assert nodes == pytest.approx([-2.0, 1.0, 5.0], abs=1e-12)
    assert weights == pytest.approx([0.3, 0.4, 0.3], abs=1e-12)


def test_quadrature_moments_are_the_probes_quadratic_forms(hessian):
    """Σ w = 1 and Σ wθ = mean of vᵀHv over the unit probes; and enough steps recover the spectrum's density."""
    size = hessian.shape[0]
    nodes, weights = lanczos_quadrature(lambda vector: hessian @ vector, size, torch.float64, seed=3, probes=4,
                                        steps=size)
    probes = (torch.randint(0, 2, (size, 4), generator=torch.Generator().manual_seed(3)) * 2 - 1).double()
    quadratic_forms = ((probes * (hessian @ probes)).sum(0) / size).mean()
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)
    assert (weights * nodes).sum() == pytest.approx(float(quadratic_forms), rel=1e-10)
    eigenvalues = np.linalg.eigvalsh(hessian.numpy())
    grid, density = broadened_density(nodes, weights)
    exact_grid, exact = broadened_density(eigenvalues, np.full(size, 1 / size))
    assert grid[[0, -1]] == pytest.approx(exact_grid[[0, -1]], rel=1e-8)
    assert np.trapezoid(np.abs(density - exact), grid) <= 0.3


@pytest.mark.parametrize("nodes", [np.array([-1.0, 0.0, 3.0]), np.array([2.0, 2.0]), np.array([0.0])])
def test_broadened_density_integrates_to_the_weights_and_keeps_their_mean(nodes):
    weights = np.full(nodes.size, 1 / nodes.size)
    grid, density = broadened_density(nodes, weights)
    assert np.trapezoid(density, grid) == pytest.approx(1.0, abs=1e-8)
    assert np.trapezoid(grid * density, grid) == pytest.approx(nodes.mean(), abs=1e-8)

"""analysis.curvature against dense oracles: ``torch.func.hessian`` of the flat parameters, and ``eigh`` of it.

Cases: a tanh MLP with cross-entropy, the same with real BatchNorm in evaluation mode (running statistics
and affine weights moved away from their defaults) and MSE on one-hot targets, in float64 and float32.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from analysis.curvature import (
    DENSE_LIMIT,
    dense_hessian,
    hessian_eigenpairs,
    hessian_trace,
    sharpness,
    spectral_density,
)
from tests.unit.curvature_cases import (
    cross_entropy,
    data,
    model_state,
    network,
    one_hot_mse,
    one_thread,  # noqa: F401 (a fixture, found by name)
    oracle_hessian,
    same_state,
)

pytestmark = pytest.mark.usefixtures("one_thread")

CASES = {"plain": (False, cross_entropy), "batch_norm": (True, one_hot_mse)}


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    """(model, loss_fn, inputs, targets, oracle H, its eigenvalues ascending)."""
    batch_norm, loss_fn = CASES[request.param]
    model = network(batch_norm=batch_norm)
    inputs, targets = data()
    hessian = oracle_hessian(model, loss_fn, inputs, targets)
    return model, loss_fn, inputs, targets, hessian, np.linalg.eigvalsh(hessian)


def test_dense_hessian_is_the_autograd_hessian(case):
    model, loss_fn, inputs, targets, hessian, _ = case
    dense = dense_hessian(model, loss_fn, inputs, targets)
    assert dense.dtype == np.float64 and dense.shape == hessian.shape
    assert np.array_equal(dense, dense.T)
    assert np.abs(dense - hessian).max() <= 1e-12 * np.abs(hessian).max()


@pytest.mark.parametrize("which", ["largest", "smallest"])
def test_eigenpairs_match_eigh_to_one_in_a_million(case, which):
    model, loss_fn, inputs, targets, hessian, eigenvalues = case
    values, vectors = hessian_eigenpairs(model, loss_fn, inputs, targets, k=5, which=which)
    expected = eigenvalues[::-1][:5] if which == "largest" else eigenvalues[:5]
    scale = np.abs(eigenvalues).max()
    assert values.dtype == np.float64 and vectors.shape == (hessian.shape[0], 5)
    assert np.abs(values - expected).max() <= 1e-6 * scale
    # Each vector is a unit eigenvector of the oracle: small residual, orthonormal, largest entry positive.
    assert np.linalg.norm(hessian @ vectors - vectors * values, axis=0).max() <= 1e-5 * scale
    assert np.abs(vectors.T @ vectors - np.eye(5)).max() <= 1e-10
    assert (vectors[np.abs(vectors).argmax(axis=0), np.arange(5)] > 0).all()
    if which == "smallest":
        assert values[0] < 0, "the case must have a negative eigenvalue for 'smallest' to be algebraic"


def test_all_eigenpairs_when_k_reaches_p():
    model, (inputs, targets) = nn.Sequential(nn.Linear(6, 1)).double(), data()  # P = 7: eigsh needs k < P − 1

    def loss_fn(outputs, labels):
        return ((outputs.squeeze(-1) - labels.double()) ** 2).mean()

    hessian = oracle_hessian(model, loss_fn, inputs, targets)
    values, vectors = hessian_eigenpairs(model, loss_fn, inputs, targets, k=7, which="smallest")
    assert np.allclose(values, np.linalg.eigvalsh(hessian), rtol=0, atol=1e-12 * np.abs(values).max())


@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize("which", ["largest", "smallest"])
def test_eigenvalues_at_zero_converge_too(sign, which):
    """±2XᵀX/N with N = 10 < P = 30: twenty eigenvalues exactly 0, which a test relative to |θ| cannot accept."""
    inputs = torch.randn(10, 30, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    model = nn.Linear(30, 1, bias=False).double()

    def loss_fn(outputs, _):
        return sign * outputs.pow(2).mean()

    eigenvalues = np.linalg.eigvalsh(oracle_hessian(model, loss_fn, inputs, inputs))
    values, _ = hessian_eigenpairs(model, loss_fn, inputs, inputs, k=3, which=which)
    expected = eigenvalues[::-1][:3] if which == "largest" else eigenvalues[:3]
    assert np.abs(values - expected).max() <= 1e-6 * np.abs(eigenvalues).max()


def test_sharpness_is_the_largest_eigenvalue(case):
    model, loss_fn, inputs, targets, _, eigenvalues = case
    assert abs(sharpness(model, loss_fn, inputs, targets) - eigenvalues[-1]) <= 1e-6 * np.abs(eigenvalues).max()


def test_trace_is_within_its_error_bar(case):
    model, loss_fn, inputs, targets, _, eigenvalues = case
    for seed in range(2):  # test_spectral_lanczos checks on 300 seeds that the bar is calibrated
        estimate, error = hessian_trace(model, loss_fn, inputs, targets, seed=seed)
        assert 0 < error and abs(estimate - eigenvalues.sum()) <= 3 * error


def test_trace_is_exact_when_the_sketch_spans_every_direction():
    model, (inputs, targets) = nn.Sequential(nn.Linear(6, 1)).double(), data()  # P = 7 ≤ the sketch's 10

    def loss_fn(outputs, labels):
        return (torch.tanh(outputs.squeeze(-1)) - labels.double()).pow(2).mean()

    estimate, error = hessian_trace(model, loss_fn, inputs, targets)
    assert error == 0.0
    assert estimate == pytest.approx(np.trace(oracle_hessian(model, loss_fn, inputs, targets)), rel=1e-12)


def test_density_integrates_to_one_with_mean_trace_over_p(case):
    model, loss_fn, inputs, targets, hessian, eigenvalues = case
    grid, density = spectral_density(model, loss_fn, inputs, targets, seed=0, probes=2, steps=40)
    assert grid.shape == density.shape and (density >= 0).all() and (np.diff(grid) > 0).all()
    assert np.trapezoid(density, grid) == pytest.approx(1.0, abs=1e-8)
    assert grid[0] < eigenvalues[0] and grid[-1] > eigenvalues[-1]
    # The mean is the probes' Hutchinson estimate of tr H / P; with Rademacher probes its standard
    # deviation is √(2 Σ_{i≠j} H_ij² / probes) / P.
    size = hessian.shape[0]
    spread = np.sqrt(2 * ((hessian**2).sum() - (np.diag(hessian) ** 2).sum()) / 2) / size
    assert abs(np.trapezoid(grid * density, grid) - eigenvalues.mean()) <= 3 * spread


def test_float32_model_gives_float32_answers_close_to_float64():
    model, (inputs, targets) = network(dtype=torch.float32, batch_norm=True), data(dtype=torch.float32)
    reference = np.linalg.eigvalsh(oracle_hessian(network(batch_norm=True), one_hot_mse, *data()))
    values, vectors = hessian_eigenpairs(model, one_hot_mse, inputs, targets, k=3)
    assert values.dtype == np.float32 and vectors.dtype == np.float32
    assert dense_hessian(model, one_hot_mse, inputs, targets).dtype == np.float32
    assert np.abs(values - reference[::-1][:3]).max() <= 1e-5 * np.abs(reference).max()


@pytest.mark.parametrize("batch_norm", [False, True])
@pytest.mark.parametrize("training", [False, True])
def test_model_mode_and_buffers_are_left_unchanged(batch_norm, training):
    model, (inputs, targets) = network(batch_norm=batch_norm).train(training), data()
    before = model_state(model)
    dense_hessian(model, cross_entropy, inputs, targets)
    hessian_eigenpairs(model, cross_entropy, inputs, targets, k=2, which="smallest")
    hessian_trace(model, cross_entropy, inputs, targets)
    spectral_density(model, cross_entropy, inputs, targets)
    assert same_state(before, model_state(model))


def test_frozen_parameters_are_left_out_in_order():
    model, (inputs, targets) = network(), data()
    model[0].weight.requires_grad_(False)
    hessian = oracle_hessian(model, cross_entropy, inputs, targets)
    assert hessian.shape == (213 - 60, 213 - 60)
    dense = dense_hessian(model, cross_entropy, inputs, targets)
    assert np.abs(dense - hessian).max() <= 1e-12 * np.abs(hessian).max()


def test_bad_input_gets_a_clear_message():
    model, (inputs, targets) = network(), data()
    for keywords, message in (({"which": "middle"}, "which must be one of"), ({"k": 0}, "k must be a whole number"),
                              ({"k": 214}, "k must be a whole number"), ({"k": True}, "k must be a whole number"),
                              ({"tol": 0.0}, "tol must be")):
        with pytest.raises(ValueError, match=message):
            hessian_eigenpairs(model, cross_entropy, inputs, targets, **keywords)
    with pytest.raises(ValueError, match="must return a scalar"):
        hessian_trace(model, nn.CrossEntropyLoss(reduction="none"), inputs, targets)
    with pytest.raises(ValueError, match="must all be float32 or all float64"):
        dense_hessian(network(dtype=torch.float16), cross_entropy, inputs.half(), targets)
    with pytest.raises(ValueError, match="no trainable parameters"):
        dense_hessian(model.requires_grad_(False), cross_entropy, inputs, targets)
    wide = nn.Linear(FEATURES := inputs.shape[1], DENSE_LIMIT // FEATURES + 1).double()
    with pytest.raises(ValueError, match="at most P = 3000"):
        dense_hessian(wide, lambda outputs, labels: outputs.pow(2).mean(), inputs, targets)

"""The real small network and the minimum-ratio experiment, against independent oracles.

Oracles: ``torch.nn.Sequential(Linear, Tanh, Linear)`` with the same weights differentiated by autograd
(gradient, Hessian), ``torch.optim.Adam`` (the training loop), ``torch.linalg.eigvalsh`` of that
autograd Hessian (the spectrum and the minimum ratio), and the loss evaluated point by point (the slices).
"""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from analysis.eigenvalue_counts import (
    FLAT,
    MINIMUM,
    NOT_CRITICAL,
    SADDLE,
    eigenvalue_rounding,
    end_point_kind,
    flat_band,
    minimum_ratio,
)
from analysis.loss_slice import downhill_extent, loss_slice
from analysis.minimum_ratio import (
    GRADIENT_TOLERANCE,
    ExperimentSettings,
    adam_training,
    critical_point_search,
    run_experiment,
    single_threaded,
)
from analysis.network import (
    check_hidden_width,
    gradient,
    hidden_width_of,
    initial_parameters,
    loss,
    loss_and_gradient,
    loss_gradient_hessian,
    make_dataset,
    mean_squared_error,
    parameter_count,
    predict,
)
from tests.unit.network_settings import SETTINGS

DATA = make_dataset()


# ── The network against torch.nn ──

def sequential_with(parameters: torch.Tensor) -> nn.Sequential:
    """A ``Linear(1, H) → Tanh → Linear(H, 1)`` network in float64 holding the weights of a flat θ."""
    hidden = hidden_width_of(parameters)
    network = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, 1)).double()
    with torch.no_grad():
        network[0].weight.copy_(parameters[:hidden].reshape(hidden, 1))
        network[0].bias.copy_(parameters[hidden:2 * hidden])
        network[2].weight.copy_(parameters[2 * hidden:3 * hidden].reshape(1, hidden))
        network[2].bias.copy_(parameters[3 * hidden:])
    return network


def sequential_loss(parameters: torch.Tensor, weight_decay: float) -> torch.Tensor:
    """L_ρ(θ) by ``torch.func.functional_call`` of the nn.Sequential: a function of the flat θ for autograd."""
    hidden = hidden_width_of(parameters)
    network = sequential_with(parameters.detach())
    weights = {"0.weight": parameters[:hidden].reshape(hidden, 1), "0.bias": parameters[hidden:2 * hidden],
               "2.weight": parameters[2 * hidden:3 * hidden].reshape(1, hidden), "2.bias": parameters[3 * hidden:]}
    outputs = torch.func.functional_call(network, weights, (DATA.inputs.unsqueeze(-1),)).squeeze(-1)
    return nn.functional.mse_loss(outputs, DATA.targets) + 0.5 * weight_decay * (parameters**2).sum()


@pytest.mark.parametrize("hidden", [2, 5, 8])
@pytest.mark.parametrize("weight_decay", [0.0, 1e-3])
def test_loss_gradient_and_hessian_match_autograd_of_an_nn_sequential(hidden, weight_decay):
    points = 3 * initial_parameters(hidden, seed=hidden, runs=3)  # larger weights: saturated units too
    losses, gradients, hessians = loss_gradient_hessian(points, DATA, weight_decay)
    for run, parameters in enumerate(points):
        leaf = parameters.clone().requires_grad_(True)
        expected_loss = sequential_loss(leaf, weight_decay)
        (expected_gradient,) = torch.autograd.grad(expected_loss, leaf)
        expected_hessian = torch.autograd.functional.hessian(lambda theta: sequential_loss(theta, weight_decay),
                                                             parameters)
        assert losses[run].item() == pytest.approx(expected_loss.item(), rel=1e-12)
        torch.testing.assert_close(gradients[run], expected_gradient, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(hessians[run], expected_hessian, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(hessians[run], hessians[run].T, rtol=0, atol=1e-14)


def test_predictions_match_the_nn_sequential_and_every_batch_shape_agrees():
    points = initial_parameters(4, seed=1, runs=6).reshape(2, 3, -1)
    outputs = predict(points, DATA.inputs)
    assert outputs.shape == (2, 3, len(DATA.inputs))
    expected = sequential_with(points[1, 2])(DATA.inputs.unsqueeze(-1)).squeeze(-1)
    torch.testing.assert_close(outputs[1, 2], expected.detach(), rtol=1e-12, atol=1e-14)
    batch_loss, batch_gradient = loss_and_gradient(points, DATA, 1e-3)
    torch.testing.assert_close(gradient(points, DATA, 1e-3), batch_gradient, rtol=0, atol=0)
    torch.testing.assert_close(loss(points, DATA, 1e-3), batch_loss, rtol=1e-14, atol=0)
    torch.testing.assert_close(mean_squared_error(points, DATA), loss(points, DATA), rtol=0, atol=0)


def test_parameter_layout_and_its_checks():
    assert parameter_count(6) == 19 and hidden_width_of(torch.zeros(19)) == 6
    for bad in (1, 9, 2.0, True):
        with pytest.raises(ValueError, match="hidden layer"):
            check_hidden_width(bad)
    with pytest.raises(ValueError, match="3H \\+ 1"):
        hidden_width_of(torch.zeros(18))


def test_the_dataset_is_seeded_and_generated_in_memory():
    again = make_dataset()
    assert torch.equal(again.inputs, DATA.inputs) and torch.equal(again.targets, DATA.targets)
    assert not torch.equal(make_dataset(seed=7).targets, DATA.targets)
    assert DATA.inputs.dtype == torch.float64 and len(DATA.inputs) == 32


def test_each_start_depends_only_on_the_seed_and_its_index():
    many = initial_parameters(6, seed=5, runs=10)
    torch.testing.assert_close(initial_parameters(6, seed=5, runs=3), many[:3], rtol=0, atol=0)
    assert not torch.equal(initial_parameters(6, seed=6, runs=3), many[:3])
    assert float(many[:, :12].abs().max()) <= 1 and float(many[:, 12:].abs().max()) <= 6**-0.5


# ── Training and the search ──

def test_adam_training_reproduces_torch_optim_adam_with_weight_decay():
    start = initial_parameters(5, seed=2, runs=1)
    ours = adam_training(start, DATA, 60, learning_rate=0.02, weight_decay=1e-3)
    parameters = start[0].clone().requires_grad_(True)
    optimizer = torch.optim.Adam([parameters], lr=0.02, weight_decay=1e-3)
    for _ in range(60):
        optimizer.zero_grad()
        sequential_loss(parameters, 0.0).backward()  # torch adds ρθ itself (weight_decay)
        optimizer.step()
    torch.testing.assert_close(ours[0], parameters.detach(), rtol=1e-9, atol=1e-11)
    assert torch.equal(start, initial_parameters(5, seed=2, runs=1)), "the start must not be modified"


def test_the_search_returns_to_a_perturbed_saddle_instead_of_sliding_to_a_minimum(experiment):
    saddles = [run for run in range(SETTINGS.runs) if experiment.converged[run] and experiment.negative_counts[run]]
    assert saddles, "the default experiment has saddles among its first runs"
    run = saddles[0]
    nudge = 1e-4 * torch.randn(experiment.parameter_count, generator=torch.Generator().manual_seed(0),
                               dtype=torch.float64)
    found, steps = critical_point_search((experiment.end_points[run] + nudge).unsqueeze(0), DATA, 1e-3)
    torch.testing.assert_close(found[0], experiment.end_points[run], rtol=0, atol=1e-8)
    assert int(steps[0]) <= 10
    _, _, hessian = loss_gradient_hessian(found[0], DATA, 1e-3)
    assert float(torch.linalg.eigvalsh(hessian)[0]) < 0


# ── The experiment ──

def test_every_end_point_is_a_critical_point_by_an_independent_gradient(experiment):
    assert bool(experiment.converged.all())
    for run in range(SETTINGS.runs):
        leaf = experiment.end_points[run].clone().requires_grad_(True)
        (slope,) = torch.autograd.grad(sequential_loss(leaf, SETTINGS.weight_decay), leaf)
        assert float(torch.linalg.vector_norm(slope)) <= 10 * GRADIENT_TOLERANCE
        assert float(experiment.gradient_norms[run]) <= GRADIENT_TOLERANCE


def test_eigenvalues_and_both_counts_follow_the_autograd_hessian(experiment):
    parameters, weight_decay = experiment.parameter_count, SETTINGS.weight_decay
    for run in range(SETTINGS.runs):
        hessian = torch.autograd.functional.hessian(lambda theta: sequential_loss(theta, weight_decay),
                                                    experiment.end_points[run])
        eigenvalues = torch.linalg.eigvalsh(hessian)
        # The rounding level the page quotes is an upper bound of how far two computations disagree.
        difference = float((experiment.eigenvalues[run] - eigenvalues).abs().max())
        assert difference <= float(eigenvalue_rounding(eigenvalues))
        assert float(experiment.minimum_ratios[run]) == int((eigenvalues > 0).sum()) / parameters
        assert int(experiment.negative_counts[run]) == int((eigenvalues < 0).sum())
        band = float(experiment.flat_bands[run])
        assert band == pytest.approx(weight_decay + 19 * 2.0**-52 * float(eigenvalues.abs().max()), rel=1e-6)
        assert int(experiment.above_band_counts[run]) == int((eigenvalues > band).sum())
        assert int(experiment.below_band_counts[run]) == int((eigenvalues < -band).sum())
        assert int(experiment.flat_counts[run]) == int((eigenvalues.abs() <= band).sum())
        assert float(experiment.band_ratios[run]) == int((eigenvalues > band).sum()) / parameters
    loss_here = mean_squared_error(experiment.end_points, DATA)
    torch.testing.assert_close(experiment.training_losses, loss_here, rtol=0, atol=0)


def test_the_weight_decay_shifts_every_eigenvalue_by_rho_at_the_same_point(experiment):
    """The page's reason for the band: the MSE alone has λ − ρ at θ*, twice the decay λ + ρ."""
    rho = SETTINGS.weight_decay
    for decay, shift in ((0.0, -rho), (2 * rho, rho)):
        _, _, hessian = loss_gradient_hessian(experiment.end_points, DATA, decay)
        torch.testing.assert_close(torch.linalg.eigvalsh(hessian), experiment.eigenvalues + shift,
                                   rtol=0, atol=1e-12)
    flat = experiment.eigenvalues.abs() <= rho
    assert flat.any(), "the default experiment has eigenvalues in the band"
    assert ((experiment.eigenvalues - rho)[flat] <= 0).all() and ((experiment.eigenvalues + rho)[flat] >= 0).all()


def test_single_threaded_restores_the_thread_count():
    before = torch.get_num_threads()
    with single_threaded():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def hessian_with(eigenvalues: list[float], seed: int = 0) -> torch.Tensor:
    """A symmetric matrix Q diag(λ) Qᵀ with a random orthogonal Q: the given spectrum in general position."""
    generator = torch.Generator().manual_seed(seed)
    basis, _ = torch.linalg.qr(torch.randn(len(eigenvalues), len(eigenvalues), generator=generator,
                                           dtype=torch.float64))
    return basis @ torch.diag(torch.tensor(eigenvalues, dtype=torch.float64)) @ basis.T


RHO = 1e-3


@pytest.mark.parametrize("spectrum, sign_ratio, band_ratio, kind", [
    ([-0.5 * RHO, 0.3 * RHO, 2.0, 5.0], 0.75, 0.5, FLAT),  # by sign a saddle; both small ones within ±ρ
    ([0.2 * RHO, 0.9 * RHO, 2.0, 5.0], 1.0, 0.5, FLAT),  # by sign a minimum; both small ones within ±ρ
    ([-2 * RHO, 0.3 * RHO, 2.0, 5.0], 0.75, 0.5, SADDLE),  # one clearly below −ρ
    ([1.5 * RHO, 3 * RHO, 2.0, 5.0], 1.0, 1.0, MINIMUM),  # every one clearly above ρ
])
def test_eigenvalues_within_the_weight_decay_of_zero_are_flat(spectrum, sign_ratio, band_ratio, kind):
    eigenvalues = torch.linalg.eigvalsh(hessian_with(spectrum))
    band = flat_band(eigenvalues, weight_decay=RHO)
    assert float(band) == pytest.approx(RHO, rel=1e-9)
    assert float(minimum_ratio(eigenvalues)) == sign_ratio
    assert float(minimum_ratio(eigenvalues, band)) == band_ratio
    assert end_point_kind(eigenvalues, float(band)) == kind
    assert end_point_kind(eigenvalues, float(band), critical=False) == NOT_CRITICAL


@pytest.mark.parametrize("seed", range(8))
def test_a_direction_only_the_weight_decay_curves_is_flat_however_it_rounds(seed):
    """λ = ρ exactly (the squared error does not curve that way) is common at the page's settings."""
    eigenvalues = torch.linalg.eigvalsh(hessian_with([RHO, RHO, 2.0, 5.0, 13.0], seed=seed))
    band = float(flat_band(eigenvalues, weight_decay=RHO))
    assert end_point_kind(eigenvalues, band) == FLAT
    assert int((eigenvalues.abs() <= band).sum()) == 2


def test_without_weight_decay_the_band_is_the_rounding_level():
    eigenvalues = torch.tensor([[-1.0, 1e-17, 2.0, 3.0], [1.0, 2.0, 3.0, 4.0]], dtype=torch.float64)
    rounding = eigenvalue_rounding(eigenvalues)
    torch.testing.assert_close(rounding, 4 * torch.finfo(torch.float64).eps * torch.tensor([3.0, 4.0],
                                                                                          dtype=torch.float64))
    torch.testing.assert_close(flat_band(eigenvalues, 0.0).squeeze(-1), rounding)
    assert end_point_kind(eigenvalues[0, 1:], float(rounding[0])) == FLAT
    assert end_point_kind(eigenvalues[1], float(rounding[1])) == MINIMUM


def test_batched_runs_end_where_each_run_ends_alone(experiment):
    for run in (0, 3, 7):
        start = experiment.starts[run:run + 1]
        with single_threaded():
            trained = adam_training(start, DATA, SETTINGS.training_steps, SETTINGS.learning_rate,
                                    SETTINGS.weight_decay)
            found, _ = critical_point_search(trained, DATA, SETTINGS.weight_decay, SETTINGS.search_iterations)
        assert torch.equal(trained[0], experiment.trained[run])
        torch.testing.assert_close(found[0], experiment.end_points[run], rtol=0, atol=1e-9)


def test_fewer_runs_are_the_first_runs_and_the_seed_reproduces_everything(experiment):
    fewer = run_experiment(ExperimentSettings(runs=3, hidden=6, seed=0, training_steps=2000))
    torch.testing.assert_close(fewer.end_points, experiment.end_points[:3], rtol=0, atol=1e-9)
    torch.testing.assert_close(fewer.minimum_ratios, experiment.minimum_ratios[:3], rtol=0, atol=0)
    again = run_experiment(ExperimentSettings(runs=3, hidden=6, seed=0, training_steps=2000))
    assert torch.equal(again.end_points, fewer.end_points) and torch.equal(again.eigenvalues, fewer.eigenvalues)
    other = run_experiment(ExperimentSettings(runs=3, hidden=6, seed=1, training_steps=100, search_iterations=5))
    assert not torch.equal(other.starts, fewer.starts)


def test_the_summary_counts_the_kinds_of_end_points(experiment):
    summary = experiment.summary()
    assert summary.runs == SETTINGS.runs and summary.critical == int(experiment.converged.sum())
    assert summary.minima + summary.saddles + summary.flat == summary.critical
    assert summary.flat == experiment.kinds.count(FLAT) and summary.band == pytest.approx(SETTINGS.weight_decay)
    assert summary.sign_minima == int((experiment.minimum_ratios == 1).sum())
    assert summary.sign_saddles == int((experiment.eigenvalues.min(-1).values < 0).sum())
    assert summary.lowest_ratio == pytest.approx(float(experiment.minimum_ratios.min()))
    assert summary.highest_band_ratio == pytest.approx(float(experiment.band_ratios.max()))
    assert summary.smallest_magnitude == float(experiment.eigenvalues.abs().min())
    # The page says the signs are not rounding noise: the smallest |λ| is far above the rounding level.
    assert summary.smallest_magnitude > 1e6 * summary.rounding


def test_the_run_shown_first_is_the_critical_point_with_the_lowest_ratio(experiment):
    run = experiment.lowest_ratio_run()
    critical = [other for other in range(SETTINGS.runs) if experiment.converged[other]]
    assert run in critical
    assert all(experiment.minimum_ratios[run] <= experiment.minimum_ratios[other] for other in critical)


@pytest.mark.parametrize("steps", [100, 300])
def test_fewer_adam_steps_find_critical_points_with_a_higher_loss_clear_saddles_and_a_lower_ratio(steps):
    """The page's "Try 100 or 300 Adam steps" sentence, on the page's default runs."""
    full, early = run_experiment(ExperimentSettings()), run_experiment(ExperimentSettings(training_steps=steps))
    critical = early.converged
    kinds = [kind for kind, found in zip(early.kinds, critical.tolist()) if found]
    assert kinds and kinds.count(SADDLE) > len(kinds) / 2  # "tend to have eigenvalues clearly below −ρ"
    assert early.training_losses[critical].min() > full.training_losses[full.converged].max()
    assert early.minimum_ratios[critical].max() < full.minimum_ratios[full.converged].min()
    assert early.band_ratios[critical].max() < full.band_ratios[full.converged].min()


@pytest.mark.parametrize("field, value", [("runs", 0), ("runs", 25), ("hidden", 1), ("training_steps", -1),
                                          ("learning_rate", 0.0), ("weight_decay", math.nan), ("seed", -1)])
def test_settings_refuse_values_a_student_cannot_mean(field, value):
    with pytest.raises(ValueError):
        ExperimentSettings(**{field: value})


# ── The slices ──

def test_a_slice_is_centred_on_the_end_points_loss_and_is_the_loss_on_the_plane(experiment):
    run = 1
    plane = loss_slice(experiment, run, resolution=21)
    middle = 10
    assert plane.first_steps[middle] == 0 and plane.second_steps[middle] == 0
    assert plane.losses[middle, middle] == pytest.approx(float(experiment.objective[run]), rel=1e-14)
    assert plane.center_loss == pytest.approx(float(experiment.objective[run]), rel=1e-14)
    vectors = experiment.eigenvectors[run]
    for row, column in ((0, 0), (3, 17), (20, 5)):
        point = (experiment.end_points[run] + plane.first_steps[column] * vectors[:, 0]
                 + plane.second_steps[row] * vectors[:, -1])
        expected = sequential_loss(point, SETTINGS.weight_decay).item()
        assert plane.losses[row, column] == pytest.approx(expected, rel=1e-12)
    assert plane.first_eigenvalue == float(experiment.eigenvalues[run, 0])
    assert plane.second_eigenvalue == float(experiment.eigenvalues[run, -1])


def test_a_saddles_slice_shows_the_way_down_and_a_minimums_does_not(experiment):
    saddle = next(run for run in range(SETTINGS.runs) if experiment.negative_counts[run])
    minimum = next(run for run in range(SETTINGS.runs) if experiment.minimum_ratios[run] == 1)
    extent, depth = downhill_extent(experiment, saddle)
    assert 0 < extent and 0 < depth
    saddle_plane = loss_slice(experiment, saddle)
    changes = saddle_plane.losses - saddle_plane.center_loss
    middle = len(saddle_plane.second_steps) // 2
    left, right = changes[middle, :middle], changes[middle, middle + 1:]
    assert left.min() < 0 and right.min() < 0, "along u₁ (b = 0) the loss drops on both sides (the caption says so)"
    assert downhill_extent(experiment, minimum) == (0.0, 0.0)
    minimum_plane = loss_slice(experiment, minimum)
    assert (minimum_plane.losses - minimum_plane.center_loss).min() >= -1e-15


def test_slices_refuse_a_grid_without_the_end_point_and_unknown_runs(experiment):
    with pytest.raises(ValueError, match="odd resolution"):
        loss_slice(experiment, 0, resolution=20)
    with pytest.raises(ValueError, match="run must be"):
        loss_slice(experiment, SETTINGS.runs)

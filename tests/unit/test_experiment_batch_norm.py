"""The BatchNorm experiment: its measures against closed forms and torch, its results file reproduced, its
findings computed from the numbers, its figures."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest
import torch

from analysis import step_smoothness
from experiments import batch_norm
from experiments.results import differences, jsonable, read_results, single_thread
from figures.experiment_batch_norm import VIEWS, experiment_figure
from figures.style import Look
from i18n import text
from networks.training import build, data_tensors, model_at, train
from scenes.lab_links import lab_query
from ui.optimizer_panel import LEARNING_RATES

FULL = batch_norm.PRESETS["full"]


@pytest.fixture(scope="module")
def stored() -> dict:
    results = read_results(batch_norm.NAME)
    assert results is not None, "experiments/results/batch_norm.json is missing: run scripts/run_experiment.py"
    return results.result


@pytest.fixture(scope="module")
def first_seed_runs() -> dict:
    """The full preset's two runs at curvature_lr for its first seed (the ones whose landscape is measured)."""
    seed = FULL.seeds[0]
    return {arm: train(FULL.training(arm == "batch_norm", FULL.curvature_lr, seed)) for arm in batch_norm.ARMS}


# --- the measures, against closed forms and torch ---------------------------------------------------------------

def test_step_probe_on_a_quadratic_matches_the_closed_form():
    """L(θ) = ½ θᵀAθ, A = XᵀX/N (a linear model, loss ½ mean of squared outputs): along θ − s g with
    g = Aθ, ∇L(θ − s g) − g = −s A g, so β = ‖Ag‖/‖g‖ at every s, and L(θ − s g) is a parabola in s."""
    generator = torch.Generator().manual_seed(3)
    inputs = torch.randn(20, 3, generator=generator, dtype=torch.float64)
    model = torch.nn.Linear(3, 1, bias=False).double()
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[0.5, -1.0, 2.0]], dtype=torch.float64))

    def loss_fn(outputs, _targets):
        return 0.5 * (outputs**2).mean()

    steps = np.linspace(0, 0.5, 6)
    probe = step_smoothness.step_probe(model, loss_fn, inputs, torch.zeros(20), steps)
    matrix = (inputs.T @ inputs / 20).numpy()
    theta = model.weight.detach().numpy()[0]
    gradient = matrix @ theta
    expected_loss = [0.5 * (theta - s * gradient) @ matrix @ (theta - s * gradient) for s in steps]
    np.testing.assert_allclose(probe["loss"], expected_loss, rtol=1e-12)
    np.testing.assert_allclose(probe["gradient_change"], steps * np.linalg.norm(matrix @ gradient), rtol=1e-10,
                               atol=1e-14)
    variation, predictiveness, beta = step_smoothness.smoothness(probe, steps)
    assert beta == pytest.approx(np.linalg.norm(matrix @ gradient) / np.linalg.norm(gradient), rel=1e-10)
    assert variation == pytest.approx(max(expected_loss) - min(expected_loss), rel=1e-10)
    assert predictiveness == pytest.approx(steps[-1] * np.linalg.norm(matrix @ gradient), rel=1e-10)


def test_step_probe_uses_the_batch_statistics_and_leaves_the_model_alone(first_seed_runs):
    """In training mode the probe's loss at s = 0 is torch's BatchNorm on the batch's own statistics (not the
    running averages), and the model's running averages do not move."""
    run = first_seed_runs["batch_norm"]
    model = model_at(run, 3).train()
    before = {name: buffer.clone() for name, buffer in model.named_buffers()}
    inputs, targets, _, _ = data_tensors(run.settings)
    inputs, targets = inputs[:64], targets[:64]
    probe = step_smoothness.step_probe(model, torch.nn.functional.cross_entropy, inputs, targets, np.array([0.0, 0.1]))
    with torch.no_grad():
        training_mode = float(torch.nn.functional.cross_entropy(model_at(run, 3).train()(inputs), targets))
        evaluation_mode = float(torch.nn.functional.cross_entropy(model_at(run, 3)(inputs), targets))
    assert probe["loss"][0] == pytest.approx(training_mode, rel=1e-6)
    assert abs(probe["loss"][0] - evaluation_mode) > 1e-3
    for name, buffer in model.named_buffers():
        assert torch.equal(buffer, before[name]), name


def test_same_network_with_and_without_batch_norm():
    """Both arms start from the same Linear layers; BatchNorm adds γ = 1 and β = 0 for each hidden unit."""
    plain, normed = (build(FULL.training(flag, FULL.curvature_lr, 0)) for flag in (False, True))
    linear = [layer for layer in normed if isinstance(layer, torch.nn.Linear)]
    for first, second in zip((layer for layer in plain if isinstance(layer, torch.nn.Linear)), linear, strict=True):
        assert torch.equal(first.weight, second.weight) and torch.equal(first.bias, second.bias)
    extra = sum(parameter.numel() for parameter in normed.parameters()) - sum(p.numel() for p in plain.parameters())
    assert extra == 2 * sum(FULL.widths)


def test_settings_are_checked():
    with pytest.raises(ValueError, match="curvature_lr"):
        replace(FULL, curvature_lr=0.5)
    with pytest.raises(ValueError, match="seeds"):
        replace(FULL, seeds=())
    with pytest.raises(ValueError, match="sharpness_epochs"):
        replace(FULL, sharpness_epochs=(0, 50))


# --- the robust part of the claim, and the results file reproduced ------------------------------------------------

def test_batch_norm_trains_where_the_plain_network_does_not(stored):
    """The full run at η = 3: every seed of the plain network diverged or stayed at chance (≤ 0.11 validation
    accuracy), every seed with BatchNorm reached ≥ 0.95. Its first seed again: the file's numbers, and the same."""
    column = FULL.learning_rates.index(3.0)
    grid = stored["learning_rates"]
    for arm, batch_norm_on in (("plain", False), ("batch_norm", True)):
        run = train(FULL.training(batch_norm_on, 3.0, FULL.seeds[0]))
        assert run.diverged_at == grid[arm]["diverged_at"][column][0]
        assert float(run.validation_accuracy[-1]) == grid[arm]["validation_accuracy"][column][0]
        if batch_norm_on:
            assert run.diverged_at is None and run.validation_accuracy[-1] >= FULL.working_accuracy
        else:
            assert run.diverged_at is not None or run.validation_accuracy[-1] <= 0.2


def test_first_seed_reproduces_the_file_and_shows_the_smoother_step(stored, first_seed_runs):
    """The first seed's step probes and modes, recomputed, equal the file's; along that run the loss variation
    and the gradient change (mean and largest) are lower with BatchNorm, as in every seed of the full run, and
    the two modes' validation losses are closer at the end than half an epoch in."""
    seed = FULL.seeds[0]
    with single_thread():  # the sums in the results file's order
        measured = {arm: batch_norm.steps_along(run, FULL, seed) for arm, run in first_seed_runs.items()}
    for arm in batch_norm.ARMS:
        for key, values in measured[arm]["smoothness"].items():
            assert not differences(stored["smoothness"][arm][key][0], jsonable(values), relative=1e-9), (arm, key)
    for key, values in measured["batch_norm"]["modes"].items():
        assert not differences(stored["modes"][key][0], jsonable(values), relative=1e-9), key
    for measure in ("loss_variation", "gradient_predictiveness"):
        plain = np.asarray(measured["plain"]["smoothness"][measure])[1:]
        normed = np.asarray(measured["batch_norm"]["smoothness"][measure])[1:]
        assert normed.mean() < plain.mean() and normed.max() < plain.max(), measure
    gaps = np.abs(np.asarray(measured["batch_norm"]["modes"]["evaluation_loss"])
                  - np.asarray(measured["batch_norm"]["modes"]["training_loss"]))
    assert gaps[-1] < gaps[1]


def test_first_seed_sharpness_at_the_end_reproduces_the_file(stored, first_seed_runs):
    run = first_seed_runs["batch_norm"]
    end_only = replace(FULL, sharpness_epochs=(FULL.epochs,), spectrum_epochs=(FULL.epochs,))
    with single_thread():
        measured = batch_norm.curvature_along(run, end_only, FULL.seeds[0], spectrum=False)
    for mode in ("training", "evaluation"):
        assert measured["sharpness"][mode][0] == pytest.approx(stored["sharpness"]["batch_norm"][mode][0][-1],
                                                                rel=1e-9)


def test_results_file_holds_the_full_preset(stored):
    assert stored["settings"] == jsonable(FULL)
    assert read_results(batch_norm.NAME).settings == jsonable(FULL)
    grid = stored["learning_rates"]
    assert len(grid["plain"]["validation_accuracy"]) == len(FULL.learning_rates)
    assert len(stored["smoothness"]["plain"]["beta"]) == len(FULL.seeds)


# --- the findings follow the numbers --------------------------------------------------------------------------

def _verdicts(result: dict) -> dict:
    return {finding.key: finding.agrees for finding in batch_norm.findings(result)}


def test_findings_of_the_results_file(stored):
    verdicts = _verdicts(stored)
    largest = {arm: batch_norm.largest_working(stored, arm) for arm in batch_norm.ARMS}
    assert verdicts["learning_rates"] == (largest["batch_norm"] > largest["plain"])
    for key, measure in (("loss_variation", "loss_variation"), ("gradient_predictiveness", "gradient_predictiveness"),
                         ("beta_smoothness", "beta")):
        smaller = all(
            np.mean(normed[1:]) < np.mean(plain[1:]) and np.max(normed[1:]) < np.max(plain[1:])
            for normed, plain in zip(stored["smoothness"]["batch_norm"][measure],
                                     stored["smoothness"]["plain"][measure]))
        assert verdicts[key] == smaller, key
    sharp = {arm: np.asarray(stored["sharpness"][arm]["training"]) for arm in batch_norm.ARMS}
    assert verdicts["sharpness"] == bool((sharp["batch_norm"] < sharp["plain"]).all())
    for finding in batch_norm.findings(stored):
        for language in ("en", "zh"):
            assert text(f"exp.batch_norm.findings.{finding.key}", language, **finding.fields)
            assert text(f"exp.batch_norm.why.{finding.key}", language, **finding.fields)
            assert text(f"exp.batch_norm.claims.{finding.key}", language)


def test_findings_flip_on_doctored_results(stored):
    doctored = copy.deepcopy(stored)
    doctored["learning_rates"]["plain"]["working"] = [True] * len(doctored["learning_rates"]["rates"])
    doctored["smoothness"]["batch_norm"]["loss_variation"] = [
        [value * 1e3 for value in values] for values in doctored["smoothness"]["batch_norm"]["loss_variation"]]
    doctored["smoothness"]["batch_norm"]["beta"] = [[value * 1e-3 for value in values]
                                                   for values in doctored["smoothness"]["batch_norm"]["beta"]]
    doctored["sharpness"]["batch_norm"]["training"] = [[value * 1e-6 for value in values]
                                                      for values in doctored["sharpness"]["batch_norm"]["training"]]
    doctored["modes"]["training_loss"] = [values[:-1] + [values[-1] + 10]
                                          for values in doctored["modes"]["training_loss"]]
    before, after = _verdicts(stored), _verdicts(doctored)
    for key in ("learning_rates", "loss_variation", "beta_smoothness", "sharpness", "modes"):
        assert after[key] != before[key], key


def test_learning_rates_compare_the_largest_working_rate_of_each_network(stored):
    """No working η in one network is nothing to compare: not a ✅, and no blank field in the sentence."""
    for arm in batch_norm.ARMS:
        doctored = copy.deepcopy(stored)
        doctored["learning_rates"][arm]["working"] = [False] * len(doctored["learning_rates"]["rates"])
        finding = next(finding for finding in batch_norm.findings(doctored) if finding.key.startswith("learning_rates"))
        assert finding.key == "learning_rates_none" and finding.agrees is False
        assert finding.fields[f"{arm}_count"] == 0
        for language in ("en", "zh"):
            for part in ("findings", "why", "claims"):
                sentence = text(f"exp.batch_norm.{part}.{finding.key}", language, **finding.fields)
                assert "—" not in sentence and "{" not in sentence
    found = next(finding for finding in batch_norm.findings(stored) if finding.key.startswith("learning_rates"))
    largest = {arm: batch_norm.largest_working(stored, arm) for arm in batch_norm.ARMS}
    assert found.key == "learning_rates" and found.fields["plain_largest"] == f"{largest['plain']:g}"
    # the same largest η in both networks is not larger with BatchNorm
    same = copy.deepcopy(stored)
    same["learning_rates"]["batch_norm"]["working"] = list(same["learning_rates"]["plain"]["working"])
    assert next(finding for finding in batch_norm.findings(same) if finding.key == "learning_rates").agrees is False


def test_setup_and_lab_links(stored):
    fields = batch_norm.setup_fields(stored)
    for language in ("en", "zh"):
        assert "5,578" in text("exp.batch_norm.setup", language, **fields)
    links = batch_norm.lab_links(stored)
    assert [link.key for link in links] == ["plain", "batch_norm"]
    for link in links:
        query = lab_query(link.settings)
        assert query["lab_bn"] == str(link.key == "batch_norm").lower()
        trainings = link.settings.trainings()
        measured = FULL.training(link.key == "batch_norm", FULL.curvature_lr, FULL.seeds[0])
        same = ("data", "model", "optimizer", "epochs", "seed", "loss", "data_seed", "dtype")
        assert all(getattr(trainings[0], name) == getattr(measured, name) for name in same)
        assert float(query["lab_lr0"]) == FULL.curvature_lr
        assert all(optimizer.lr in LEARNING_RATES for optimizer in link.settings.optimizers)
        assert text(f"exp.batch_norm.links.{link.key}", "zh", **link.fields)


# --- the figures ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("look", [Look(), Look("zh", projector=True, dark=True)])
def test_every_view_builds(stored, look):
    for view in VIEWS:
        figure = experiment_figure(stored, view, look=look)
        assert figure.data, view
        assert text(f"exp.batch_norm.views.{view}", look.language)
        assert text(f"exp.batch_norm.caption.{view}", look.language)
    with pytest.raises(ValueError, match="unknown view"):
        experiment_figure(stored, "nope")


def test_figures_hold_the_results(stored):
    figure = experiment_figure(stored, "learning_rates")
    for trace, arm in zip(figure.data, batch_norm.ARMS, strict=True):
        np.testing.assert_allclose(trace.y, np.mean(stored["learning_rates"][arm]["validation_accuracy"], axis=1))
        np.testing.assert_allclose(trace.x, FULL.learning_rates)
    sharpness = experiment_figure(stored, "sharpness")
    np.testing.assert_allclose(sharpness.data[0].y, np.mean(stored["sharpness"]["plain"]["training"], axis=0))
    smoothness = experiment_figure(stored, "smoothness")
    lines = [trace for trace in smoothness.data if trace.fill is None]
    np.testing.assert_allclose(lines[0].y, np.mean(stored["smoothness"]["plain"]["loss_variation"], axis=0))
    assert len(smoothness.to_json()) < 200_000
    ticks = smoothness.layout.yaxis2.tickvals  # β's axis: labels at 1, 2 and 5 × 10^k only (every digit overlapped)
    beta = np.asarray([stored["smoothness"][arm]["beta"] for arm in batch_norm.ARMS], dtype=float)
    assert ticks and {round(tick / 10 ** np.floor(np.log10(tick))) for tick in ticks} <= {1, 2, 5}
    assert min(ticks) <= np.nanmin(beta) and max(ticks) >= np.nanmax(beta) and len(ticks) <= 10

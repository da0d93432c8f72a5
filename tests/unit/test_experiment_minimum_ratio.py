"""The minimum-ratio experiment: its claim on a reduced preset, its results file, findings, figures and Lab links.

Thresholds come from what the full preset measured (experiments/results/minimum_ratio.json): by sign the
ratio was 0.82-0.92 in every run (mean 0.874), every run kept 50-109 negative eigenvalues of 610, and the search
lowered ‖g‖ a median 18-fold (0.28 → 0.015) but never to a critical point.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest
import torch
from scipy import stats as scipy_stats

import i18n
from analysis.minimum_ratio import GRADIENT_TOLERANCE
from experiments import minimum_ratio as experiment
from experiments.results import differences, jsonable, read_results, single_thread
from figures.experiment_minimum_ratio import VIEWS, experiment_figure
from figures.style import Look
from scenes.lab_links import lab_query

SIGN_LOW = 0.8   # the lowest ratio by sign of the full run was above this (see the docstring)


@pytest.fixture(scope="module")
def stored():
    results = read_results(experiment.NAME)
    assert results is not None, "run scripts/run_experiment.py minimum_ratio"
    return results


@pytest.fixture(scope="module")
def reduced():
    """Two seeds, five epochs, one step of the search: the claim's robust part, in seconds."""
    with single_thread():
        return experiment.run(experiment.Settings(seeds=(0, 1), epochs=(5,), search_steps=1))


def test_trained_networks_stop_at_saddles_with_ratios_far_above_the_lectures(reduced):
    for run in reduced["runs"]:
        assert run["sign_ratio"] > SIGN_LOW
        assert run["sign_negative"] > 0 and run["verdict"] == "saddle"
        assert GRADIENT_TOLERANCE < run["gradient_norm"] < run["trained_gradient_norm"] / 2
        assert run["negative"] + run["flat"] + run["positive"] == run["parameters"] == 610
        assert run["band_ratio"] < run["sign_ratio"]


def test_the_search_step_is_newtons_step_undamped_and_shrinks_with_damping():
    generator = torch.Generator().manual_seed(0)
    matrix = torch.randn(6, 6, generator=generator, dtype=torch.float64)
    hessian = matrix + matrix.T
    slope = torch.randn(6, generator=generator, dtype=torch.float64)
    eigenvalues, eigenvectors = torch.linalg.eigh(hessian)
    newton = experiment.damped_newton_step(eigenvalues, eigenvectors, slope, 0.0)
    assert torch.allclose(newton, torch.linalg.solve(hessian, slope), atol=1e-10)
    damped = experiment.damped_newton_step(eigenvalues, eigenvectors, slope, 1.0)
    largest = float(eigenvalues.abs().max())
    expected = torch.linalg.solve(hessian @ hessian + largest**2 * torch.eye(6, dtype=torch.float64), hessian @ slope)
    assert torch.allclose(damped, expected, atol=1e-10)


def test_the_flat_loss_is_the_trainings_loss_and_its_hessian_autograds():
    settings = experiment.Settings(seeds=(0,), epochs=(1,), width=2)
    loss = experiment.FlatLoss(settings.training(0, 1), 100)
    theta = torch.nn.utils.parameters_to_vector(loss.model.parameters()).detach()
    with torch.no_grad():
        assert float(loss(theta)) == pytest.approx(float(loss.loss_fn(loss.model(loss.inputs), loss.targets)),
                                                   rel=1e-12)
    assert torch.allclose(loss.gradient(theta), torch.func.grad(loss)(theta), atol=1e-12)
    hessian = loss.hessian(theta)
    assert torch.allclose(hessian, torch.func.hessian(loss)(theta), atol=1e-10)


def test_settings_refuse_bad_values_with_a_message():
    for changes in ({"seeds": ()}, {"epochs": (0,)}, {"search_steps": -1}, {"tolerance": 0.0}, {"width": 0},
                    {"learning_rate": -1.0}, {"examples": 0}, {"examples": 2000}):
        with pytest.raises(ValueError):
            replace(experiment.PRESETS["live"], **changes)


def test_the_results_file_is_the_full_preset_and_its_first_run_reproduces(stored):
    assert stored.settings == jsonable(experiment.PRESETS["full"]) == stored.result["settings"]
    settings = experiment.PRESETS["full"]
    assert len(stored.result["runs"]) == len(settings.runs) >= 50
    seed, epochs = settings.runs[0]
    with single_thread():
        again = experiment.measure_run(settings, seed, epochs)
    assert differences(stored.result["runs"][0], jsonable(again), relative=1e-9) == []


def test_the_summary_and_findings_are_the_runs_numbers(stored):
    result = stored.result
    assert differences(result["summary"], jsonable(experiment.summary(result["runs"])), relative=1e-12) == []
    summary = result["summary"]
    found = {finding.key: finding for finding in experiment.findings(result)}
    assert set(found) == {"ratio", "minima", "critical", "trend"}
    assert found["ratio"].fields["runs"] == str(len(result["runs"]))
    assert found["ratio"].fields["sign"].startswith(f"{summary['sign_ratio']['mean']:.3g}")
    assert found["minima"].fields["sign_minima"] == str(sum(run["sign_negative"] == 0 and run["sign_positive"] == run["parameters"]
                                                           for run in result["runs"]))
    assert found["critical"].fields["critical"] == str(sum(run["gradient_norm"] <= GRADIENT_TOLERANCE
                                                           for run in result["runs"]))


def _doctored(result: dict, **changes: float) -> dict:
    runs = copy.deepcopy(result["runs"])
    for run in runs:
        run.update(changes)
    return {**result, "runs": runs, "summary": experiment.summary(runs)}


def test_the_verdicts_follow_the_numbers(stored):
    result = stored.result
    verdicts = {finding.key: finding.agrees for finding in experiment.findings(result)}
    lecture = _doctored(result, sign_ratio=0.55, critical=True, gradient_norm=1e-12)
    doctored = {finding.key: finding.agrees for finding in experiment.findings(lecture)}
    assert doctored["ratio"] and doctored["critical"]
    assert verdicts["ratio"] == (0.5 <= result["summary"]["sign_ratio"]["mean"] <= 0.6)
    minima = _doctored(result, sign_negative=0, sign_positive=result["runs"][0]["parameters"])
    assert {finding.key: finding.agrees for finding in experiment.findings(minima)}["minima"] is False


def _with_minima(result: dict, count: int) -> dict:
    """The result with its first ``count`` runs made minima (every eigenvalue positive)."""
    runs = copy.deepcopy(result["runs"])
    for run in runs[:count]:
        run.update(sign_negative=0, sign_positive=run["parameters"])
    return {**result, "runs": runs, "summary": experiment.summary(runs)}


def test_minima_are_rare_up_to_a_tenth_of_the_runs(stored):
    result = stored.result
    runs = len(result["runs"])
    for count, rare in ((runs // 10, True), (runs // 10 + 1, False), (runs // 2 - 1, False)):
        minima = next(finding for finding in experiment.findings(_with_minima(result, count)) if finding.key == "minima")
        assert minima.fields["sign_minima"] == str(count) and minima.agrees is rare, count


def _with_ratios(result: dict, ratio) -> dict:
    runs = copy.deepcopy(result["runs"])
    for run in runs:
        run["sign_ratio"] = ratio(run)
    return {**result, "runs": runs, "summary": experiment.summary(runs)}


def test_the_trend_needs_a_significant_correlation_and_ratios_that_do_not_fall_with_training(stored):
    result = stored.result
    trend = next(finding for finding in experiment.findings(result) if finding.key == "trend")
    losses = [run["training_loss"] for run in result["runs"]]
    ratios = [run["sign_ratio"] for run in result["runs"]]
    correlation = scipy_stats.spearmanr(losses, ratios)
    assert trend.fields["correlation"] == f"{correlation.statistic:.2f}".replace("-", "−")
    assert trend.fields["p_value"] == f"{correlation.pvalue:.2g}"
    by_epochs = [np.mean([run["sign_ratio"] for run in result["runs"] if run["epochs"] == epochs])
                 for epochs in result["settings"]["epochs"]]
    assert trend.fields["by_epochs"] == ", ".join(f"{mean:.2f}" for mean in by_epochs)
    falls = any(later < earlier for earlier, later in zip(by_epochs, by_epochs[1:]))
    assert trend.agrees is (correlation.statistic < 0 and correlation.pvalue < 0.05 and not falls)
    # the lecture's picture: the ratio rises as the loss falls, in every run and by training length
    rising = _with_ratios(result, lambda run: 1 - run["training_loss"] / 10)
    assert next(finding for finding in experiment.findings(rising) if finding.key == "trend").agrees
    # the same correlation, but the longest trainings' mean ratio falls below the next shorter ones'
    longest, previous = result["settings"]["epochs"][-1], result["settings"]["epochs"][-2]
    floor = min(1 - run["training_loss"] / 10 for run in result["runs"] if run["epochs"] == previous)
    falling = _with_ratios(result, lambda run: floor - 0.01 + run["seed"] * 1e-4 if run["epochs"] == longest
                           else 1 - run["training_loss"] / 10)
    found = next(finding for finding in experiment.findings(falling) if finding.key == "trend")
    assert found.fields["correlation"].startswith("−") and float(found.fields["p_value"]) < 0.05
    assert found.agrees is False
    # a negative correlation that is not significant (p ≥ 0.05) does not agree either
    four = sorted(copy.deepcopy(result["runs"][:4]), key=lambda run: run["training_loss"])
    for run, ratio in zip(four, (0.9, 0.8, 0.6, 0.7)):  # ρ = −0.8 over four runs: p = 0.2
        run["sign_ratio"] = ratio
    few = {**result, "runs": four, "settings": {**result["settings"], "epochs": [four[0]["epochs"]]}}
    weak = next(finding for finding in experiment.findings(few) if finding.key == "trend")
    assert weak.fields["correlation"] == "−0.80" and float(weak.fields["p_value"]) > 0.05 and weak.agrees is False


def test_lab_links_train_the_runs_they_name(stored):
    links = experiment.lab_links(stored.result)
    assert [link.key for link in links[:2]] == ["lowest_ratio", "lowest_loss"]
    assert [link.key for link in links[2:]] == ["run"] * len(stored.result["runs"])  # then every run of the scatter
    assert {(link.fields["seed"], link.fields["epochs"]) for link in links[2:]} == {
        (str(run["seed"]), str(run["epochs"])) for run in stored.result["runs"]}
    for link in links:
        query = lab_query(link.settings)
        run = next(run for run in stored.result["runs"]
                   if str(run["seed"]) == link.fields["seed"] and str(run["epochs"]) == link.fields["epochs"])
        assert (query["lab_seed"], query["lab_epochs"], query["lab_act"], query["lab_loss"]) == (
            str(run["seed"]), str(run["epochs"]), "tanh", "mse")
    lowest = min(run["sign_ratio"] for run in stored.result["runs"])
    assert next(link for link in links if link.key == "lowest_ratio").fields["ratio"] == f"{lowest:.3f}"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_view_draws_the_results_numbers(stored, language):
    result = stored.result
    for view in VIEWS:
        for projector in (False, True):
            figure = experiment_figure(result, view, look=Look(language=language, projector=projector))
            assert figure.data, view
    scatter = experiment_figure(result, "scatter", look=Look(language=language))
    drawn = sorted(value for trace in scatter.data if trace.marker.symbol == "circle" for value in trace.x)
    assert np.allclose(drawn, sorted(run["sign_ratio"] for run in result["runs"]))
    tolerance = experiment_figure(result, "tolerance", look=Look(language=language))
    assert np.allclose(tolerance.data[0].y, [item["mean"] for item in result["summary"]["tolerance_ratios"]])
    gradient = experiment_figure(result, "gradient", look=Look(language=language))
    assert sorted(trace.y[-1] for trace in gradient.data) == sorted(run["gradient_norm"] for run in result["runs"])
    # the threshold's label sits at its line (log axis: the annotation's y is log10 of the value)
    label = next(note for note in gradient.layout.annotations if note.text == i18n.text(
        "exp.minimum_ratio.figures.threshold", language))
    assert label.y == pytest.approx(np.log10(GRADIENT_TOLERANCE)) and label.yref == "y"


def test_one_epoch_is_singular_in_the_legends_and_links(stored):
    result = stored.result
    assert 1 in result["settings"]["epochs"]
    for view in ("scatter", "gradient"):
        names = {trace.name for trace in experiment_figure(result, view).data}
        assert not any(name.startswith("1 epochs") for name in names), names
        assert any(name.startswith("1 epoch") for name in names) and any(name.startswith("100 epochs") for name in names)
    for key in ("lowest_ratio", "lowest_loss"):
        label = i18n.text(f"exp.minimum_ratio.links.{key}", "en", ratio="0.8", seed=0, epochs=1)
        assert "1 epochs" not in label and "1-epoch" in label

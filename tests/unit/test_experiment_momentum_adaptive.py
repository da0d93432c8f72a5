"""The momentum / adaptive-rates experiment: its measures against closed forms, a small run, the results file."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from experiments import momentum_adaptive as experiment
from experiments.registry import run_settings
from experiments.results import differences, jsonable, read_results
from experiments.tuning import grid_search
from figures.experiment_momentum_adaptive import VIEWS, experiment_figure
from figures.style import Look
from networks.training import train
from scenes.lab_links import lab_query

SMALL = experiment.Settings(seeds=(1,), updates=40, window=10, learning_rates=(1.0, 3.0))


@pytest.fixture(scope="module")
def small():
    return run_settings(experiment.NAME, SMALL)


@pytest.fixture(scope="module")
def stored():
    results = read_results(experiment.NAME)
    assert results is not None, "run scripts/run_experiment.py momentum_adaptive"
    return results


def test_efficiency_is_one_minus_half_eta_lambda_on_a_quadratic():
    """GD on L = ½λx²: each step keeps the share 1 − ηλ/2 of the first-order decrease η g², so does a window."""
    curvature, lr, x = 3.0, 0.5, 2.0
    losses, norms = [], []
    for _ in range(12):
        losses.append(0.5 * curvature * x * x)
        norms.append(abs(curvature * x))
        x -= lr * curvature * x
    losses.append(0.5 * curvature * x * x)
    summary = experiment.windows(np.array(losses), np.array(norms), lr, 4)
    assert summary["starts"] == [0, 4, 8]
    np.testing.assert_allclose(summary["efficiency"], 1 - lr * curvature / 2, rtol=1e-12)
    np.testing.assert_allclose(summary["change"], (1 - lr * curvature) ** 8 - 1, rtol=1e-12)
    # ηλ = 1.5: a zig-zag that still descends; at ηλ → 2 it would promise everything and keep nothing
    assert experiment.stalls(summary) == []


def test_a_stall_needs_both_a_flat_loss_and_an_unused_gradient():
    summary = {"change": [-0.5, -0.005, -0.005, 0.002], "efficiency": [0.9, 0.95, 0.05, -0.01]}
    assert experiment.stalls(summary) == [2, 3]  # window 1 is slow progress with a small gradient, not a stall


def test_the_grid_search_chooses_the_lowest_final_loss(small):
    settings_at = lambda lr: experiment.training(SMALL, "gd", lr, SMALL.tuning_seed)  # noqa: E731
    search = grid_search(settings_at, SMALL.learning_rates)
    finals = [float(train(settings_at(lr)).train_loss[-1]) for lr in SMALL.learning_rates]
    assert list(search.final_losses) == finals
    assert search.chosen == SMALL.learning_rates[int(np.argmin(finals))] == small["learning_rate"]["gd"]


def test_the_probe_replays_gradient_descent_exactly(small):
    probe = small["runs"]["gd"]["probes"][0]
    assert probe["replay_difference"] == 0.0
    assert len(probe["cosines"]) == SMALL.window - 1 and len(probe["along_top"]) == SMALL.window


def test_at_the_best_rate_the_loss_never_stalls(small):
    """The robust part of the full run (every window of every seed fell by more than 14 %): at its best η
    gradient descent's loss falls by more than the stall threshold in every window."""
    assert experiment.stalled_seeds(small) == []
    assert min(abs(change) for change in small["runs"]["gd"]["windows"][0]["change"]) > experiment.STALL_CHANGE


def test_the_wasted_gradient_is_a_zig_zag_above_the_best_rate(small):
    """The robust part of the full run's grid row: the grid's least efficient window is at an η above the chosen
    one, with ηλ_max past the stability edge 2 and ⟨g, u_max⟩ flipping sign in most steps (full: 2.35, 63 %)."""
    probe = small["grid_probe"]
    assert probe["lr"] > small["learning_rate"]["gd"]
    assert probe["lr_sharpness"] > 2 and probe["flip_share"] > 0.5
    assert probe["replay_difference"] == 0.0


def test_the_results_file_holds_the_full_preset(stored):
    assert stored.settings == jsonable(experiment.PRESETS["full"])
    assert stored.result["settings"] == stored.settings


def test_the_first_seeds_gradient_descent_run_reproduces_the_file(stored):
    settings = experiment.PRESETS["full"]
    result = stored.result
    from experiments.results import single_thread
    with single_thread():
        trained = train(experiment.training(settings, "gd", result["learning_rate"]["gd"], settings.seeds[0]))
        losses = experiment.losses_at_updates(trained)
        summary = experiment.windows(losses, trained.gradient_norm, result["learning_rate"]["gd"], settings.window)
        probe = experiment.probe(trained, result["runs"]["gd"]["probes"][0]["start"], settings.window)
    assert not differences(result["runs"]["gd"]["loss"][0], losses.tolist())
    assert not differences(result["runs"]["gd"]["gradient_norm"][0], trained.gradient_norm.tolist())
    assert not differences(result["runs"]["gd"]["windows"][0], jsonable(summary))
    assert not differences(result["runs"]["gd"]["probes"][0], jsonable(probe), relative=1e-9)


def test_findings_follow_the_numbers(stored):
    found = {finding.key: finding for finding in experiment.findings(stored.result)}
    runs = stored.result["runs"]
    gd = np.array(runs["gd"]["final_loss"])
    best = np.minimum(runs["rmsprop"]["final_loss"], runs["adam"]["final_loss"])
    assert found["adaptive"].agrees == bool(np.all(best < gd))
    doctored = copy.deepcopy(stored.result)
    for kind in ("rmsprop", "adam"):
        doctored["runs"][kind]["final_loss"] = (gd * 2).tolist()
    assert {f.key: f for f in experiment.findings(doctored)}["adaptive"].agrees is False
    # a stall written into every window of every gradient-descent run turns the stall row around
    doctored = copy.deepcopy(stored.result)
    for summary in doctored["runs"]["gd"]["windows"]:
        summary["change"] = [0.0] * len(summary["change"])
        summary["efficiency"] = [0.0] * len(summary["efficiency"])
    assert {f.key: f for f in experiment.findings(doctored)}["stall"].agrees is True
    assert found["stall"].fields["stalled"] == len(experiment.stalled_seeds(stored.result))


def test_the_oscillation_claim_is_tested_only_in_a_stall(stored):
    """The claim is "in such a stall the optimizer oscillates": with no stall among the probed windows it is
    untested (None), not contradicted; where the probed windows are stalls, their zig-zags decide it."""
    from i18n import text

    result = stored.result
    found = {finding.key: finding for finding in experiment.findings(result)}["oscillation"]
    probes = result["runs"]["gd"]["probes"]
    assert found.agrees is None  # full run: no stall anywhere, so the claim is untested
    assert experiment.probes_in_stalls(result) == [False] * len(probes) and found.fields["in_stall"] == 0
    assert found.fields["windows"] == "0–50" and found.fields["first"] == len(probes)  # full run: the first descent
    doctored = copy.deepcopy(result)
    for probe, summary in zip(doctored["runs"]["gd"]["probes"], doctored["runs"]["gd"]["windows"]):
        index = summary["starts"].index(probe["start"])
        summary["change"][index], summary["efficiency"][index] = 0.0, 0.0  # the probed window made a stall
    assert experiment.probes_in_stalls(doctored) == [True] * len(probes)
    assert {f.key: f for f in experiment.findings(doctored)}["oscillation"].agrees is False  # none zig-zagged
    for probe in doctored["runs"]["gd"]["probes"]:
        probe["mean_cosine"], probe["flip_share"] = -0.5, 0.9
    doctored_row = {f.key: f for f in experiment.findings(doctored)}["oscillation"]
    assert doctored_row.agrees is True and doctored_row.fields["stall_oscillating"] == len(probes)
    # no list renders as "η = –": an empty list of rates is a count ("0 of 10")
    grid = {finding.key: finding for finding in experiment.findings(result)}["grid"]
    assert grid.fields["stalled_count"] == 0 and grid.fields["stalled_rates"] == ""
    assert experiment.rates_list([0.3, 1.0]) == " (η = 0.3, 1)"
    for language in ("en", "zh"):
        for row in experiment.findings(result):
            sentence = text(f"exp.momentum_adaptive.findings.{row.key}", language, **row.fields)
            assert "–" not in sentence.replace("0–50", ""), sentence


def test_lab_links_open_the_runs(stored):
    links = experiment.lab_links(stored.result)
    assert [link.key for link in links] == ["plain", "adaptive"]
    for link in links:
        query = lab_query(link.settings)
        assert query["lab_epochs"] == str(experiment.LAB_EPOCHS) and query["lab_batch0"] == "0"
    assert float(lab_query(links[0].settings)["lab_lr0"]) == stored.result["learning_rate"]["gd"]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("look", [Look(), Look(language="zh", projector=True, dark=True)])
def test_every_view_draws_the_result(stored, view, look):
    figure = experiment_figure(stored.result, view, look=look)
    assert figure.data
    if view == "curves":
        median = figure.data[1].y[0]
        first = np.median([curve[0] for curve in stored.result["runs"]["gd"]["loss"]])
        assert math.isclose(median, first)
    if view == "grid":
        assert list(figure.data[0].x) == stored.result["tuning"]["gd"]["rates"]

"""The MSE / cross-entropy experiment: its measures, a small run against the full one, the results file."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from experiments import mse_vs_cross_entropy as experiment
from experiments.registry import run_settings
from experiments.results import differences, jsonable, read_results, single_thread
from figures.experiment_mse_vs_cross_entropy import VIEWS, experiment_figure
from figures.style import Look
from networks.training import TrainingSettings, loss_function, train
from scenes.lab_links import lab_query

SMALL = experiment.Settings(seeds=(1, 2, 3), updates=40, learning_rates=(0.01, 1.0))


@pytest.fixture(scope="module")
def stored():
    results = read_results(experiment.NAME)
    assert results is not None, "run scripts/run_experiment.py mse_vs_cross_entropy"
    return results


@pytest.fixture(scope="module")
def small():
    return run_settings(experiment.NAME, SMALL)


def test_the_losses_are_what_the_arms_say():
    """softmax + MSE is ‖softmax(f) − onehot(y)‖² (0.9 at a uniform softmax over 10 classes), CE −log softmax."""
    outputs, targets = torch.zeros(4, 10), torch.tensor([0, 3, 5, 9])
    mse = loss_function(TrainingSettings(loss="softmax_mse"))
    cross_entropy = loss_function(TrainingSettings(loss="cross_entropy"))
    assert float(mse(outputs, targets)) == pytest.approx(0.81 + 9 * 0.01)
    assert float(cross_entropy(outputs, targets)) == pytest.approx(np.log(10))


def test_drop_shares_and_first_updates():
    np.testing.assert_allclose(experiment.drop_shares([2.0, 1.9, 1.0, 0.0]), [0, 0.05, 0.5, 1.0])
    assert experiment.first_update(np.array([0.0, 0.05, 0.5, 1.0]), 0.1) == 2
    assert experiment.first_update(np.array([0.0, 0.05]), 0.1) is None


def test_at_the_same_rate_mse_sits_on_its_plateau_longer_in_every_seed(small):
    """The robust part of the full run: at cross-entropy's η, softmax + MSE needs more updates than
    cross-entropy to shed a tenth of its loss, seed by seed (full run: every one of its seeds)."""
    mse, ce = (experiment.measures(small, arm)["plateau"] for arm in ("mse_gd_same", "ce_gd"))
    assert all(m is not None and c is not None and m > c for m, c in zip(mse, ce))


def test_adam_leaves_the_plateau(small):
    assert all(update is not None for update in experiment.measures(small, "mse_adam")["learned"])


def test_the_results_file_holds_the_full_preset(stored):
    assert stored.settings == jsonable(experiment.PRESETS["full"])


def test_the_first_seeds_runs_reproduce_the_file(stored):
    settings, result = experiment.PRESETS["full"], stored.result
    for arm, loss, kind, source in experiment.ARMS[:3]:
        with single_thread():
            trained = train(experiment.training(settings, loss, kind, result["learning_rate"][source], settings.seeds[0]))
        assert not differences(result["runs"][arm]["loss"][0], trained.train_loss.tolist()), arm
        assert not differences(result["runs"][arm]["accuracy"][0], trained.train_accuracy.tolist()), arm


def test_findings_follow_the_numbers(stored):
    found = {finding.key: finding for finding in experiment.findings(stored.result)}
    mse, ce = (experiment.measures(stored.result, arm)["plateau"] for arm in ("mse_gd_same", "ce_gd"))
    assert found["plateau_same_rate"].agrees == all(m > c for m, c in zip(mse, ce))
    doctored = copy.deepcopy(stored.result)  # give softmax + MSE cross-entropy's curves: no longer slower
    doctored["runs"]["mse_gd_same"] = copy.deepcopy(doctored["runs"]["ce_gd"])
    assert {f.key: f for f in experiment.findings(doctored)}["plateau_same_rate"].agrees is False
    doctored["runs"]["mse_adam"]["accuracy"][0] = [0.1] * len(doctored["runs"]["mse_adam"]["accuracy"][0])
    adam = {f.key: f for f in experiment.findings(doctored)}["adam"]
    assert adam.agrees is False and adam.fields["reached"] == len(stored.settings["seeds"]) - 1


def test_lab_links_are_the_runs(stored):
    links = experiment.lab_links(stored.result)
    assert [link.key for link in links] == ["cross_entropy", "softmax_mse"]
    query = lab_query(links[1].settings)
    assert query["lab_loss"] == "softmax_mse" and query["lab_epochs"] == str(stored.settings["updates"])
    assert float(query["lab_lr0"]) == stored.result["learning_rate"]["ce_gd"]


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("look", [Look(), Look(language="zh", projector=True, dark=True)])
def test_every_view_draws_the_result(stored, view, look):
    figure = experiment_figure(stored.result, view, look=look)
    assert figure.data
    if view == "curves":
        accuracy = figure.data[3].y  # the first arm's accuracy median
        first = np.median([curve[-1] for curve in stored.result["runs"]["ce_gd"]["accuracy"]])
        assert accuracy[-1] == pytest.approx(first)

"""Warm-up, measured: Adam's first update moves every parameter by about η (the closed form below), far more
than its later steps, and η/σ starts huge; and the results file is what the full preset computes."""

from __future__ import annotations

import copy
import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from experiments import warm_up as experiment
from experiments.registry import run_settings
from experiments.results import differences, jsonable, read_results, single_thread
from figures.experiment_warm_up import VIEWS, experiment_figure
from figures.style import Look
from networks.training import build, data_tensors, loss_function, train

LIVE = experiment.PRESETS["live"]


@pytest.fixture(scope="module")
def live():
    return run_settings(experiment.NAME, LIVE)


@pytest.fixture(scope="module")
def stored():
    results = read_results(experiment.NAME)
    assert results is not None, "run scripts/run_experiment.py warm_up"
    return results


def first_batch_gradient(training) -> torch.Tensor:
    """∇L of the first mini-batch at the start, by autograd (the batches of networks.training.train)."""
    inputs, targets, _, _ = data_tensors(training)
    model = build(training)
    order = torch.randperm(len(inputs), generator=torch.Generator().manual_seed(training.seed))
    batch = order[:training.batch_size]
    loss_function(training)(model(inputs[batch]), targets[batch]).backward()
    return torch.cat([parameter.grad.reshape(-1) for parameter in model.parameters()]).double()


def test_first_step_is_adams_closed_form_and_the_largest(live):
    for entry in live["runs"]:
        training = LIVE.training(entry["learning_rate"], entry["seed"], entry["arm"])
        with single_thread():
            gradient = first_batch_gradient(training)
        rate = entry["early"]["rate"][0]
        eps = training.optimizer.eps
        # update 1: m̂ = g, v̂ = g², so Δθ = −η g / (|g| + ε) entry by entry
        expected = rate * float(torch.linalg.vector_norm(gradient / (gradient.abs() + eps)))
        assert entry["early"]["step"][0] == pytest.approx(expected, rel=1e-4)
        # the median over the parameters with a gradient: the others (g = 0) sit at η/ε and never move
        moved = gradient != 0
        assert 0.3 < 1 - float(moved.double().mean()) < 0.6  # full run: 44 % without a gradient at update 1
        assert entry["early"]["rate_over_sigma_median"][0] == pytest.approx(
            float((rate / (gradient[moved].abs() + eps)).median()), rel=1e-4)
        if entry["arm"] == "constant":
            # full run at η = 0.01: the first step was 2.9–4.1× the median of updates 41–50
            assert experiment.first_step_ratio(entry) > 2
            # full run at η = 0.01: the median η/σ fell by 139–461× over the first 50 updates (10–1,500× at every η)
            assert experiment.sigma_ratio(entry) > 50


def test_early_updates_are_the_trainings_own(live):
    entry = next(item for item in live["runs"] if item["arm"] == "warm_up")
    with single_thread():
        run = train(LIVE.training(entry["learning_rate"], entry["seed"], "warm_up"))
    assert run.update_loss[:LIVE.early_updates].tolist() == entry["early"]["loss"]
    assert run.learning_rate[:LIVE.early_updates].tolist() == entry["early"]["rate"]
    assert entry["early"]["rate"][0] == pytest.approx(entry["learning_rate"] / LIVE.warmup_steps)


def test_results_file_is_the_full_preset_and_its_first_runs_reproduce(stored):
    assert stored.settings == jsonable(experiment.PRESETS["full"])
    assert stored.result["settings"] == jsonable(experiment.PRESETS["full"])
    settings = experiment.PRESETS["full"]
    rate, seed = settings.learning_rates[0], settings.seeds[0]
    for arm in experiment.ARMS:
        with single_thread():
            again = experiment.measure_run(settings, rate, seed, arm)
        (entry,) = [item for item in experiment.runs_of(stored.result, rate, arm) if item["seed"] == seed]
        assert differences(entry, jsonable(again), relative=1e-9) == []


def test_findings_follow_the_numbers(stored):
    rows = {row.key: row for row in experiment.findings(stored.result)}
    assert set(rows) == {"first_steps", "rate_over_sigma", "final_loss"}
    rates = stored.result["settings"]["learning_rates"]
    assert rows["final_loss"].agrees == any(experiment.warm_up_lower(stored.result, rate) for rate in rates)
    # doctored: warm-up ends every run where the constant rate does; then it helps nowhere
    doctored = copy.deepcopy(stored.result)
    for rate in rates:
        for constant, warm in zip(experiment.runs_of(doctored, rate, "constant"),
                                  experiment.runs_of(doctored, rate, "warm_up")):
            warm["final_loss"] = constant["final_loss"]
    assert experiment.findings(doctored)[2].agrees is False
    # doctored: the first step no larger than the later ones; then the lecture's first claim fails
    doctored = copy.deepcopy(stored.result)
    for entry in doctored["runs"]:
        entry["early"]["step"] = [1.0] * len(entry["early"]["step"])
    assert experiment.findings(doctored)[0].agrees is False


def test_findings_say_when_no_rate_qualifies(stored):
    """A list of rates that is empty reads as a count ("0 of 5"), never as "η = –", in either language."""
    from i18n import text

    rows = {row.key: row for row in experiment.findings(stored.result)}
    fields = rows["final_loss"].fields
    rates = stored.result["settings"]["learning_rates"]
    helped = [rate for rate in rates if experiment.warm_up_lower(stored.result, rate)]
    assert fields["helped_count"] == str(len(helped)) and fields["rate_count"] == str(len(rates))
    assert experiment.rates_list([]) == "" and experiment.rates_list([0.01, 0.1]) == " (η = 0.01, 0.1)"
    learned = [rate for rate in rates if all(experiment.learned(entry) for arm in experiment.ARMS
                                             for entry in experiment.runs_of(stored.result, rate, arm))]
    assert fields["all_learned"] == experiment.rates_list(learned)
    silent = [np.mean([entry["early"]["silent_share"][-1] for entry in experiment.runs_of(stored.result, rate, "constant")])
              for rate in rates]
    assert rows["first_steps"].fields["silent_late"] == f"{100 * min(silent):.0f}–{100 * max(silent):.0f} %"
    for language in ("en", "zh"):
        for row in rows.values():
            for kind in ("findings", "why"):
                sentence = text(f"exp.warm_up.{kind}.{row.key}", language, **row.fields)
                assert "= –" not in sentence and ": –" not in sentence and "：–" not in sentence, sentence


def test_settings_refuse_what_cannot_run():
    for bad in ({"learning_rates": ()}, {"learning_rates": (math.inf,)}, {"seeds": ()}, {"early_updates": 5},
                {"widths": (64,) * 9}, {"early_updates": 10_000}):
        with pytest.raises(ValueError):
            replace(LIVE, **bad)
    with pytest.raises(ValueError):
        LIVE.schedule("cosine")
    assert experiment.lab_links({}) == ()


@pytest.mark.parametrize("look", [Look(), Look(language="zh", projector=True, dark=True)])
def test_figures_draw_the_result(stored, look):
    for view in VIEWS:
        assert experiment_figure(stored.result, view, look=look).data, view
    figure = experiment_figure(stored.result, "final_loss", look=look)
    rates = stored.result["settings"]["learning_rates"]
    means = [trace for trace in figure.data if trace.mode == "lines+markers"]
    for trace, arm in zip(means, experiment.ARMS):
        expected = [np.mean([entry["final_loss"] for entry in experiment.runs_of(stored.result, rate, arm)])
                    for rate in rates]
        np.testing.assert_allclose(trace.y, expected, rtol=1e-12)

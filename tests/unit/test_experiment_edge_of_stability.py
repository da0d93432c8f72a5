"""Edge of stability, measured: full-batch GD's λ_max rises to 2/η and hovers there (thresholds from the full
run: at η = 0.2 λ_max·η/2 went from 0.55 to the edge by update 300, its late median 1.01–1.02 for every seed)."""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest

from experiments import edge_of_stability as experiment
from experiments.registry import run_settings
from experiments.results import differences, jsonable, read_results
from experiments.statistics import mean_interval
from figures.experiment_edge_of_stability import VIEWS, experiment_figure
from figures.seed_bands import column_intervals
from figures.style import Look
from networks.training import train
from scenes.lab_links import lab_query

LIVE = experiment.PRESETS["live"]


@pytest.fixture(scope="module")
def live():
    return run_settings(experiment.NAME, LIVE)


@pytest.fixture(scope="module")
def stored():
    results = read_results(experiment.NAME)
    assert results is not None, "run scripts/run_experiment.py edge_of_stability"
    return results


def test_sharpness_rises_to_two_over_eta_and_hovers(live):
    (entry,) = live["runs"]
    rate = entry["learning_rate"]
    ratios = np.asarray(entry["sharpness"]) * rate / 2
    assert ratios[0] < 0.6                                    # the start is far from the edge (full run: 0.55)
    assert entry["reached_at"] is not None and entry["reached_at"] <= 350
    assert 0.9 < entry["late_ratio_median"] < 1.15            # hovering at 2/η, not far above it
    assert entry["late_loss_rises"] > 0                       # not monotone at the edge …
    assert entry["final_loss"] < 0.2 * entry["loss"][0]       # … yet falling over the run


def test_results_file_is_the_full_preset_and_its_first_run_reproduces(stored, live):
    assert stored.settings == jsonable(experiment.PRESETS["full"])
    assert stored.result["settings"] == jsonable(experiment.PRESETS["full"])
    # The live preset is the full preset's η = 0.2, seed 0, stopped at update 400: the same updates.
    (entry,) = live["runs"]
    (full,) = [item for item in stored.result["runs"] if item["learning_rate"] == 0.2 and item["seed"] == 0]
    count = LIVE.updates
    assert differences(full["loss"][:count], entry["loss"], relative=1e-9) == []
    points = len(entry["sharpness"])
    assert full["sharpness_updates"][:points] == entry["sharpness_updates"]
    assert differences(full["sharpness"][:points], entry["sharpness"], relative=1e-9) == []


def test_findings_are_the_results_numbers(stored):
    rows = experiment.findings(stored.result)
    assert [row.key for row in rows] == ["sharpening", "edge", "loss"]
    assert all(row.agrees is None for row in rows)             # beyond the lecture: nothing to agree with
    doctored = copy.deepcopy(stored.result)
    for entry in doctored["runs"]:
        entry["late_ratio_median"] = 2.5
    assert "2.5" in experiment.findings(doctored)[1].fields["ratios"]
    assert "2.5" not in rows[1].fields["ratios"]
    for rate in stored.result["settings"]["learning_rates"]:
        assert f"η = {rate:g}" in rows[1].fields["ratios"]


def test_lab_links_open_the_same_first_updates(stored):
    links = experiment.lab_links(stored.result)
    assert len(links) == len(stored.result["settings"]["learning_rates"])
    for link in links:
        assert lab_query(link.settings)["lab_epochs"] == str(experiment.LAB_EPOCHS)
    link = links[-1]
    run = train(link.settings.base)
    (full,) = [item for item in stored.result["runs"]
               if item["learning_rate"] == link.settings.base.optimizer.lr and item["seed"] == 0]
    assert differences(full["loss"][:experiment.LAB_EPOCHS], run.update_loss.tolist(), relative=1e-9) == []


def test_settings_refuse_what_cannot_run():
    for bad in ({"learning_rates": ()}, {"learning_rates": (0.1, -1.0)}, {"seeds": (0, 0)},
                {"updates": 2010}, {"sharpness_every": 1}, {"sharpness_every": 7}, {"late_from": 1.0}):
        with pytest.raises(ValueError):
            replace(LIVE, **bad)


@pytest.mark.parametrize("look", [Look(), Look(language="zh", projector=True, dark=True)])
def test_figures_draw_the_result(stored, look):
    for view in VIEWS:
        figure = experiment_figure(stored.result, view, look=look)
        assert figure.data, view
    figure = experiment_figure(stored.result, "ratio", look=look)
    lines = [trace for trace in figure.data if trace.mode == "lines"]
    for line, rate in zip(lines, stored.result["settings"]["learning_rates"]):
        runs = experiment.runs_at(stored.result, rate)
        mean = np.mean([np.asarray(entry["sharpness"]) * rate / 2 for entry in runs], axis=0)
        np.testing.assert_allclose(line.y, mean, rtol=1e-12)
    with pytest.raises(ValueError):
        experiment_figure(stored.result, "nothing")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_loss_panels_titles_fit_over_half_the_figure(stored, language):
    """Each title sits over half the figure: at most 28 character widths (a Chinese character is two), or the
    projector's font clips it."""
    figure = experiment_figure(stored.result, "loss", look=Look(language=language, projector=True))
    titles = [note.text for note in figure.layout.annotations]
    assert len(titles) == 2
    for title in titles:
        assert sum(2 if ord(character) > 0x2E80 else 1 for character in title) <= 28, title


def test_bands_are_the_mean_intervals_of_each_column():
    rows = np.random.default_rng(0).random((3, 40))
    rows[0, 3], rows[:, 5], rows[1:, 7] = np.nan, np.nan, np.nan   # fewer seeds, none, one
    mean, half_width = column_intervals(rows)
    expected = [mean_interval(column) for column in rows.T]
    np.testing.assert_allclose(mean, [interval.mean for interval in expected], rtol=1e-12)
    np.testing.assert_allclose(half_width, [interval.half_width for interval in expected], rtol=1e-12)

"""The batch-size experiment: its measurements against oracles, its results file, its findings and figures."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from analysis.curvature import dense_hessian
from analysis.gradient_noise import gradient_noise, per_example_gradients
from experiments import batch_size, batch_size_findings
from experiments.registry import run_settings
from experiments.results import differences, jsonable, read_results, single_thread
from experiments.statistics import mean_interval
from figures.experiment_batch_size import VIEWS, experiment_figure
from figures.style import Look
from i18n import text
from networks.training import build, data_tensors, model_at, train

# A small network (P = 610: its Hessian is built whole), two batch sizes, a short training: seconds.
TINY = batch_size.Settings(seeds=(0,), widths=(8,), batch_sizes=(16, 0), epochs=2, updates=150,
                           timing_data=("digits",), timing_warm_up=1, timing_updates=3, noise_samples=4,
                           slice_points=31)


@pytest.fixture(scope="module")
def tiny() -> dict:
    return run_settings(batch_size.NAME, TINY)


@pytest.fixture(scope="module")
def stored() -> dict:
    results = read_results(batch_size.NAME)
    assert results is not None, "run scripts/run_experiment.py batch_size"
    return results


def test_settings_are_checked_with_a_clear_message():
    for bad, words in (({"batch_sizes": (16, 4, 0)}, "increase"), ({"batch_sizes": (1, 16)}, "end with 0"),
                       ({"small_batch": 5}, "small batch"), ({"seeds": (0, 0)}, "differ"),
                       ({"learning_rate": -1.0}, "learning rate"), ({"timing_data": ("moons",)}, "data sets")):
        with pytest.raises(ValueError, match=words):
            replace(TINY, **bad)


def test_the_arms_make_the_epochs_and_updates_they_promise(tiny):
    count = tiny["train_size"]
    assert tiny["batch_sizes"] == [16, count]
    for arm, size in zip(tiny["same_epochs"][0], tiny["batch_sizes"]):
        assert arm["updates"] == TINY.epochs * math.ceil(count / size) and arm["epochs"] == TINY.epochs
    assert [arm["updates"] for arm in tiny["same_updates"][0]] == [TINY.updates] * 2


def test_small_batches_win_per_epoch_and_tie_per_update_over_three_seeds():
    """The full run's robust part (5 of 5 seeds): after 20 epochs B = 16 reached 0.998 training accuracy and the
    full batch 0.12; after 2,000 updates they differed by less than 0.001. Reduced: 2 epochs, 400 updates."""
    reduced = replace(batch_size.PRESETS["full"], seeds=(0, 1, 2), epochs=2, updates=400)
    with single_thread():
        for seed in reduced.seeds:
            per_epoch = [train(batch_size.training_settings(reduced, size, seed, epochs=reduced.epochs))
                         for size in (reduced.small_batch, 0)]
            assert per_epoch[0].train_accuracy[-1] > per_epoch[1].train_accuracy[-1] + 0.4
            per_update = [train(batch_size.training_settings(reduced, size, seed, updates=reduced.updates))
                          for size in (reduced.small_batch, 0)]
            assert abs(per_update[0].train_accuracy[-1] - per_update[1].train_accuracy[-1]) < 0.02


def test_one_example_s_gradient_noise_dwarfs_the_gradient_and_falls_as_one_over_b():
    """Measured at the initialization in the full run: E‖g_1 − g‖² = 71 ± 4 × ‖g‖², slope −1.03."""
    settings = batch_size.training_settings(batch_size.PRESETS["full"], 1, 0)
    inputs, targets, _, _ = data_tensors(settings)
    with single_thread():  # the first 500 examples: a third of the time, the same picture
        gradients = per_example_gradients(build(settings), inputs[:500], targets[:500])
    noise = gradient_noise(gradients, [1, 4, 16, 64, 256], samples=64, seed=0)
    assert noise["measured"][0] > 30 * noise["gradient_squared"]
    assert -1.15 < batch_size_findings.noise_slope([1, 4, 16, 64, 256], noise["measured"]) < -0.9


def test_the_slice_passes_through_both_solutions(tiny):
    """α = 0 and α = 1 are the trained networks: the slice's loss there is the engine's evaluation of them."""
    alphas = np.array(tiny["alphas"])
    for alpha, arm in ((0.0, tiny["same_updates"][0][0]), (1.0, tiny["same_updates"][0][1])):
        index = int(np.argmin(np.abs(alphas - alpha)))
        assert alphas[index] == pytest.approx(alpha)
        assert tiny["slice_train"][0][index] == pytest.approx(arm["train_loss"], rel=1e-5)
        assert tiny["slice_validation"][0][index] == pytest.approx(arm["validation_loss"], rel=1e-5)


def test_sharpness_and_trace_match_the_dense_hessian(tiny):
    """λ_max (Lanczos) and tr H / P (Hutch++) of the full-batch solution against the eigenvalues of H built whole."""
    large = tiny["large"]
    run = train(batch_size.training_settings(TINY, tiny["batch_sizes"][large], 0, updates=TINY.updates))
    inputs, targets, _, _ = data_tensors(run.settings)
    with single_thread():
        hessian = dense_hessian(model_at(run, -1), torch.nn.functional.cross_entropy, inputs, targets)
    eigenvalues = np.linalg.eigvalsh(hessian.astype(np.float64))
    assert tiny["sharpness"][0][large] == pytest.approx(eigenvalues[-1], rel=1e-4)
    # Hutch++ is an estimate: within four of its standard errors of the exact trace
    error = 4 * tiny["trace_error"][0][large] + 1e-9
    assert abs(tiny["curvature_trace"][0][large] - eigenvalues.sum() / run.parameter_count) < error


def test_per_example_gradients_average_to_autograd_full_gradient():
    model = build(batch_size.training_settings(TINY, 16, 3))
    inputs, targets, _, _ = data_tensors(batch_size.training_settings(TINY, 16, 3))
    inputs, targets = inputs[:200], targets[:200]
    gradients = per_example_gradients(model, inputs, targets)
    model.zero_grad()
    torch.nn.functional.cross_entropy(model(inputs), targets).backward()
    full = torch.cat([parameter.grad.reshape(-1) for parameter in model.parameters()])
    torch.testing.assert_close(gradients.mean(dim=0), full, rtol=1e-4, atol=1e-6)


def test_drawn_gradient_noise_follows_the_closed_form():
    """E‖g_B − g‖² = (N − B)/(N − 1) · σ²/B: measured from many drawn batches, within their own error."""
    gradients = torch.randn(300, 7, generator=torch.Generator().manual_seed(1), dtype=torch.float64) * 3 + 1
    noise = gradient_noise(gradients, [1, 10, 100, 299], samples=4000, seed=0)
    np.testing.assert_allclose(noise["measured"], noise["exact"], rtol=0.08)
    assert noise["exact"][0] == pytest.approx(noise["example_variance"] * (300 - 1) / 299)
    assert np.all(np.diff(noise["exact"]) < 0)


def test_the_run_is_the_same_twice_but_for_its_timing():
    again = run_settings(batch_size.NAME, replace(TINY, epochs=1, updates=20, slice_points=5))
    once = run_settings(batch_size.NAME, replace(TINY, epochs=1, updates=20, slice_points=5))
    assert not differences({k: v for k, v in once.items() if k != "timing"},
                           {k: v for k, v in again.items() if k != "timing"})
    assert json.loads(json.dumps(once)) == once  # JSON-able as it is


def test_the_results_file_holds_the_full_preset(stored):
    assert stored.settings == jsonable(batch_size.PRESETS["full"])
    assert stored.result["settings"] == stored.settings
    timing = stored.result["timing"]
    assert {"load_before", "load_after", "device"} <= timing.keys()


def test_a_slice_of_the_full_preset_reproduces_the_file(stored):
    """The first seed's small-batch run of the same updates, and its λ_max, exactly as stored."""
    full = batch_size.PRESETS["full"]
    result, seed = stored.result, full.seeds[0]
    small = result["small"]
    run = train(batch_size.training_settings(full, full.small_batch, seed, updates=full.updates))
    arm = result["same_updates"][0][small]
    assert not differences(arm, batch_size._end_numbers(run))  # noqa: SLF001 (the same numbers, the same way)
    inputs, targets, _, _ = data_tensors(run.settings)
    value = batch_size.sharpness(model_at(run, -1), torch.nn.functional.cross_entropy, inputs, targets)
    assert value == pytest.approx(result["sharpness"][0][small], rel=1e-9)


def _finding(result: dict, key: str):
    return next(finding for finding in batch_size.findings(result) if finding.key == key)


def _doctored(result: dict, key: str, large_wins: bool) -> dict:
    """A copy of ``result`` in which the comparison behind finding ``key`` clearly goes one way."""
    doctored = copy.deepcopy(result)
    small, large = result["small"], result["large"]
    sign = 1.0 if large_wins else -1.0
    if key in ("sharpness", "flatness"):
        for row in doctored["sharpness" if key == "sharpness" else "curvature_trace"]:
            row[large] = row[small] * (1 + 0.5 * sign)
    elif key == "slice":
        alphas = np.array(result["alphas"])
        shape = alphas ** 2 if large_wins else (1 - alphas) ** 2  # the steeper side beside α = 1, or beside 0
        doctored["slice_train"] = [list(0.1 + shape * (1 + 0.01 * seed)) for seed in range(len(result["slice_train"]))]
    elif key == "update_time":
        doctored["timing"]["digits"]["update_seconds"][-1] = doctored["timing"]["digits"]["update_seconds"][0] * (
            1 + 0.5 * sign)
    else:
        block, name = {"optimization_epochs": ("same_epochs", "train_accuracy"),
                       "optimization_updates": ("same_updates", "train_accuracy"),
                       "generalization": ("same_updates", "validation_accuracy")}[key]
        for row in doctored[block]:
            row[small][name] = row[large][name] - 0.01 * sign  # the lecture's claim: the small batch higher
    return doctored


def test_findings_follow_the_numbers(stored):
    """Each verdict is computed from the numbers: it flips when they do; the fields are the stored numbers."""
    result = stored.result
    lecture_side = {"sharpness": True, "flatness": True, "slice": True, "update_time": True,
                    "optimization_epochs": False, "optimization_updates": False, "generalization": False}
    for key, large_wins in lecture_side.items():
        assert _finding(_doctored(result, key, large_wins), key).agrees is True, key
        assert _finding(_doctored(result, key, not large_wins), key).agrees is False, key
    small, large = result["small"], result["large"]
    sharpness = _finding(result, "sharpness")
    values = np.array(result["sharpness"])
    assert sharpness.fields["small_value"] == mean_interval(values[:, small]).text()
    assert sharpness.fields["seeds"] == str(int(np.sum(values[:, large] > values[:, small])))
    for finding in batch_size.findings(result):
        for language in ("en", "zh"):
            assert text(f"exp.batch_size.findings.{finding.key}", language, **finding.fields)
            if finding.agrees is False:
                assert text(f"exp.batch_size.why.{finding.key}", language)
        assert finding.key in ("update_time", "update_time_other", "update_time_gpu_absent", "epoch_time",
                               "gradient_noise", "optimization_epochs", "optimization_updates", "generalization",
                               "sharpness", "flatness", "slice", "slice_validation", "slice_validation_end")
    for language in ("en", "zh"):
        assert text("exp.batch_size.setup", language, **batch_size.setup_fields(result))


def test_the_slice_sentence_says_how_far_apart_how_large_a_rise_and_where_the_validation_loss_is_lowest(stored):
    result = stored.result
    slice_row = _finding(result, "slice")
    small_rise, large_rise = batch_size_findings.slice_rise(result)
    alphas, train_losses = np.array(result["alphas"]), np.array(result["slice_train"])
    at_large = train_losses[:, int(np.argmin(np.abs(alphas - 1)))]
    assert slice_row.fields["large_share"] == f"{100 * np.mean(large_rise / at_large):.2g} %"  # 2.8 %: tiny
    assert slice_row.fields["small_falling"] == str(int(np.sum(small_rise < 0)))
    assert slice_row.fields["distance"] == mean_interval(np.array(result["distance"])).text()
    sentence = text("exp.batch_size.findings.slice", "en", **slice_row.fields)
    assert "Half the distance" not in sentence and f"lie {slice_row.fields['distance']} apart" in sentence
    # the validation loss: lowest at the slice's left end in the full run (still falling there), in the middle when
    # the curve has its minimum inside
    validation = np.mean(result["slice_validation"], axis=0)
    ends = int(np.argmin(validation)) in (0, len(alphas) - 1)
    keys = [finding.key for finding in batch_size.findings(result)]
    assert ("slice_validation_end" in keys) is ends and ("slice_validation" in keys) is not ends
    bowl = copy.deepcopy(result)
    bowl["slice_validation"] = [list(0.1 + (alphas - 0.3) ** 2) for _ in result["slice_validation"]]
    inside = _finding(bowl, "slice_validation")
    assert inside.agrees is None and inside.fields["alpha"] == "0.3"
    assert "end" not in text("exp.batch_size.findings.slice_validation", "en", **inside.fields)


def test_every_seed_alike_is_said_plainly(stored):
    """A mean over seeds that all gave the same number reads 1.00, not "1 ± 0"."""
    for finding in batch_size.findings(stored.result):
        for value in finding.fields.values():
            assert "± 0" not in str(value).replace("± 0.", ""), (finding.key, value)
    epochs = _finding(stored.result, "optimization_epochs")
    accuracy = batch_size_findings.arm_values(stored.result, "same_epochs", "train_accuracy")
    best = accuracy[:, int(np.argmax(accuracy.mean(axis=0)))]
    if np.all(best == best[0]):
        assert epochs.fields["best_accuracy"] == f"{best[0]:#.3g}" == epochs.fields["best_low"]
    assert _finding(stored.result, "generalization").fields["barrier"] == f"{batch_size_findings.slice_barrier(stored.result).max():.2g}"


def test_a_gpu_when_present_is_timed_and_judged_by_the_lectures_parallel_update(stored):
    """Measured on a GPU, an update time that stays within twice the smallest batch's agrees; more does not.
    Without one the page says the parallel update is not measured here (this machine has none)."""
    result = copy.deepcopy(stored.result)
    if "cuda" not in result["timing"]:
        assert [finding.key for finding in batch_size.findings(result)].count("update_time_gpu_absent") == 1
    data = result["settings"]["timing_data"]
    result["timing"]["cuda"] = {name: copy.deepcopy(stored.result["timing"][name]) for name in data}
    for name in data:
        result["timing"]["cuda"][name]["update_seconds"] = [1e-4] * (len(result["batch_sizes"]) - 1) + [1.5e-4]
    gpu = [finding for finding in batch_size.findings(result) if finding.key == "update_time_gpu"]
    assert len(gpu) == len(data) and all(finding.agrees for finding in gpu)
    assert gpu[0].fields["small_ms"] == "0.1" and gpu[0].fields["time_ratio"] == "1.5"
    for name in data:
        result["timing"]["cuda"][name]["update_seconds"][-1] = 3e-4
    assert not any(finding.agrees for finding in batch_size.findings(result) if finding.key == "update_time_gpu")
    assert "update_time_gpu_absent" not in [finding.key for finding in batch_size.findings(result)]


def test_training_on_the_named_device_is_the_same_training():
    """The device argument (a GPU for the timing, when there is one) leaves the CPU's training bit for bit."""
    settings = batch_size.training_settings(batch_size.PRESETS["live"], 16, 0, updates=30)
    default, named = train(settings), train(settings, device=torch.device("cpu"))
    assert np.array_equal(default.snapshots, named.snapshots) and np.array_equal(default.update_loss, named.update_loss)
    assert batch_size.timing_devices()[0] == "cpu"


def test_the_lab_links_open_runs_the_lab_can_train(stored):
    from scenes.lab_links import lab_query

    links = batch_size.lab_links(stored.result)
    assert links
    for link in links:
        query = lab_query(link.settings)
        assert query["lab_epochs"] == str(stored.settings["epochs"])
        assert {query[f"lab_batch{slot}"] for slot in range(int(query["lab_n"]))} >= {"16", "1437"}
        assert text(f"exp.batch_size.links.{link.key}", "zh", **link.fields)


@pytest.mark.parametrize("view", VIEWS)
def test_every_view_builds_and_draws_the_result(stored, view):
    result = stored.result
    for look in (Look(), Look("zh"), Look(projector=True, dark=True)):
        figure = experiment_figure(result, view, look=look)
        assert figure.data and figure.layout.height == 520
    figure = experiment_figure(result, view)
    if view == "slice":
        drawn = [trace for trace in figure.data if trace.mode == "lines"]
        np.testing.assert_allclose(drawn[0].y, np.mean(result["slice_train"], axis=0))
        np.testing.assert_allclose(drawn[1].y, np.mean(result["slice_validation"], axis=0))
    elif view == "sharpness":
        np.testing.assert_allclose(figure.data[0].y, np.mean(result["sharpness"], axis=0))
    elif view == "time":
        np.testing.assert_allclose(figure.data[0].y, np.array(result["timing"]["digits"]["update_seconds"]) * 1000)
        # per epoch: the epochs measured in the training runs (the finding's numbers), not ⌈N/B⌉ × the update
        measured = result["timing"]["measured_epoch_seconds"]["digits"]
        np.testing.assert_allclose(figure.data[1].y, np.array(measured) * 1000)
        assert _finding(result, "epoch_time").fields["smallest_seconds"] == f"{figure.data[1].y[0] / 1000:.3g}"
        computed = [trace for trace in figure.data if trace.line.dash == "dot"]
        assert [trace.name for trace in computed] == [
            text("exp.batch_size.figure.epoch_computed", "en", data=data)
            for data in result["settings"]["timing_data"] if data not in result["timing"]["measured_epoch_seconds"]]
    elif view == "noise":
        # the geometric mean over the seeds with its interval: it stays above zero on the log axis
        measured = np.array([row["measured"] for row in result["noise_end"]])
        marker = next(trace for trace in figure.data if trace.name == text("exp.batch_size.figure.noise_end", "en"))
        np.testing.assert_allclose(marker.y, np.exp(np.log(measured).mean(axis=0)))
        assert np.all(np.array(marker.y) - np.array(marker.error_y.arrayminus) > 0)
    elif view == "accuracy":
        np.testing.assert_allclose(figure.data[0].y, batch_size_findings.arm_values(result, "same_epochs",
                                                                           "train_accuracy").mean(axis=0))
    with pytest.raises(ValueError, match="unknown view"):
        experiment_figure(result, "nonsense")

"""Each scene of the lecture tour shows its claim, asserted on exactly the preset the tour opens."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from analysis.derivatives import hessian_at
from analysis.point_report import inspect_point
from i18n import catalogue
from analysis.eigenvalue_counts import SADDLE
from analysis.minimum_ratio import ExperimentSettings, run_experiment
from scenes.tour import COMPARE, EXPERIMENT, EXPLORER, INSPECTOR, LAB, SCENE_LIST, SCENES, Scene, race_on, run_scene
from surfaces.base import PointKind
from surfaces.choice import resolve_surface
from tests.unit.quoted import assert_quoted, printed


def runs(key: str):
    return run_scene(SCENES[key]).runs


def sign_changes(values: np.ndarray) -> int:
    return int((np.sign(values[1:]) != np.sign(values[:-1])).sum())


def test_every_part_of_the_lecture_has_a_scene_and_every_scene_its_texts():
    assert sorted({scene.part for scene in SCENE_LIST}) == list(range(1, 10))
    for language in ("en", "zh"):
        texts = catalogue(language)
        for scene in SCENE_LIST:  # an experiment's scene shows its measured findings, not a text to look for
            for field in ("title", "story") if scene.page == EXPERIMENT else ("title", "story", "look_for"):
                assert texts[f"tour.{scene.key}.{field}"].strip()


def test_scenes_are_checked_on_construction():
    scene = SCENES["escape_saddle"]
    with pytest.raises(ValueError, match="unknown page"):
        dataclasses.replace(scene, page="nowhere")
    with pytest.raises(ValueError, match="1 to 4 optimizers"):
        dataclasses.replace(scene, optimizers=())
    with pytest.raises(ValueError, match="needs a point"):
        Scene("x", 1, INSPECTOR, scene.surface, latex="")


def test_critical_points_the_toy_origin_is_a_saddle_with_eigenvalues_plus_minus_two():
    scene = SCENES["critical_points"]
    report = inspect_point(resolve_surface(scene.surface).loss, *scene.point)
    assert report.verdict is PointKind.SADDLE and report.gradient_norm == 0.0
    np.testing.assert_allclose(report.eigenvalues.numpy(), [-2.0, 2.0], atol=1e-12)
    escape_direction = report.eigenvectors[:, 0].numpy()
    np.testing.assert_allclose(np.abs(escape_direction), [2**-0.5, 2**-0.5], atol=1e-12)
    assert escape_direction[0] * escape_direction[1] > 0  # along (1, 1)


def test_escape_saddle_plain_gd_stays_stuck_noise_or_a_push_along_1_1_escapes():
    (race,) = runs("escape_saddle")
    stuck, noisy = race.losses(0), race.losses(1)
    assert np.all(stuck == 1.0) and np.all(race.path(0) == 0.0)  # g = 0 exactly: GD never moves
    assert noisy[-1] < 1e-3
    end = race.path(1)[-1]
    assert end[0] * end[1] > 0 and abs(end[0] - end[1]) < 0.1  # "slides off along (1, 1)": near ±(1, 1) on the valley
    scene = SCENES["escape_saddle"]
    pushed = race_on(scene.surface, scene.optimizers[:1] + (dataclasses.replace(scene.optimizers[0], kind="momentum"),),
                     (0.02, 0.02), scene.steps)
    gd_escape, momentum_escape = (int(np.argmax(pushed.losses(run) < 0.5)) for run in range(2))
    assert pushed.losses(0)[-1] < 1e-3 and 0 < momentum_escape < gd_escape


def test_escape_saddle_says_its_noise_is_injected_because_mini_batches_would_not_help_there():
    scene = SCENES["escape_saddle"]
    assert scene.optimizers[1].noise == 0.1 and scene.optimizers[1].batch_size == 0
    assert_quoted(("tour.escape_saddle.look_for",), "σ = 0.1")
    assert_quoted(("tour.escape_saddle.story",), "σξ")
    # ŷ = w₁w₂x: at the origin every example's own loss (y − w₁w₂x)² is flat, whatever the data.
    generator = torch.Generator().manual_seed(0)
    inputs, targets = torch.randn(2, 16, generator=generator, dtype=torch.float64)
    per_example = torch.autograd.functional.jacobian(
        lambda w: (targets - w[0] * w[1] * inputs) ** 2, torch.zeros(2, dtype=torch.float64))
    assert torch.equal(per_example, torch.zeros(16, 2, dtype=torch.float64))


def test_minibatch_saddle_full_batch_stays_on_the_saddle_small_batches_leave_it():
    (race,) = runs("minibatch_saddle")
    scene = SCENES["minibatch_saddle"]
    surface = resolve_surface(scene.surface)
    assert [settings.batch_size for settings in scene.optimizers] == [0, 4, 1] and surface.example_count == 8
    assert np.all(race.path(0) == 0.0) and np.all(race.losses(0) == race.losses(0)[0])  # ∇L(0, 0) = 0 exactly
    (minimum,) = [point for point in surface.critical_points if point.kind is PointKind.MINIMUM]
    for run in (1, 2):
        leaves = int(np.argmax(np.hypot(*race.path(run).T) > 0.1))
        assert 0 < leaves <= 10
        assert np.hypot(*(race.path(run)[-1] - (minimum.x, minimum.y))) < 0.1
    jitter = [np.ptp(race.losses(run)[-100:]) for run in (1, 2)]
    assert jitter[1] > 5 * jitter[0]  # one example per step: it keeps jittering around the minimum
    another_seed = race_on(scene.surface, (dataclasses.replace(scene.optimizers[2], seed=1),), scene.start, scene.steps)
    assert not np.array_equal(another_seed.path(0), race.path(2))
    numbers = (printed(race.losses(0)[0], 3), f"({printed(minimum.x, 2)}, {printed(minimum.y, 2)})")
    assert numbers == ("0.451", "(−0.96, −1.28)")
    assert_quoted(("tour.minibatch_saddle.look_for",), *numbers, "10")


def test_batch_noise_leaves_the_sharp_minimum_for_the_flat_one():
    (race,) = runs("batch_noise")
    np.testing.assert_allclose(race.path(0)[-1], [1.4896, 0.0], atol=1e-3)  # no noise: stays in the sharp well
    assert SCENES["batch_noise"].optimizers[1].noise == 2.0
    assert_quoted(("tour.batch_noise.look_for",), f"x ≈ {race.path(0)[-1][0]:.2f}", "σ = 2")
    assert race.path(1)[-1][0] < 0.8  # past the saddle at x ≈ 0.80, in the flat basin
    scene = SCENES["batch_noise"]
    seeds = tuple(dataclasses.replace(scene.optimizers[1], seed=seed) for seed in range(4))
    from_sharp = race_on(scene.surface, seeds, scene.start, scene.steps)
    from_flat = race_on(scene.surface, seeds, (-1.36, 0.0), scene.steps)
    assert all(from_sharp.path(run)[-1][0] < 0.8 for run in range(4))  # the sharp minimum does not hold
    assert all(from_flat.path(run)[-1][0] < 0.8 for run in range(4))   # the flat one does


def test_momentum_rolls_past_the_local_minimum_where_gd_stops():
    (race,) = runs("momentum")
    assert race.losses(0)[-1] == pytest.approx(-0.2155, abs=1e-3)   # a local minimum of the camel
    assert race.losses(1)[-1] == pytest.approx(-1.0316, abs=1e-3)   # a global one
    scene = SCENES["momentum"]
    assert scene.optimizers[0].lr == scene.optimizers[1].lr and scene.optimizers[1].momentum == 0.9
    assert_quoted(("tour.momentum.look_for",), printed(race.losses(0)[-1], 2), printed(race.losses(1)[-1], 2), "λ = 0.9")


def test_adaptive_gd_zigzags_across_the_ravine_rmsprop_does_not():
    (race,) = runs("adaptive")
    assert sign_changes(race.path(0)[:100, 1]) >= 90
    assert sign_changes(race.path(1)[:100, 1]) <= 40
    reach = [int(np.argmax(race.losses(run) < 0.05)) for run in range(2)]
    assert 0 < reach[1] < reach[0]


def test_adaptive_rmsprop_gets_low_first_then_its_step_outgrows_the_ravine_and_it_ends_higher_than_gd():
    """The look-for text, number by number: RMSProp's η/σ grows as its gradients shrink, past 2/κ across the ravine."""
    scene = SCENES["adaptive"]
    (race,) = runs("adaptive")
    descent, rmsprop = race.losses(0), race.losses(1)
    stable = 2 / scene.surface.parameter  # across the ravine a step is stable only while η/σ_y < 2/κ
    low = [int(np.argmax(losses < 1e-3)) for losses in (rmsprop, descent)]
    assert 0 < low[0] < low[1]  # RMSProp is the first to reach a low loss
    across = race.effective_steps(1)[:, 1]
    settled = int(np.argmin(rmsprop))
    assert across[0] < stable < across[settled:].max()
    back = settled + int(np.argmax(rmsprop[settled:] > 1e-3))  # after its best point, the loss comes back up
    assert back > settled and rmsprop[back:].min() > 1e-3
    assert sign_changes(race.path(1)[back:, 1]) > 0.9 * (scene.steps - back)  # zig-zagging across the ravine now
    assert rmsprop[-1] > 100 * descent[-1]  # and it ends far above gradient descent
    numbers = (f"step {low[0]}", f"{low[1]}", f"{stable:.2g}", f"{back}", printed(rmsprop[-1], 3),
               printed(descent[-1], 6))
    assert numbers == ("step 111", "229", "0.022", "133", "0.028", "0.000055")
    assert_quoted(("tour.adaptive.look_for",), *numbers[1:], "111", "10⁻³")


def bursts(losses: np.ndarray, floor: float = 1e-3) -> np.ndarray:
    """The steps where the loss rises from at most ``floor`` to above it: the path leaves the valley floor."""
    return np.flatnonzero((losses[1:] > floor) & (losses[:-1] <= floor)) + 1


def test_decay_the_lecture_root_mean_square_bursts_late_and_decay_tames_it():
    """The decay scene's texts, number by number, on its preset (the lecture's rule, η constant vs decayed)."""
    scene = SCENES["decay"]
    (race,) = runs("decay")
    kappa = scene.surface.parameter
    stable = 2 / kappa  # across the ravine y ← y (1 − κ η/σ_y): |y| shrinks only while η/σ_y < 2/κ
    constant, decayed = race.losses(0), race.losses(1)
    across = race.effective_steps(0)[:, 1]  # η/σ_y of every update
    offset = np.abs(race.path(0)[:, 1])
    assert constant[40] < 1e-8  # at the minimum by step 40
    times = bursts(constant)
    assert len(times) == 3 and times[0] > 40
    assert np.all(np.diff(across[:times[0]]) > 0)  # tiny gradients enter the mean: σ_y shrinks, η/σ_y grows
    unstable = int(np.argmax(across > stable))
    first_peak = times[0] + int(np.argmax(constant[times[0]:times[1]]))
    assert across[0] < stable < across[unstable] and unstable < times[0]   # η/σ_y grows past 2/κ while settled
    assert np.all(np.diff(offset[unstable + 1 : first_peak + 1]) > 0)     # then |y| grows at every step
    for start, end in zip(times[:2], times[1:]):  # each burst raises σ: η/σ_y drops under 2/κ, the path falls back
        assert across[start:end].min() < stable and constant[start:end].min() < 1e-3
    assert constant.max() > constant[0]  # the loss bursts higher than where it started
    assert race.effective_steps(1)[:, 1].max() < stable  # decayed η: η/σ_y never reaches 2/κ
    assert len(bursts(decayed)) == 0 and decayed[40:].max() < 1e-4 and decayed[-1] < 1e-14
    adagrad = race_on(scene.surface, (dataclasses.replace(scene.optimizers[0], kind="adagrad"),), scene.start,
                      scene.steps)
    assert np.all(np.diff(adagrad.effective_steps(0)[:, 1]) <= 0)  # torch's sum: σ only grows, η/σ only falls
    assert len(bursts(adagrad.losses(0))) == 0
    numbers = {f"{scene.optimizers[0].lr:g}", f"{kappa:g}", f"{stable:.2g}", f"{constant[0]:.2g}",
               f"{across[0]:.2g}", f"{constant.max():.2g}", f"{race.effective_steps(1)[:, 1].max():.2g}",
               f"{scene.optimizers[1].schedule.gamma:g}", f"{scene.steps}"}
    for language, count in (("en", f"{len(times)} times"), ("zh", f"{len(times)} 次")):
        shown = catalogue(language)["tour.decay.look_for"]
        assert all(number in shown for number in numbers), (language, numbers)
        assert count in shown


def test_warmup_avoids_the_early_overshoot():
    scene = SCENES["warmup"]
    (race,) = runs("warmup")
    start_loss = race.losses(0)[0]
    overshoot = race.losses(0)[:30].max()
    assert 100 < overshoot and overshoot > 10 * start_loss  # Adam's first steps have size η: overshoot
    first_step = race.path(0)[1] - race.path(0)[0]
    np.testing.assert_allclose(np.abs(first_step), scene.optimizers[0].lr, rtol=1e-6)  # "size η in every coordinate"
    assert race.losses(1)[:30].max() < 1.02 * start_loss     # warm-up: small first steps
    rates = race.learning_rate[1]
    warmup = scene.optimizers[1].schedule.warmup_steps
    assert rates[0] == scene.optimizers[1].lr / warmup and rates[warmup - 1] == scene.optimizers[1].lr
    final = [race.losses(run)[-1] for run in range(2)]
    distance = [np.linalg.norm(race.path(run)[-1] - (1.0, 1.0)) for run in range(2)]
    assert final[1] < final[0] and distance[1] < distance[0]
    numbers = {f"{start_loss:g}", f"{overshoot:.3g}", f"{rates[0]:g}", f"{rates[1]:g}", f"t = {warmup - 1}",
               f"{final[1]:.2g}", f"{final[0]:.2g}", "2 %", f"{warmup} "}
    for language in ("en", "zh"):
        shown = catalogue(language)["tour.warmup.look_for"]
        assert all(number in shown for number in numbers), (language, numbers)


def test_loss_function_mse_is_stuck_on_its_plateau_where_cross_entropy_descends():
    mse, cross_entropy = runs("loss_function")
    assert mse.losses(0)[-1] > 0.99 * mse.losses(0)[0]            # 300 steps: under 1 % of progress
    assert mse.gradient_norms(0)[0] < 1e-2 < cross_entropy.gradient_norms(0)[0]
    minimum = resolve_surface(SCENES["loss_function"].other).critical_points[0]
    np.testing.assert_allclose(cross_entropy.path(0)[-1], [minimum.x, minimum.y], atol=1e-2)


def test_normalization_texts_call_it_feature_normalization_and_say_what_batch_normalization_adds():
    keys = ("tour.normalization.story", "surfaces.features_normalized.lecture")
    for language, name in (("en", "feature normalization"), ("zh", "特征归一化")):
        for key in keys:
            assert name in catalogue(language)[key]
    assert_quoted(keys, "γ", "β")  # the learnable scale and shift that feature normalization lacks
    assert "does this to the inputs of every layer" not in catalogue("en")["surfaces.features_normalized.lecture"]


def test_normalization_turns_the_ravine_round_and_gradient_descent_fast():
    raw, normalized = runs("normalization")
    scene = SCENES["normalization"]
    conditions = []
    for choice in (scene.surface, scene.other):
        surface = resolve_surface(choice)
        point = surface.critical_points[0]
        eigenvalues = np.linalg.eigvalsh(hessian_at(surface.loss, point.x, point.y).numpy())
        conditions.append(eigenvalues[-1] / eigenvalues[0])
    assert conditions[0] > 1000 and conditions[1] < 1.5
    best = [resolve_surface(choice).loss_at(*[(p.x, p.y) for p in resolve_surface(choice).critical_points][0])
            for choice in (scene.surface, scene.other)]
    assert normalized.losses(0)[50] - best[1] < 1e-6                # at the minimum within 50 steps
    assert raw.losses(0)[-1] - best[0] > 10 * (normalized.losses(0)[-1] - best[1]) + 1e-3  # still crawling


@pytest.mark.parametrize("scene", [scene for scene in SCENE_LIST if scene.page != INSPECTOR], ids=lambda s: s.key)
def test_no_preset_diverges(scene):
    for race in run_scene(scene).runs:
        assert all(step is None for step in race.diverged_at)


def test_scene_pages():
    assert {scene.page for scene in SCENE_LIST} == {EXPLORER, INSPECTOR, COMPARE, LAB, EXPERIMENT}
    with pytest.raises(ValueError, match="every scene but the network ones"):
        dataclasses.replace(SCENES["min_ratio"], surface=SCENES["escape_saddle"].surface)
    with pytest.raises(ValueError, match="exactly the experiment scenes name an experiment"):
        dataclasses.replace(SCENES["network_lab"], experiment="batch_norm")


def test_every_experiment_has_one_scene_in_its_own_part():
    """The tour opens each measured experiment once, in the part of the lecture the experiment belongs to."""
    from experiments.registry import NAMES, experiment

    scenes = [scene for scene in SCENE_LIST if scene.page == EXPERIMENT]
    assert sorted(scene.experiment for scene in scenes) == sorted(NAMES)
    assert all(scene.part == experiment(scene.experiment).PART for scene in scenes)


def test_min_ratio_trained_runs_stop_with_one_or_two_flat_directions_and_early_stops_at_clear_saddles():
    """The small network's lesson in method (its page): on its defaults, and with training cut short."""
    full = run_experiment(ExperimentSettings())
    assert full.converged.all()
    parameters = full.parameter_count
    # "all but one or two directions clearly curve up and those one or two are flat"
    assert set(full.flat_counts.tolist()) <= {1, 2} and (full.below_band_counts == 0).all()
    assert (full.above_band_counts == parameters - full.flat_counts).all()
    # "by the sign alone some runs are minima, others saddles"
    summary = full.summary()
    assert summary.sign_minima > 0 and summary.sign_saddles > 0
    assert summary.sign_minima + summary.sign_saddles == summary.critical
    # "stop training early: mostly clear saddles, with a higher loss and a lower ratio"
    early = run_experiment(ExperimentSettings(training_steps=300))
    critical = early.converged
    kinds = [kind for kind, found in zip(early.kinds, critical.tolist()) if found]
    assert kinds and kinds.count(SADDLE) > len(kinds) / 2
    assert early.training_losses[critical].min() > full.training_losses.max()
    assert early.minimum_ratios[critical].max() < full.minimum_ratios.min()

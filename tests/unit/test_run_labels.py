"""Each run of a race gets its own name: its rule, and what sets it apart from the runs of the same rule."""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import given, settings

from figures.runs import run_labels
from i18n import LANGUAGES, text
from optimizers.schedules import Schedule
from optimizers.settings import OptimizerKind, OptimizerSettings
from scenes.tour import SCENE_LIST


def test_two_runs_of_one_rule_are_named_by_what_differs():
    assert run_labels([OptimizerSettings("rmsprop", 0.1), OptimizerSettings(
        "rmsprop", 0.1, schedule=Schedule("exponential", gamma=0.98))]) == ["RMSProp", "RMSProp, γ = 0.98 per step"]
    assert run_labels([OptimizerSettings("adam", 1.0), OptimizerSettings(
        "adam", 1.0, schedule=Schedule("warmup_cosine", warmup_steps=50, total_steps=300))]) == [
        "Adam", "Adam + warm-up (50 steps), cosine decay"]
    assert run_labels([OptimizerSettings("gd", 0.01), OptimizerSettings("gd", 0.02)]) == [
        "Gradient descent, η = 0.01", "Gradient descent, η = 0.02"]
    assert run_labels([OptimizerSettings("gd", 0.05), OptimizerSettings("gd", 0.05, noise=0.1, seed=1)]) == [
        "Gradient descent", "Gradient descent + noise σ = 0.1"]  # the seed only where it alone differs
    assert run_labels([OptimizerSettings("gd", 0.05, noise=0.1), OptimizerSettings("gd", 0.05, noise=0.1, seed=1)],
                      "zh") == ["梯度下降，种子 0", "梯度下降，种子 1"]
    assert run_labels([OptimizerSettings("gd", 0.1), OptimizerSettings("gd", 0.1, batch_size=4),
                       OptimizerSettings("gd", 0.1, batch_size=1)]) == [
        "Gradient descent", "Gradient descent, batch B = 4", "Gradient descent, batch B = 1"]


def test_runs_of_different_rules_keep_their_names_and_identical_runs_their_slots():
    race = [OptimizerSettings("gd", 0.01), OptimizerSettings("momentum", 0.01), OptimizerSettings("adam", 0.1),
            OptimizerSettings("adam", 0.1, momentum=0.5)]  # λ is no knob of Adam: the two Adams are the same run
    assert run_labels(race) == ["Gradient descent", "Momentum", "Adam (optimizer 3)", "Adam (optimizer 4)"]


def test_every_tour_scene_names_its_runs_apart_in_both_languages():
    for scene in SCENE_LIST:
        for language in LANGUAGES:
            labels = run_labels(scene.optimizers, language)
            assert len(set(labels)) == len(labels), (scene.key, labels)
            for label, optimizer in zip(labels, scene.optimizers):
                assert label.startswith(text(f"optimizers.{optimizer.kind.value}", language))


SCHEDULES = st.sampled_from([Schedule(), Schedule("exponential", gamma=0.98), Schedule("exponential", gamma=0.99),
                             Schedule("step", step_size=100, gamma=0.5), Schedule("warmup_cosine", total_steps=200),
                             Schedule("warmup_inverse_sqrt", warmup_steps=20)])
RUNS = st.builds(OptimizerSettings, kind=st.sampled_from(list(OptimizerKind)), lr=st.sampled_from([0.01, 0.02, 0.1]),
                 momentum=st.sampled_from([0.5, 0.9]), alpha=st.sampled_from([0.9, 0.99]), schedule=SCHEDULES,
                 noise=st.sampled_from([0.0, 0.1]), seed=st.sampled_from([0, 1]),
                 batch_size=st.sampled_from([0, 1, 4]))


@settings(max_examples=300, deadline=None)
@given(race=st.lists(RUNS, min_size=1, max_size=4), language=st.sampled_from(sorted(LANGUAGES)))
def test_any_race_of_up_to_four_runs_gets_distinct_labels(race, language):
    labels = run_labels(race, language)
    assert len(set(labels)) == len(labels), labels

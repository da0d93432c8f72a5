"""The experiments in the lecture's order, found by name, and how each preset of them is run."""

from __future__ import annotations

import importlib
from dataclasses import replace
from types import ModuleType

from experiments.results import single_thread

NAMES = ("minimum_ratio", "batch_size", "momentum_adaptive", "edge_of_stability", "warm_up", "mse_vs_cross_entropy",
         "batch_norm")


def experiment(name: str) -> ModuleType:
    """The module of experiment ``name`` (``experiments.<name>``)."""
    if name not in NAMES:
        raise ValueError(f"unknown experiment {name!r}; choose one of {', '.join(NAMES)}")
    return importlib.import_module(f".{name}", package="experiments")


def live_settings(name: str, first_seed: int = 0) -> object:
    """The live preset of ``name`` with its seeds moved to start at ``first_seed`` (their count kept)."""
    preset = experiment(name).PRESETS["live"]
    return replace(preset, seeds=tuple(first_seed + index for index in range(len(preset.seeds))))


def run_settings(name: str, settings: object, progress=None) -> dict:
    """Experiment ``name`` with ``settings``, on one thread (the result is then the same on every run)."""
    with single_thread():
        return experiment(name).run(settings, progress=progress)


def live_job(name: str, first_seed: int, progress=None) -> dict:
    """What a worker computes for a page's live run: the live preset from ``first_seed``."""
    return run_settings(name, live_settings(name, first_seed), progress)

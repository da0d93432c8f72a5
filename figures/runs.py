"""What a figure needs to know about one optimizer run: its finite path, losses and label.

``run_labels`` names the runs of one race: each by its rule, and runs of the same rule by what sets
them apart ("RMSProp" and "RMSProp, γ = 0.98 per step", "Adam" and "Adam + warm-up (50 steps), cosine
decay"), so that two runs never share a name in a legend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from figures.style import run_colour
from i18n import DEFAULT_LANGUAGE, text
from optimizers.schedules import Schedule
from optimizers.settings import OptimizerKind, OptimizerSettings
from optimizers.trajectory import REASONS, Trajectories

# Trajectories state why a run stopped in English (``REASONS``); the catalogue has each reason by name.
REASON_NAMES = {sentence: name for name, sentence in REASONS.items()}


@dataclass(frozen=True)
class RunPath:
    """One run's valid prefix: ``points`` (n, 2) and ``losses`` (n,), both finite, n ≥ 1, and ‖g‖ there
    (``gradient_norms`` (n,), when known)."""

    label: str
    colour: str
    points: np.ndarray
    losses: np.ndarray
    note: str = ""
    gradient_norms: np.ndarray | None = None


def run_note(trajectories: Trajectories, run: int, language: str = DEFAULT_LANGUAGE) -> str:
    """'' for a run that went all the way, else 'diverged at step k: why' in ``language``."""
    step = trajectories.diverged_at[run]
    if step is None:
        return ""
    reason = trajectories.reasons[run]
    name = REASON_NAMES.get(reason)
    return text("figures.diverged", language, step=step,
                reason=text(f"figures.reason.{name}", language) if name else reason)


def run_paths(trajectories: Trajectories, labels: Sequence[str], first: int = 0, *,
              language: str = DEFAULT_LANGUAGE) -> list[RunPath]:
    """RunPaths for ``len(labels)`` runs of ``trajectories`` starting at run ``first``.

    Only the valid prefix of each run is kept, so a run that diverged never brings a NaN or an
    infinity into a figure; its label says where it stopped, in ``language``.
    """
    paths = []
    for offset, label in enumerate(labels):
        run = first + offset
        length = int(trajectories.lengths[run])
        note = run_note(trajectories, run, language)
        paths.append(RunPath(
            label=f"{label} — {note}" if note else label,
            colour=run_colour(offset),
            points=np.asarray(trajectories.theta[run, :length]),
            losses=np.asarray(trajectories.loss[run, :length]),
            note=note,
            gradient_norms=np.asarray(trajectories.gradient_norm[run, :length]),
        ))
    return paths


# What can set two runs of one rule apart, in the order a label names it. ``None`` is a value that
# does not apply to the rule (λ of Adam), or a constant schedule, no noise, the full batch: the label leaves it out.
FACETS: dict[str, Callable[[OptimizerSettings], object]] = {
    "learning_rate": lambda settings: settings.lr,
    "momentum": lambda settings: settings.momentum if settings.kind in (OptimizerKind.MOMENTUM,
                                                                       OptimizerKind.NESTEROV) else None,
    "alpha": lambda settings: settings.alpha if settings.kind is OptimizerKind.RMSPROP else None,
    "beta1": lambda settings: settings.betas[0] if settings.kind is OptimizerKind.ADAM else None,
    "beta2": lambda settings: settings.betas[1] if settings.kind is OptimizerKind.ADAM else None,
    "eps": lambda settings: settings.eps,
    "schedule": lambda settings: None if settings.schedule.kind == "constant" else settings.schedule,
    "noise": lambda settings: settings.noise or None,
    "batch_size": lambda settings: settings.batch_size or None,
    "seed": lambda settings: settings.seed if settings.noise or settings.batch_size else None,
}


def _fragment(facet: str, value: object, language: str) -> str:
    if isinstance(value, Schedule):
        return text(f"run_labels.{value.kind}", language, gamma=f"{value.gamma:g}", every=value.step_size,
                    warmup=value.warmup_steps)
    return text(f"run_labels.{facet}", language, value=f"{value:g}")


def _distinguishing_facets(group: Sequence[OptimizerSettings]) -> list[str]:
    """The facets whose values differ within ``group``; the seed only where it alone tells two runs apart."""
    differing = [facet for facet in FACETS if facet != "seed"
                 and len({FACETS[facet](settings) for settings in group}) > 1]
    seen = [tuple(FACETS[facet](settings) for facet in differing) for settings in group]
    return differing + (["seed"] if len(set(seen)) < len(seen) else [])


def run_labels(settings: Sequence[OptimizerSettings], language: str = DEFAULT_LANGUAGE) -> list[str]:
    """A distinct label for each run of one race, in ``language``: its rule, and what sets it apart from
    the other runs of the same rule. Runs that differ in nothing are told apart by their slot number."""
    labels = []
    for settings_of_run in settings:
        group = [other for other in settings if other.kind is settings_of_run.kind]
        label = text(f"optimizers.{settings_of_run.kind.value}", language)
        for facet in _distinguishing_facets(group) if len(group) > 1 else ():
            value = FACETS[facet](settings_of_run)
            if value is not None:
                fragment = _fragment(facet, value, language)
                separator = " " if fragment.startswith("+") else text("run_labels.separator", language)
                label += separator + fragment
        labels.append(label)
    return [label if labels.count(label) == 1 else label + text("run_labels.slot", language, number=slot + 1)
            for slot, label in enumerate(labels)]

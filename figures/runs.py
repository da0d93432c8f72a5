"""What a figure needs to know about one optimizer run: its finite path, losses and label."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from figures.style import run_colour
from i18n import DEFAULT_LANGUAGE, text
from optimizers.trajectory import REASONS, Trajectories

# Trajectories state why a run stopped in English (``REASONS``); the catalogue has each reason by name.
REASON_NAMES = {sentence: name for name, sentence in REASONS.items()}


@dataclass(frozen=True)
class RunPath:
    """One run's valid prefix: ``points`` (n, 2) and ``losses`` (n,), both finite, n ≥ 1."""

    label: str
    colour: str
    points: np.ndarray
    losses: np.ndarray
    note: str = ""


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
        ))
    return paths

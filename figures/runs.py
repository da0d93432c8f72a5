"""What a figure needs to know about one optimizer run: its finite path, losses and label."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from figures.style import run_colour
from optimizers.trajectory import Trajectories


@dataclass(frozen=True)
class RunPath:
    """One run's valid prefix: ``points`` (n, 2) and ``losses`` (n,), both finite, n ≥ 1."""

    label: str
    colour: str
    points: np.ndarray
    losses: np.ndarray
    note: str = ""


def run_paths(trajectories: Trajectories, labels: Sequence[str], first: int = 0) -> list[RunPath]:
    """RunPaths for ``len(labels)`` runs of ``trajectories`` starting at run ``first``.

    Only the valid prefix of each run is kept, so a run that diverged never brings a NaN or an
    infinity into a figure; its label says where it stopped.
    """
    paths = []
    for offset, label in enumerate(labels):
        run = first + offset
        length = int(trajectories.lengths[run])
        note = trajectories.message(run)
        paths.append(RunPath(
            label=f"{label} — {note}" if note else label,
            colour=run_colour(offset),
            points=np.asarray(trajectories.theta[run, :length]),
            losses=np.asarray(trajectories.loss[run, :length]),
            note=note,
        ))
    return paths

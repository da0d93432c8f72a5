r"""Each arm's learning rate chosen the same way: the best of one grid, on a seed kept apart for it.

For a training ``settings_at(η)`` and a grid η₁ < … < η_K, every η is trained once on the tuning seed
(never one of the measured seeds) and the chosen rate is

.. math::

    \eta^\ast = \arg\min_k L_{\text{train}}(\theta_{\text{end}}; \eta_k),

the whole training set's loss after the last update; a run that diverged counts as +∞. Every arm gets the
same grid and the same number of updates, so no arm is favoured by the search.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from networks.training import TrainingRun, TrainingSettings, train


@dataclass(frozen=True)
class GridSearch:
    """The grid, each rate's final training loss (inf when it diverged), its run, and the rate chosen."""

    rates: tuple[float, ...]
    final_losses: tuple[float, ...]
    runs: tuple[TrainingRun, ...]

    @property
    def chosen(self) -> float:
        best = min(range(len(self.rates)), key=lambda index: (self.final_losses[index], self.rates[index]))
        if not math.isfinite(self.final_losses[best]):
            raise RuntimeError(f"every learning rate of {self.rates} diverged: the grid holds no usable rate")
        return self.rates[best]


def final_loss(run: TrainingRun) -> float:
    """The whole training set's loss at the end, +∞ when the run diverged."""
    return math.inf if run.diverged_at is not None else float(run.train_loss[-1])


def grid_search(settings_at: Callable[[float], TrainingSettings], rates: Sequence[float],
                progress: Callable[[float], None] | None = None) -> GridSearch:
    """Train ``settings_at(η)`` for each η of ``rates`` (see the module docstring)."""
    runs = []
    for index, rate in enumerate(rates):
        runs.append(train(settings_at(rate)))
        if progress is not None:
            progress((index + 1) / len(rates))
    return GridSearch(tuple(float(rate) for rate in rates), tuple(final_loss(run) for run in runs), tuple(runs))


def grid_fields(settings: dict) -> dict:
    """The setup sentence's fields shared by the experiments that choose η on a grid: the network, the budget,
    the seeds, the tuning seed and the grid (``settings`` as stored in a result)."""
    grid = settings["learning_rates"]
    return {"widths": "×".join(str(width) for width in settings["widths"]), "activation": settings["activation"],
            "updates": settings["updates"], "seeds": len(settings["seeds"]), "tuning_seed": settings["tuning_seed"],
            "grid_low": f"{grid[0]:g}", "grid_high": f"{grid[-1]:g}", "grid_size": len(grid)}

"""What every experiment's settings check the same way: its seeds and its learning rates."""

from __future__ import annotations

import math
from collections.abc import Sequence

from networks.data import check_seed


def check_seeds(seeds: Sequence[int]) -> None:
    """One or more distinct seeds, each one the data and the initialization accept."""
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct and at least one, got {seeds!r}")
    for seed in seeds:
        check_seed(seed)


def check_learning_rates(rates: Sequence[float]) -> None:
    """One or more finite, positive learning rates."""
    if not rates or any(isinstance(rate, bool) or not isinstance(rate, (int, float))
                        or not (math.isfinite(rate) and rate > 0) for rate in rates):
        raise ValueError(f"learning_rates must be positive numbers, got {rates!r}")

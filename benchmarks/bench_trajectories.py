"""How long the batched runner takes for the app's typical races (a script, not a test).

Run: ``.venv/bin/python benchmarks/bench_trajectories.py``. Prints the median of 5 timings per case,
and the share of one step spent in the loss's forward and backward passes, which the runner
cannot make cheaper.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizers.settings import OptimizerSettings, learning_rate_sweep  # noqa: E402
from optimizers.trajectory import run_trajectories  # noqa: E402

REPEATS = 5
BOUNDS = (-6.0, 6.0, -6.0, 6.0)
START = (-0.5, 0.5)
RACE = (
    OptimizerSettings("gd", 0.01),
    OptimizerSettings("momentum", 0.01),
    OptimizerSettings("rmsprop", 0.05),
    OptimizerSettings("adam", 0.1),
)


def himmelblau(points: torch.Tensor) -> torch.Tensor:
    x, y = points[..., 0], points[..., 1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def median_milliseconds(settings: tuple[OptimizerSettings, ...], steps: int) -> float:
    starts = np.tile(START, (len(settings), 1))
    run_trajectories(himmelblau, starts, settings, steps, BOUNDS)  # warm-up
    timings = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        run_trajectories(himmelblau, starts, settings, steps, BOUNDS)
        timings.append(time.perf_counter() - began)
    return 1e3 * statistics.median(timings)


def forward_and_backward_microseconds(runs: int, repeats: int = 2000) -> float:
    points = torch.tensor(np.tile(START, (runs, 1)), dtype=torch.float64)
    ones = torch.ones(runs, dtype=torch.float64)
    began = time.perf_counter()
    for _ in range(repeats):
        leaf = points.detach().requires_grad_(True)
        torch.autograd.grad(himmelblau(leaf), leaf, ones)
    return 1e6 * (time.perf_counter() - began) / repeats


def main() -> None:
    sweep = tuple(RACE[0].with_lr(rate) for rate in learning_rate_sweep(RACE[0]))
    cases = (
        ("4 optimizers × 1000 steps", RACE, 1000, 100),
        ("4 + 32 sweep runs × 1000 steps", RACE + sweep, 1000, 300),
        ("4 optimizers × 300 steps", RACE, 300, None),
    )
    print(f"{'case':34} {'median ms':>10} {'per step µs':>12} {'target ms':>10}")
    for name, settings, steps, target in cases:
        milliseconds = median_milliseconds(settings, steps)
        print(f"{name:34} {milliseconds:10.1f} {1e3 * milliseconds / steps:12.0f} {target or '':>10}")
    print(f"forward + torch.autograd.grad of Himmelblau alone: {forward_and_backward_microseconds(36):.0f} µs per step")


if __name__ == "__main__":
    main()

"""How long the batched runner takes for the app's typical races (a script, not a test).

Run: ``.venv/bin/python benchmarks/bench_trajectories.py``. Prints, per case, the median of 7 timings
of the wall clock and of this thread's CPU time (when other processes share the cores, the CPU time
is the steadier of the two), then the cost of one gradient evaluation of Himmelblau for 36 points:
eager autograd, and the recorded tape the runner replays instead (``optimizers.operation_tape``).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from optimizers.operation_tape import record_operations  # noqa: E402
from optimizers.settings import OptimizerSettings, learning_rate_sweep  # noqa: E402
from optimizers.trajectory import run_trajectories  # noqa: E402

REPEATS = 7
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


def median_milliseconds(settings: tuple[OptimizerSettings, ...], steps: int) -> tuple[float, float]:
    """Median wall-clock and thread-CPU milliseconds of one ``run_trajectories`` call."""
    starts = np.tile(START, (len(settings), 1))
    run_trajectories(himmelblau, starts, settings, steps, BOUNDS)  # warm-up
    wall, cpu = [], []
    for _ in range(REPEATS):
        began, began_cpu = time.perf_counter(), time.thread_time()
        run_trajectories(himmelblau, starts, settings, steps, BOUNDS)
        wall.append(time.perf_counter() - began)
        cpu.append(time.thread_time() - began_cpu)
    return 1e3 * statistics.median(wall), 1e3 * statistics.median(cpu)


def loss_and_gradient(points: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    leaf = points.detach().requires_grad_(True)
    values = himmelblau(leaf)
    (gradient,) = torch.autograd.grad(values.sum(), leaf)
    return values.detach(), gradient


def gradient_microseconds(runs: int, repeats: int = 2000) -> tuple[float, float]:
    """Microseconds per evaluation of L and ∇L at ``runs`` points: eager autograd, and the replayed tape."""
    points = torch.tensor(np.tile(START, (runs, 1)), dtype=torch.float64)
    _, tape = record_operations(loss_and_gradient, points, points + 0.25)
    timings = []
    for function in (loss_and_gradient, tape):
        began = time.perf_counter()
        for _ in range(repeats):
            function(points)
        timings.append(1e6 * (time.perf_counter() - began) / repeats)
    return timings[0], timings[1]


def main() -> None:
    sweep = tuple(RACE[0].with_lr(rate) for rate in learning_rate_sweep(RACE[0]))
    cases = (
        ("4 optimizers × 1000 steps", RACE, 1000, 100),
        ("4 + 32 sweep runs × 1000 steps", RACE + sweep, 1000, 300),
        ("4 optimizers × 300 steps", RACE, 300, None),
    )
    print(f"{'case':34} {'median ms':>10} {'CPU ms':>8} {'per step µs':>12} {'target ms':>10}")
    for name, settings, steps, target in cases:
        milliseconds, cpu_milliseconds = median_milliseconds(settings, steps)
        per_step = 1e3 * milliseconds / steps
        print(f"{name:34} {milliseconds:10.1f} {cpu_milliseconds:8.1f} {per_step:12.0f} {target or '':>10}")
    eager, replayed = gradient_microseconds(36)
    print(f"L and ∇L of Himmelblau at 36 points: eager autograd {eager:.0f} µs, replayed tape {replayed:.0f} µs")


if __name__ == "__main__":
    main()

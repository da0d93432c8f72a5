"""Server-side cost of one explorer rerun, by stage, and the size of what it sends (a script, not a test).

Run: ``.venv/bin/python benchmarks/bench_explorer.py``. Two scenes: the default view (Himmelblau,
3 optimizers × 200 steps) and the heavy one (4 optimizers × 1,000 steps). Each rerun that misses
the cache computes the race (the chosen optimizers and the 32-value learning-rate sweep in one
batched loop), builds the four figures (plotly specs) and serialises them to the bytes the live charts send. Medians of 5.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from components.live_chart import chart_payload  # noqa: E402
from optimizers.settings import OptimizerSettings  # noqa: E402
from optimizers.trajectory import run_trajectories  # noqa: E402
from scenes.explorer import explorer_figures, race, surface_view  # noqa: E402
from surfaces.catalogue import get_surface  # noqa: E402
from surfaces.choice import SurfaceChoice  # noqa: E402

REPEATS = 5
CHOICE = SurfaceChoice("himmelblau")
RACE = (
    OptimizerSettings("gd", 0.01),
    OptimizerSettings("momentum", 0.01),
    OptimizerSettings("rmsprop", 0.05),
    OptimizerSettings("adam", 0.1),
)
SCENES = {"default view: 3 optimizers × 200 steps": (RACE[:3], 200),
          "4 optimizers × 1,000 steps": (RACE, 1000)}


def median_ms(action) -> float:
    action()
    timings = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
    return 1e3 * statistics.median(timings)


def main() -> None:
    surface = get_surface("himmelblau")
    start = surface.starts[0]
    view = surface_view(CHOICE)
    print(f"surface view (200×200 raster + iso-lines, 70×70 3D grid): {median_ms(lambda: surface_view(CHOICE)):.0f} ms")
    print()
    print(f"{'scene':42s} {'optimizers':>10s} {'+sweep':>8s} {'figures':>8s} {'to JSON':>8s} {'total':>7s}   JSON size")
    for name, (settings, steps) in SCENES.items():
        bounds = surface.domain.padded(1.0).bounds
        only = median_ms(lambda: run_trajectories(surface.loss, [start] * len(settings), settings, steps, bounds))
        batched = median_ms(lambda: race(CHOICE, start, settings, steps, 0))
        result = race(CHOICE, start, settings, steps, 0)
        labels = [setting.kind.label for setting in settings]
        building = median_ms(lambda: explorer_figures(view, result, labels, 0))
        figures = explorer_figures(view, result, labels, 0)
        charts = (figures.race, figures.surface, figures.curves, figures.sweep)
        serialising = median_ms(lambda: [chart_payload(chart) for chart in charts])
        sizes = {label: len(chart_payload(chart)) / 1e6 for label, chart in zip(("race", "3D", "curves", "sweep"), charts)}
        total = batched + building + serialising
        listed = ", ".join(f"{label} {size:.2f}" for label, size in sizes.items())
        print(f"{name:42s} {only:8.0f}ms {batched:6.0f}ms {building:6.0f}ms {serialising:6.0f}ms {total:5.0f}ms"
              f"   {sum(sizes.values()):.2f} MB ({listed})")


if __name__ == "__main__":
    main()

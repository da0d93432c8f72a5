"""How long the critical-point atlas takes for every built-in surface (a script, not a test).

Run: ``.venv/bin/python benchmarks/bench_atlas.py``. The atlas is multi-start Newton on ∇L from a grid
of seeds, deduplicated and classified by the Hessian (``analysis.atlas``); the inspector computes it
once per surface and caches it. Prints the median of 3 timings per surface and what it found.
Target (issue 3): ≤ 1 s per built-in surface.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.atlas import find_critical_points  # noqa: E402
from surfaces.catalogue import SURFACES  # noqa: E402

REPEATS = 3


def main() -> None:
    find_critical_points(SURFACES["saddle"])  # warm-up: first autograd calls
    print(f"{'surface':22s} {'median ms':>9s}   found")
    slowest = 0.0
    for key, surface in SURFACES.items():
        timings = []
        for _ in range(REPEATS):
            began = time.perf_counter()
            atlas = find_critical_points(surface)
            timings.append(time.perf_counter() - began)
        kinds = Counter(point.kind.value for point in atlas.points)
        found = ", ".join(f"{count} {kind}" for kind, count in sorted(kinds.items()))
        if atlas.non_isolated:
            found += " (a non-isolated set)"
        median = 1e3 * statistics.median(timings)
        slowest = max(slowest, median)
        print(f"{key:22s} {median:9.0f}   {found}")
    print(f"slowest: {slowest:.0f} ms (target ≤ 1000 ms)")


if __name__ == "__main__":
    main()

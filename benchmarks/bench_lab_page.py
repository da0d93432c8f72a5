"""What the Network Lab's default view costs: its trainings, the Hessian report at the end point, the
sharpness curve and the landscape plane (a script, not a test).

Run: ``.venv/bin/python benchmarks/bench_lab_page.py``. It computes, in this one process and in the order
the page asks for them, what the page's default settings need (``scenes.network_lab``'s jobs, which a
server's worker computes the same way), after a warm-up (``networks.training.warm_up``, as each worker does at
start), and prints wall and CPU seconds of each and the process's peak RSS.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from networks.training import build, warm_up  # noqa: E402
from scenes import network_lab  # noqa: E402
from scenes.lab_pictures import plane_setup  # noqa: E402
from ui.lab_controls import LEARNING_RATES, SLOT_DEFAULTS  # noqa: E402


def timed(label: str, work):
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    print(f"| {label} | {time.perf_counter() - wall:.2f} | {time.process_time() - cpu:.2f} |", flush=True)
    return result


def main() -> None:
    torch.set_num_threads(1)  # as a worker computes (workers.worker_side)
    warm_up()
    from dataclasses import replace

    from networks.training import TrainingSettings
    from optimizers.settings import OptimizerSettings

    trainings = [replace(TrainingSettings(), optimizer=OptimizerSettings(kind, LEARNING_RATES[kind], batch_size=64))
                 for kind in SLOT_DEFAULTS[:2]]
    print(f"load average {os.getloadavg()[0]:.1f}; P = {trainings[0].parameter_count:,}\n")
    print("| the Lab's default view | wall s | CPU s |\n|---|---:|---:|")
    runs = [timed(f"training {index + 1} ({training.optimizer.kind.value}, {training.update_count} updates)",
                  lambda training=training: network_lab.train_job(training)) for index, training in enumerate(trainings)]
    first = runs[0]
    inspection = timed("Hessian report at run 1's end (+ its two eigenvector slices)",
                       lambda: network_lab.inspection_job(trainings[0], first.snapshots[-1], first.buffers[-1]))
    rows = network_lab.sharpness_rows(first)
    timed(f"sharpness λ_max at {len(rows)} snapshots of run 1",
          lambda: network_lab.sharpness_job(trainings[0], first.snapshots[rows], [first.buffers[r] for r in rows]))
    setup = timed("PCA plane of both paths", lambda: plane_setup(runs, build(trainings[0]), "pca"))
    timed(f"landscape {network_lab.PLANE_POINTS}×{network_lab.PLANE_POINTS} on {network_lab.CURVATURE_SAMPLES} examples",
          lambda: network_lab.plane_job(trainings[0], setup.centre, setup.buffers, setup.directions, setup.extent,
                                        setup.kind, setup.explained))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nverdict at the end point: {inspection.report.verdict} (‖g‖ = {inspection.report.gradient_norm:.2e}); "
          f"peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()

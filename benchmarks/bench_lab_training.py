"""How long Network Lab trainings take: the default and the largest the settings allow (a script, not a test).

Run: ``.venv/bin/python benchmarks/bench_lab_training.py``. For each family of settings it finds the most
epochs (or updates) ``TrainingSettings`` accepts (its check is ``estimated_seconds`` ≤ MAX_ESTIMATED_SECONDS,
CPU seconds on one core), trains once and prints the estimate, the CPU time and the wall time, with the
load average (the machine is shared: wall time is what a student waits). Targets (issue 14): the default
≤ 3 s, the largest allowed ≤ 30 s. The first training of a process also pays torch's lazy import of
``torch._dynamo`` (about 1.5 s of CPU, on the first ``torch.optim`` optimizer) and scikit-learn's import:
timed separately as "cold".
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from networks.data import load_data  # noqa: E402
from networks.models import ModelSettings  # noqa: E402
from networks.training import MAX_EPOCHS, MAX_UPDATES, TrainingSettings, train  # noqa: E402
from optimizers.settings import OptimizerSettings  # noqa: E402


def largest(field: str, **fields) -> TrainingSettings | None:
    """The settings with the most ``field`` (epochs or updates) that the checks accept, by bisection."""
    def accepted(count: int) -> bool:
        try:
            TrainingSettings(**{field: count}, **fields)
        except ValueError:
            return False
        return True

    low, high = 1, MAX_UPDATES if field == "updates" else MAX_EPOCHS
    if not accepted(low):
        return None
    while low < high:
        middle = (low + high + 1) // 2
        low, high = (middle, high) if accepted(middle) else (low, middle - 1)
    return TrainingSettings(**{field: low}, **fields)


def optimizer(batch_size: int, lr: float = 0.05) -> OptimizerSettings:
    return OptimizerSettings(kind="momentum", lr=lr, batch_size=batch_size)


CASES = {
    "digits MLP (32, 32) B=1": lambda: largest("updates", optimizer=optimizer(1, 0.005)),
    "digits MLP (32, 32) BN B=2": lambda: largest("updates", model=ModelSettings(batch_norm=True),
                                                  optimizer=optimizer(2, 0.005)),
    "mnist MLP (128, 128) B=1": lambda: largest("updates", data="mnist", model=ModelSettings((128, 128)),
                                                optimizer=optimizer(1, 0.001)),
    "mnist MLP (128, 128) full batch": lambda: largest("epochs", data="mnist", model=ModelSettings((128, 128)),
                                                       optimizer=optimizer(0)),
    "mnist MLP (64,) B=16": lambda: largest("epochs", data="mnist", model=ModelSettings((64,)),
                                            optimizer=optimizer(16, 0.01)),
    "mnist CNN (16, 16) B=64": lambda: largest("epochs", data="mnist", model=ModelSettings((16, 16), kind="cnn"),
                                               optimizer=optimizer(64)),
    "digits CNN (8, 16) B=64": lambda: largest("epochs", model=ModelSettings((8, 16), kind="cnn"),
                                               optimizer=optimizer(64)),
    "moons MLP (256,)×4 B=1": lambda: largest("updates", data="moons", model=ModelSettings((256,) * 4),
                                              optimizer=optimizer(1, 0.001)),
}


def timed(settings: TrainingSettings) -> tuple[float, float, object]:
    cpu, wall = time.process_time(), time.perf_counter()
    run = train(settings)
    return time.process_time() - cpu, time.perf_counter() - wall, run


def main() -> None:
    cpu, wall, _ = timed(TrainingSettings())
    print(f"cold default (first training of the process, data included): {cpu:.2f} s CPU, {wall:.2f} s wall")
    load_data("mnist")
    print("| settings | epochs | updates U | parameters P | estimate s | CPU s | wall s | snapshots MB | "
          "validation accuracy | load average |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, make in {"default (digits MLP (32, 32) B=64, 20 epochs)": TrainingSettings, **CASES}.items():
        settings = make()
        if settings is None:
            print(f"| {label} | not allowed |")
            continue
        cpu, wall, run = timed(settings)
        epochs = "" if settings.updates else settings.epochs
        print(f"| {label} | {epochs} | {settings.update_count:,} | {run.parameter_count:,} | "
              f"{settings.estimated_seconds:.1f} | {cpu:.1f} | {wall:.1f} | {run.snapshots.nbytes / 2**20:.1f} | "
              f"{run.validation_accuracy[-1]:.3f} | {os.getloadavg()[0]:.1f} |", flush=True)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()

"""Compute an experiment's full preset into its results file, or check that the file is what it computes.

    python scripts/run_experiment.py batch_size            # writes experiments/results/batch_size.json
    python scripts/run_experiment.py batch_size --check    # runs again, compares, writes nothing
    python scripts/run_experiment.py all                   # every experiment, in the lecture's order

The check compares everything but the result's ``"timing"`` entry exactly (one thread, the same seeds).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from experiments.registry import NAMES, experiment, run_settings  # noqa: E402
from experiments.results import differences, jsonable, read_results, reproducible_part, write_results  # noqa: E402


def progress_printer(name: str):
    shown = [-1]

    def show(fraction: float) -> None:
        percent = int(100 * fraction)
        if percent // 5 != shown[0] // 5:
            shown[0] = percent
            print(f"  {name}: {percent} %", file=sys.stderr, flush=True)
    return show


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", choices=(*NAMES, "all"))
    parser.add_argument("--preset", default="full")
    parser.add_argument("--check", action="store_true", help="compare with the results file instead of writing it")
    arguments = parser.parse_args()
    failed = False
    for name in NAMES if arguments.name == "all" else (arguments.name,):
        settings = experiment(name).PRESETS[arguments.preset]
        start = time.perf_counter()
        result = run_settings(name, settings, progress_printer(name))
        seconds = time.perf_counter() - start
        if arguments.check:
            stored = read_results(name)
            if stored is None:
                print(f"{name}: no results file to check", file=sys.stderr)
                failed = True
                continue
            found = differences(stored.settings, jsonable(settings), where="settings") + differences(
                reproducible_part(stored.result), reproducible_part(result))
            print(f"{name}: {'reproduced' if not found else 'DIFFERS'} ({seconds:.0f} s)")
            for line in found[:20]:
                print("  " + line)
            failed |= bool(found)
        else:
            command = f"python scripts/run_experiment.py {name}" + (
                f" --preset {arguments.preset}" if arguments.preset != "full" else "")
            path = write_results(name, arguments.preset, settings, result, seconds, command)
            print(f"{name}: {seconds:.0f} s → {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

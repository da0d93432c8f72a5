"""Results files: a full experiment's result, computed by ``scripts/run_experiment.py``, with how and when.

``experiments/results/<name>.json`` holds the experiment's name, the preset and its settings (as JSON), the
result, and its provenance: the command, the date (UTC), the seconds it took, the machine, the library
versions and the one thread it ran on. Everything but the result's ``"timing"`` entries is a function of the
settings and their seeds: :func:`reproducible_part` is what running the script again must give back.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import os
import platform
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import torch
from threadpoolctl import threadpool_limits

RESULTS_DIRECTORY = Path(__file__).resolve().parent / "results"
TIMING = "timing"  # the result's entry of machine-dependent numbers (seconds, rates)


def jsonable(value: object) -> object:
    """``value`` as plain JSON types: dataclasses as dicts, enums by value, tuples and arrays as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: jsonable(getattr(value, item.name)) for item in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value)
    if value is None or isinstance(value, str):
        return value
    raise TypeError(f"cannot store a {type(value).__name__} in a results file")


@contextmanager
def single_thread() -> Iterator[None]:
    """One thread for torch and the BLAS within the block: the same sums in the same order, every time."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(limits=1):
            yield
    finally:
        torch.set_num_threads(threads)


def results_path(name: str) -> Path:
    return RESULTS_DIRECTORY / f"{name}.json"


@dataclass(frozen=True)
class ResultsFile:
    experiment: str
    preset: str
    settings: dict
    computed: dict
    result: dict


def machine() -> dict:
    return {"platform": platform.platform(), "processor": platform.machine(), "cores": os.cpu_count(),
            "python": sys.version.split()[0], "torch": torch.__version__, "numpy": np.__version__, "threads": 1}


def write_results(name: str, preset: str, settings: object, result: dict, seconds: float, command: str,
                  path: Path | None = None) -> Path:
    """Store a result with its provenance (keys sorted, one file per experiment)."""
    path = path or results_path(name)
    document = {
        "experiment": name, "preset": preset, "settings": jsonable(settings),
        "computed": {"command": command, "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                     "seconds": round(seconds, 1), "machine": machine()},
        "result": jsonable(result),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, sort_keys=True, allow_nan=True) + "\n", encoding="utf-8")
    return path


def read_results(name: str, path: Path | None = None) -> ResultsFile | None:
    """The stored results of experiment ``name``, or None when it has none."""
    path = path or results_path(name)
    if not path.is_file():
        return None
    document = json.loads(path.read_text(encoding="utf-8"))
    return ResultsFile(document["experiment"], document["preset"], document["settings"], document["computed"],
                       document["result"])


def reproducible_part(result: dict) -> dict:
    """The result without its machine-dependent ``"timing"`` entry."""
    return {key: value for key, value in jsonable(result).items() if key != TIMING}


def differences(expected: object, actual: object, relative: float = 0.0, where: str = "result") -> list[str]:
    """Where two JSON values differ (numbers by more than ``relative``, NaN equal to NaN); empty when equal."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        if expected.keys() != actual.keys():
            return [f"{where}: keys {sorted(expected)} ≠ {sorted(actual)}"]
        return [line for key in expected for line in differences(expected[key], actual[key], relative, f"{where}.{key}")]
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{where}: {len(expected)} items ≠ {len(actual)}"]
        return [line for index, (a, b) in enumerate(zip(expected, actual))
                for line in differences(a, b, relative, f"{where}[{index}]")]
    if isinstance(expected, bool) != isinstance(actual, bool):
        return [f"{where}: {expected!r} ≠ {actual!r}"]
    numbers = (int, float)
    if isinstance(expected, numbers) and isinstance(actual, numbers) and not isinstance(expected, bool):
        if math.isnan(expected) and math.isnan(actual):
            return []
        if expected == actual or abs(expected - actual) <= relative * max(abs(expected), abs(actual)):
            return []
        return [f"{where}: {expected!r} ≠ {actual!r}"]
    return [] if expected == actual else [f"{where}: {expected!r} ≠ {actual!r}"]

"""The experiments for the page: results files read once, live runs in the worker processes, both bounded caches."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial

from experiments import registry
from experiments.registry import NAMES
from experiments.results import ResultsFile, read_results
from ui.lab_compute import at_once, run_job

LIVE_TIMEOUT = 180.0  # seconds: a live preset takes ≤ 15 s on one quiet core; a class queues behind one worker


@lru_cache(maxsize=len(NAMES))
def stored(name: str) -> ResultsFile | None:
    return read_results(name)


@lru_cache(maxsize=16)
def _live(name: str, first_seed: int) -> dict:
    return run_job("experiment", registry.live_job, name, first_seed, timeout=LIVE_TIMEOUT, key=(name, first_seed))


def live(name: str, first_seed: int, owner: object, draw: Callable[[float], None]) -> dict | Exception:
    """The live preset of ``name`` from ``first_seed`` (computed in a worker, or the cache's), drawing progress."""
    return at_once([partial(_live, name, first_seed)], owner, draw)[0]

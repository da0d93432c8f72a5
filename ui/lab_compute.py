"""The Network Lab's computations, sent to the worker processes (``workers.POOL``) and cached with bounds.

A training, a sharpness curve, a Hessian report or a loss plane is computed once per its settings and
kept in a bounded LRU cache (the keys come from the URL and the widgets). The page's progress bar is
passed through :func:`reporting` rather than as an argument, so that it is not part of the cache key.
Each session owns its jobs: a newer job of the same kind from the same session supersedes the older one
(the pool cancels it), and a job another session already asked for is joined, not computed twice.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import contextmanager
from functools import lru_cache, partial
from typing import TypeVar

import numpy as np

from analysis.landscape_planes import LossPlane
from networks.training import TrainingRun, TrainingSettings
from scenes import network_lab
from scenes.lab_pictures import PlaneSetup
from workers.pool import POOL

TRAINING_TIMEOUT = 60.0  # seconds: the largest allowed training takes ≤ 30 s here
CURVATURE_TIMEOUT = 60.0
POLL_SECONDS = 0.1  # how often the page redraws its progress bar while the workers train
_local = threading.local()
T = TypeVar("T")
# Threads that wait for the workers, so that the optimizers of one Lab run train at once (one per worker).
_WAITERS = ThreadPoolExecutor(max_workers=96, thread_name_prefix="lab-wait")  # a class of 30 × 3 optimizers


@contextmanager
def reporting(progress: Callable[[float], None] | None, owner: object, slot: object = None) -> Iterator[None]:
    """Within the block, computations report their progress to ``progress`` and belong to ``(owner, slot)``."""
    _local.progress, _local.owner, _local.slot = progress, owner, slot
    try:
        yield
    finally:
        _local.progress = _local.owner = _local.slot = None


def run_job(kind: str, function, *args, timeout: float, key) -> object:
    """``function(*args)`` in a worker (joined with the same ``(kind, key)`` job of any session), reporting to
    and owned as set by :func:`reporting`."""
    owner = getattr(_local, "owner", None)
    return POOL.run(function, *args, timeout=timeout, progress=getattr(_local, "progress", None), key=(kind, key),
                    owner=None if owner is None else (owner, kind, getattr(_local, "slot", None)))


@lru_cache(maxsize=12)
def training_run(settings: TrainingSettings) -> TrainingRun:
    return run_job("train", network_lab.train_job, settings, timeout=TRAINING_TIMEOUT, key=settings)


def at_once(calls: Sequence[Callable[[], T]], owner: object, draw: Callable[[float], None]) -> list[T | Exception]:
    """Run every call at once, each in a waiter thread (its jobs then run in the workers side by side), calling
    ``draw(mean fraction done)`` from this thread while they run; each result, or the exception that stopped it."""
    fractions = [0.0] * len(calls)

    def one(slot: int, call: Callable[[], T]) -> T:
        with reporting(lambda fraction: fractions.__setitem__(slot, fraction), owner, slot):
            return call()

    futures = [_WAITERS.submit(one, slot, call) for slot, call in enumerate(calls)]
    while wait(futures, timeout=POLL_SECONDS).not_done:
        draw(sum(fractions) / len(fractions))
    return [future.exception() or future.result() for future in futures]


def training_runs(trainings: Sequence[TrainingSettings], owner: object,
                  draw: Callable[[float], None]) -> list[TrainingRun | Exception]:
    """Train every setting at once (each in a worker); each run, or the exception that stopped it."""
    return at_once([partial(training_run, settings) for settings in trainings], owner, draw)


class _ArrayKey:
    """A NumPy array as a cache key, by its bytes (hashable, compared by value)."""

    __slots__ = ("array", "_hash")

    def __init__(self, array: np.ndarray) -> None:
        self.array = np.ascontiguousarray(array)
        self._hash = hash((self.array.shape, self.array.dtype.str, self.array.tobytes()))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ArrayKey) and np.array_equal(self.array, other.array)


@lru_cache(maxsize=12)
def sharpness_curve(settings: TrainingSettings) -> tuple[np.ndarray, np.ndarray]:
    """(updates, λ_max) at up to ``SHARPNESS_POINTS`` of the run's snapshots, evenly spread."""
    run = training_run(settings)
    rows = network_lab.sharpness_rows(run)
    values = run_job("sharpness", network_lab.sharpness_job, settings, run.snapshots[rows],
                  [run.buffers[row] for row in rows], timeout=CURVATURE_TIMEOUT, key=settings)
    return run.snapshot_updates[rows], values


@lru_cache(maxsize=24)
def inspection(settings: TrainingSettings, snapshot: int) -> network_lab.PointInspection:
    """The Hessian at snapshot ``snapshot`` of the training ``settings``."""
    run = training_run(settings)
    return run_job("inspect", network_lab.inspection_job, settings, run.snapshots[snapshot], run.buffers[snapshot],
                timeout=CURVATURE_TIMEOUT, key=(settings, snapshot))


@lru_cache(maxsize=16)
def plane_inspection(settings: TrainingSettings, point: _ArrayKey, buffers_of: tuple) -> network_lab.PointInspection:
    return run_job("inspect", network_lab.inspection_job, settings, point.array,
                {name: value.array for name, value in buffers_of},
                timeout=CURVATURE_TIMEOUT, key=(settings, point))


def inspection_at_point(settings: TrainingSettings, point: np.ndarray, buffers: dict) -> network_lab.PointInspection:
    """The Hessian at any point ``point`` of the parameter space (a click on the landscape)."""
    frozen = tuple(sorted((name, _ArrayKey(np.asarray(value))) for name, value in buffers.items()))
    return plane_inspection(settings, _ArrayKey(point), frozen)


@lru_cache(maxsize=12)
def interpolation(settings: TrainingSettings) -> tuple[np.ndarray, np.ndarray]:
    """The loss on the line from the run's start through its end (its last finite snapshot)."""
    run = training_run(settings)
    last = int(network_lab.finite_snapshots(run)[-1])
    return run_job("line", network_lab.interpolation_job, settings, run.snapshots[0], run.snapshots[last],
                run.buffers[last], timeout=CURVATURE_TIMEOUT, key=settings)


@lru_cache(maxsize=8)
def loss_plane(settings: TrainingSettings, centre: _ArrayKey, buffers_of: tuple, directions: _ArrayKey,
               extent: tuple[float, float, float, float], kind: str, explained: _ArrayKey | None) -> LossPlane:
    buffers = {name: value.array for name, value in buffers_of}
    return run_job("plane", network_lab.plane_job, settings, centre.array, buffers, directions.array, extent, kind,
                None if explained is None else explained.array, timeout=CURVATURE_TIMEOUT,
                key=(settings, centre, directions, extent))


def plane(settings: TrainingSettings, setup: PlaneSetup) -> LossPlane:
    """The training loss on ``setup``'s plane."""
    frozen = tuple(sorted((name, _ArrayKey(np.asarray(value))) for name, value in setup.buffers.items()))
    explained = None if setup.explained is None else _ArrayKey(setup.explained)
    return loss_plane(settings, _ArrayKey(setup.centre), frozen, _ArrayKey(setup.directions), setup.extent,
                      setup.kind, explained)

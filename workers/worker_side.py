"""What runs inside a pool's worker process: its set-up, the call of a job, and the job's reporter.

A worker is a fresh interpreter (the ``spawn`` start method: nothing of the server is copied into it).
Its initializer receives two channels shared with the server, created with the pool:

* ``reports``: a ``multiprocessing.Queue`` on which the worker says hello (its pid, so the server can
  stop a worker that will not end) and on which each job's :class:`Reporter` sends its progress;
* ``cancelled``: a shared byte array, one flag per job slot (job id modulo its length), that the server
  sets to supersede a running job; the reporter reads it at each report and raises :class:`Superseded`.

A flag is one byte written by one process and read by another: no lock is needed.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import time

# Seconds between two progress messages of a job (the last one, 1.0, always goes): a function may
# report at every update; the server's callers draw a progress bar.
REPORT_INTERVAL = 0.1

# Seconds after a job before the worker hands the heap it freed back to the OS (glibc's malloc_trim, in
# a thread of its own: ctypes releases the GIL): by then the answer was sent and freed, and the caller
# never waits for the trim (the old race process also trimmed after answering).
TRIM_DELAY = 0.2
NICENESS = 10  # added to a worker's nice value: the server's own threads go first when both want a core

_reports = None
_cancelled = None
_job_ended = threading.Event()


class Superseded(Exception):
    """The job was cancelled: its owner asked for a newer one ("superseded by a newer setting")."""


def initialize(reports, cancelled, preload: tuple[str, ...], threads: int) -> None:
    """A new worker's set-up: ``threads`` compute threads, a lower scheduling priority, keep the channels,
    import ``preload`` (torch takes 1-2 s; ``"module:function"`` also calls the function, e.g. a warm-up),
    say hello.

    The priority (``NICENESS``): a worker's long jobs (a class training thirty networks) must not take the
    core the server needs to answer every student's clicks; the kernel gives the server its turn first.

    One thread per worker, as many workers as cores: with torch's default (a thread per core in each
    process) a 2.4-s training took 42 s on this two-core machine under load, its threads waiting on
    each other (``benchmarks/classroom_training.py``'s stand-in, measured).
    """
    global _reports, _cancelled
    _reports, _cancelled = reports, cancelled
    try:
        os.nice(NICENESS)
    except (AttributeError, OSError):  # not on this platform: the same jobs, without the courtesy
        pass
    for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[variable] = str(threads)  # read by torch and numpy when they load, below or in a job
    for name in preload:  # "module" is imported; "module:function" is imported and the function called
        module_name, _, function = name.partition(":")
        module = importlib.import_module(module_name)
        if function:
            getattr(module, function)()
    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    from ui.memory_trim import malloc_trim  # pure (ctypes)

    trim = malloc_trim()
    if trim is not None:
        threading.Thread(target=_trim_after_jobs, args=(trim,), name="malloc-trim", daemon=True).start()
    reports.put(("hello", 0, os.getpid()))


def _trim_after_jobs(trim) -> None:
    while True:
        _job_ended.wait()
        time.sleep(TRIM_DELAY)
        _job_ended.clear()  # (jobs that ended meanwhile are trimmed now too)
        trim(0)


def slot(job: int, slots: int) -> int:
    return job % slots


def is_cancelled(job: int) -> bool:
    return _cancelled is not None and bool(_cancelled[slot(job, len(_cancelled))])


class Reporter:
    """The ``progress`` handed to a job's function: ``progress(fraction)`` sends ``fraction`` ∈ [0, 1] to
    the waiting callers and raises :class:`Superseded` if the job was cancelled. Picklable (an int)."""

    def __init__(self, job: int) -> None:
        self.job = job
        self._last = float("-inf")

    def __call__(self, fraction: float) -> None:
        if is_cancelled(self.job):
            raise Superseded("superseded by a newer setting")
        now = time.monotonic()
        if _reports is not None and (now - self._last >= REPORT_INTERVAL or fraction >= 1.0):
            self._last = now
            _reports.put(("progress", self.job, float(fraction)))


def call(job: int, function, args: tuple, reports: bool):
    """Run one job: ``function(*args)``, with ``progress=Reporter(job)`` when the caller wants reports."""
    if is_cancelled(job):  # superseded while it waited in the queue
        raise Superseded("superseded by a newer setting")
    try:
        return function(*args, progress=Reporter(job)) if reports else function(*args)
    finally:
        _job_ended.set()


def warm() -> int:
    """The pool's first job for each worker: nothing to do beyond the initializer's imports."""
    return os.getpid()

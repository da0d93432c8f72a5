"""Long computations in worker processes, so that a classroom uses both cores.

Streamlit serves every session from one Python process, and a race or a training is Python-bound: it
holds the GIL. :class:`WorkerPool` hands such calls to a ``concurrent.futures.ProcessPoolExecutor``
(``spawn`` start method, one worker per core but one); the session's script thread waits without the
GIL and the server serves the other sessions meanwhile.

``POOL.run(function, *args, timeout=…)`` returns ``function(*args)``:

* **inline** (in the calling thread) until the server started the pool (AppTest, scripts) and, once
  started, until its workers have imported what they need (``preload``, a few seconds after start:
  their imports must not slow the first visitor's page on two cores);
* **errors** raised by ``function`` are raised by ``run`` as they would be inline;
* **timeout** seconds of waiting → ``TimeoutError``;
* a worker that died (``BrokenProcessPool``) → the pool is replaced and the job submitted once more;
* **progress**: given a callable, ``function`` receives ``progress=`` (see ``workers.worker_side``),
  and each fraction it reports is passed to the caller's ``progress`` in the caller's own thread;
* **key**: a job with the same key still running is joined, not computed twice;
* **owner** (a session id): a newer job of the same owner supersedes the older one: a pending job is
  cancelled, a running one raises :class:`Superseded` at its next progress report (so only jobs that
  report can be stopped once running). Jobs others still wait for are left alone.

A caller that stops waiting (timeout, or its ``progress`` raised, as Streamlit does when a newer rerun
stops the script) cancels the job the same way when nobody else waits for it.
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Hashable
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from workers import worker_side
from workers.worker_side import Superseded

_LOG = logging.getLogger(__name__)
CANCEL_SLOTS = 4096  # job flags in shared memory: far more than jobs ever in flight at once
# One core stays with the server, which builds every session's page: on two cores, 30 students had
# p95 1.7-3.0 s with two workers against 1.5 s with one (as with no pool), and two workers held ~300 MB
# more (bench_classroom, same machine state).
WORKERS = max(1, (os.cpu_count() or 1) - 1)
THREADS = 1  # compute threads per worker (see workers.worker_side.initialize)
STOP_GRACE = 3.0  # seconds a running job gets to end before stop() kills its worker
LONG_JOB = 1.0  # seconds: a race takes 0.02-0.3 s, a training seconds
_DONE = object()


@dataclass(eq=False)
class _Job:
    id: int
    key: Hashable | None
    future: Future
    waiting: list[tuple[queue.SimpleQueue, Hashable | None]] = field(default_factory=list)
    owners: set = field(default_factory=set)
    submitted: float = field(default_factory=time.monotonic)


@dataclass(eq=False)
class _Executor:
    """One generation of the pool: a broken pool is replaced whole, channels included."""
    executor: ProcessPoolExecutor
    reports: object  # multiprocessing.Queue
    cancelled: object  # multiprocessing RawArray of bytes
    pids: set[int] = field(default_factory=set)
    ready: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    timer: threading.Timer | None = None


class WorkerPool:
    def __init__(self, workers: int = WORKERS, preload: tuple[str, ...] = (), threads: int = THREADS) -> None:
        self.workers, self.preload, self.threads = workers, preload, threads
        self._lock = threading.RLock()
        self._pool: _Executor | None = None
        self._ids = itertools.count(1)
        self._jobs: dict[int, _Job] = {}
        self._by_key: dict[Hashable, _Job] = {}
        self._by_owner: dict[Hashable, _Job] = {}
        self.restarts = 0
        self.computed = 0  # jobs the workers finished (for tests and benchmarks)

    @property
    def started(self) -> bool:
        return self._pool is not None

    @property
    def busy(self) -> bool:
        """At least as many jobs as workers have been in flight for over ``LONG_JOB`` seconds (trainings):
        a short job would queue behind them."""
        since = time.monotonic() - LONG_JOB
        return sum(job.submitted < since for job in list(self._jobs.values())) >= self.workers

    @property
    def worker_pids(self) -> set[int]:
        pool = self._pool
        return set(pool.pids) if pool is not None else set()

    def start(self, delay: float = 0.0) -> None:
        """Create the pool; its workers spawn and import ``preload`` ``delay`` seconds from now. Idempotent."""
        with self._lock:
            if self._pool is None:
                self._pool = self._new_pool(delay)

    def wait_ready(self, timeout: float) -> bool:
        pool = self._pool
        return pool is not None and pool.ready.wait(timeout)

    def stop(self) -> None:
        """Cancel every job, end the workers (killed after ``STOP_GRACE`` s if a job will not end), wait."""
        with self._lock:
            pool, self._pool = self._pool, None
            if pool is None:
                return
            for job in list(self._jobs.values()):  # (a cancelled job leaves _jobs at once)
                self._cancel(job, pool)
        _close(pool)

    def run(self, function: Callable, *args, timeout: float, progress: Callable[[float], None] | None = None,
            key: Hashable | None = None, owner: Hashable | None = None):
        """``function(*args)`` (``function(*args, progress=…)`` when ``progress`` is given) in a worker."""
        pool = self._pool
        if pool is None or not pool.ready.is_set():
            return function(*args, progress=progress) if progress is not None else function(*args)
        for attempt in (1, 2):
            job, inbox = self._join(function, args, progress is not None, key, owner)
            try:
                return self._wait(job, inbox, timeout, progress)
            except BrokenProcessPool:
                if attempt == 2:
                    raise
                _LOG.warning("a worker process died; starting a new pool and submitting the job again")
                self._restart(pool)
                pool = self._pool
                if pool is None:  # stopped meanwhile
                    raise

    # --- the server's side of a job -------------------------------------------------------------------

    def _join(self, function, args, reports: bool, key, owner) -> tuple[_Job, queue.SimpleQueue]:
        with self._lock:
            job = self._by_key.get(key) if key is not None else None
            if job is None:
                job = self._submit(function, args, reports, key)
            if owner is not None:
                older = self._by_owner.get(owner)
                if older is not None and older is not job:
                    older.owners.discard(owner)
                    if all(waiter_owner == owner for _, waiter_owner in older.waiting) and not older.owners:
                        self._cancel(older, self._pool)
                self._by_owner[owner] = job
                job.owners.add(owner)
            inbox: queue.SimpleQueue = queue.SimpleQueue()
            job.waiting.append((inbox, owner))
            if job.future.done():
                inbox.put(_DONE)
        return job, inbox

    def _submit(self, function, args, reports: bool, key) -> _Job:
        pool = self._pool
        job_id = next(self._ids)
        pool.cancelled[worker_side.slot(job_id, CANCEL_SLOTS)] = 0
        try:
            future = pool.executor.submit(worker_side.call, job_id, function, args, reports)
        except BrokenProcessPool:
            future = Future()
            future.set_exception(BrokenProcessPool("the pool was broken before the job was submitted"))
        job = _Job(job_id, key, future)
        self._jobs[job_id] = job
        if key is not None:
            self._by_key[key] = job
        future.add_done_callback(lambda _future: self._finished(job))
        return job

    def _finished(self, job: _Job) -> None:
        with self._lock:
            self._jobs.pop(job.id, None)
            if job.key is not None and self._by_key.get(job.key) is job:
                del self._by_key[job.key]
            for owner in job.owners:
                if self._by_owner.get(owner) is job:
                    del self._by_owner[owner]
            for inbox, _ in job.waiting:
                inbox.put(_DONE)
            if not job.future.cancelled() and job.future.exception() is None:
                self.computed += 1

    def _wait(self, job: _Job, inbox: queue.SimpleQueue, timeout: float, progress):
        deadline = time.monotonic() + timeout
        finished, last = False, 0.0
        try:
            while True:
                try:
                    item = inbox.get(timeout=max(deadline - time.monotonic(), 0.0))
                except queue.Empty:
                    raise TimeoutError(f"no answer from the worker in {timeout:g} s") from None
                if item is _DONE:
                    break
                if progress is not None and item >= last:  # in order, never backwards
                    last = item
                    progress(item)
            finished = True
        finally:
            self._leave(job, inbox, cancel=not finished)
        try:
            result = job.future.result()
        except CancelledError:
            raise Superseded("superseded by a newer setting") from None
        if progress is not None and last < 1.0:  # the last report may come after the answer: it is done
            progress(1.0)
        return result

    def _leave(self, job: _Job, inbox: queue.SimpleQueue, cancel: bool) -> None:
        """The caller stops waiting; a job nobody waits for any more is cancelled if ``cancel``."""
        with self._lock:
            job.waiting = [waiter for waiter in job.waiting if waiter[0] is not inbox]
            if cancel and not job.waiting and not job.future.done():
                self._cancel(job, self._pool)

    def _cancel(self, job: _Job, pool: _Executor | None) -> None:
        if not job.future.cancel() and pool is not None:
            pool.cancelled[worker_side.slot(job.id, CANCEL_SLOTS)] = 1  # running: stops at its next report
        if job.key is not None and self._by_key.get(job.key) is job:
            del self._by_key[job.key]  # a new caller with this key gets a new job

    def _restart(self, broken: _Executor) -> None:
        with self._lock:
            if self._pool is not broken:  # another caller replaced it already, or stop() ran
                return
            self.restarts += 1
            self._pool = self._new_pool(0.0)
        _close(broken)

    def _new_pool(self, delay: float) -> _Executor:
        context = multiprocessing.get_context("spawn")
        reports = context.Queue()
        cancelled = context.RawArray("b", CANCEL_SLOTS)
        executor = ProcessPoolExecutor(self.workers, mp_context=context, initializer=worker_side.initialize,
                                       initargs=(reports, cancelled, self.preload, self.threads))
        pool = _Executor(executor, reports, cancelled)
        threading.Thread(target=self._dispatch, args=(pool,), name="worker-reports", daemon=True).start()
        pool.timer = threading.Timer(delay, _warm, args=(pool, self.workers))
        pool.timer.daemon = True
        pool.timer.start()
        return pool

    def _dispatch(self, pool: _Executor) -> None:
        """Route the workers' messages: hellos to ``pool.pids``, progress to the job's waiting callers."""
        while not pool.stop.is_set():
            try:
                kind, job_id, value = pool.reports.get(timeout=0.2)
            except queue.Empty:
                continue
            except (EOFError, OSError, ValueError):  # the queue was closed
                return
            if kind == "hello":
                pool.pids.add(value)
                continue
            with self._lock:
                job = self._jobs.get(job_id)
                waiting = list(job.waiting) if job is not None else []
            for inbox, _ in waiting:
                inbox.put(value)


def _warm(pool: _Executor, workers: int) -> None:
    """Spawn every worker now (one no-op job each: the pool spawns a worker per job it cannot hand to an
    idle one) and mark the pool ready once they all imported their ``preload``."""
    try:
        futures = [pool.executor.submit(worker_side.warm) for _ in range(workers)]
        pool.pids.update(future.result() for future in futures)  # (their hellos may still be on the way)
    except (BrokenProcessPool, RuntimeError, CancelledError) as problem:  # stopped or broken meanwhile
        _LOG.warning("the worker pool did not get ready: %r", problem)
        return
    pool.ready.set()


def _close(pool: _Executor) -> None:
    """Shut ``pool`` down and wait for its workers; kill those still busy after ``STOP_GRACE`` s."""
    pool.stop.set()
    pool.timer.cancel()
    closing = threading.Thread(target=pool.executor.shutdown, kwargs={"wait": True, "cancel_futures": True},
                               daemon=True)
    closing.start()
    closing.join(STOP_GRACE)
    if closing.is_alive():
        for pid in pool.pids:
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass
        closing.join()
    pool.reports.close()
    pool.reports.join_thread()


POOL = WorkerPool(preload=("scenes.explorer", "scenes.network_lab", "networks.training:warm_up"))

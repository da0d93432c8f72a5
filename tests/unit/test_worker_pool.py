"""The worker pool (workers.pool): the same answers as inline, errors raised the same way, a killed worker
replaced, timeouts, jobs superseded by their owner, progress reports, and no process left behind."""

from __future__ import annotations

import dataclasses
import os
import threading

import numpy as np
import pytest

from analysis.finiteness import NotFinite, NotFiniteError
from benchmarks.measure import process_tree
from optimizers.settings import OptimizerSettings
from scenes import explorer
from surfaces.choice import SurfaceChoice
from surfaces.formula import FormulaError
from tests.unit import pool_jobs
from workers import Superseded, WorkerPool

ARGS = (SurfaceChoice("himmelblau"), (0.5, -1.0),
        (OptimizerSettings("momentum", 0.01), OptimizerSettings("adam", 0.1, noise=0.5, seed=3)), 300, 1)


def same_race(a: explorer.Race, b: explorer.Race) -> bool:
    if (a.optimizer_count, a.sweep_rates, a.sweep_active) != (b.optimizer_count, b.sweep_rates, b.sweep_active):
        return False
    for field in dataclasses.fields(a.trajectories):
        left, right = getattr(a.trajectories, field.name), getattr(b.trajectories, field.name)
        if isinstance(left, np.ndarray):
            if not np.array_equal(left, right, equal_nan=True):
                return False
        elif left != right:
            return False
    return True


def started(pool: WorkerPool) -> WorkerPool:
    pool.start()
    assert pool.wait_ready(120), "the workers did not get ready"
    return pool


def alive(pid: int) -> bool:
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def in_thread(call) -> tuple[threading.Thread, dict]:
    """Run ``call()`` in a thread; the dict gets its "result" or its "error"."""
    outcome: dict = {}

    def target():
        try:
            outcome["result"] = call()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    return thread, outcome


@pytest.fixture(scope="module")
def racing():
    pool = started(WorkerPool(preload=("scenes.explorer",)))
    yield pool
    pool.stop()


@pytest.fixture
def pool():
    pool = started(WorkerPool(workers=1))
    yield pool
    pool.stop()


def test_a_worker_computes_the_same_race_as_this_process_bit_for_bit(racing):
    before = racing.computed
    assert same_race(racing.run(explorer.race, *ARGS, timeout=60), explorer.race(*ARGS))
    assert racing.computed == before + 1
    other = (SurfaceChoice("ravine", parameter=30.0), (2.0, 1.0), (OptimizerSettings("rmsprop", 0.05, alpha=0.5),), 80, 0)
    assert same_race(racing.run(explorer.race, *other, timeout=60), explorer.race(*other))
    assert not same_race(racing.run(explorer.race, *other, timeout=60), explorer.race(*ARGS))  # it can fail
    assert racing.computed == before + 3


def test_an_error_in_a_worker_is_raised_here_as_it_would_be_inline(racing):
    bad = (SurfaceChoice("own", formula="x +* y"), (0.0, 0.0), ARGS[2], 10, 0)
    with pytest.raises(FormulaError) as inline:
        explorer.race(*bad)
    with pytest.raises(FormulaError) as remote:
        racing.run(explorer.race, *bad, timeout=60)
    assert str(remote.value) == str(inline.value)
    undefined = (SurfaceChoice("own", formula="log(x)"), (-1.0, 0.5), ARGS[2], 10, 0)
    with pytest.raises(NotFiniteError) as remote:
        racing.run(explorer.race, *undefined, timeout=60)
    assert remote.value.problem == NotFinite(-1.0, 0.5, "loss", "undefined")


def test_until_it_is_started_the_pool_computes_in_the_calling_thread_with_its_progress():
    pool, seen = WorkerPool(), []
    assert not pool.started
    assert pool.run(pool_jobs.pid_after, 0.0, timeout=1) == os.getpid()
    caller = threading.get_ident()
    assert pool.run(pool_jobs.steps, 3, 0.0, timeout=1,
                    progress=lambda fraction: seen.append((fraction, threading.get_ident()))) == 3
    assert seen == [(1 / 3, caller), (2 / 3, caller), (1.0, caller)]
    assert pool.computed == 0 and pool.worker_pids == set()


def test_progress_reports_reach_the_waiting_caller_in_its_own_thread(pool):
    seen, caller = [], threading.get_ident()
    assert pool.run(pool_jobs.steps, 4, 0.2, timeout=60,
                    progress=lambda fraction: seen.append((fraction, threading.get_ident()))) == 4
    fractions = [fraction for fraction, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(fractions) >= 2
    assert all(thread == caller for _, thread in seen)


def test_a_killed_worker_is_replaced_and_the_job_computed_again(pool, caplog):
    thread, outcome = in_thread(lambda: pool.run(pool_jobs.pid_after, 1.5, timeout=120))
    old = pool.worker_pids
    assert old
    threading.Event().wait(0.5)  # the job is running
    for pid in old:
        os.kill(pid, 9)
    thread.join(120)
    assert outcome.get("result") in pool.worker_pids and outcome["result"] not in old, outcome
    assert pool.restarts == 1 and "a worker process died" in caplog.text
    assert pool.run(pool_jobs.pid_after, 0.0, timeout=60) in pool.worker_pids


def test_a_job_that_takes_too_long_raises_timeout_error_and_is_cancelled(pool):
    with pytest.raises(TimeoutError):
        pool.run(pool_jobs.steps, 50, 0.1, timeout=0.5, progress=lambda _fraction: None)
    # nobody waits for it any more: it stopped at its next report, and the worker is free again
    assert pool.run(pool_jobs.pid_after, 0.0, timeout=4) in pool.worker_pids


def test_a_newer_job_of_the_same_owner_supersedes_the_running_one(pool):
    thread, older = in_thread(lambda: pool.run(pool_jobs.steps, 100, 0.1, timeout=60, owner="student",
                                               progress=lambda _fraction: None))
    threading.Event().wait(1.0)  # running, reporting
    assert pool.run(pool_jobs.pid_after, 0.0, timeout=30, owner="student") in pool.worker_pids  # the worker was freed for it
    thread.join(30)
    assert isinstance(older.get("error"), Superseded), older


def test_a_newer_job_of_the_same_owner_cancels_the_pending_one_and_spares_other_owners(pool):
    busy_thread, busy = in_thread(lambda: pool.run(pool_jobs.pid_after, 1.5, timeout=60, owner="other"))
    threading.Event().wait(0.3)
    pending_thread, pending = in_thread(lambda: pool.run(pool_jobs.pid_after, 0.0, timeout=60, owner="student"))
    threading.Event().wait(0.3)
    assert pool.run(pool_jobs.pid_after, 0.0, timeout=60, owner="student") in pool.worker_pids
    for thread in (busy_thread, pending_thread):
        thread.join(60)
    assert isinstance(pending.get("error"), Superseded), pending
    assert busy.get("result") in pool.worker_pids  # another owner's job is not touched


def test_a_caller_whose_progress_raises_stops_the_job_it_alone_waited_for(pool):
    class Stop(Exception):  # as Streamlit stops a script when a newer rerun comes
        pass

    def stop(_fraction):
        raise Stop

    with pytest.raises(Stop):
        pool.run(pool_jobs.steps, 100, 0.1, timeout=60, progress=stop)
    assert pool.run(pool_jobs.pid_after, 0.0, timeout=4) in pool.worker_pids  # the worker is free again


def test_callers_asking_for_the_same_key_share_one_job(pool):
    first_thread, first = in_thread(lambda: pool.run(pool_jobs.stamp, 0.8, timeout=60, key="same"))
    threading.Event().wait(0.3)
    second = pool.run(pool_jobs.stamp, 0.8, timeout=60, key="same")
    first_thread.join(60)
    assert first["result"] == second
    assert pool.run(pool_jobs.stamp, 0.0, timeout=60, key="same") != second  # done: a new job


def test_stop_leaves_no_worker_process_even_with_a_job_running():
    pool = started(WorkerPool(workers=2))
    thread, outcome = in_thread(lambda: pool.run(pool_jobs.pid_after, 30.0, timeout=60))
    threading.Event().wait(0.5)
    workers = pool.worker_pids
    assert workers and all(alive(pid) for pid in workers)
    pool.stop()
    thread.join(30)
    assert not thread.is_alive() and "error" in outcome
    assert not any(alive(pid) for pid in workers)
    assert not pool.started
    assert not (set(process_tree(os.getpid())) & workers)


def test_each_worker_computes_with_one_thread_whether_torch_was_preloaded_or_imported_by_a_job(racing, pool):
    assert racing.run(pool_jobs.torch_threads, timeout=60) == 1  # (the test machine has two cores)
    assert pool.run(pool_jobs.torch_threads, timeout=60) == 1


def test_the_pool_is_busy_while_every_worker_has_a_long_job(pool):
    assert not pool.busy
    thread, _ = in_thread(lambda: pool.run(pool_jobs.steps, 30, 0.1, timeout=60, progress=lambda _fraction: None))
    threading.Event().wait(0.3)
    assert not pool.busy  # a job in flight for less than LONG_JOB may be a race
    threading.Event().wait(1.2)
    assert pool.busy
    thread.join(60)
    assert not pool.busy


def test_stop_with_a_job_waiting_in_the_queue_cancels_it_and_ends_the_running_one():
    pool = started(WorkerPool(workers=1))
    running_thread, running = in_thread(lambda: pool.run(pool_jobs.steps, 100, 0.1, timeout=60,
                                                         progress=lambda _fraction: None))
    threading.Event().wait(0.5)
    waiting = [in_thread(lambda: pool.run(pool_jobs.pid_after, 0.0, timeout=60)) for _ in range(3)]
    threading.Event().wait(0.3)
    pool.stop()
    for thread, outcome in [(running_thread, running), *waiting]:
        thread.join(30)
        assert not thread.is_alive() and "error" in outcome, outcome
    assert isinstance(running["error"], Superseded)

"""The server computes the explorer's races in the worker processes of its pool (workers.POOL)."""

from __future__ import annotations

import time

import pytest

from benchmarks.measure import cpu_seconds, pool_workers
from tests.browser.plotly_dom import trace_xy, wait_for_chart

pytestmark = pytest.mark.browser
FIRST_PATH = 1


def wait_for(read, timeout: float = 40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := read():
            return value
        time.sleep(0.2)
    raise AssertionError(f"not there after {timeout} s")


def idle_cpu(pids: list[int], quiet: float = 1.5) -> float:
    """The CPU seconds of ``pids`` once they stop growing for ``quiet`` seconds (their imports are done)."""
    read = lambda: sum(cpu_seconds(pid) for pid in pids)  # noqa: E731
    last, since = read(), time.monotonic()
    while time.monotonic() - since < quiet:
        time.sleep(0.25)
        if (now := read()) != last:
            last, since = now, time.monotonic()
    return last


def test_a_slider_change_is_computed_by_a_worker_process(page, app_server):
    page.goto(f"{app_server.url}/?steps=1000&n=4")
    wait_for_chart(page, "race_chart")
    workers = wait_for(lambda: pool_workers(app_server.process.pid))
    before_cpu = idle_cpu(workers)
    before = trace_xy(page, "race_chart", FIRST_PATH)
    page.locator(".st-key-x0 input[type=range]").press("ArrowRight")
    deadline = time.monotonic() + 30
    while trace_xy(page, "race_chart", FIRST_PATH) == before:
        assert time.monotonic() < deadline, "the race did not change"
        time.sleep(0.1)
    # 4 optimizers + the 32-value sweep × 1,000 steps: ~0.1-0.3 s of CPU, in a worker, not in the server
    assert sum(cpu_seconds(pid) for pid in workers) - before_cpu >= 0.05

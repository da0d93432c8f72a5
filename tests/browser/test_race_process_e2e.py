"""The server computes the explorer's races in its second process (ui.race_process)."""

from __future__ import annotations

import time

from benchmarks.measure import child_running, cpu_seconds
from tests.browser.plotly_dom import trace_xy, wait_for_chart

FIRST_PATH = 1


def wait_for(read, timeout: float = 40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (value := read()) is not None:
            return value
        time.sleep(0.2)
    raise AssertionError(f"not there after {timeout} s")


def idle_cpu(pid: int, quiet: float = 1.5) -> float:
    """``pid``'s CPU seconds once they stop growing for ``quiet`` seconds (its imports are done)."""
    last, since = cpu_seconds(pid), time.monotonic()
    while time.monotonic() - since < quiet:
        time.sleep(0.25)
        if (now := cpu_seconds(pid)) != last:
            last, since = now, time.monotonic()
    return last


def test_a_slider_change_is_computed_by_the_race_process(page, app_server):
    page.goto(f"{app_server.url}/?steps=1000&n=4")
    wait_for_chart(page, "race_chart")
    child = wait_for(lambda: child_running(app_server.process.pid, "ui.race_process"))
    before_cpu = idle_cpu(child)
    for _ in range(2):  # the first change may find the process's "ready" still unread: then it computes here
        before = trace_xy(page, "race_chart", FIRST_PATH)
        page.locator(".st-key-x0 input[type=range]").press("ArrowRight")
        deadline = time.monotonic() + 30
        while trace_xy(page, "race_chart", FIRST_PATH) == before:
            assert time.monotonic() < deadline, "the race did not change"
            time.sleep(0.1)
    # 4 optimizers + the 32-value sweep × 1,000 steps: ~0.1-0.3 s of CPU, in the child, not in the server
    assert cpu_seconds(child) - before_cpu >= 0.05

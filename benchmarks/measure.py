"""What the load benchmarks read from the server and how they summarise it.

* Memory and CPU of the server's process tree, from ``/proc`` (no psutil). ``VmRSS`` counts every
  page the process holds in RAM, its share of the mapped libraries included (torch's are ~180 MB):
  what a host such as Streamlit Community Cloud (about 1 GB per app) holds against the app.
  ``RssAnon`` is the part the process allocated itself (heap, tensors, caches), where growth shows.
* The sizes Streamlit reports for its caches (``/_stcore/metrics``).
* Percentiles and one-line latency summaries; the commit measured.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

PROC = Path("/proc")
ROOT = Path(__file__).resolve().parents[1]


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces, so split after its closing parenthesis
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid:
            found.append(int(entry.name))
    return found


def process_tree(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(_children(current))
    return tree


def pool_workers(pid: int) -> list[int]:
    """The descendants of ``pid`` that are worker processes of a ``multiprocessing`` spawn pool
    (``workers.POOL``): their command line runs ``spawn_main`` (the resource tracker's does not)."""
    found = []
    for member in process_tree(pid)[1:]:
        try:
            command = (PROC / str(member) / "cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            found.append(member)
    return found


async def started_workers(pid: int, timeout: float = 40.0, imports: float = 4.0) -> list[int]:
    """Wait until ``pid`` has pool workers (``workers.POOL`` spawns them a few seconds after the server
    starts) and they have had ``imports`` seconds to import; their pids ([] if none in ``timeout`` s)."""
    deadline = time.monotonic() + timeout
    while not (found := pool_workers(pid)) and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
    if found:
        await asyncio.sleep(imports)
    return pool_workers(pid)


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """``field`` (``VmRSS`` or ``RssAnon``) of ``pid`` and its descendants, in MB."""
    return sum(_status_kb(member, field) for member in process_tree(pid)) / 1024


def pss_mb(pid: int) -> float:
    """The proportional set size of ``pid`` and its descendants, in MB: each shared page (torch's
    libraries, mapped by the server and by every worker) counted once across the processes that map it,
    where ``VmRSS`` counts it in each."""
    kilobytes = 0
    for member in process_tree(pid):
        try:
            for line in (PROC / str(member) / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    kilobytes += int(line.split()[1])
        except OSError:
            continue
    return kilobytes / 1024


def thread_count(pid: int) -> int:
    return _status_kb(pid, "Threads")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by ``pid`` and its descendants."""
    ticks = 0
    for member in process_tree(pid):
        try:
            fields = (PROC / str(member) / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


_CACHE_LINE = re.compile(r'^cache_memory_bytes\{cache_type="([^"]*)",cache="([^"]*)"\} (\d+)')


def cache_megabytes(base_url: str) -> dict[str, float]:
    """MB held by each cache, from the server's ``/_stcore/metrics`` (``st.cache_data`` functions by
    qualified name, ``st_session_state`` for all sessions' state); empty if the server will not say."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1 only, never a proxy
    try:
        with opener.open(f"{base_url}/_stcore/metrics?families=cache_memory_bytes", timeout=10) as response:
            text = response.read().decode()
    except OSError:
        return {}
    sizes: dict[str, float] = {}
    for line in text.splitlines():
        match = _CACHE_LINE.match(line)
        if match:
            kind, name, size = match.groups()
            label = name or kind
            sizes[label] = sizes.get(label, 0.0) + int(size) / 1e6
    return sizes


class PeakSampler:
    """Samples the tree's RSS in a background thread; ``peak`` is the highest value seen."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        self.pid, self.interval, self.peak = pid, interval, 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_mb(self.pid))
            self._stop.wait(self.interval)


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` in [0, 1]) of a non-empty list."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def latency_line(seconds: list[float]) -> str:
    """``p50 … ms   p95 … ms   max … ms   (n = …)`` for latencies in seconds."""
    if not seconds:
        return "no samples"
    milliseconds = [1e3 * value for value in seconds]
    return (f"p50 {statistics.median(milliseconds):6.0f} ms   p95 {percentile(milliseconds, 0.95):6.0f} ms   "
            f"max {max(milliseconds):6.0f} ms   (n = {len(milliseconds)})")


def commit() -> str:
    """The short commit, marked ``+dirty`` when the work tree has changes."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT).stdout
    dirty = subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, cwd=ROOT).stdout
    return head.strip() + ("+dirty" if dirty.strip() else "")

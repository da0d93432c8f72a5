"""Give the heap memory a run freed back to the operating system (glibc's ``malloc_trim``).

A rerun allocates and frees many short-lived buffers (grids, trajectories, figure JSON) from several
threads. glibc keeps freed memory in its per-thread arenas for reuse, so the server's resident memory
(RSS) stays near its high-water mark even after caches evict: measured with
``benchmarks/bench_memory.py``, the same 1,000 random reruns ended at 429 MB without trimming. Dask's
workers solve the same problem the same way: a call to ``malloc_trim(0)``, which releases the free
pages of every arena.

One daemon thread per server process calls it after every script run (``trim_soon``), so the memory a
run freed is returned while the server waits for the next interaction; the run itself does not wait
for it, and ctypes releases the GIL during the call. Measured with ``bench_memory.py`` (same 1,000
reruns): growth from the first page +61 MB untrimmed, +63 MB trimming every 5 s on a timer (RSS is
read right after a rerun, before the timer comes round), +42 MB trimming in the script thread at the
end of each run, +38 MB with this thread. On a C library without ``malloc_trim`` (macOS, musl) this
does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading

_LOG = logging.getLogger(__name__)
_started = threading.Lock()
_run_ended = threading.Event()
_running = False


def malloc_trim():
    """glibc's ``malloc_trim`` as a callable, or ``None`` where the C library has none."""
    try:
        library = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = library.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def _trim_after_runs(trim) -> None:
    while True:
        _run_ended.wait()
        _run_ended.clear()
        trim(0)


def start_trimming() -> bool:
    """Start the trimming thread once per process; ``True`` if it runs (now or already)."""
    global _running
    with _started:
        if not _running:
            trim = malloc_trim()
            if trim is None:
                _LOG.info("no malloc_trim in this C library: freed heap memory is not handed back")
                return False
            threading.Thread(target=_trim_after_runs, args=(trim,), name="malloc-trim", daemon=True).start()
            _running = True
    return True


def trim_soon() -> None:
    """Ask the trimming thread to trim now (call at the end of a script run; returns at once)."""
    _run_ended.set()

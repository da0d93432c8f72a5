"""``ui.memory_trim``: freed heap memory really goes back to the OS, and the trimming thread starts once."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from ui.memory_trim import malloc_trim, start_trimming, trim_soon

ROOT = Path(__file__).resolve().parents[2]
# ~190 MB in 64 KiB blocks (below glibc's mmap threshold: on the heap); the last one stays alive, so
# free() alone cannot shrink the heap from its top.
FRAGMENTED_HEAP = """
import sys
sys.path.insert(0, {root!r})
from ui.memory_trim import malloc_trim

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024

blocks = [bytearray(65536) for _ in range(3000)]
kept = blocks[-1]
del blocks
freed = rss_mb()
malloc_trim()(0)
print(freed, rss_mb())
"""

needs_glibc = pytest.mark.skipif(malloc_trim() is None, reason="this C library has no malloc_trim")


@needs_glibc
def test_trimming_hands_freed_heap_memory_back():
    run = subprocess.run([sys.executable, "-c", FRAGMENTED_HEAP.format(root=str(ROOT))],
                         capture_output=True, text=True, check=True)
    freed, trimmed = map(float, run.stdout.split())
    assert freed > 150, "the freed blocks were still resident before the trim"
    assert trimmed < freed - 150


@needs_glibc
def test_the_trimming_thread_starts_once_per_process():
    assert start_trimming() and start_trimming()
    assert [thread.name for thread in threading.enumerate()].count("malloc-trim") == 1
    trim_soon()  # returns at once; the thread trims and waits for the next request

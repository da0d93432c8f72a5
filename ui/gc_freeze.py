"""Keep full garbage collections cheap: freeze what the imports left behind.

A full (generation 2) collection walks every object the collector tracks, and torch, pandas, plotly
and Streamlit leave ~280,000 of them alive after their imports. Streamlit ran one after every script
run (its ``runner.postScriptGC`` option). Measured with py-spy on the server while one session moved
the explorer's x₀ slider 40 times, that collection was 59 % of the server's CPU: a rerun cost 290 ms of
CPU.

``gc.freeze()`` moves every object alive now into a permanent generation that later collections skip
(CPython's documented use: after start-up, before serving). So once a page has run for the first
time in this process, its imports are done and what is alive is frozen. Same measurement: a rerun
then costs 97-114 ms of CPU, and its latency p95 fell from 299 to 107-117 ms. With 30 sessions the
post-run collection was still 13 % of the server's busy time (what the sessions keep is not frozen), so
``.streamlit/config.toml`` also turns ``postScriptGC`` off (CPU per rerun under load 235 → 155 ms);
Python's own generational collections, which this module keeps cheap too, still collect cycles.

What freezing costs: a frozen object is still freed as soon as nothing refers to it (reference
counting); only reference cycles among frozen objects are never collected. The objects alive at
the end of each page's first run (at most one moment per page and process) are frozen, nothing more.
"""

from __future__ import annotations

import gc
import threading

_lock = threading.Lock()
_frozen_after: set[str] = set()


def freeze_after_first_run(page: str) -> bool:
    """Collect, then freeze every live object, the first time ``page`` ends a run in this process.

    Returns ``True`` when it froze now, ``False`` when ``page`` had been seen before (then it does nothing).
    """
    with _lock:
        if page in _frozen_after:
            return False
        _frozen_after.add(page)
        gc.collect()  # what is garbage already is freed, not frozen
        gc.freeze()
        return True

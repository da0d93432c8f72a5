"""ui.gc_freeze: after a page's first run, full collections skip what was alive, and still collect new cycles.

Run in a subprocess: freezing is process-wide and would otherwise freeze the test session's objects.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent("""
    import gc, json
    from ui.gc_freeze import freeze_after_first_run

    imported = [[index] for index in range(50_000)]  # stands for what imports leave alive (tracked lists)
    scanned_before = len(gc.get_objects())
    first = freeze_after_first_run("explorer")
    scanned_after = len(gc.get_objects())
    again = freeze_after_first_run("explorer")
    frozen_again = gc.get_freeze_count()
    other = freeze_after_first_run("inspector")

    class Node:
        pass
    a, b = Node(), Node()
    a.other, b.other = b, a  # a new reference cycle, garbage once the names go
    del a, b
    collected = gc.collect()
    print(json.dumps({"scanned_before": scanned_before, "scanned_after": scanned_after, "first": first,
                      "again": again, "other": other, "frozen": frozen_again, "collected": collected,
                      "alive": len(imported)}))
""")


def test_freezing_once_per_page_takes_live_objects_out_of_full_collections():
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, check=True)
    result = __import__("json").loads(out.stdout)
    assert result["first"] is True and result["again"] is False and result["other"] is True
    assert result["scanned_before"] > 50_000
    assert result["scanned_after"] < 1_000  # gc.get_objects() lists only what collections still walk
    assert result["frozen"] >= 50_000
    assert result["collected"] >= 2  # a cycle made after the freeze is still collected
    assert result["alive"] == 50_000  # frozen objects are kept, not freed

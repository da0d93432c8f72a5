"""The plotly.js the browser loads: the app's own slim bundle, or the plotly package's full one.

The slim bundle, ``static/plotly-<plotly.js version>-lab.min.js``, is plotly's core with only the
trace types the figures draw (``TRACES``). It is built from ``components/plotly_bundle/`` (pinned
npm packages; ``bash scripts/build_plotly.sh``) and committed, so a server needs no Node.js. Measured
in headless Chromium here: 1.9 MB loaded and evaluated in ~0.63 s, against 4.8 MB and ~1.55 s for the
full ``plotly.min.js`` in the ``plotly`` package. Every page's first load waits for it.

It must be the plotly.js the installed ``plotly`` package writes figures for. When it is missing (the
package was upgraded to another plotly.js and the bundle not rebuilt), the package's full plotly.js is
copied into ``static/`` instead (not committed), and the log says so once.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import plotly
from plotly.offline import get_plotlyjs_version

_LOG = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
FULL_SOURCE = Path(plotly.__file__).with_name("package_data") / "plotly.min.js"
# The trace types registered in components/plotly_bundle/entry.js (the core always has scatter).
TRACES = ("scatter", "bar", "contour", "surface", "scatter3d")

_ready: set[Path] = set()  # files found or made complete by this process


def slim_bundle_name(version: str | None = None) -> str:
    """``plotly-<version>-lab.min.js``, for the plotly.js the ``plotly`` package writes for by default."""
    return f"plotly-{version or get_plotlyjs_version()}-lab.min.js"


def plotly_library_file() -> str:
    """The file name, in ``static/``, of the plotly.js to load: the slim bundle when it is there, else a
    copy of the package's full plotly.js, made the first time it is needed.

    Every chart of every run asks, so a file found complete is not looked at again by this process; a
    failed copy is tried again next time.
    """
    slim = STATIC_DIR / slim_bundle_name()
    if slim in _ready or slim.exists():
        _ready.add(slim)
        return slim.name
    return _full_copy()


def _full_copy() -> str:
    name = f"plotly-{plotly.__version__}.min.js"
    target = STATIC_DIR / name
    if target in _ready:
        return name
    _LOG.warning("%s is missing (rebuild it: bash scripts/build_plotly.sh); serving the full plotly.js",
                 slim_bundle_name())
    try:
        if not target.exists() or target.stat().st_size != FULL_SOURCE.stat().st_size:
            STATIC_DIR.mkdir(exist_ok=True)
            partial = target.with_suffix(f".{os.getpid()}.partial")
            shutil.copyfile(FULL_SOURCE, partial)
            partial.replace(target)  # atomic: a concurrent session never serves half a file
        _ready.add(target)
    except OSError as error:  # a read-only app folder: each chart then says it could not load plotly.js
        _LOG.warning("could not copy plotly.js into %s: %s", STATIC_DIR, error)
    return name

"""The app's server with one more route, for ``bench_classroom.py --train``: ``POST /bench/train?name=…&owner=…``
trains a network in the server's worker pool (``workers.POOL``) and answers its seconds and progress reports.

Run by the benchmark as ``streamlit run benchmarks/classroom_server.py`` from the repository's root: it
serves ``app.py`` itself, with ``app.py``'s lifespan (imports, then the pool). A request's thread waits
for its training as a page's script thread would (Starlette runs a plain function in its thread pool).
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path

import streamlit as st
from starlette.responses import JSONResponse
from starlette.routing import Route

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.classroom_training import TRAININGS  # noqa: E402
from workers import POOL  # noqa: E402

TRAINING_TIMEOUT = 300.0


def train(request) -> JSONResponse:
    name = request.query_params.get("name", "stand-in")
    function = getattr(importlib.import_module("benchmarks.classroom_training"), TRAININGS[name])
    reports: list[float] = []
    began = time.perf_counter()
    try:
        POOL.run(function, timeout=TRAINING_TIMEOUT, progress=reports.append, owner=request.query_params.get("owner"))
    except Exception as error:  # noqa: BLE001 - the benchmark counts it
        return JSONResponse({"error": f"{type(error).__name__}: {error}"}, status_code=500)
    return JSONResponse({"seconds": time.perf_counter() - began, "reports": len(reports),
                         "last": reports[-1] if reports else None, "in_worker": POOL.wait_ready(0)})


if __name__ != "__main__":
    import app as lab_app  # app.py's server side: its lifespan

    app = st.App(os.fspath(ROOT / "app.py"), lifespan=lab_app.lifespan,
                 routes=[Route("/bench/train", train, methods=["POST"])])

"""The server's lifespan: ``streamlit run app.py`` serves app.py's st.App, whose lifespan imports the pages'
modules in the background (ui.warm_up) and starts the worker pool (workers.POOL), stopping it at the end."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from streamlit.web.server.app_discovery import discover_asgi_app

from ui.warm_up import MODULES, import_modules

ROOT = Path(__file__).resolve().parents[2]
OWN_PACKAGES = {"analysis", "components", "figures", "i18n", "networks", "optimizers", "scenes", "surfaces", "ui", "workers"}


def own_imports(script: Path) -> list[str]:
    """The modules of this project that ``script`` imports, in order (``from x.y import z`` gives ``x.y``)."""
    names = []
    for node in ast.walk(ast.parse(script.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in OWN_PACKAGES:
            names.append(node.module)
    return names


def test_streamlit_run_serves_app_py_as_an_st_app():
    found = discover_asgi_app(ROOT / "app.py")
    assert found.is_asgi_app and found.import_string == "app:app"


def test_the_warm_up_imports_what_a_run_of_the_default_page_imports_in_the_same_order():
    wanted = [name for name in own_imports(ROOT / "app.py") + own_imports(ROOT / "pages" / "explorer.py")
              if name != "ui.warm_up"]
    assert set(wanted) <= set(MODULES), set(wanted) - set(MODULES)
    router = [name for name in own_imports(ROOT / "app.py") if name != "ui.warm_up"]
    assert list(MODULES[:len(router)]) == router  # app.py's own imports first, as a run does them


def test_a_module_that_fails_to_import_is_logged_and_skipped(caplog):
    import_modules(("no_such_module_of_the_lab", "json"))
    assert "could not import no_such_module_of_the_lab" in caplog.text


LIFESPAN_IN_A_FRESH_PROCESS = """
import asyncio, os, sys, threading, time
import app
from ui.warm_up import MODULES
from workers import POOL

async def serve():
    began = time.perf_counter()
    async with app.lifespan(None):
        entered = time.perf_counter() - began
        assert POOL.started and not POOL.worker_pids, "the workers must start later, not at once"
        worker = next(thread for thread in threading.enumerate() if thread.name == "warm-up")
        worker.join(timeout=120)
        assert POOL.wait_ready(120), "the workers did not get ready"
        workers = POOL.worker_pids
        assert workers
    return entered, workers

app.WORKERS_DELAY = 0.5
entered, workers = asyncio.run(serve())
assert entered < 0.2, f"the lifespan took {entered:.2f} s to let the server serve"
missing = [name for name in (*MODULES, "torch", "pandas") if name not in sys.modules]
assert not missing, missing
assert not POOL.started
for pid in workers:
    assert not os.path.exists(f"/proc/{pid}"), f"worker {pid} outlived the server"
print("ok")
"""


def test_the_lifespan_serves_at_once_imports_in_the_background_and_stops_the_workers_it_started():
    done = subprocess.run([sys.executable, "-c", LIFESPAN_IN_A_FRESH_PROCESS], cwd=ROOT, capture_output=True,
                          text=True, timeout=240)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]

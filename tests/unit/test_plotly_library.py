"""Which plotly.js the browser gets: the committed slim bundle, its recipe, and the fallback."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from plotly.offline import get_plotlyjs_version

from components import plotly_library
from components.plotly_library import STATIC_DIR, TRACES, plotly_library_file, slim_bundle_name

ROOT = Path(__file__).resolve().parents[2]
RECIPE = ROOT / "components" / "plotly_bundle"
BUILD = ROOT / "scripts" / "build_plotly.sh"


@pytest.fixture
def fresh_process(monkeypatch):
    """As if no chart had asked for plotly.js yet in this process."""
    monkeypatch.setattr(plotly_library, "_ready", set())


def test_the_app_loads_the_committed_slim_bundle_of_the_plotly_js_the_package_writes_for(fresh_process):
    name = plotly_library_file()
    assert name == f"plotly-{get_plotlyjs_version()}-lab.min.js"
    bundle = STATIC_DIR / name
    assert bundle.stat().st_size < 0.5 * plotly_library.FULL_SOURCE.stat().st_size
    assert f"v{get_plotlyjs_version()}\n" in bundle.read_text(encoding="utf-8")[:400]  # its banner
    assert not list(STATIC_DIR.glob("*.partial"))


def test_the_recipe_registers_exactly_the_listed_trace_types():
    entry = (RECIPE / "entry.js").read_text(encoding="utf-8")
    registered = set(re.findall(r"require\('plotly\.js/lib/(\w+)'\)", entry)) - {"core"}
    assert sorted({"scatter", *registered}) == sorted(TRACES)  # plotly's core always has scatter


def test_without_the_slim_bundle_the_packages_full_plotly_js_is_copied_once(tmp_path, monkeypatch, fresh_process,
                                                                              caplog):
    monkeypatch.setattr(plotly_library, "STATIC_DIR", tmp_path)
    name = plotly_library_file()
    assert name.endswith(".min.js") and "lab" not in name
    assert (tmp_path / name).read_bytes() == plotly_library.FULL_SOURCE.read_bytes()
    assert "is missing" in caplog.text
    assert not list(tmp_path.glob("*.partial"))
    (tmp_path / name).unlink()
    assert plotly_library_file() == name
    assert not (tmp_path / name).exists()  # not looked at again: charts of later runs cost no file checks


def test_a_stale_copy_is_replaced_and_a_read_only_folder_is_not_an_error(tmp_path, monkeypatch, fresh_process,
                                                                         caplog):
    monkeypatch.setattr(plotly_library, "STATIC_DIR", tmp_path)
    name = plotly_library_file()
    plotly_library._ready.clear()
    (tmp_path / name).write_text("half a file")  # left by an older run
    assert plotly_library_file() == name
    assert (tmp_path / name).stat().st_size == plotly_library.FULL_SOURCE.stat().st_size

    def read_only(*_):
        raise PermissionError("read-only file system")

    plotly_library._ready.clear()
    monkeypatch.setattr(plotly_library, "STATIC_DIR", tmp_path / "elsewhere")
    monkeypatch.setattr(plotly_library.shutil, "copyfile", read_only)
    assert plotly_library_file() == name  # logged, not raised: the chart says plotly.js is missing
    assert "could not copy plotly.js" in caplog.text
    caplog.clear()
    plotly_library_file()
    assert "could not copy plotly.js" in caplog.text  # a failed copy is tried again


def test_the_recipe_rebuilds_the_committed_bundle_byte_for_byte(tmp_path):
    """scripts/build_plotly.sh: npm ci from the lock file, then esbuild (~20 s)."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("Node.js and npm are needed to check the committed plotly.js bundle")
        pytest.skip("Node.js and npm are not installed")
    subprocess.run(["bash", str(BUILD), str(tmp_path)], check=True, capture_output=True, timeout=600)
    built, committed = tmp_path / slim_bundle_name(), STATIC_DIR / slim_bundle_name()
    assert hashlib.sha256(built.read_bytes()).hexdigest() == hashlib.sha256(committed.read_bytes()).hexdigest()

"""The race map's animation: how many bytes it sends and how long a frame takes in Chromium.

Run: ``.venv/bin/python benchmarks/bench_race_frames.py [--root CHECKOUT]`` (needs /usr/bin/chromium). The
explorer's largest race, 4 optimizers × 1,000 steps on Himmelblau, built by ``scenes.explorer`` of the
checkout ``--root`` (default: this one; pass another checkout to compare before and after a change), in
each picture mode the checkout has (growing trail, full path; with and without the step arrows).

* spec: the race figure as the JSON the page sends (``pio.to_json``), in MB, and the frames' share of it;
* build: building the spec on the server, median of 5 (ms);
* first draw: ``Plotly.newPlot`` of the whole spec, frames included, in a 520 × 600 px div (ms, median of
  ``PASSES``);
* frame: one animation frame, ``Plotly.animate`` to it with ``redraw: false`` → its promise resolved,
  for every frame of the play list in order (what the scrubber and Play do), ``PASSES`` times over,
  p50 and p95 (ms). The promise resolves in the display frame after the change, so ~16 ms of a frame
  is the wait for it;
* work: the script's time for that frame, from the call until a message posted right after it arrives
  (plotly.js applies the frame in the call and the promises after it), p50 and p95 (ms): what a frame
  costs, without the wait for the display (style, layout and paint not included).

plotly.js is the checkout's own slim bundle (``static/``), loaded into a blank page: no Streamlit.

Measured (2 cores shared with other work, so ±5 ms; frame and work are p50 / p95):

.. code-block:: text

    4 × 1,000 steps                      spec      frames    frame (ms)        work (ms)
    before (e00c026: whole paths)        0.310 MB  0.024 MB  16.7 / 17-20      9.5-10.5 / 13-18
    growing trail (the default)          0.850 MB  0.503 MB  16.6-18 / 20-29   10-17 / 15-27
    full path (the toggle)               0.311 MB  0.024 MB  16.7 / 17-22      10-13 / 11-19
    growing trail + arrows (momentum)    0.883 MB  0.503 MB  16.7-19 / 22-31   15-18 / 21-29
    growing trail + arrows (Adam)        0.898 MB  0.503 MB  16-19 / 24-33     11-17 / 19-28

Whole trails in every frame would be ~2.6 MB of float32 for the same race (``figures.growing_layers``);
the base frames carry ~10 points per step instead of 60. Growing the arrows with the trail too (tried,
not kept) took 1.18-1.34 MB and frame p50 27-37 ms, p95 100-160 ms: they are drawn whole.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = (("gd", 0.01), ("momentum", 0.01), ("rmsprop", 0.05), ("adam", 0.1))
STEPS = 1000
REPEATS = 5
PASSES = 3  # the browser's measurements pool three passes over every frame (after one to warm up)

ANIMATE_EVERY_FRAME = """async ([spec]) => {
    const div = document.createElement('div');
    div.style.cssText = 'width:520px;height:600px';
    document.body.appendChild(div);
    const began = performance.now();
    await Plotly.newPlot(div, {data: spec.data, layout: spec.layout, frames: spec.frames || []});
    const firstDraw = performance.now() - began;
    const play = spec.layout.updatemenus[0].buttons[0].args[0];  // null: every frame (before the base frames)
    const names = Array.isArray(play) ? play : (spec.frames || []).map(frame => frame.name);
    const still = {frame: {duration: 0, redraw: false}, transition: {duration: 0}, mode: 'immediate'};
    // plotly.js applies a frame when animate is called (its first frame is not waited for) and in the
    // promises that follow: a message posted right after the call arrives once that work is done
    const afterWork = () => new Promise(resolve => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => resolve(performance.now());
        channel.port2.postMessage(null);
    });
    const frames = [], works = [];
    for (const name of names) {
        const start = performance.now();
        const done = Plotly.animate(div, [name], still);
        works.push(await afterWork() - start);
        await done;
        frames.push(performance.now() - start);
    }
    const background = div.querySelectorAll('.imagelayer image').length;
    Plotly.purge(div);
    div.remove();
    return {firstDraw, frames, works, background};
}"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def race_specs(root: Path) -> dict[str, dict]:
    """The explorer's race figure in every picture mode the checkout at ``root`` knows."""
    sys.path.insert(0, str(root))
    explorer = importlib.import_module("scenes.explorer")
    settings_module = importlib.import_module("optimizers.settings")
    choice = importlib.import_module("surfaces.choice").SurfaceChoice("himmelblau")
    surface = importlib.import_module("surfaces.catalogue").get_surface("himmelblau")
    settings = tuple(settings_module.OptimizerSettings(kind, lr) for kind, lr in SETTINGS)
    result = explorer.race(choice, surface.starts[0], settings, STEPS, 0)
    view = explorer.surface_view(choice)
    labels = [setting.kind.label for setting in settings]
    modes = {"as the page draws it": {}}
    if "trail" in inspect.signature(explorer.explorer_figures).parameters:
        arrows = importlib.import_module("figures.step_arrows").ArrowsFor
        parts = importlib.import_module("optimizers.step_parts").step_parts
        modes = {
            "growing trail (the default)": {},
            "full path": {"trail": "full"},
            "growing trail + arrows of momentum": {"arrows": arrows(1, parts(result.trajectories, 1, settings[1]))},
            "growing trail + arrows of Adam": {"arrows": arrows(3, parts(result.trajectories, 3, settings[3]))},
            "full path + arrows of Adam": {"trail": "full",
                                           "arrows": arrows(3, parts(result.trajectories, 3, settings[3]))},
        }
    specs = {}
    for mode, options in modes.items():
        def build():
            return explorer.explorer_figures(view, result, labels, 0, **options).race

        build()
        timings = []
        for _ in range(REPEATS):
            began = time.perf_counter()
            build()
            timings.append(time.perf_counter() - began)
        specs[mode] = {"spec": build(), "build_ms": 1e3 * statistics.median(timings)}
    return specs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose figures to measure")
    root = parser.parse_args().root.resolve()
    specs = race_specs(root)
    import plotly.io as pio
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.browser.server import CHROMIUM, CHROMIUM_ARGS

    bundle = next((root / "static").glob("plotly-*-lab.min.js")).read_text(encoding="utf-8")
    print(f"{root}: 4 optimizers × {STEPS} steps on Himmelblau")
    print(f"{'mode':36s} {'spec':>8s} {'frames':>8s} {'build':>7s} {'first draw':>11s} {'frame p50':>10s} "
          f"{'p95':>6s} {'work p50':>9s} {'p95':>6s} {'frames':>7s}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 800, "height": 800})
        page.set_content("<html><body></body></html>")
        page.evaluate("code => { const module = {exports: {}}; new Function('module', 'exports', code)(module, "
                      "module.exports); window.Plotly = module.exports; }", bundle)
        for mode, measured in specs.items():
            text = pio.to_json(measured["spec"], validate=False)
            frames_text = json.dumps(json.loads(text).get("frames", []))
            page.evaluate(ANIMATE_EVERY_FRAME, [json.loads(text)])  # once to warm up plotly.js's code paths
            frames, works, first_draws = [], [], []
            for _ in range(PASSES):
                result = page.evaluate(ANIMATE_EVERY_FRAME, [json.loads(text)])
                assert result["background"] == 1, "the landscape image must stay drawn"
                frames += result["frames"]
                works += result["works"]
                first_draws.append(result["firstDraw"])
            print(f"{mode:36s} {len(text) / 1e6:6.3f}MB {len(frames_text) / 1e6:6.3f}MB {measured['build_ms']:5.0f}ms "
                  f"{statistics.median(first_draws):9.0f}ms {statistics.median(frames):8.1f}ms "
                  f"{percentile(frames, 0.95):4.1f}ms {statistics.median(works):7.1f}ms {percentile(works, 0.95):4.1f}ms "
                  f"{len(frames) // PASSES:7d}")
        browser.close()


if __name__ == "__main__":
    main()

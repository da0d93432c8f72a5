"""The README's screenshots, taken from the real app in headless Chromium.

Run: ``.venv/bin/python docs/make_screenshots.py`` (needs /usr/bin/chromium; a colour-emoji font such
as Debian's ``fonts-noto-color-emoji`` and a CJK font such as ``fonts-wqy-microhei`` make the icons and
中文 render). Starts its own server on 127.0.0.1, writes ``docs/*.png`` and stops the server.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.plotly_dom import wait_for_chart  # noqa: E402
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, StreamlitServer  # noqa: E402

DOCS = Path(__file__).resolve().parent
VIEWPORT = {"width": 1500, "height": 1000}
# (file, address, chart to wait for, how far to scroll down in pixels)
SHOTS = (
    ("explorer.png", "/?surface=himmelblau&n=3&steps=300&x0=-0.5&y0=0.5&arrows=2", "race_chart", 0),
    ("inspector.png", "/inspector?surface=lecture_toy&px=0.0&py=0.0", "inspector_chart", 0),
    ("network.png", "/network", "network_scatter", 0),
    ("tour.png", "/tour?scene=adaptive", "tour_adaptive", 0),
    ("lab.png", "/lab?lab_view=landscape", "lab_plane_chart", 0),
    ("lab_boundary.png", "/lab?lab_data=spirals&lab_depth=3&lab_width=32&lab_epochs=50&lab_view=boundary&lab_n=1&lab_opt0=adam&lab_lr0=0.01",
     "lab_boundary", 0),
    ("explorer_zh.png", "/?surface=ravine&lang=zh&proj=true", "race_chart", 0),
    ("experiment.png", "/experiment?exp=batch_size", "exp_batch_size_slice", 0),
    ("experiment_eos.png", "/experiment?exp=edge_of_stability", "exp_edge_of_stability_ratio", 0),
)


def main(only: tuple[str, ...] = ()) -> None:
    server = StreamlitServer("app.py")
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            for name, address, chart, scroll in [shot for shot in SHOTS if not only or shot[0] in only]:
                page = browser.new_page(viewport=VIEWPORT)
                page.goto(server.url + address)
                if chart is not None:
                    wait_for_chart(page, chart, timeout=120_000)
                page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=120_000)
                time.sleep(2.0)  # let the 3D surface and the fonts settle
                page.locator("[data-testid='stMain']").evaluate(f"main => main.scrollBy(0, {scroll})")
                time.sleep(0.5)
                page.screenshot(path=str(DOCS / name))
                print("wrote", DOCS / name, flush=True)
                page.close()
            browser.close()
    finally:
        server.close()


if __name__ == "__main__":
    main(tuple(sys.argv[1:]))  # file names: only those shots

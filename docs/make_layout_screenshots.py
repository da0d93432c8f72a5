"""The first screen of every page as a class sees it, at each size the one-screen tests check (issue 13).

Run: ``.venv/bin/python docs/make_layout_screenshots.py`` (needs /usr/bin/chromium, and the fonts
``docs/make_screenshots.py`` names). Starts its own server on 127.0.0.1 and writes
``docs/screens/<page>-<width>x<height>[-proj][-zh].png`` for the pages of
``tests/browser/classroom_screens.py``: normal mode at 1280×720 and 1600×1000, projector mode there
and at 1920×1080, each in English and Chinese. ``--sizes 1280x720`` or ``--pages explorer,tour-decay``
take fewer. The pictures are stored with a 256-colour palette (~4× smaller than full colour; the
contour maps' gradients band slightly, which a layout picture can afford).
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.browser.classroom_screens import (  # noqa: E402
    LANGUAGES,
    MODES,
    ONE_SCREEN_VIEWPORTS,
    SCREENS,
    VIEWPORTS,
    key,
    open_screen,
    viewport_name,
)
from tests.browser.screen_geometry import measure_when_still  # noqa: E402
from tests.browser.server import CHROMIUM, CHROMIUM_ARGS, StreamlitServer  # noqa: E402

SCREENS_FOLDER = Path(__file__).resolve().parent / "screens"
SIZES = {"normal": ONE_SCREEN_VIEWPORTS, "projector": VIEWPORTS}


def file_name(page: str, viewport: tuple[int, int], mode: str, language: str) -> str:
    return (f"{page}-{viewport_name(viewport)}{'-proj' if mode == 'projector' else ''}"
            f"{'' if language == 'en' else '-' + language}.png")


def small_png(picture: bytes) -> bytes:
    """The screenshot with a 256-colour palette, compressed as far as PNG goes."""
    image = Image.open(io.BytesIO(picture)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                                                     dither=Image.Dither.NONE)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _sizes(text: str | None) -> set[tuple[int, int]] | None:
    return None if text is None else {tuple(int(side) for side in size.split("x")) for size in text.split(",")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", help="comma-separated WIDTHxHEIGHT, e.g. 1280x720 (default: all)")
    parser.add_argument("--pages", help="comma-separated page names of classroom_screens (default: all)")
    arguments = parser.parse_args()
    sizes, pages = _sizes(arguments.sizes), arguments.pages and set(arguments.pages.split(","))
    SCREENS_FOLDER.mkdir(exist_ok=True)
    server = StreamlitServer("app.py")
    written = 0
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            tab = browser.new_context(viewport=dict(zip(("width", "height"), VIEWPORTS[0]))).new_page()
            for screen in SCREENS:
                if pages and screen.name not in pages:
                    continue
                for mode in MODES:
                    wanted = [size for size in SIZES[mode] if sizes is None or size in sizes]
                    for language in LANGUAGES if wanted else ():
                        started = time.monotonic()
                        open_screen(tab, server.url, screen, mode, language, wanted[0], timeout=120_000)
                        for size in wanted:
                            tab.set_viewport_size({"width": size[0], "height": size[1]})
                            measure_when_still(tab, key(screen.figure), screen.controls)  # settles, scrolls to top
                            path = SCREENS_FOLDER / file_name(screen.name, size, mode, language)
                            path.write_bytes(small_png(tab.screenshot()))
                            written += path.stat().st_size
                            print(f"wrote {path.relative_to(SCREENS_FOLDER.parent.parent)} "
                                  f"({path.stat().st_size // 1024} KB)", flush=True)
                        print(f"  {screen.name} {mode} {language}: {time.monotonic() - started:.1f} s", flush=True)
            browser.close()
    finally:
        server.close()
    print(f"{written / 1e6:.1f} MB in {SCREENS_FOLDER}")


if __name__ == "__main__":
    main()

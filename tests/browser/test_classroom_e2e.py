"""Classroom use in real headless Chromium: shared links, bad links, 中文, and the lecture tour."""

from __future__ import annotations

import time
from urllib.parse import parse_qs

import numpy as np
import pytest

from scenes.tour import SCENES, run_scene
from tests.browser.plotly_dom import trace_xy, wait_for_chart, wait_until_settled
from tests.browser.server import ARTIFACTS, fresh_page
from tests.browser.test_explorer_e2e import FIRST_PATH, slider_thumb, wait_until_changed

pytestmark = pytest.mark.browser


def path_end(page, run: int = 0) -> tuple[float, float]:
    xs, ys = trace_xy(page, "race_chart", FIRST_PATH + run)
    return xs[-1], ys[-1]


def wait_for_url_param(page, name: str, timeout: float = 30.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if f"{name}=" in page.url:
            return page.url
        time.sleep(0.1)
    raise AssertionError(f"{name} never appeared in the URL {page.url}")


def test_a_copied_link_reproduces_the_view_in_a_fresh_browser(browser, app_server, page):
    # ?surface=Rosenbrock is an old-style link (a label, not the key): the app rewrites it, and two quick
    # key presses race that rewrite (it once put lr0=0.015 back in the address bar under an lr 0.02 view).
    page.goto(f"{app_server.url}/?surface=Rosenbrock")
    wait_for_chart(page, "race_chart")
    before = trace_xy(page, "race_chart", FIRST_PATH)
    slider_thumb(page, "lr0").click()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_until_changed(lambda: trace_xy(page, "race_chart", FIRST_PATH), before)
    wait_until_settled(page, quiet=1.0)
    link = wait_for_url_param(page, "lr0")
    assert "lr0=0.02" in link and "surface=rosenbrock" in link, link
    shown = page.locator(".st-key-share_link code").inner_text().strip()
    assert parse_qs(shown.split("?")[1]) == parse_qs(link.split("?")[1]), (shown, link)

    with fresh_page(browser) as other:
        other.goto(link)
        wait_for_chart(other, "race_chart")
        wait_until_settled(other)
        assert other.locator(".st-key-surface_menu input[role=combobox]").input_value() == "Rosenbrock"
        opened = path_end(other)
    # The first page may still be drawing the second key press: it must come to the view the link opened.
    deadline = time.monotonic() + 30
    while path_end(page) != pytest.approx(opened, abs=1e-9) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert path_end(page) == pytest.approx(opened, abs=1e-9)
    assert parse_qs(page.url.split("?")[1]) == parse_qs(link.split("?")[1])


GARBAGE = {"surface": "Atlantis", "n": "9", "steps": "-5", "x0": "east", "y0": "1e309", "opt0": "sgd!",
           "lr0": "abc", "mom1": "2", "sweep": "x", "lang": "klingon", "click_mode": "<script>"}


def test_garbage_in_every_url_parameter_shows_a_warning_and_the_defaults(page, app_server):
    page.goto(f"{app_server.url}/")
    wait_for_chart(page, "race_chart")
    default_end = path_end(page)
    query = "&".join(f"{key}={value}" for key, value in GARBAGE.items())
    page.goto(f"{app_server.url}/?{query}")
    wait_for_chart(page, "race_chart")
    warning = page.locator("[data-testid='stAlert']", has_text="could not be used").first
    warning.wait_for(timeout=30_000)
    text = warning.inner_text()
    for key in GARBAGE:
        assert f"{key}=" in text, (key, text)
    assert path_end(page) == pytest.approx(default_end, abs=1e-9)
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(ARTIFACTS / "garbage_link.png"), full_page=False)


def test_switching_to_chinese_changes_the_labels_and_keeps_the_settings(page, app_server):
    page.goto(f"{app_server.url}/?steps=300")
    wait_for_chart(page, "race_chart")
    assert "Training curves" in page.content()
    page.locator(".st-key-lang_menu label", has_text="简体中文").click()
    page.get_by_text("训练曲线").first.wait_for(timeout=30_000)
    assert "lang=zh" in wait_for_url_param(page, "lang")
    assert "steps=300" in page.url
    wait_for_chart(page, "race_chart")
    page.screenshot(path=str(ARTIFACTS / "explorer_zh.png"), full_page=False)


@pytest.mark.parametrize("scene_key", ["momentum", "minibatch_saddle"])
def test_a_tour_scene_opens_in_the_explorer_with_its_preset_over_a_stale_link(browser, page, app_server, scene_key):
    page.goto(f"{app_server.url}/?lr0=0.3&steps=50")  # leaves bound parameters in the URL
    wait_for_chart(page, "race_chart")
    page.goto(f"{app_server.url}/tour?scene={scene_key}&lr0=0.3&steps=50")
    page.locator(f".st-key-open_{scene_key} button").click()
    page.wait_for_url(lambda url: "/tour" not in url, timeout=30_000)  # the explorer is the default page, at /
    wait_for_chart(page, "race_chart")
    scene = SCENES[scene_key]
    (race,) = run_scene(scene).runs
    runs = range(len(scene.optimizers))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        ends = [path_end(page, run) for run in runs]
        if np.allclose(ends, [race.path(run)[-1] for run in runs], atol=1e-6):
            break
        time.sleep(0.3)
    np.testing.assert_allclose(ends, [race.path(run)[-1] for run in runs], atol=1e-6)
    page.screenshot(path=str(ARTIFACTS / f"tour_{scene_key}_opened.png"), full_page=False)
    link = page.locator(".st-key-share_link code").inner_text().replace("\n", "").strip()
    for slot, settings in enumerate(scene.optimizers):  # mini-batch runs: the batch size travels with the link
        assert not settings.batch_size or f"batch{slot}={settings.batch_size}" in link, link
    with fresh_page(browser) as other:  # the opened scene's link, sent to the class, shows the same race
        other.goto(link)
        wait_for_chart(other, "race_chart")
        np.testing.assert_allclose([path_end(other, run) for run in runs], ends, atol=1e-9)

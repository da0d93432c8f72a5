"""The inspector's scene: verdict sentences, the nearest critical point, snapping clicks, escape steps."""

from __future__ import annotations

import math

import pytest

from analysis.point_report import inspect_point
from figures.spec import as_figure
from figures.style import Look
from i18n import text
from scenes.explorer import surface_view
from scenes.inspector import (
    critical_atlas, escape_of, inspector_scene, nearest_critical_point, snap_to_critical_point, verdict_of,
)
from surfaces.base import PointKind
from surfaces.catalogue import get_surface
from surfaces.choice import SurfaceChoice

HIMMELBLAU = get_surface("himmelblau")


@pytest.fixture(scope="module")
def himmelblau_atlas():
    return critical_atlas(HIMMELBLAU)


def test_verdicts_at_known_critical_points(himmelblau_atlas):
    for point in HIMMELBLAU.critical_points:
        verdict = verdict_of(inspect_point(HIMMELBLAU.loss, point.x, point.y), himmelblau_atlas)
        assert verdict.kind is point.kind
        assert point.kind.value in verdict.sentence


def test_off_a_critical_point_the_verdict_names_the_nearest_one(himmelblau_atlas):
    verdict = verdict_of(inspect_point(HIMMELBLAU.loss, 2.6, 2.4), himmelblau_atlas)
    assert verdict.kind is None
    assert "Not a critical point" in verdict.sentence
    assert "nearest critical point is a local minimum at (3.000, 2.000)" in verdict.sentence


def test_nearest_critical_point_is_the_closest_in_the_plane(himmelblau_atlas):
    nearest = nearest_critical_point(himmelblau_atlas, -0.3, -0.9)
    assert nearest.kind is PointKind.MAXIMUM
    assert (nearest.x, nearest.y) == pytest.approx((-0.270845, -0.923039), abs=1e-5)


def test_a_click_a_few_pixels_off_snaps_and_a_far_click_does_not(himmelblau_atlas):
    diameter = HIMMELBLAU.domain.diameter
    near = (3.0 + 0.01 * diameter / math.sqrt(2), 2.0)
    assert snap_to_critical_point(himmelblau_atlas, HIMMELBLAU, *near) == pytest.approx((3.0, 2.0), abs=1e-9)
    far = (3.0 + 0.03 * diameter, 2.0)
    assert snap_to_critical_point(himmelblau_atlas, HIMMELBLAU, *far) == far


def test_escape_from_the_lecture_toy_saddle_goes_along_plus_minus_one_one():
    toy = get_surface("lecture_toy")
    report = inspect_point(toy.loss, 0.0, 0.0)
    escape = escape_of(report, toy, step=0.5)
    assert escape.eigenvalue == pytest.approx(-2.0)
    assert abs(float(escape.direction[0])) == pytest.approx(1 / math.sqrt(2))
    assert float(escape.direction[0]) == pytest.approx(float(escape.direction[1]))
    # L(θ' + s·u) = (1 − s²/2)², against Taylor's L(θ') + ½λs² = 1 − s².
    assert escape.predicted_change == pytest.approx(-0.25)
    assert escape.actual_change == pytest.approx((1 - 0.125) ** 2 - 1)


def test_no_escape_at_a_minimum():
    assert escape_of(inspect_point(HIMMELBLAU.loss, 3.0, 2.0), HIMMELBLAU) is None


def test_the_scene_builds_all_three_figures_for_a_saddle():
    saddle = get_surface("saddle")
    view = surface_view(SurfaceChoice("saddle"), resolution=60)
    scene = inspector_scene(saddle, view, critical_atlas(saddle), 0.0, 0.0)
    assert scene.verdict.kind is PointKind.SADDLE
    assert scene.escape is not None and scene.escape.predicted_change < 0
    names = " ".join(trace.name or "" for trace in as_figure(scene.contour).data)
    assert "λ = −2.00" in names and "λ = 2.00" in names and "escape step" in names
    assert len(as_figure(scene.slices).data) >= 4 and len(as_figure(scene.surface).data) >= 3


def test_verdicts_in_chinese_use_the_lectures_words(himmelblau_atlas):
    words = {PointKind.MINIMUM: "局部最小值", PointKind.MAXIMUM: "局部最大值", PointKind.SADDLE: "鞍点"}
    for point in HIMMELBLAU.critical_points:
        verdict = verdict_of(inspect_point(HIMMELBLAU.loss, point.x, point.y), himmelblau_atlas, language="zh")
        assert verdict.kind is point.kind and words[point.kind] in verdict.sentence
        assert verdict.title == words[point.kind]
    off = verdict_of(inspect_point(HIMMELBLAU.loss, 2.6, 2.4), himmelblau_atlas, language="zh")
    assert off.kind is None and off.title == "不是临界点"
    assert off.sentence.startswith("不是临界点")
    assert "最近的临界点是 (3.000, 2.000) 处的局部最小值" in off.sentence


def test_english_titles_and_every_kind_has_a_sentence_in_both_languages(himmelblau_atlas):
    minimum = verdict_of(inspect_point(HIMMELBLAU.loss, 3.0, 2.0), himmelblau_atlas)
    assert minimum.title == "Local minimum" and minimum.sentence.startswith("This is a local minimum:")
    assert verdict_of(inspect_point(HIMMELBLAU.loss, 2.6, 2.4)).title == "Not a critical point"
    for kind in PointKind:
        for language in ("en", "zh"):
            assert text(f"verdict.{kind.name.lower()}", language).strip()
            assert text(f"verdict.title.{kind.name.lower()}", language).strip()


def test_the_scene_dresses_every_figure_in_the_look():
    saddle = get_surface("saddle")
    view = surface_view(SurfaceChoice("saddle"), resolution=60)
    look = Look(language="zh", projector=True, dark=True)
    scene = inspector_scene(saddle, view, critical_atlas(saddle), 0.0, 0.0, look=look)
    assert scene.verdict.kind is PointKind.SADDLE and "鞍点" in scene.verdict.sentence
    for figure in (as_figure(scene.contour), as_figure(scene.surface), as_figure(scene.slices)):
        assert figure.layout.font.size == look.font_size
        assert figure.layout.template.layout.paper_bgcolor == "rgb(17,17,17)"
    names = " ".join(trace.name or "" for trace in as_figure(scene.contour).data)
    assert "向下弯" in names and "逃离" in names

"""The inspector's scene: verdict sentences, the nearest critical point, snapping clicks, escape steps."""

from __future__ import annotations

import math

import pytest

from analysis.escape import ESCAPE_TOLERANCE
from analysis.point_report import inspect_point
from figures.spec import as_figure
from figures.style import Look
from i18n import text
from scenes.explorer import surface_view
from scenes.inspector import (
    POINT_DECIMALS, critical_atlas, escape_of, inspector_scene, nearest_critical_point, report_at,
    snap_to_critical_point, verdict_markdown, verdict_of,
)
from surfaces.base import PointKind
from surfaces.catalogue import SURFACES, get_surface
from surfaces.choice import SurfaceChoice, resolve_surface

HIMMELBLAU = get_surface("himmelblau")


@pytest.fixture(scope="module")
def himmelblau_atlas():
    return critical_atlas(HIMMELBLAU)


def test_verdicts_at_known_critical_points(himmelblau_atlas):
    for point in HIMMELBLAU.critical_points:
        verdict = verdict_of(inspect_point(HIMMELBLAU.loss, point.x, point.y), himmelblau_atlas)
        assert verdict.kind is point.kind
        assert verdict.title == text(f"verdict.title.{point.kind.name.lower()}", "en")


def test_off_a_critical_point_the_verdict_names_the_nearest_one(himmelblau_atlas):
    verdict = verdict_of(inspect_point(HIMMELBLAU.loss, 2.6, 2.4), himmelblau_atlas)
    assert verdict.kind is None and verdict.title == "Not a critical point"
    assert "clearly non-zero" in verdict.sentence
    assert "nearest critical point is a local minimum at (3.000, 2.000)" in verdict.sentence


@pytest.mark.parametrize("key", sorted(SURFACES))
def test_every_listed_critical_point_typed_to_the_inputs_decimals_is_its_kind(key):
    """Typed to the inputs' 4 decimals, Himmelblau's minimum (−2.8051, 3.1313) has ‖g‖ = 1.5e-3 (eigenvalues
    65 and 81) and was "not a critical point"; within the precision shown it is the listed kind, found by
    Newton's method no further than one unit of the last decimal away. 0.01 off, on the slope, it is not."""
    surface = SURFACES[key]
    unit = 10.0**-POINT_DECIMALS
    for point in surface.critical_points:
        typed = (round(point.x, POINT_DECIMALS), round(point.y, POINT_DECIMALS))
        report = report_at(surface, *typed)
        assert report.verdict is point.kind, (point, report.gradient_norm)
        verdict = verdict_of(report, lower_bound=surface.lower_bound)
        if report.is_critical:
            assert verdict.title == text(f"verdict.title.{point.kind.name.lower()}", "en")
        else:
            assert verdict.title.endswith(", within the precision shown")
            found = report.critical_point
            assert max(abs(found[0] - point.x), abs(found[1] - point.y)) < 1e-8  # Newton found the listed point
            assert max(abs(found[0] - typed[0]), abs(found[1] - typed[1])) <= unit
        off = report_at(surface, typed[0] + 0.01, typed[1])
        assert off.verdict is None and verdict_of(off).title == "Not a critical point", (point, off.gradient_norm)


def test_the_himmelblau_minimum_the_issue_names_is_a_minimum_within_the_precision_shown():
    report = report_at(HIMMELBLAU, -2.8051, 3.1313)
    assert report.gradient_norm == pytest.approx(1.52e-3, rel=0.01) and not report.is_critical
    verdict = verdict_of(report)
    assert verdict.kind is PointKind.MINIMUM and verdict.title == "Local minimum, within the precision shown"
    assert "(−2.805118, 3.131313)".replace("−", "-") in verdict.sentence and "within 0.0001 of θ′" in verdict.sentence


def test_precision_does_not_turn_a_slope_into_a_critical_point():
    """The ravine's floor is flat only along x (λ = 1 and 20): a point 0.001 up the floor, ten units of the last
    decimal, has ‖g‖ = 1e-3, less than Himmelblau's rounded minimum, and still is not critical."""
    ravine = get_surface("ravine")
    assert report_at(ravine, 0.001, 0.0).verdict is None
    assert report_at(ravine, 0.00005, 0.0).verdict is PointKind.MINIMUM  # half a unit: within the precision


def test_the_lecture_toys_valley_is_a_minimum_with_a_singular_hessian():
    """On w₁w₂ = 1 the Hessian is singular (the second-order test cannot decide) but L = 0 is the lowest value
    of a square: a minimum, as the surface's caption says; typed to 4 decimals too. Without the lower bound
    (the user's own formula) the Hessian alone speaks: degenerate."""
    toy = get_surface("lecture_toy")
    for x, y in ((0.5, 2.0), (1.2345, 0.8101), (-1.6, -0.625), (1.98, 0.5051)):
        report = report_at(toy, x, y)
        assert report.verdict is PointKind.MINIMUM and report.hessian_verdict is PointKind.DEGENERATE, (x, y)
        verdict = verdict_of(report, lower_bound=toy.lower_bound)
        assert verdict.title.startswith("Local minimum")
        assert "cannot decide" in verdict.sentence and "equals 0, the lowest value" in verdict.sentence
        assert "singular" in verdict.sentence
    assert inspect_point(toy.loss, 0.5, 2.0).verdict is PointKind.DEGENERATE
    assert "Hessian cannot decide" in verdict_of(inspect_point(toy.loss, 0.5, 2.0)).sentence


def every_kind_of_verdict(language: str) -> dict[str, object]:
    """One verdict of each kind the inspector gives, from real points, in ``language``."""
    toy, monkey = get_surface("lecture_toy"), get_surface("monkey_saddle")
    maximum = next(point for point in HIMMELBLAU.critical_points if point.kind is PointKind.MAXIMUM)
    saddle = next(point for point in HIMMELBLAU.critical_points if point.kind is PointKind.SADDLE)
    points = {
        "minimum": (HIMMELBLAU, 3.0, 2.0), "maximum": (HIMMELBLAU, maximum.x, maximum.y),
        "saddle": (HIMMELBLAU, saddle.x, saddle.y), "degenerate": (monkey, 0.0, 0.0),
        "not critical": (HIMMELBLAU, 2.6, 2.4), "within the precision": (HIMMELBLAU, -2.8051, 3.1313),
        "minimum by the lower bound": (toy, 0.5, 2.0),
    }
    return {name: verdict_of(report_at(surface, x, y), critical_atlas(surface), language=language,
                             lower_bound=surface.lower_bound)
            for name, (surface, x, y) in points.items()}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_verdict_box_says_its_title_once(language):
    """It read "**Local minimum.** This is a local minimum: …" and "**Not a critical point.** Not a critical
    point: …"; now the sentence goes on from the title (that the title renders bold in both languages is
    ``test_markdown``'s test)."""
    verdicts = every_kind_of_verdict(language)
    assert {verdict.kind for verdict in verdicts.values()} == {*PointKind, None}
    for name, verdict in verdicts.items():
        box = verdict_markdown(verdict, language)
        assert box.lower().count(verdict.title.lower()) == 1, (name, box)
        if verdict.kind is not None:
            assert box.lower().count(text(f"verdict.title.{verdict.kind.name.lower()}", language).lower()) == 1, box
            assert text(f"verdict.kind.{verdict.kind.name.lower()}", language) not in verdict.sentence, box


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


@pytest.mark.parametrize("key", [key for key in sorted(SURFACES)
                                 if any(point.kind is PointKind.SADDLE for point in SURFACES[key].critical_points)])
def test_at_every_listed_saddle_the_escape_steps_predicted_and_actual_change_agree(key):
    """A step of 12 % of the diagonal jumped several of Rastrigin's ripples: predicted −593, actual −5.84.
    Sized by the loss along u, the step's actual change is negative and within ESCAPE_TOLERANCE (10 %) of the
    Taylor prediction, at every listed saddle, typed exactly or to the inputs' decimals."""
    surface = SURFACES[key]
    for point in surface.critical_points:
        if point.kind is not PointKind.SADDLE:
            continue
        for x, y in ((point.x, point.y), (round(point.x, POINT_DECIMALS), round(point.y, POINT_DECIMALS))):
            escape = escape_of(report_at(surface, x, y), surface)
            assert escape is not None and escape.actual_change < 0 and escape.predicted_change < 0
            assert abs(escape.actual_change - escape.predicted_change) <= \
                ESCAPE_TOLERANCE * abs(escape.predicted_change), (point, escape.predicted_change, escape.actual_change)
            assert 0 < escape.step <= escape.reach


def test_rastrigins_escape_stays_on_the_saddles_ripple():
    rastrigin = get_surface("rastrigin")
    escape = escape_of(report_at(rastrigin, 0.0, -0.5025460365546747), rastrigin)
    assert escape.step < 0.25  # a quarter of a ripple: 0.17
    assert escape.actual_change == pytest.approx(escape.predicted_change, rel=ESCAPE_TOLERANCE)


@pytest.mark.parametrize(("key", "x", "y"), [("saddle", 0.5, 0.3), ("himmelblau", -0.2, -1.0),
                                             ("lecture_toy", 0.2, 0.1), ("rastrigin", 0.45, 0.1),
                                             ("six_hump_camel", 0.1, 0.3)])
def test_no_escape_is_reported_or_drawn_on_a_slope(key, x, y):
    """Off a critical point the loss goes down along −g whatever the curvature; the slope's hover read
    "escape to …" wherever an eigenvalue was negative."""
    surface = get_surface(key)
    report = report_at(surface, x, y)
    assert report.verdict is None and float(report.eigenvalues[0]) < 0  # a negative eigenvalue, on a slope
    assert escape_of(report, surface) is None
    view = surface_view(SurfaceChoice(key), resolution=40)
    scene = inspector_scene(surface, view, None, x, y)
    assert scene.escape is None
    assert not [trace for trace in as_figure(scene.contour).data if "escape" in (trace.name or "")]


def test_a_saddle_within_the_precision_shown_whose_hessian_at_the_point_has_no_negative_eigenvalue_has_no_escape():
    """L = 50x² + 10⁴xy² − 0.1y² has a saddle at 0 (λ = −0.2, 100); typed as (0.0001, 0) Newton finds it, but
    H there is diag(100, 1.8): no direction from θ′ lowers the loss to second order, so no escape step is drawn
    (the scene raised NoEscapeDirectionError, a traceback on the page)."""
    choice = SurfaceChoice("own", formula="50*x^2 + 10000*x*y^2 - 0.1*y^2")
    surface = resolve_surface(choice)
    report = report_at(surface, 0.0001, 0.0)
    assert report.within_precision and report.verdict is PointKind.SADDLE
    assert float(report.eigenvalues[0]) == pytest.approx(1.8)
    assert escape_of(report, surface) is None
    scene = inspector_scene(surface, surface_view(choice, resolution=40), None, 0.0001, 0.0)
    assert scene.verdict.kind is PointKind.SADDLE and scene.escape is None


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


def test_no_escape_at_a_minimum_or_a_maximum():
    for surface in SURFACES.values():
        for point in surface.critical_points:
            if point.kind is not PointKind.SADDLE:
                assert escape_of(report_at(surface, point.x, point.y), surface) is None, (surface.key, point)


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
        assert verdict.kind is point.kind and verdict.title == words[point.kind]
    off = verdict_of(inspect_point(HIMMELBLAU.loss, 2.6, 2.4), himmelblau_atlas, language="zh")
    assert off.kind is None and off.title == "不是临界点"
    assert off.sentence.startswith("梯度明显不为零")
    assert "最近的临界点是 (3.000, 2.000) 处的局部最小值" in off.sentence
    within = verdict_of(report_at(HIMMELBLAU, -2.8051, 3.1313), language="zh")
    assert within.title == "局部最小值（在显示的精度内）" and "牛顿法" in within.sentence


def test_english_titles_and_every_kind_has_a_sentence_in_both_languages(himmelblau_atlas):
    minimum = verdict_of(inspect_point(HIMMELBLAU.loss, 3.0, 2.0), himmelblau_atlas)
    assert minimum.title == "Local minimum" and minimum.sentence.startswith("Every eigenvalue of H is positive")
    assert verdict_markdown(minimum) == "**Local minimum.** " + minimum.sentence
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
    assert scene.verdict.kind is PointKind.SADDLE and scene.verdict.title == "鞍点"
    for figure in (as_figure(scene.contour), as_figure(scene.surface), as_figure(scene.slices)):
        assert figure.layout.font.size == look.font_size
        assert figure.layout.template.layout.paper_bgcolor == "rgb(17,17,17)"
    names = " ".join(trace.name or "" for trace in as_figure(scene.contour).data)
    assert "向下弯" in names and "逃离" in names

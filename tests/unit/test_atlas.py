"""The critical-point finder against the known critical points of every built-in surface."""

from __future__ import annotations

import collections
import functools

import pytest
import torch

from analysis.atlas import MAX_POINTS, Atlas, find_critical_points
from analysis.derivatives import hessian_at
from surfaces.base import CriticalPoint, Domain, PointKind
from surfaces.catalogue import SURFACES

COMPLETE_LISTS = [key for key in SURFACES if key not in ("lecture_toy", "rastrigin")]


@functools.cache
def atlas_of(key: str) -> Atlas:
    return find_critical_points(SURFACES[key])


def kind_counts(points: tuple[CriticalPoint, ...]) -> dict[PointKind, int]:
    return dict(collections.Counter(point.kind for point in points))


def match(point: CriticalPoint, candidates: tuple[CriticalPoint, ...],
          tolerance: float = 1e-8) -> CriticalPoint | None:
    return next((c for c in candidates if abs(c.x - point.x) < tolerance and abs(c.y - point.y) < tolerance), None)


def test_himmelblau_has_four_minima_one_maximum_four_saddles():
    atlas = atlas_of("himmelblau")
    assert kind_counts(atlas.points) == {PointKind.MINIMUM: 4, PointKind.MAXIMUM: 1, PointKind.SADDLE: 4}
    maximum = next(p for p in atlas.points if p.kind is PointKind.MAXIMUM)
    assert (maximum.x, maximum.y) == pytest.approx((-0.270845, -0.923039), abs=1e-6)
    assert not atlas.non_isolated and atlas.note == "found 9 critical points."


def test_six_hump_camel_has_six_minima_two_maxima_seven_saddles():
    assert kind_counts(atlas_of("six_hump_camel").points) == {
        PointKind.MINIMUM: 6, PointKind.MAXIMUM: 2, PointKind.SADDLE: 7}


def test_saddle_is_one_saddle_with_eigenvalues_plus_minus_two():
    (point,) = atlas_of("saddle").points
    assert point.kind is PointKind.SADDLE and (point.x, point.y) == pytest.approx((0.0, 0.0), abs=1e-9)
    eigenvalues = torch.linalg.eigvalsh(hessian_at(SURFACES["saddle"].loss, point.x, point.y))
    torch.testing.assert_close(eigenvalues, torch.tensor([-2.0, 2.0], dtype=torch.float64))


def test_monkey_saddle_is_one_degenerate_point_at_the_origin():
    atlas = atlas_of("monkey_saddle")
    (point,) = atlas.points
    assert point.kind is PointKind.DEGENERATE and (point.x, point.y) == pytest.approx((0.0, 0.0), abs=1e-6)
    assert not atlas.non_isolated


def test_lecture_toy_has_a_saddle_at_the_origin_and_a_valley_of_critical_points():
    atlas = atlas_of("lecture_toy")
    assert atlas.non_isolated and "non-isolated" in atlas.note
    saddles = [p for p in atlas.points if p.kind is PointKind.SADDLE]
    assert len(saddles) == 1 and (saddles[0].x, saddles[0].y) == pytest.approx((0.0, 0.0), abs=1e-9)
    valley = [p for p in atlas.points if p.kind is not PointKind.SADDLE]
    assert len(valley) >= 10 and len(atlas.points) <= MAX_POINTS
    assert atlas.isolated == 1 and atlas.found >= len(valley) and atlas.kept_set == len(valley)
    assert all(abs(p.x * p.y - 1) < 1e-9 for p in valley)
    assert min(p.x for p in valley) < -1 and max(p.x for p in valley) > 1  # both branches of the hyperbola


def test_the_lecture_toys_valley_is_a_set_of_minima_with_a_singular_hessian_and_the_note_says_why():
    """Each point of w₁w₂ = 1 has a singular Hessian (the second-order test cannot decide) and the lowest loss
    (0, the square's lower bound), so it is a minimum, as the surface's caption says: the atlas used to call
    them "degenerate" beside that caption."""
    toy = SURFACES["lecture_toy"]
    atlas = atlas_of("lecture_toy")
    valley = [p for p in atlas.points if p.kind is not PointKind.SADDLE]
    assert all(p.kind is PointKind.MINIMUM for p in valley) and atlas.set_lower_bound == 0.0
    for point in valley:
        eigenvalues = torch.linalg.eigvalsh(hessian_at(toy.loss, point.x, point.y))
        assert abs(float(eigenvalues[0])) < 1e-9 < float(eigenvalues[1])  # singular, positive semi-definite
        assert toy.loss_at(point.x, point.y) < 1e-20
    assert "every point of the set is a minimum" in atlas.note and "cannot decide" in atlas.note
    assert "minimum" in toy.lecture and "Every point of the valley w₁w₂ = 1 is a minimum" in toy.lecture
    # Without a lower bound (a bare loss, or the user's formula) nothing decides: the set stays degenerate.
    bare = find_critical_points(toy.loss, toy.domain)
    assert {p.kind for p in bare.points if p.kind is not PointKind.SADDLE} == {PointKind.DEGENERATE}
    assert bare.set_lower_bound is None and "cannot tell what these points are" in bare.note


@pytest.mark.parametrize("key", COMPLETE_LISTS)
def test_the_atlas_finds_exactly_the_listed_critical_points(key):
    listed, found = SURFACES[key].critical_points, atlas_of(key).points
    assert len(found) == len(listed), atlas_of(key).note
    for point in found:
        twin = match(point, listed)
        assert twin is not None and twin.kind is point.kind, point


def test_rastrigin_is_capped_at_the_lowest_points_and_all_441_are_found_without_the_cap():
    atlas = atlas_of("rastrigin")
    assert len(atlas.points) == MAX_POINTS
    assert atlas.note == "found 441 critical points; showing the 40 with the lowest loss."
    assert (atlas.found, atlas.isolated) == (441, 0)
    assert (atlas.points[0].x, atlas.points[0].y) == pytest.approx((0.0, 0.0), abs=1e-9)
    listed = SURFACES["rastrigin"].critical_points
    uncapped = find_critical_points(SURFACES["rastrigin"], max_points=len(listed))
    assert len(uncapped.points) == len(listed)
    for point in uncapped.points:
        twin = match(point, listed)
        assert twin is not None and twin.kind is point.kind, point


def test_a_plateau_is_not_mistaken_for_critical_points():
    far_plateau = lambda p: 1 - torch.exp(-(p[..., 0] ** 2 + p[..., 1] ** 2) / 2)  # noqa: E731
    atlas = find_critical_points(far_plateau, Domain(-6.0, 6.0, -6.0, 6.0))
    assert [(p.kind, round(p.x, 9), round(p.y, 9)) for p in atlas.points] == [(PointKind.MINIMUM, 0.0, 0.0)]


def test_an_isolated_degenerate_point_is_not_a_set():
    atlas = find_critical_points(lambda p: p[..., 0] ** 6 + p[..., 1] ** 2, (-3.0, 3.0, -3.0, 3.0))
    assert not atlas.non_isolated and [p.kind for p in atlas.points] == [PointKind.DEGENERATE]


def test_flat_regions_and_smooth_free_losses_do_not_flood_or_crash():
    constant = find_critical_points(lambda p: torch.zeros(p.shape[:-1], dtype=torch.float64), Domain(-1, 1, -1, 1))
    assert constant.non_isolated and len(constant.points) == MAX_POINTS
    cone = find_critical_points(lambda p: torch.sqrt(p[..., 0] ** 2 + p[..., 1] ** 2), Domain(-1, 1, -1, 1))
    assert cone.points == () and cone.note == "no critical point found in this domain."
    half_plane = find_critical_points(lambda p: torch.log(p[..., 0]) + p[..., 1] ** 2, Domain(-1, 1, -1, 1))
    assert half_plane.points == ()


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="domain"):
        find_critical_points(SURFACES["saddle"].loss)
    with pytest.raises(ValueError, match="seeds_per_axis"):
        find_critical_points(SURFACES["saddle"], seeds_per_axis=1)
    with pytest.raises(TypeError):
        find_critical_points("himmelblau")  # type: ignore[arg-type]

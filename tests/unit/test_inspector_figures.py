"""The Hessian inspector's figures against closed forms: arrows along the eigenvectors, the Taylor quadric,
the 1D slices, and their look in either language, on a projector and in the dark."""

from __future__ import annotations

import collections
import functools
import math
import re

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from analysis.escape import escape_step
from analysis.point_report import inspect_point
from figures.inspector import CURVES_DOWN_COLOUR, CURVES_UP_COLOUR, FLAT_COLOUR, NEIGHBOURHOOD_FRACTION, colour_name
from figures.inspector import inspector_contour_figure as contour_spec
from figures.inspector_slices import slice_figure
from figures.inspector_surface import inspector_surface_figure
from figures.landscape import landscape_layers
from figures.panels import panel_domains
from figures.spec import as_figure
from figures.style import Look
from figures.surface3d import display_heights
from i18n import catalogue
from surfaces.base import PointKind
from surfaces.catalogue import get_surface
from surfaces.grid import loss_grid
from tests.unit.inspector_cases import HIMMELBLAU, SADDLE, atlas_of, himmelblau_derivatives


def inspector_contour_figure(*args, **kwargs) -> go.Figure:
    """The inspector's map as a validated figure (the page sends the plain spec as it is)."""
    return as_figure(contour_spec(*args, **kwargs))


@functools.cache
def grid_of(key: str, resolution: int):
    return loss_grid(get_surface(key), resolution)


@functools.cache
def landscape_of(key: str, resolution: int):
    return landscape_layers(*grid_of(key, resolution))


def assert_no_nan(figure: go.Figure) -> None:
    """Every coordinate array of every trace is finite, except the iso-lines' deliberate NaN separators."""
    for trace in figure.data:
        if trace.name == "iso-lines":
            continue
        for name in ("x", "y", "z"):
            values = getattr(trace, name, None)
            if values is not None:
                assert np.isfinite(np.asarray(values, dtype=float)).all(), f"{trace.name}.{name} has a non-finite value"


def traces_named(figure: go.Figure, prefix: str) -> list:
    return [trace for trace in figure.data if (trace.name or "").startswith(prefix)]


def test_saddle_map_draws_one_arrow_per_eigenvector_coloured_by_the_sign_of_its_eigenvalue():
    report = inspect_point(SADDLE.loss, 0.0, 0.0)
    figure = inspector_contour_figure(landscape_of("saddle", 120), report)
    arrows = traces_named(figure, "u")
    assert [arrow.name for arrow in arrows] == ["u₁ (λ = −2.00, curves down)", "u₂ (λ = 2.00, curves up)"]
    assert [arrow.line.color for arrow in arrows] == [CURVES_DOWN_COLOUR, CURVES_UP_COLOUR]
    # x² − y² curves down along the y axis and up along the x axis; each arrow reaches 12 % of the
    # domain's diagonal (4√2) from θ′, with a head at both ends.
    reach = NEIGHBOURHOOD_FRACTION * math.hypot(4, 4)
    np.testing.assert_allclose(np.c_[arrows[0].x, arrows[0].y], [[0, -reach], [0, reach], [0, -reach]], atol=1e-15)
    np.testing.assert_allclose(np.c_[arrows[1].x, arrows[1].y], [[-reach, 0], [reach, 0], [-reach, 0]], atol=1e-15)
    assert arrows[0].marker.symbol == "arrow" and arrows[0].marker.angleref == "previous"
    assert list(arrows[0].marker.size)[0] == 0 and min(list(arrows[0].marker.size)[1:]) > 0
    point = traces_named(figure, "θ′")[0]
    assert (point.x, point.y) == ((0.0,), (0.0,))
    assert figure.layout.clickmode == "event" and figure.layout.uirevision == "inspector"
    assert len(figure.layout.images) == 1 and figure.data[0].name == "iso-lines"
    assert_no_nan(figure)


def test_himmelblau_minimum_has_two_upward_arrows_with_the_closed_form_eigenvalues():
    report = inspect_point(HIMMELBLAU.loss, 3.0, 2.0)
    _, gradient, hessian = himmelblau_derivatives(3.0, 2.0)
    expected = np.linalg.eigvalsh(hessian)  # [[74, 20], [20, 34]]: 54 ∓ 20√2
    assert np.allclose(gradient, 0) and np.allclose(expected, [54 - 20 * math.sqrt(2), 54 + 20 * math.sqrt(2)])
    figure = inspector_contour_figure(landscape_of("himmelblau", 120), report, arrow_length=0.5)
    arrows = traces_named(figure, "u")
    assert [arrow.name for arrow in arrows] == [f"u{index} (λ = {value:.2f}, curves up)"
                                                for index, value in zip("₁₂", expected)]
    assert {arrow.line.color for arrow in arrows} == {CURVES_UP_COLOUR}
    for arrow, vector in zip(arrows, np.linalg.eigh(hessian)[1].T):
        # Each arrow lies along ± its eigenvector, 0.5 from θ′ on each side.
        offset = np.array([arrow.x[1] - 3.0, arrow.y[1] - 2.0])
        assert np.linalg.norm(offset) == pytest.approx(0.5)
        assert abs(offset @ vector) == pytest.approx(0.5)


def test_a_flat_direction_is_grey_and_the_escape_step_is_drawn_with_its_changes():
    monkey = get_surface("monkey_saddle")
    flat = inspector_contour_figure(landscape_of("monkey_saddle", 60), inspect_point(monkey.loss, 0.0, 0.0))
    assert [arrow.line.color for arrow in traces_named(flat, "u")] == [FLAT_COLOUR, FLAT_COLOUR]
    assert all(arrow.name.endswith("flat)") for arrow in traces_named(flat, "u"))

    report = inspect_point(SADDLE.loss, 0.0, 0.0)
    escape = escape_step(report, 0.5, SADDLE.loss)
    figure = inspector_contour_figure(landscape_of("saddle", 120), report, escape=escape)
    (arrow,) = traces_named(figure, "escape step")
    # ½λ·step² = ½·(−2)·0.25, and the loss x² − y² really drops by 0.25.
    assert arrow.name == "escape step: ΔL ≈ −0.25 predicted, −0.25 actual"
    assert np.c_[arrow.x, arrow.y].tolist() == [[0.0, 0.0], list(escape.point)]
    assert arrow.line.dash == "dash"
    with pytest.raises(ValueError, match="arrow length"):
        inspector_contour_figure(landscape_of("saddle", 120), report, arrow_length=0.0)


def test_the_map_carries_the_atlas_with_one_trace_per_kind():
    figure = inspector_contour_figure(landscape_of("himmelblau", 120), inspect_point(HIMMELBLAU.loss, 1.0, 1.0),
                                      atlas=atlas_of("himmelblau"))
    kinds = {kind.value for kind in PointKind}
    counts = {trace.marker.symbol: len(trace.x) for trace in figure.data if trace.name.split(" (")[0] in kinds}
    assert counts == {"circle": 4, "triangle-up": 1, "x": 4}
    assert_no_nan(figure)


def test_taylor_quadric_equals_the_closed_form_quadratic_on_its_patch():
    x, y = -0.1, -1.9  # not a critical point: the gradient term matters too
    report = inspect_point(HIMMELBLAU.loss, x, y)
    xs, ys, z = grid_of("himmelblau", 80)
    figure = as_figure(inspector_surface_figure(xs, ys, z, report, radius=0.6))
    (quadric,) = traces_named(figure, "Taylor")
    assert isinstance(quadric, go.Surface) and quadric.opacity == 0.5
    patch_x, patch_y = np.meshgrid(np.asarray(quadric.x), np.asarray(quadric.y))
    assert (patch_x.min(), patch_x.max(), patch_y.min(), patch_y.max()) == pytest.approx((-0.7, 0.5, -2.5, -1.3))
    loss, gradient, hessian = himmelblau_derivatives(x, y)
    offsets = np.stack([patch_x - x, patch_y - y], axis=-1)
    expected = loss + offsets @ gradient + 0.5 * np.einsum("...i,ij,...j->...", offsets, hessian, offsets)
    _, (low, high) = display_heights(z)
    assert low < expected.min() and expected.max() < high  # nothing clipped here
    np.testing.assert_allclose(np.asarray(quadric.z), expected, rtol=1e-12)
    assert_no_nan(figure)


def test_a_steep_quadric_is_clipped_to_the_displayed_range_and_eigen_lines_lie_on_the_surface():
    rosenbrock = get_surface("rosenbrock")
    xs, ys, z = grid_of("rosenbrock", 80)
    figure = as_figure(inspector_surface_figure(xs, ys, z, inspect_point(rosenbrock.loss, -1.0, 1.0), radius=1.5))
    (quadric,) = traces_named(figure, "Taylor")
    _, (low, high) = display_heights(z)
    heights = np.asarray(quadric.z)
    assert heights.min() >= low and heights.max() == high  # λ ≈ 1000 overshoots and is cut at the top
    assert np.asarray(quadric.x).min() == xs[0]  # the patch is cut to the grid
    assert_no_nan(figure)

    xs, ys, z = grid_of("saddle", 201)
    figure = as_figure(inspector_surface_figure(xs, ys, z, inspect_point(SADDLE.loss, 0.0, 0.0)))
    down, up = traces_named(figure, "u")
    _, (low, high) = display_heights(z)
    lift = 0.01 * (high - low)
    # Along u₁ = (0, 1) the surface is −y², along u₂ = (1, 0) it is x² (bilinear error ≤ h²/4 = 1e-4).
    assert np.all(np.asarray(down.x) == 0) and np.all(np.asarray(up.y) == 0)
    np.testing.assert_allclose(np.asarray(down.z) - lift, -np.asarray(down.y) ** 2, atol=1.1e-4)
    np.testing.assert_allclose(np.asarray(up.z) - lift, np.asarray(up.x) ** 2, atol=1.1e-4)
    with pytest.raises(ValueError, match="outside"):
        inspector_surface_figure(xs, ys, z, inspect_point(SADDLE.loss, 3.0, 0.0))


def slices_of(*args, **kwargs) -> go.Figure:
    """The slice spec as a validated plotly figure."""
    return as_figure(slice_figure(*args, **kwargs))


def test_slice_panels_sit_where_make_subplots_puts_them():
    from plotly.subplots import make_subplots
    for count in (1, 2, 3):
        reference = make_subplots(rows=count, cols=count, horizontal_spacing=0.1, vertical_spacing=0.2)
        across = [list(getattr(reference.layout, f"xaxis{'' if i == 0 else i + 1}").domain) for i in range(count)]
        down = [list(getattr(reference.layout, f"yaxis{'' if i == 0 else i * count + 1}").domain) for i in range(count)]
        np.testing.assert_allclose(panel_domains(count, 0.1), across, atol=1e-12)
        np.testing.assert_allclose(panel_domains(count, 0.2), down[::-1], atol=1e-12)  # rows run top down


def test_saddle_slices_are_exact_parabolas_equal_to_their_taylor_prediction():
    figure = slices_of(SADDLE.loss, inspect_point(SADDLE.loss, 0.0, 0.0), half_width=1.5, samples=61)
    titles = [annotation.text for annotation in figure.layout.annotations]
    assert titles == ["along u₁<br>λ = −2.00, curves down", "along u₂<br>λ = 2.00, curves up"]
    steps = np.linspace(-1.5, 1.5, 61)
    loss_down, taylor_down, _, loss_up, taylor_up, _ = figure.data
    for trace in (loss_down, taylor_down, loss_up, taylor_up):
        np.testing.assert_allclose(trace.x, steps, rtol=0, atol=1e-15)
    # θ′ + t·u is (0, t) or (t, 0) exactly, so x² − y² is −t² or t², and so is L + t·gᵀu + ½λt² (g = 0).
    np.testing.assert_array_equal(loss_down.y, -np.asarray(loss_down.x) ** 2)
    np.testing.assert_array_equal(taylor_down.y, loss_down.y)
    np.testing.assert_array_equal(loss_up.y, np.asarray(loss_up.x) ** 2)
    np.testing.assert_array_equal(taylor_up.y, loss_up.y)
    assert taylor_down.line.dash == "dash" and taylor_down.line.color == CURVES_DOWN_COLOUR
    assert_no_nan(figure)


def test_slices_off_a_critical_point_agree_with_taylor_to_third_order():
    x, y = -0.1, -1.9
    report = inspect_point(HIMMELBLAU.loss, x, y)
    figure = slices_of(HIMMELBLAU.loss, report, half_width=0.4, samples=81)
    for loss_trace, taylor_trace in (figure.data[0:2], figure.data[3:5]):
        steps, gap = np.asarray(loss_trace.x), np.abs(np.asarray(loss_trace.y) - np.asarray(taylor_trace.y))
        assert gap[40] == 0
        # The difference is O(t³): shrinking t tenfold shrinks it about a thousandfold.
        near, far = np.argmin(np.abs(steps - 0.04)), np.argmin(np.abs(steps - 0.4))
        assert gap[near] < 2e-3 * gap[far]


def test_slices_leave_out_points_where_the_loss_is_not_finite():
    def log_well(points: torch.Tensor) -> torch.Tensor:
        return torch.log(points[..., 0]) + points[..., 1] ** 2

    report = inspect_point(log_well, 0.5, 0.0)
    assert report.eigenvalues.tolist() == pytest.approx([-4.0, 2.0])
    figure = slices_of(log_well, report, half_width=1.0, samples=101)
    along_x = figure.data[0]
    # θ′ + t·(1, 0) has x = 0.5 + t ≤ 0 for t ≤ −0.5: log is −∞ or NaN there, so those samples are dropped.
    assert len(along_x.x) == 101 - 26 and min(along_x.x) > -0.5  # t = −1, −0.98, …, −0.5 are dropped
    np.testing.assert_allclose(along_x.y, np.log(0.5 + np.asarray(along_x.x)), rtol=1e-12)
    assert len(figure.data[1].x) == 101  # the Taylor parabola is defined everywhere
    assert_no_nan(figure)
    with pytest.raises(ValueError):
        slice_figure(log_well, report, samples=2)


def test_figures_of_a_200_by_200_grid_stay_small():
    report = inspect_point(HIMMELBLAU.loss, -0.1, -1.9)
    xs, ys, z = grid_of("himmelblau", 200)
    contour = inspector_contour_figure(landscape_of("himmelblau", 200), report, atlas=atlas_of("himmelblau"),
                                       escape=escape_step(report, 0.3, HIMMELBLAU.loss))
    surface = as_figure(inspector_surface_figure(xs, ys, z, report))
    sizes = collections.Counter({"contour": len(contour.to_json()), "surface": len(surface.to_json()),
                                 "slices": len(slices_of(HIMMELBLAU.loss, report).to_json())})
    assert max(sizes.values()) < 1.5e6, sizes
    for figure in (contour, surface):
        assert_no_nan(figure)


# The look: language, projector mode, dark theme ----------------------------------------------------

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def inspector_figures(look: Look) -> dict[str, go.Figure]:
    """The saddle's three inspector figures at the origin, with the atlas and the escape step, in ``look``."""
    report = inspect_point(SADDLE.loss, 0.0, 0.0)
    xs, ys, z = grid_of("saddle", 60)
    return {
        "contour": inspector_contour_figure(landscape_of("saddle", 60), report, atlas=atlas_of("saddle"),
                                            escape=escape_step(report, 0.5, SADDLE.loss), look=look),
        "surface": as_figure(inspector_surface_figure(xs, ys, z, report, look=look)),
        "slices": slices_of(SADDLE.loss, report, half_width=1.0, samples=31, look=look),
    }


def widths(figure: go.Figure) -> list[float]:
    return [trace.line.width for trace in figure.data
            if getattr(trace, "line", None) is not None and trace.line.width is not None]


def test_projector_mode_thickens_arrows_and_slices_and_enlarges_text():
    laptop, projector = inspector_figures(Look()), inspector_figures(Look(projector=True))
    for name in laptop:
        assert projector[name].layout.font.size == 18 > laptop[name].layout.font.size == 13
        assert len(widths(laptop[name])) == len(widths(projector[name])) > 0
        assert all(thick > thin for thin, thick in zip(widths(laptop[name]), widths(projector[name]))), name
    laptop_arrow, projector_arrow = traces_named(laptop["contour"], "u")[0], traces_named(projector["contour"], "u")[0]
    assert max(projector_arrow.marker.size) > max(laptop_arrow.marker.size)
    (big_point,), (small_point,) = traces_named(projector["contour"], "θ′"), traces_named(laptop["contour"], "θ′")
    assert big_point.marker.size > small_point.marker.size
    assert all(a.font.size > 15 for a in projector["slices"].layout.annotations)


def test_dark_mode_uses_the_dark_template_and_light_ink():
    light, dark = inspector_figures(Look()), inspector_figures(Look(dark=True))
    for name in dark:
        assert dark[name].layout.template.layout.paper_bgcolor == "rgb(17,17,17)"
        assert light[name].layout.template.layout.paper_bgcolor == "white"
    # The slice curve and the escape arrow are drawn in ink: near black on white, near white on black.
    assert light["slices"].data[0].line.color == "#111111"
    assert dark["slices"].data[0].line.color == Look(dark=True).palette.ink != "#111111"
    (escape,) = traces_named(dark["contour"], "escape step")
    assert escape.line.color == Look(dark=True).palette.ink
    assert dark["contour"].data[0].line.color == Look(dark=True).palette.isoline
    # The curvature colours mean the same in both themes.
    assert [arrow.line.color for arrow in traces_named(dark["contour"], "u")] == [CURVES_DOWN_COLOUR, CURVES_UP_COLOUR]


def test_chinese_inspector_figures_name_the_curvature_in_chinese():
    figures = inspector_figures(Look(language="zh"))
    arrows = traces_named(figures["contour"], "u")
    assert [arrow.name for arrow in arrows] == ["u₁（λ = −2.00，向下弯）", "u₂（λ = 2.00，向上弯）"]
    assert CHINESE.search(figures["contour"].layout.xaxis.title.text)
    (escape,) = [trace for trace in figures["contour"].data if trace.line.dash == "dash"]
    assert escape.name == "逃离的一步：预测 ΔL ≈ −0.25，实际 −0.25"
    (saddle_markers,) = [trace for trace in figures["contour"].data if trace.name.startswith("鞍点")]
    assert saddle_markers.name == "鞍点（1）"
    assert all(CHINESE.search(annotation.text) for annotation in figures["slices"].layout.annotations)
    assert CHINESE.search(figures["slices"].layout.xaxis.title.text)
    assert CHINESE.search(figures["slices"].data[0].name) and CHINESE.search(figures["slices"].data[1].name)
    assert any(CHINESE.search(trace.name or "") for trace in figures["surface"].data if isinstance(trace, go.Surface))
    assert CHINESE.search(figures["surface"].layout.scene.zaxis.title.text)
    for figure in figures.values():
        assert_no_nan(figure)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_condition_caption_names_every_colour_an_arrow_can_be_drawn_in(language):
    """The valley of the lecture toy draws a grey arrow (λ = 0): the caption under the numbers must say what grey means."""
    caption = catalogue(language)["point_report.condition"]
    for colour in (CURVES_UP_COLOUR, CURVES_DOWN_COLOUR, FLAT_COLOUR):
        assert colour_name(colour, language).lower() in caption.lower(), (language, colour)

"""Where a formula is not a finite number: what the core reports (at a point, on the grid), what the
pages say about it, and that the pictures draw such places as gaps, never as NaN or overflowing numbers."""

from __future__ import annotations

import base64
import io
import pickle

import numpy as np
import pytest
import torch
from PIL import Image

from analysis.finiteness import (OVERFLOW, UNDEFINED, GridGaps, NotFinite, NotFiniteError, check_finite_at,
                                 failure_of, grid_gaps, not_finite_at)
from analysis.point_report import HessianNotFiniteError, HessianUndefinedError, inspect_point
from figures.raster import height_scale
from figures.spec import as_figure
from optimizers.settings import OptimizerSettings
from scenes import explorer
from figures.runs import run_paths
from scenes.not_finite_messages import grid_message, inspect_message, share_text, start_message, stopped_run_message
from surfaces.choice import SurfaceChoice, resolve_surface
from surfaces.grid import LARGEST_DRAWN, loss_grid, loss_values


def own(formula: str) -> SurfaceChoice:
    return SurfaceChoice("own", formula=formula)


@pytest.mark.parametrize(("values", "failure", "too_large_to_draw"), [
    ([1.0, -2.0, 1e300], None, None), ([1.0, float("inf")], OVERFLOW, OVERFLOW), ([-1e301], None, OVERFLOW),
    ([float("-inf"), float("nan")], UNDEFINED, UNDEFINED), (float("nan"), UNDEFINED, UNDEFINED),
])
def test_a_value_fails_by_nan_or_by_overflow(values, failure, too_large_to_draw):
    assert failure_of(np.asarray(values)) == failure
    assert failure_of(torch.tensor(values, dtype=torch.float64)) == failure
    assert failure_of(np.asarray(values), largest=LARGEST_DRAWN) == too_large_to_draw


def test_the_first_quantity_that_is_not_finite_is_reported_with_the_loss_when_that_is_finite():
    value, gradient, hessian = torch.tensor(2.0), torch.tensor([1.0, float("nan")]), torch.full((2, 2), float("inf"))
    assert not_finite_at(0.5, 1.0, value, gradient, hessian) == NotFinite(0.5, 1.0, "gradient", UNDEFINED, 2.0)
    assert not_finite_at(0.5, 1.0, value, torch.zeros(2), hessian) == NotFinite(0.5, 1.0, "hessian", OVERFLOW, 2.0)
    assert not_finite_at(0.5, 1.0, torch.tensor(float("inf")), gradient) == NotFinite(0.5, 1.0, "loss", OVERFLOW)
    assert not_finite_at(0.5, 1.0, value, torch.zeros(2), torch.zeros(2, 2)) is None


@pytest.mark.parametrize(("formula", "point", "quantity", "failure"), [
    ("log(x)", (-1.0, 0.0), "loss", UNDEFINED),
    ("exp(exp(x*y))", (3.0, 3.0), "loss", OVERFLOW),
    ("sqrt(x*x) + y", (0.0, 1.0), "gradient", UNDEFINED),  # autograd: 0.5/sqrt(0) · 2·0 = ∞ · 0
    ("(x*x)**0.25", (0.0, 1.0), "gradient", UNDEFINED),
    ("exp(709*x)", (1.0, 0.0), "gradient", OVERFLOW),  # L = 8.2e307, ∂L/∂x = 709 L = ∞
])
def test_check_finite_at_names_what_fails_and_where(formula, point, quantity, failure):
    surface = resolve_surface(own(formula))
    with pytest.raises(NotFiniteError) as caught:
        check_finite_at(surface.loss, *point)
    problem = caught.value.problem
    assert (problem.x, problem.y, problem.quantity, problem.failure) == (*point, quantity, failure)
    copy = pickle.loads(pickle.dumps(caught.value))  # a worker process (workers.POOL) sends it to the server
    assert copy.problem == problem and str(copy) == str(caught.value)


def test_the_grid_gaps_give_their_share_their_failures_and_the_gap_nearest_the_centre():
    xs, ys = np.linspace(-1, 1, 5), np.linspace(-1, 1, 5)
    values = np.ones((5, 5))
    assert grid_gaps(xs, ys, values) == GridGaps(0.0, (), None)
    values[0, 0], values[4, 4], values[2, 3] = np.nan, np.inf, 2e300  # rows follow y, columns x
    gaps = grid_gaps(xs, ys, values)
    assert gaps.fraction == 3 / 25 and gaps.failures == (OVERFLOW, UNDEFINED) and gaps.example == (0.5, 0.0)
    assert gaps.any and not gaps.everywhere
    assert grid_gaps(xs, ys, np.full((5, 5), np.nan)).everywhere


def test_a_view_of_log_x_says_half_the_domain_is_undefined():
    view = explorer.surface_view(own("log(x)"))  # 200 columns, none at x = 0 exactly: 100 of them at x < 0
    assert view.gaps.fraction == 0.5 and view.gaps.failures == (UNDEFINED,)
    assert -0.05 < view.gaps.example[0] < 0 and abs(view.gaps.example[1]) < 0.05  # next to the centre


def test_heights_beyond_the_drawable_range_no_longer_overflow_the_colour_scale():
    heights = np.array([[0.0, 1.0], [2.0, 1e200]])  # the median² of the log scale's knee overflowed
    scale = height_scale(heights)
    assert scale.logarithmic and np.isfinite(scale.knee) and scale.knee > 0
    assert np.all(np.isfinite(scale.fraction(heights)))


def transparent_pixels(image_uri: str) -> np.ndarray:
    """Which pixels of the landscape's image are transparent, rows as in the grid (y_min first)."""
    image = Image.open(io.BytesIO(base64.b64decode(image_uri.split(",", 1)[1])))
    return (np.asarray(image) == image.info["transparency"])[::-1]


def test_an_overflowing_formula_is_drawn_with_gaps_where_it_overflows_and_nowhere_else():
    choice = own("exp(exp(x*y))")  # overflows where xy > ~6.5: two corners of [-3, 3]²
    view = explorer.surface_view(choice)
    xs, ys, values = loss_values(resolve_surface(choice), explorer.RASTER_RESOLUTION)
    gaps = ~(np.abs(values) <= LARGEST_DRAWN)
    assert 0 < gaps.mean() < 0.05 and view.gaps.failures == (OVERFLOW,)
    np.testing.assert_array_equal(transparent_pixels(view.landscape.image_uri), gaps)
    # Iso-lines: finite points (NaN only between lines), and no segment in a cell with a corner in a gap: the
    # middle of a segment lies inside its cell (up to the coordinates' rounding to a twentieth of a cell).
    line_x, line_y = view.landscape.line_x.astype(float), view.landscape.line_y.astype(float)
    assert np.isfinite(line_x).sum() > 100 and np.array_equal(np.isfinite(line_x), np.isfinite(line_y))
    middle_x, middle_y = (line_x[1:] + line_x[:-1]) / 2, (line_y[1:] + line_y[:-1]) / 2
    segment = np.isfinite(middle_x)
    gap_cells = gaps[:-1, :-1] | gaps[1:, :-1] | gaps[:-1, 1:] | gaps[1:, 1:]
    cell = xs[1] - xs[0]
    in_a_drawn_cell = np.zeros(segment.sum(), dtype=bool)
    for nudge_x in (-cell / 10, cell / 10):
        for nudge_y in (-cell / 10, cell / 10):
            columns = np.clip(np.searchsorted(xs, middle_x[segment] + nudge_x) - 1, 0, len(xs) - 2)
            rows = np.clip(np.searchsorted(ys, middle_y[segment] + nudge_y) - 1, 0, len(ys) - 2)
            in_a_drawn_cell |= ~gap_cells[rows, columns]
    assert in_a_drawn_cell.all()
    # The 3D surface: NaN exactly where its coarser grid is not drawable, and a finite z range.
    _, _, coarse = loss_grid(resolve_surface(choice), explorer.SURFACE_RESOLUTION)
    np.testing.assert_array_equal(np.isnan(view.z), np.isnan(coarse))
    race_map, surface_map = explorer.landscape_figures(view)
    assert all(np.isfinite(surface_map["layout"]["scene"]["zaxis"]["range"]))
    as_figure(race_map), as_figure(surface_map)  # valid plotly figures


def test_a_formula_that_is_nowhere_finite_still_draws_valid_empty_figures():
    view = explorer.surface_view(own("0/0*x"))
    assert view.gaps.everywhere and np.isnan(view.z).all() and len(view.landscape.line_x) == 0
    for figure in explorer.landscape_figures(view):
        as_figure(figure)


def test_a_start_where_the_loss_is_undefined_raises_a_typed_error_with_the_point():
    settings = (OptimizerSettings("gd", 0.05),)
    with pytest.raises(NotFiniteError) as caught:
        explorer.race(own("log(x)"), (-1.0, 0.5), settings, 20, 0)
    assert caught.value.problem == NotFinite(-1.0, 0.5, "loss", UNDEFINED)
    race = explorer.race(own("log(x)"), (1.0, 0.5), settings, 20, 0)  # where it is defined the race runs
    assert race.trajectories.runs == 33


def test_the_inspector_tells_a_non_finite_point_from_a_kink():
    with pytest.raises(HessianNotFiniteError) as caught:
        inspect_point(resolve_surface(own("sqrt(x*x) + y^2")).loss, 0.0, 0.5)
    assert caught.value.problem == NotFinite(0.0, 0.5, "gradient", UNDEFINED, 0.25)
    assert isinstance(caught.value, HessianUndefinedError) and "the gradient at (0, 0.5)" in str(caught.value)
    with pytest.raises(HessianUndefinedError) as kink:
        inspect_point(resolve_surface(own("abs(x) + y^2")).loss, 0.0, 0.5)
    assert not isinstance(kink.value, NotFiniteError)


def test_the_messages_say_what_and_where_in_both_languages():
    gaps = GridGaps(0.25, (OVERFLOW,), (2.5, -3.0))
    assert grid_message(gaps, "en") == ("L(x, y) cannot be drawn on 25 % of the domain, for example at (2.5, -3): "
                                        "it overflows (to ±∞, or beyond ±1e300: too large to draw). It is shown blank "
                                        "there.")
    assert grid_message(gaps, "zh").startswith("L(x, y) 在区域的 25% 上无法绘制，例如在 (2.5, -3)：数值溢出")
    assert grid_message(GridGaps(0.0, (), None), "en") is None
    problem = NotFinite(0.93, 0.81, "gradient", UNDEFINED, -0.0)
    assert start_message(problem, "en").startswith("No optimizer can start at (0.93, 0.81). L = 0 there, but its "
                                                   "gradient is not a finite number: it is undefined")
    assert inspect_message(NotFinite(-1.0, 0.0, "loss", OVERFLOW), "zh").startswith(
        "(-1, 0) 处没有可以检查的。那里的 L 不是有限的数：数值溢出，成了 ±∞")
    assert [share_text(value) for value in (0.001, 0.123, 0.999)] == ["less than 1 %", "12 %", "more than 99 %"]


def test_a_run_that_stops_where_the_loss_is_not_finite_says_its_last_finite_point():
    race = explorer.race(own("log(x) + y^2"), (0.5, 0.5), (OptimizerSettings("gd", 0.05),), 50, 0)
    trajectories = race.trajectories
    (run,) = run_paths(trajectories, ["GD"])
    last = run.points[-1]
    with torch.no_grad():
        step = torch.tensor(last) - 0.05 * torch.tensor([1 / last[0], 2 * last[1]])  # GD's next step, by hand
        assert not torch.isfinite(resolve_surface(own("log(x) + y^2")).loss(step))
    message = stopped_run_message("GD", run, trajectories.reasons[0])
    assert message.startswith(f"**GD**: diverged at step {len(run.points)}: the loss became infinite or undefined, "
                              f"right after ({last[0]:.4g}, {last[1]:.4g})")
    (wide,) = run_paths(explorer.race(SurfaceChoice("saddle"), (0.5, 0.5), (OptimizerSettings("gd", 5.0),), 50, 0)
                        .trajectories, ["GD"])
    assert wide.note and stopped_run_message("GD", wide, "it left the plotted region") is None

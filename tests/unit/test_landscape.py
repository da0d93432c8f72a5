"""The landscape background: colour raster, marching-squares iso-lines, and their place in a figure."""

from __future__ import annotations

import base64
import io
import pickle

import numpy as np
import plotly.colors
import plotly.io
import pytest
from PIL import Image

from figures.isolines import contour_levels, iso_lines
from figures.landscape import Landscape, landscape_layers, landscape_parts
from figures.raster import colour_raster, height_scale
from figures.spec import as_figure

HIMMELBLAU_MINIMA = np.array([(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)])


def himmelblau_grid(resolution: int = 200):
    xs = ys = np.linspace(-6.0, 6.0, resolution)
    x, y = np.meshgrid(xs, ys)
    return xs, ys, (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def rosenbrock_grid(resolution: int = 120):
    xs, ys = np.linspace(-2.0, 2.0, resolution), np.linspace(-1.0, 3.0, resolution)
    x, y = np.meshgrid(xs, ys)
    return xs, ys, (1 - x) ** 2 + 100 * (y - x**2) ** 2


def decoded(uri: str) -> np.ndarray:
    prefix = "data:image/png;base64,"
    assert uri.startswith(prefix)
    image = Image.open(io.BytesIO(base64.b64decode(uri[len(prefix):])))
    assert image.format == "PNG"
    return np.asarray(image.convert("RGBA")).astype(int)


def polylines(line_x: np.ndarray, line_y: np.ndarray) -> list[np.ndarray]:
    """The NaN-separated pieces as (n, 2) arrays of points."""
    breaks = np.flatnonzero(np.isnan(line_x))
    assert np.array_equal(breaks, np.flatnonzero(np.isnan(line_y)))
    pieces = (piece[~np.isnan(piece[:, 0])] for piece in np.split(np.column_stack([line_x, line_y]), breaks))
    return [piece for piece in pieces if len(piece)]


def signed_area(loop: np.ndarray) -> float:
    x, y = loop[:, 0], loop[:, 1]
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


# --- the colour raster -------------------------------------------------------------------------

def test_the_raster_has_one_pixel_per_value_with_y_min_at_the_bottom():
    rows, columns = 30, 50  # not square, so a transposed image has the wrong size
    z = np.add.outer(2.0 * np.arange(rows), np.arange(columns))  # lowest at z[0, 0], highest at z[-1, -1]
    pixels = decoded(colour_raster(z, log_scale=False))
    assert pixels.shape == (rows, columns, 4)
    viridis = plotly.colors.get_colorscale("Viridis")
    assert tuple(pixels[-1, 0, :3]) == plotly.colors.hex_to_rgb(viridis[0][1])  # bottom-left is z[0, 0]
    assert tuple(pixels[0, -1, :3]) == plotly.colors.hex_to_rgb(viridis[-1][1])  # top-right is z[-1, -1]
    assert np.all(pixels[..., 3] == 255)


def test_raster_colours_match_plotly_sampling_of_the_colour_scale():
    z = np.tile(np.linspace(0.0, 1.0, 101), (3, 1))
    pixels = decoded(colour_raster(z, colorscale="RdBu_r", log_scale=False))
    for column in (0, 13, 50, 77, 100):
        expected = plotly.colors.unlabel_rgb(plotly.colors.sample_colorscale("RdBu_r", [z[0, column]])[0])
        assert np.abs(pixels[1, column, :3] - np.array(expected)).max() <= 3  # 255 colour steps


def test_non_finite_values_become_transparent_pixels():
    z = np.arange(12.0).reshape(3, 4)
    z[0, 1], z[2, 3] = np.nan, np.inf
    alpha = decoded(colour_raster(z))[::-1, :, 3]  # back to grid rows
    assert alpha[0, 1] == 0 and alpha[2, 3] == 0
    assert np.count_nonzero(alpha == 255) == z.size - 2


def test_an_all_nan_grid_is_an_empty_image_not_an_error():
    assert np.all(decoded(colour_raster(np.full((4, 5), np.nan)))[..., 3] == 0)


def test_wide_ranges_get_a_log_scale_with_the_median_halfway_up_the_colours():
    _, _, z = rosenbrock_grid()
    scale = height_scale(z)
    assert scale.logarithmic
    assert scale.fraction(np.median(z)) == pytest.approx(0.5)
    assert scale.fraction(z.min()) == 0.0 and scale.fraction(z.max()) == pytest.approx(1.0)
    heights = np.linspace(z.min(), z.max(), 9)
    assert scale.height(scale.fraction(heights)) == pytest.approx(heights)


def test_narrow_ranges_stay_linear_unless_asked():
    x, y = np.meshgrid(np.linspace(-1, 1, 41), np.linspace(-1, 1, 41))
    saddle = x**2 - y**2
    assert not height_scale(saddle).logarithmic
    assert height_scale(saddle).fraction(0.0) == pytest.approx(0.5)
    assert height_scale(saddle, log_scale=True).logarithmic
    assert not height_scale(rosenbrock_grid()[2], log_scale=False).logarithmic


def test_bad_raster_arguments_are_explained():
    with pytest.raises(ValueError, match="colour scale"):
        colour_raster(np.ones((2, 2)), colorscale="NoSuchScale")
    with pytest.raises(ValueError, match="log_scale"):
        colour_raster(np.ones((2, 2)), log_scale="yes")
    with pytest.raises(ValueError, match="2D"):
        colour_raster(np.ones(4))


# --- iso-lines ---------------------------------------------------------------------------------

@pytest.mark.parametrize("radius", [0.5, 1.0, 1.7])
def test_iso_lines_of_a_bowl_are_one_closed_circle(radius):
    xs = ys = np.linspace(-2.0, 2.0, 81)
    x, y = np.meshgrid(xs, ys)
    line_x, line_y = iso_lines(xs, ys, x**2 + y**2, [radius**2])
    pieces = polylines(line_x, line_y)
    assert len(pieces) == 1
    circle = pieces[0]
    cell = xs[1] - xs[0]
    assert np.abs(np.hypot(circle[:, 0], circle[:, 1]) - radius).max() < cell
    assert np.allclose(circle[0], circle[-1])  # closed
    angles = np.sort(np.arctan2(circle[:, 1], circle[:, 0]))
    assert np.diff(np.concatenate([angles, [angles[0] + 2 * np.pi]])).max() < 2 * cell / radius  # no gap
    assert signed_area(circle) == pytest.approx(-np.pi * radius**2, rel=0.01)  # clockwise: high ground on the left


def test_a_hill_turns_the_other_way():
    xs = ys = np.linspace(-2.0, 2.0, 41)
    x, y = np.meshgrid(xs, ys)
    (loop,) = polylines(*iso_lines(xs, ys, -(x**2 + y**2), [-1.0]))
    assert signed_area(loop) == pytest.approx(np.pi, rel=0.02)


@pytest.mark.parametrize("level", [-0.73, 0.0, 1.2])
def test_iso_lines_of_a_plane_are_straight(level):
    xs, ys = np.linspace(-2.0, 2.0, 37), np.linspace(-1.0, 1.0, 23)
    z = np.tile(xs, (len(ys), 1))  # z = x
    (line,) = polylines(*iso_lines(xs, ys, z, [level]))
    assert np.abs(line[:, 0] - level).max() <= (xs[1] - xs[0]) / 20
    assert line[:, 1].min() == ys[0] and line[:, 1].max() == ys[-1]
    assert len(line) == len(ys)


def test_lines_stop_at_gaps_in_the_grid():
    xs, ys = np.linspace(0.0, 1.0, 21), np.linspace(0.0, 1.0, 31)
    z = np.tile(xs, (len(ys), 1))
    z[14:17, :] = np.nan  # a band across the middle
    pieces = polylines(*iso_lines(xs, ys, z, [0.5]))
    assert len(pieces) == 2
    inside_band = (np.concatenate(pieces)[:, 1] > ys[13]) & (np.concatenate(pieces)[:, 1] < ys[17])
    assert not inside_band.any()


def test_himmelblau_low_levels_ring_each_of_the_four_minima():
    xs, ys, z = himmelblau_grid()
    pieces = polylines(*iso_lines(xs, ys, z, [5.0]))
    assert len(pieces) == 4
    for loop in pieces:
        assert np.allclose(loop[0], loop[-1])
        nearest = np.hypot(*(HIMMELBLAU_MINIMA - loop.mean(axis=0)).T).min()
        assert nearest < 0.3
    centres = np.array([loop.mean(axis=0) for loop in pieces])
    distances = np.hypot(*(HIMMELBLAU_MINIMA[:, None, :] - centres[None, :, :]).transpose(2, 0, 1))
    assert sorted(distances.argmin(axis=1)) == [0, 1, 2, 3]  # one ring per minimum


@pytest.mark.parametrize(("corners", "paired_with_low_corner"), [(1.0, False), (1.5, True)])
def test_saddle_cells_follow_the_centre_value(corners, paired_with_low_corner):
    # Highs at (0, 0) and (1, 1); the mean of the corners decides whether they are joined.
    z = np.array([[1.0, 0.0], [0.0, corners]])
    pieces = polylines(*iso_lines([0.0, 1.0], [0.0, 1.0], z, [0.5]))
    assert len(pieces) == 2
    for segment in pieces:
        shared_corner = np.round(segment.sum(axis=0) - 0.5)  # the corner both crossings touch
        corner_is_low = z[int(shared_corner[1]), int(shared_corner[0])] < 0.5
        assert corner_is_low == paired_with_low_corner


def test_output_is_compact_for_a_200_grid():
    xs, ys, z = himmelblau_grid()
    line_x, line_y = iso_lines(xs, ys, z, contour_levels(z, 15))
    assert 2_000 < len(line_x) < 30_000
    assert np.isnan(line_x).sum() < 100  # joined polylines, not loose segments
    finite = line_x[np.isfinite(line_x)]
    assert np.array_equal(finite, np.round(finite, 3))


def test_no_levels_or_a_flat_grid_give_no_lines():
    xs = ys = np.linspace(0.0, 1.0, 5)
    for line in iso_lines(xs, ys, np.ones((5, 5)), [0.5, 1.0, 2.0]) + iso_lines(xs, ys, np.ones((5, 5)), []):
        assert line.shape == (0,)


def test_mismatched_shapes_are_explained():
    with pytest.raises(ValueError, match="shape"):
        iso_lines(np.arange(3.0), np.arange(4.0), np.ones((3, 4)), [0.5])


# --- levels ------------------------------------------------------------------------------------

def test_levels_are_finite_increasing_and_inside_the_range():
    _, _, z = himmelblau_grid(60)
    z[0, :5] = np.nan
    z[1, 0] = np.inf
    levels = contour_levels(z, 15)
    assert len(levels) == 15 and np.all(np.isfinite(levels)) and np.all(np.diff(levels) > 0)
    finite = z[np.isfinite(z)]
    assert finite.min() < levels[0] and levels[-1] < finite.max()


def test_linear_levels_are_evenly_spaced():
    z = np.tile(np.linspace(0.0, 1.0, 11), (4, 1))
    assert contour_levels(z, 3) == pytest.approx([0.25, 0.5, 0.75])


def test_log_spaced_levels_put_the_median_in_the_middle():
    _, _, z = rosenbrock_grid()
    levels = contour_levels(z, 15)
    assert levels[7] == pytest.approx(np.median(z))
    assert np.all(np.diff(levels, 2) > 0)  # spacing widens with height


def test_level_count_is_validated():
    with pytest.raises(ValueError, match="whole number"):
        contour_levels(np.ones((3, 3)), 0)


# --- the landscape in a figure -----------------------------------------------------------------

def test_landscape_layers_hold_consistent_parts():
    xs, ys, z = himmelblau_grid(80)
    landscape = landscape_layers(xs, ys, z)
    assert landscape.z_min == z.min() and landscape.z_max == z.max() and landscape.logarithmic
    assert landscape.x_range == (-6.0, 6.0) and landscape.y_range == (-6.0, 6.0)
    half_cell = (xs[1] - xs[0]) / 2
    assert landscape.image_x_range == pytest.approx((-6.0 - half_cell, 6.0 + half_cell))
    assert len(landscape.levels) == 15 and decoded(landscape.image_uri).shape == (80, 80, 4)
    assert not landscape.line_x.flags.writeable
    copy = pickle.loads(pickle.dumps(landscape))  # st.cache_data pickles what it stores
    assert np.array_equal(copy.line_x, landscape.line_x, equal_nan=True)


def test_uneven_grids_are_refused_for_the_image():
    xs = np.array([0.0, 1.0, 3.0])
    with pytest.raises(ValueError, match="evenly spaced"):
        landscape_layers(xs, xs, np.ones((3, 3)))


def landscape_spec(landscape: Landscape, xref: str = "x", yref: str = "y") -> dict:
    """The landscape alone on axes ``xref``/``yref``: its iso-line trace, its image and both axes."""
    trace, image, axes = landscape_parts(landscape, xref=xref, yref=yref)
    return {"data": [trace], "layout": {"images": [image], f"xaxis{xref[1:]}": axes["x"],
                                        f"yaxis{yref[1:]}": axes["y"]}}


def test_the_landscape_is_one_image_and_one_line_trace_on_fixed_axes():
    xs, ys, z = rosenbrock_grid(60)
    landscape = landscape_layers(xs, ys, z)
    figure = as_figure(landscape_spec(landscape))
    assert len(figure.layout.images) == 1 and len(figure.data) == 1
    image, lines = figure.layout.images[0], figure.data[0]
    assert (image.xref, image.yref, image.sizing, image.layer) == ("x", "y", "stretch", "below")
    assert image.x == landscape.image_x_range[0] and image.y == landscape.image_y_range[1]
    assert image.x + image.sizex == pytest.approx(landscape.image_x_range[1])
    assert image.y - image.sizey == pytest.approx(landscape.image_y_range[0])
    assert tuple(figure.layout.xaxis.range) == (-2.0, 2.0) and tuple(figure.layout.yaxis.range) == (-1.0, 3.0)
    assert figure.layout.xaxis.autorange is False and figure.layout.yaxis.autorange is False
    assert lines.hoverinfo == "skip" and lines.showlegend is False and lines.mode == "lines"
    np.testing.assert_array_equal(lines.x, landscape.line_x)  # NaN separators included
    np.testing.assert_array_equal(lines.y, landscape.line_y)


def test_the_landscape_goes_on_the_axes_it_is_given():
    figure = as_figure(landscape_spec(landscape_layers(*himmelblau_grid(40)), xref="x2", yref="y2"))
    assert (figure.layout.images[0].xref, figure.layout.images[0].yref) == ("x2", "y2")
    assert (figure.data[0].xaxis, figure.data[0].yaxis) == ("x2", "y2")
    assert tuple(figure.layout.xaxis2.range) == (-6.0, 6.0)
    assert figure.layout.xaxis.range is None


def test_a_200_grid_figure_stays_small():
    landscape = landscape_layers(*himmelblau_grid())
    assert isinstance(landscape, Landscape) and landscape.line_x.dtype == np.float32
    assert len(plotly.io.to_json(landscape_spec(landscape), validate=False)) < 250_000

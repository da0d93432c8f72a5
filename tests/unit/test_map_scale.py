"""Every contour map is drawn to scale (one unit of x as long as one unit of y), or says plainly that it is not."""

from __future__ import annotations

import json

import numpy as np
import pytest

from figures.export import race_html
from figures.inspector import inspector_contour_figure
from figures.map_scale import EQUAL_SCALE_LIMIT, fitted_height, map_scale
from figures.runs import run_paths
from figures.spec import as_figure
from figures.style import Look
from figures.tour_previews import PreviewMap, preview_figure
from optimizers.settings import OptimizerSettings
from optimizers.trajectory import run_trajectories
from scenes.explorer import explorer_figures, race, surface_view
from scenes.inspector import inspector_scene
from surfaces.catalogue import SURFACES
from surfaces.choice import OWN_FORMULA_KEY, SurfaceChoice, resolve_surface

RESOLUTION = 40
SETTINGS = (OptimizerSettings("gd", 0.01), OptimizerSettings("momentum", 0.01))


def map_figures(choice: SurfaceChoice, look: Look = Look()) -> dict[str, dict]:
    """Every map a page draws of ``choice``: the explorer's race and sweep (and the race as the tour's preview
    and as the exported page draw it), the inspector's map at the surface's start."""
    surface = resolve_surface(choice)
    view = surface_view(choice, RESOLUTION)
    start = surface.starts[0]
    result = race(choice, start, SETTINGS, 20, 0)
    figures = explorer_figures(view, result, ["GD", "momentum"], 0, look=look)
    trajectories = run_trajectories(surface.loss, np.tile(start, (1, 1)), SETTINGS[:1], 20,
                                    surface.domain.padded(1.0).bounds)
    return {
        "race": figures.race,
        "sweep": figures.sweep,
        "tour preview": preview_figure([PreviewMap(view.landscape, run_paths(trajectories, ["GD"]))], [], look=look),
        "inspector": inspector_scene(surface, view, None, *start, look=look).contour,
        "inspector without a report": inspector_contour_figure(view.landscape, None, look=look),
    }


def exported_layout(figure: dict) -> dict:
    """The layout inside the offline web page that ``race_html`` writes (the JSON passed to ``newPlot``)."""
    page = race_html(figure).decode("utf-8")
    decoder, position = json.JSONDecoder(), page.index("Plotly.newPlot(") + len("Plotly.newPlot(")
    arguments = []
    while len(arguments) < 3:  # the chart's id, its data, its layout
        position = len(page) - len(page[position:].lstrip(" \n,"))
        value, position = decoder.raw_decode(page, position)
        arguments.append(value)
    return arguments[2]


def scale_notes(layout: dict) -> list[dict]:
    """The notes placed on the map's frame (``x domain``): a map's scale; the notes on runs point at data."""
    return [note for note in layout.get("annotations", []) if note["xref"] == "x domain"]


def assert_drawn_at(layout: dict, stretch: float) -> None:
    """Both axes keep the grid's ranges and shrink their domain; one unit of y spans ``stretch`` units of x."""
    xaxis, yaxis = layout["xaxis"], layout["yaxis"]
    assert yaxis["scaleanchor"] == "x" and yaxis["scaleratio"] == pytest.approx(stretch)
    assert xaxis["constrain"] == yaxis["constrain"] == "domain"
    assert xaxis["autorange"] is False and yaxis["autorange"] is False
    # The landscape image is placed in data units over the grid (half a cell beyond it), so it follows the axes.
    (image,) = layout["images"]
    assert (image["xref"], image["yref"], image["sizing"]) == ("x", "y", "stretch")
    x0, x1 = xaxis["range"]
    y0, y1 = yaxis["range"]
    half_x, half_y = (image["sizex"] - (x1 - x0)) / 2, (image["sizey"] - (y1 - y0)) / 2
    assert half_x == pytest.approx((x1 - x0) / (RESOLUTION - 1) / 2)
    assert half_y == pytest.approx((y1 - y0) / (RESOLUTION - 1) / 2)
    assert image["x"] == pytest.approx(x0 - half_x) and image["y"] == pytest.approx(y1 + half_y)


@pytest.mark.parametrize("key", SURFACES)
def test_every_map_of_every_built_in_surface_is_drawn_to_scale(key):
    choice = SurfaceChoice(key)
    domain = resolve_surface(choice).domain
    assert 1 / EQUAL_SCALE_LIMIT <= domain.height / domain.width <= EQUAL_SCALE_LIMIT, "a built-in surface too long"
    for name, figure in map_figures(choice).items():
        layout = figure["layout"]
        assert_drawn_at(layout, 1.0)
        assert not scale_notes(layout), f"{name}: a map to scale needs no note"
        as_figure(figure)  # valid plotly
    assert_drawn_at(exported_layout(map_figures(choice)["race"]), 1.0)


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_domain_far_longer_than_high_is_stretched_by_a_round_factor_and_says_so(language):
    choice = SurfaceChoice(OWN_FORMULA_KEY, formula="x**2/1000 + y**2", domain=(-100.0, 100.0, -1.0, 1.0))
    for name, figure in map_figures(choice, Look(language=language)).items():
        layout = figure["layout"]
        # 200 × 2: at equal scales the map would be a line; y is drawn 50× (the round factor that brings
        # the drawn map within EQUAL_SCALE_LIMIT: 200 / (2 · 50) = 2).
        assert_drawn_at(layout, 50.0)
        (note,) = scale_notes(layout)
        assert ("50×" in note["text"] or "50 倍" in note["text"]) and (note["xref"], note["yref"]) == ("x domain", "y domain"), name
        assert ("not to scale" in note["text"]) == (language == "en")


@pytest.mark.parametrize(("x_range", "y_range", "stretch"), [
    ((-2, 2), (-2, 2), 1.0),
    ((-5, 5), (-2, 2), 1.0),                # the ravine, 2.5 : 1
    ((0, 3), (0, 1), 1.0),                  # exactly at the limit
    ((0, 3.1), (0, 1), 2.0),
    ((-100, 100), (-1, 1), 50.0),
    ((0, 1), (0, 10), 1 / 5),               # taller than wide: x is the stretched one
    ((0, 1e-3), (0, 1e3), 1 / 5e5),
])
def test_map_scale_keeps_the_drawn_map_within_the_limit_with_a_round_stretch(x_range, y_range, stretch):
    scale = map_scale(x_range, y_range)
    assert scale.y_stretch == pytest.approx(stretch, rel=1e-12)
    assert 1 / EQUAL_SCALE_LIMIT - 1e-12 <= scale.drawn_aspect <= EQUAL_SCALE_LIMIT + 1e-12
    factor = max(stretch, 1 / stretch)
    mantissa = factor / 10 ** np.floor(np.log10(factor) + 1e-9)
    assert min(abs(mantissa - round_factor) for round_factor in (1, 2, 5)) < 1e-9
    assert (scale.note() is None) == (stretch == 1.0)


def test_map_scale_refuses_ranges_that_are_not_increasing():
    with pytest.raises(ValueError, match="increasing"):
        map_scale((1.0, 1.0), (0.0, 1.0))


def test_a_wide_map_gets_a_lower_chart_and_a_square_one_keeps_its_height():
    margin = {"t": 30, "b": 180}
    assert fitted_height(map_scale((-2, 2), (-2, 2)), 600, margin, 540) == 600
    # 10 × 4 drawn 540 px wide is 216 px high: the chart keeps its margins around that.
    assert fitted_height(map_scale((-5, 5), (-2, 2)), 600, margin, 540) == 30 + 216 + 180
    assert fitted_height(map_scale((0, 1), (0, 3)), 600, margin, 540) == 600

"""The network page's figures: the ratio scatter, the spectrum, the slices and the captions naming their colours."""

from __future__ import annotations

import numpy as np
import pytest

from analysis.eigenvalue_counts import FLAT, MINIMUM, NOT_CRITICAL, SADDLE
from analysis.loss_slice import loss_slice
from analysis.minimum_ratio import ExperimentSettings, run_experiment
from figures.inspector import CURVES_DOWN_COLOUR, CURVES_UP_COLOUR, FLAT_COLOUR, colour_name
from figures.network import (
    change_colourscale,
    end_point_groups,
    ratio_interval,
    ratio_scatter_figure,
    slice_caption,
    slice_contour_figure,
    slice_surface_figure,
    spectrum_figure,
)
from figures.style import Look
from i18n import text
from tests.unit.network_settings import SETTINGS


# ── The figures ──

def test_the_scatter_shows_every_run_once_grouped_with_its_numbers(experiment):
    groups = end_point_groups(experiment)
    assert sorted(run for group in groups for run in group.runs) == list(range(SETTINGS.runs))
    figure = ratio_scatter_figure(experiment, selected_run=2)
    markers = [trace for trace in figure.data if trace.customdata is not None]
    assert sum(len(trace.x) for trace in markers) == len(groups)
    hovers = " ".join(hover for trace in markers for hover in trace.customdata)
    assert "‖g‖" in hovers and f"/{experiment.parameter_count} λ > 0" in hovers and "flat band ±0.001" in hovers
    ring = figure.data[-1]
    assert ring.x[0] == pytest.approx(float(experiment.minimum_ratios[2]))
    assert ring.y[0] == pytest.approx(float(experiment.training_losses[2]))
    assert figure.layout.xaxis.title.text == text("network.figures.ratio_axis", "en")


def test_each_markers_bar_spans_the_ratio_with_the_flat_directions_counted_down_or_up(experiment, early_experiment):
    for case in (experiment, early_experiment):
        parameters, groups = case.parameter_count, end_point_groups(case)
        names = {text(f"network.figures.{key}", "en"): kind for key, kind in (
            ("minimum", MINIMUM), ("saddle", SADDLE), ("flat_point", FLAT), ("not_critical", NOT_CRITICAL))}
        for trace in ratio_scatter_figure(case).data:
            if trace.customdata is None:
                continue
            members = [group for group in groups if group.kind == names[trace.name]]  # the trace's order
            for group, ratio, plus, minus in zip(members, trace.x, trace.error_x.array, trace.error_x.arrayminus,
                                                 strict=True):
                run = group.runs[0]
                assert ratio == float(case.minimum_ratios[run])
                assert ratio - minus == pytest.approx(float(case.band_ratios[run]), abs=1e-12)
                assert ratio + plus == pytest.approx(1 - int(case.below_band_counts[run]) / parameters, abs=1e-12)
            assert trace.error_x.visible == (names[trace.name] != NOT_CRITICAL)
    lower, upper = ratio_interval(end_point_groups(experiment)[0], experiment.parameter_count)
    assert lower < upper, "every run of the default ends with a direction in the flat band"


def test_the_spectrum_colours_each_bar_by_its_side_of_the_flat_band(experiment, early_experiment):
    for case in (experiment, early_experiment):
        for run in range(case.settings.runs):
            figure = spectrum_figure(case, run)
            bars = [trace for trace in figure.data if trace.type == "bar"]
            assert sum(len(trace.x) for trace in bars) == case.parameter_count
            by_colour = {trace.marker.color: list(trace.customdata) for trace in bars}
            band = float(case.flat_bands[run])
            assert all(value < -band for value in by_colour.get(CURVES_DOWN_COLOUR, []))
            assert all(abs(value) <= band for value in by_colour.get(FLAT_COLOUR, []))
            assert all(value > band for value in by_colour.get(CURVES_UP_COLOUR, []))
            assert len(by_colour.get(FLAT_COLOUR, [])) == int(case.flat_counts[run])
            assert figure.layout.yaxis.type == "log"
            (edge,) = [trace for trace in figure.data if trace.type == "scatter"]
            assert list(edge.y) == [band, band] and edge.line.dash == "dash" and "ρ = 0.001" in edge.name


def test_slice_captions_name_the_colours_the_slice_is_drawn_in(experiment, early_experiment):
    """A caption that names a colour names the one the contour map draws (today's bug: blue for vermillion)."""
    seen = set()
    for case in (experiment, early_experiment):
        for run in range(case.settings.runs):
            kind = case.kinds[run]
            if kind == NOT_CRITICAL:
                continue
            plane = loss_slice(case, run, resolution=21)
            for language in ("en", "zh"):
                look = Look(language=language)
                scale = slice_contour_figure(plane, look=look).data[0].colorscale
                caption = slice_caption(case, run, look=look)
                dips = float(case.eigenvalues[run, 0]) < 0
                drawn, absent = (scale[0][1], scale[-1][1]) if dips else (scale[-1][1], scale[0][1])
                assert drawn == (CURVES_DOWN_COLOUR if dips else CURVES_UP_COLOUR)
                assert colour_name(drawn, language) in caption, (run, caption)
                if absent in (CURVES_DOWN_COLOUR, CURVES_UP_COLOUR):
                    assert colour_name(absent, language) not in caption
            seen.add((kind, dips))
    assert {(SADDLE, True), (FLAT, True), (FLAT, False)} <= seen
    for colour in (CURVES_DOWN_COLOUR, CURVES_UP_COLOUR, FLAT_COLOUR):
        assert colour_name(colour, "en") in {"vermillion", "blue", "grey"}
    with pytest.raises(KeyError):
        colour_name("#FF0000")


def test_a_clear_minimums_caption_names_the_uphill_colour():
    clear = run_experiment(ExperimentSettings(runs=2, hidden=3, seed=0, training_steps=300))
    assert clear.kinds == (MINIMUM, MINIMUM)
    plane = loss_slice(clear, 0, resolution=21)
    scale = slice_contour_figure(plane).data[0].colorscale
    assert scale[0][1] == Look().palette.paper and scale[-1][1] == CURVES_UP_COLOUR
    assert "(blue)" in slice_caption(clear, 0) and "every λ > ρ" in slice_caption(clear, 0)


def test_the_slice_figures_put_the_neutral_colour_at_zero_in_either_language(experiment):
    plane = loss_slice(experiment, 0, resolution=15)
    look = Look(language="zh", projector=True)
    contour, surface = slice_contour_figure(plane, look=look), slice_surface_figure(plane, look=look)
    changes = plane.losses - plane.center_loss
    np.testing.assert_allclose(contour.data[0].z, changes)
    assert contour.layout.font.size == look.font_size
    assert contour.layout.xaxis.title.text.startswith("a：沿 u₁")
    scale = change_colourscale(-1.0, 3.0)
    assert scale[0][1] == CURVES_DOWN_COLOUR and scale[1] == [0.25, Look().palette.paper]
    assert scale[-1][1] == CURVES_UP_COLOUR
    assert change_colourscale(0.0, 2.0)[0][1] == Look().palette.paper
    assert surface.data[0].cmin == pytest.approx(changes.min())

"""A tour scene's preview: its map(s) on top, the curves that show its claim underneath, in one small figure.

The race map shows where runs go; the curves show what the map hides at ~500 px (a burst of the loss
from 10⁻⁸, steps that shrink or grow, a zig-zag across a ravine). Each map draws every run's path, its
start (open circle) and its end (filled, in the run's colour: a run that never moved shows its end on its
start), and optionally the end points of many seeded runs and a few named points (the minima).

Static: no animation, so the picture is complete at a glance. A plain spec (:mod:`figures.spec`).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from figures.landscape import Landscape, landscape_parts
from figures.map_scale import note_annotation
from figures.panels import panel_domains, panel_title
from figures.runs import RunPath
from figures.spec import FigureSpec, packed
from figures.style import Look, look_layout

# The curves' row takes this fraction of the plot's height, at the bottom; the gap above it holds the maps'
# tick labels and the curves' titles, in laptop pixels (grown with the font).
CURVES_HEIGHT = 0.3
# Beside a map about as high as wide (drawn height/width ≥ SIDE_ASPECT) the curves stand stacked on the
# right: the map takes MAP_SHARE of the width, the curves' tick labels the gap.
SIDE_ASPECT = 0.6
MAP_SHARE = 0.55
SIDE_GAP = 0.12
GAP_PIXELS = 76
SPACING = 0.12
MARGIN = {"l": 55, "r": 10, "t": 34, "b": 40}
TITLE_WIDTH = 22  # characters per line of a map's title


@dataclass(frozen=True)
class EndPoints:
    """Where many runs of one optimizer end, drawn as markers in its colour (named on hover; the legend
    names the colour by its run already)."""

    label: str
    colour: str
    points: np.ndarray


@dataclass(frozen=True)
class Mark:
    """A named point on the map (a minimum, a saddle)."""

    name: str
    point: tuple[float, float]


@dataclass(frozen=True, eq=False)
class PreviewMap:
    """One map of a preview: the landscape, the runs on it, and its optional extras. A ``title`` is drawn in
    ``title_colour`` (the colour of its run in the curves, when each map holds one run)."""

    landscape: Landscape
    runs: Sequence[RunPath]
    title: str = ""
    title_colour: str | None = None
    ends: Sequence[EndPoints] = ()
    marks: Sequence[Mark] = ()


@dataclass(frozen=True)
class Series:
    """One line of a curve panel: ``values`` at ``steps``; ``faint`` lines are one of many seeded runs."""

    label: str
    colour: str
    steps: np.ndarray
    values: np.ndarray
    faint: bool = False


@dataclass(frozen=True)
class CurvePanel:
    """A panel of curves over the steps, titled, on a log axis if ``log`` (non-positive values become gaps),
    over ``y_range`` if given (else plotly's automatic range)."""

    title: str
    series: Sequence[Series] = field(default_factory=tuple)
    log: bool = False
    y_range: tuple[float, float] | None = None
    levels: Sequence[Mark] = ()  # horizontal dotted lines at ``point[1]``, named (e.g. the saddle's x)


def wrapped(title: str, width: int = TITLE_WIDTH) -> str:
    """``title`` broken at spaces into lines of at most ``width`` characters (plotly's ``<br>``), so that two
    maps' titles side by side fit their halves at projector sizes."""
    return "<br>".join(textwrap.wrap(title, width)) or title


def _axis(index: int) -> str:
    return "" if index == 1 else str(index)


def _map_traces(preview: PreviewMap, index: int, look: Look) -> tuple[list[dict], dict, dict]:
    """The traces of one map on axes ``index``, its layout image and its axes' settings."""
    xref, yref = f"x{_axis(index)}", f"y{_axis(index)}"
    landscape_trace, image, axes = landscape_parts(preview.landscape, look=look, xref=xref, yref=yref)
    on_axes = {"xaxis": xref, "yaxis": yref}
    data = [landscape_trace]
    for run in preview.runs:
        data.append({"type": "scatter", "x": packed(run.points[:, 0]), "y": packed(run.points[:, 1]), "mode": "lines",
                     "name": run.label, "legendgroup": run.label, "showlegend": index == 1,
                     "line": {"color": run.colour, "width": look.line(2)}, "opacity": 0.8, "hoverinfo": "skip",
                     **on_axes})
    for end in preview.ends:
        data.append({"type": "scatter", "x": packed(end.points[:, 0]), "y": packed(end.points[:, 1]),
                     "mode": "markers", "name": end.label, "showlegend": False,
                     "marker": {"size": look.marker(9), "color": end.colour, "opacity": 0.85,
                                "line": {"color": look.palette.ink, "width": look.line(1)}},
                     "hovertemplate": f"{end.label} (%{{x:.2f}}, %{{y:.2f}})<extra></extra>", **on_axes})
    if preview.runs:
        starts = np.array([run.points[0] for run in preview.runs])
        ends = np.array([run.points[-1] for run in preview.runs])
        start_word, end_word = look.text("figures.start"), look.text("figures.end")
        data.append({"type": "scatter", "x": starts[:, 0].tolist(), "y": starts[:, 1].tolist(), "mode": "markers",
                     "name": start_word, "showlegend": False,
                     "marker": {"symbol": "circle-open", "size": look.marker(16), "color": look.palette.start,
                                "line": {"width": look.line(3)}},
                     "hovertemplate": f"{start_word} (%{{x:.3f}}, %{{y:.3f}})<extra></extra>", **on_axes})
        data.append({"type": "scatter", "x": ends[:, 0].tolist(), "y": ends[:, 1].tolist(), "mode": "markers",
                     "name": end_word, "showlegend": False,
                     "marker": {"size": look.marker(10), "color": [run.colour for run in preview.runs],
                                "line": {"color": look.palette.ink, "width": look.line(1.5)}},
                     "hovertemplate": f"{end_word} (%{{x:.3f}}, %{{y:.3f}})<extra></extra>", **on_axes})
    if preview.marks:
        data.append({"type": "scatter", "x": [mark.point[0] for mark in preview.marks],
                     "y": [mark.point[1] for mark in preview.marks], "mode": "markers",
                     "name": "", "showlegend": False, "hovertemplate": "%{text}<extra></extra>",
                     "text": [mark.name for mark in preview.marks],
                     "marker": {"symbol": "x-thin", "size": look.marker(12),
                                "line": {"color": look.palette.ink, "width": look.line(2)}}, **on_axes})
    return data, image, axes


def _mark_labels(preview: PreviewMap, index: int, look: Look) -> list[dict]:
    """The marks' names above them, on a backing that keeps them readable over the end points around them."""
    return [{"text": mark.name, "x": mark.point[0], "y": mark.point[1], "xref": f"x{_axis(index)}",
             "yref": f"y{_axis(index)}", "showarrow": False, "yanchor": "bottom", "yshift": 8 * look.font_scale,
             "bgcolor": look.palette.legend_background, "font": {"color": look.palette.ink}}
            for mark in preview.marks]


def _curve_traces(panel: CurvePanel, index: int, look: Look) -> list[dict]:
    traces = []
    for series in panel.series:
        values = np.where(series.values > 0, series.values, np.nan) if panel.log else series.values
        traces.append({"type": "scatter", "x": packed(series.steps, np.int32), "y": packed(values), "mode": "lines",
                       "name": series.label, "legendgroup": series.label, "showlegend": False,
                       "line": {"color": series.colour, "width": look.line(1 if series.faint else 2)},
                       "opacity": 0.5 if series.faint else 1.0, "xaxis": f"x{_axis(index)}",
                       "yaxis": f"y{_axis(index)}", "hovertemplate": f"{series.label}: %{{y:.3g}}<extra></extra>"})
    return traces


Domain = tuple[list[float], list[float]]  # (x, y) in paper fractions


def side_by_side(maps: Sequence[PreviewMap], panels: Sequence[CurvePanel]) -> bool:
    """Whether the curves stand beside the map, stacked (one map at least ``SIDE_ASPECT`` high for its width),
    rather than in a row under it (a wide map, or two maps): each way the map gets the larger share."""
    return len(maps) == 1 and bool(panels) and maps[0].landscape.scale.drawn_aspect >= SIDE_ASPECT


def _domains(maps: Sequence[PreviewMap], panels: Sequence[CurvePanel], look: Look,
             plot_height: int) -> tuple[list[Domain], list[Domain]]:
    """Where each map and each panel sit. Gaps hold tick labels and titles, in laptop pixels grown with the font."""
    below = GAP_PIXELS * look.font_scale / plot_height  # a row's tick labels and axis title, the next row's title
    title_lines = max((len(textwrap.wrap(preview.title, TITLE_WIDTH)) for preview in maps), default=0)
    # the map titles' lines that the top margin cannot hold come off the maps' row
    title_room = max(0.0, title_lines * (look.font_size + 6) - MARGIN["t"] * look.font_scale) / plot_height
    if side_by_side(maps, panels):
        top = 1.0 - (look.font_size + 8) / plot_height  # the top panel's title below the legend
        rows = [[low * top, high * top] for low, high in panel_domains(len(panels), below / top)[::-1]]
        return [([0.0, MAP_SHARE], [0.0, top])], [([MAP_SHARE + SIDE_GAP, 1.0], row) for row in rows]
    map_row = [CURVES_HEIGHT + below if panels else 0.0, 1.0 - title_room]
    return ([(column, map_row) for column in panel_domains(len(maps), SPACING)],
            [(column, [0.0, CURVES_HEIGHT]) for column in (panel_domains(len(panels), SPACING) if panels else [])])


def preview_figure(maps: Sequence[PreviewMap], panels: Sequence[CurvePanel], *, height: int = 520,
                   look: Look = Look()) -> FigureSpec:
    """The maps with the curve panels under them in a row, or, beside a map about as high as wide, stacked
    to its right (:func:`side_by_side`).

    Axes 1 … m are the maps (in order), m + 1 … m + p the panels. The legend names the runs of a single map;
    side-by-side maps are named by their titles instead. Trace order per map: iso-lines, the
    runs' paths, the seeded end points, the starts, the ends, the marks; then each panel's series.
    """
    if not maps:
        raise ValueError("a preview needs at least one map")
    margin = look.margin(**MARGIN)
    map_domains, curve_domains = _domains(maps, panels, look, max(height - margin["t"] - margin["b"], 1))
    data, images, annotations, shapes, axes = [], [], [], [], {}
    for index, (preview, (x_domain, y_domain)) in enumerate(zip(maps, map_domains), start=1):
        traces, image, map_axes = _map_traces(preview, index, look)
        data += traces
        images.append(image)
        axes[f"xaxis{_axis(index)}"] = {**map_axes["x"], "domain": x_domain, "anchor": f"y{_axis(index)}",
                                        "title": {"text": look.text("figures.x_axis"), "standoff": 2}}
        axes[f"yaxis{_axis(index)}"] = {**map_axes["y"], "domain": y_domain, "anchor": f"x{_axis(index)}",
                                        "constraintoward": "top",
                                        "title": {"text": look.text("figures.y_axis"), "standoff": 2}}
        for note in note_annotation(preview.landscape.scale, look):
            annotations.append({**note, "xref": f"x{_axis(index)} domain", "yref": f"y{_axis(index)} domain"})
        annotations += _mark_labels(preview, index, look)
        if preview.title:
            title = panel_title(wrapped(preview.title), x_domain, y_domain, look)
            annotations.append(title | {"font": {**title["font"], "color": preview.title_colour}}
                               if preview.title_colour else title)
    for offset, (panel, (x_domain, y_domain)) in enumerate(zip(panels, curve_domains)):
        index = len(maps) + 1 + offset
        data += _curve_traces(panel, index, look)
        y_axis = {"domain": y_domain, "anchor": f"x{_axis(index)}"}
        if panel.log:
            y_axis |= {"type": "log", "exponentformat": "power"}
        if panel.y_range is not None:
            y_axis["range"] = list(np.log10(panel.y_range) if panel.log else panel.y_range)
        axes[f"xaxis{_axis(index)}"] = {"domain": x_domain, "anchor": f"y{_axis(index)}",
                                        "title": {"text": look.text("figures.step_axis"), "standoff": 2}}
        axes[f"yaxis{_axis(index)}"] = y_axis
        annotations.append(panel_title(panel.title, x_domain, y_domain, look))
        for level in panel.levels:
            shapes.append({"type": "line", "xref": f"x{_axis(index)} domain", "yref": f"y{_axis(index)}",
                           "x0": 0, "x1": 1, "y0": level.point[1], "y1": level.point[1],
                           "line": {"color": look.palette.ink, "width": look.line(1.5), "dash": "dot"}})
            annotations.append({"text": level.name, "xref": f"x{_axis(index)} domain", "yref": f"y{_axis(index)}",
                                "x": 1, "y": level.point[1], "xanchor": "right", "yanchor": "bottom",
                                "showarrow": False, "bgcolor": look.palette.legend_background,
                                "font": {"color": look.palette.ink, "size": look.font_size - 2}})
    layout = look_layout(look, height=height, margin=margin, images=images, annotations=annotations, shapes=shapes,
                         showlegend=len(maps) == 1, hovermode="closest", dragmode="zoom", uirevision="tour-preview",
                         legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0,
                                 "bgcolor": look.palette.legend_background}, **axes)
    return {"data": data, "layout": layout}

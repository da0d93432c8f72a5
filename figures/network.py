r"""The real-network experiment's figures: minimum ratio vs training loss, one run's spectrum, the loss on a plane.

The plane through an end point θ* is spanned by the Hessian eigenvectors u₁ (smallest λ) and u₂
(largest λ), and the figures show the change of the loss

.. math::

    \Delta L(a, b) = L(\theta^* + a u_1 + b u_2) - L(\theta^*) \approx \tfrac12 (\lambda_1 a^2 + \lambda_2 b^2)

(no linear term: θ* is a critical point). The colours are the app's curvature colours: vermillion
below L(θ*) (downhill, as along an eigenvector of λ < 0), blue above, the background colour at 0. The
scale is split at 0 whatever the range, so a saddle's two downhill lobes show however shallow they are.
The captions name these colours through :func:`figures.inspector.colour_name` of the same constants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from analysis.eigenvalue_counts import FLAT, MINIMUM, NOT_CRITICAL, SADDLE
from analysis.loss_slice import LossSlice
from analysis.minimum_ratio import Experiment
from figures.inspector import CURVES_DOWN_COLOUR, CURVES_UP_COLOUR, FLAT_COLOUR, colour_name
from figures.numbers import format_number
from figures.style import Look, dress

LECTURE_RATIO_BAND = (0.5, 0.6)
NOT_CRITICAL_COLOUR = "#999999"
DOWNHILL_COLOUR, UPHILL_COLOUR = CURVES_DOWN_COLOUR, CURVES_UP_COLOUR  # the slices: ΔL < 0 and ΔL > 0
MAX_GROUP_MARKER = 2.2  # a marker for many identical runs grows at most this much


@dataclass(frozen=True)
class EndPointGroup:
    """Runs that ended at the same kind of point with the same loss and ratios: one marker on the scatter.

    ``kind`` is one of :attr:`analysis.minimum_ratio.Experiment.kinds`; ``runs`` are 0-based. By sign:
    ``positive`` and ``negative`` eigenvalues (``ratio`` = positive/P, the lecture's); against the flat
    band ±``band``: ``above``, ``flat`` and ``below``. ``gradient_norm`` is the largest ‖g‖ among them.
    """

    kind: str
    runs: tuple[int, ...]
    loss: float
    ratio: float
    positive: int
    negative: int
    above: int
    flat: int
    below: int
    band: float
    gradient_norm: float


def end_point_groups(experiment: Experiment) -> list[EndPointGroup]:
    """The runs grouped by kind, both counts and loss (to 4 significant digits), in the order of their first run.

    Many starts end at the same minimum (up to a permutation of the hidden units): one marker per
    group, labelled with its size, instead of markers hiding each other.
    """
    positive, negative = experiment.positive_counts.tolist(), experiment.negative_counts.tolist()
    above, flat, below = (experiment.above_band_counts.tolist(), experiment.flat_counts.tolist(),
                          experiment.below_band_counts.tolist())
    groups: dict[tuple, list[int]] = {}
    for run, kind in enumerate(experiment.kinds):
        key = (kind, positive[run], negative[run], above[run], below[run],
               float(f"{float(experiment.training_losses[run]):.4g}"))
        groups.setdefault(key, []).append(run)
    return [EndPointGroup(
        kind=kind, runs=tuple(runs), loss=float(experiment.training_losses[runs[0]]),
        ratio=float(experiment.minimum_ratios[runs[0]]), positive=positive[runs[0]], negative=negative[runs[0]],
        above=above[runs[0]], flat=flat[runs[0]], below=below[runs[0]], band=float(experiment.flat_bands[runs[0]]),
        gradient_norm=float(experiment.gradient_norms[list(runs)].max()),
    ) for (kind, *_), runs in groups.items()]


def _run_list(runs: tuple[int, ...]) -> str:
    return ", ".join(str(run + 1) for run in runs)


def ratio_interval(group: EndPointGroup, parameters: int) -> tuple[float, float]:
    """The minimum ratio with the flat directions counted as down (#{λ > band}/P) and as up (1 − #{λ < −band}/P).

    The lecture's sign count, ``group.ratio``, lies between the two.
    """
    return group.above / parameters, 1 - group.below / parameters


def ratio_scatter_figure(experiment: Experiment, selected_run: int | None = None, *, height: int = 440,
                         look: Look = Look()) -> go.Figure:
    """Each end point at (minimum ratio by sign, training loss), with a bar over the flat band's interval.

    Colour and shape give the verdict with the flat band: minima blue circles, saddles vermillion
    diamonds, flat grey squares, no critical point open grey circles. The bar runs from the ratio with
    every flat direction counted as down to the ratio with every one counted as up
    (:func:`ratio_interval`). Identical end points share one marker, larger and labelled ``×n``; the
    hover names the runs, the loss, both counts and ‖g‖. The lecture's range 0.5-0.6 is shaded;
    ``selected_run`` (0-based) gets a ring.
    """
    groups = end_point_groups(experiment)
    parameters = experiment.parameter_count
    figure = go.Figure()
    low, high = LECTURE_RATIO_BAND
    figure.add_vrect(x0=low, x1=high, fillcolor=FLAT_COLOUR, opacity=0.18, line_width=0, layer="below",
                     annotation_text=look.text("network.figures.lecture_band"), annotation_position="top left",
                     annotation_font_size=look.font_size - 1)
    styles = {
        MINIMUM: (CURVES_UP_COLOUR, "circle", "network.figures.minimum"),
        SADDLE: (CURVES_DOWN_COLOUR, "diamond", "network.figures.saddle"),
        FLAT: (FLAT_COLOUR, "square", "network.figures.flat_point"),
        NOT_CRITICAL: (NOT_CRITICAL_COLOUR, "circle-open", "network.figures.not_critical"),
    }
    for kind, (colour, symbol, name_key) in styles.items():
        members = [group for group in groups if group.kind == kind]
        if not members:
            continue
        sizes = [look.marker(12) * min(MAX_GROUP_MARKER, len(group.runs) ** 0.5) for group in members]
        hovers = [look.text("network.figures.hover", runs=_run_list(group.runs), loss=f"{group.loss:.4f}",
                            ratio=f"{group.ratio:.3f}", positive=group.positive, parameters=parameters,
                            negative=group.negative, band=f"{group.band:g}", above=group.above,
                            flat=group.flat, below=group.below, gradient=format_number(group.gradient_norm))
                  for group in members]
        intervals = [ratio_interval(group, parameters) for group in members]
        figure.add_trace(go.Scatter(
            x=[group.ratio for group in members], y=[group.loss for group in members], mode="markers+text",
            name=look.text(name_key), text=[f"×{len(group.runs)}" if len(group.runs) > 1 else "" for group in members],
            textposition="middle right", textfont={"size": look.font_size - 1},
            error_x={"type": "data", "symmetric": False, "color": colour, "thickness": look.line(1.5), "width": 4,
                     "array": [upper - group.ratio for group, (_, upper) in zip(members, intervals)],
                     "arrayminus": [group.ratio - lower for group, (lower, _) in zip(members, intervals)],
                     "visible": kind != NOT_CRITICAL},  # no critical point: its ratios mean nothing
            marker={"color": colour, "symbol": symbol, "size": sizes, "opacity": 0.85,
                    "line": {"color": look.palette.ink if kind != NOT_CRITICAL else colour, "width": look.line(1)}},
            customdata=hovers, hovertemplate="%{customdata}<extra></extra>",
        ))
    if selected_run is not None:
        figure.add_trace(go.Scatter(
            x=[float(experiment.minimum_ratios[selected_run])], y=[float(experiment.training_losses[selected_run])],
            mode="markers", name=look.text("network.figures.selected", run=selected_run + 1), hoverinfo="skip",
            marker={"symbol": "circle-open", "size": look.marker(30), "color": look.palette.ink,
                    "line": {"width": look.line(2.5)}},
        ))
    smallest = float(experiment.band_ratios.min())
    # Up to 1.08: the "×n" beside a marker at ratio 1 was cut off by the plot's edge at 1.04.
    figure.update_layout(
        height=height, margin=look.margin(l=60, r=20, t=30, b=50), hovermode="closest",
        xaxis={"title": look.text("network.figures.ratio_axis"), "range": [min(0.45, smallest - 0.05), 1.08]},
        yaxis={"title": look.text("network.figures.loss_axis")},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}, uirevision="network-scatter",
    )
    return dress(figure, look)


def spectrum_figure(experiment: Experiment, run: int, *, height: int = 380, look: Look = Look()) -> go.Figure:
    """All P Hessian eigenvalues of run ``run`` (0-based), ascending: bars of |λ| on a log axis, coloured by kind.

    The negative eigenvalues of a network's saddle are often tiny next to the positive ones (10⁻⁴ vs 10),
    so a linear axis would hide them; the log axis shows every one, and the colour keeps the side of the
    flat band: vermillion below −band, grey within ±band, blue above. A dashed line marks the band's edge.
    """
    eigenvalues = experiment.eigenvalues[run]
    band = float(experiment.flat_bands[run])
    values = eigenvalues.numpy()
    index = np.arange(1, len(values) + 1)
    magnitudes = np.maximum(np.abs(values), 1e-16)
    kinds = (("network.figures.negative", values < -band, CURVES_DOWN_COLOUR),
             ("network.figures.flat", np.abs(values) <= band, FLAT_COLOUR),
             ("network.figures.positive", values > band, CURVES_UP_COLOUR))
    figure = go.Figure()
    for name_key, chosen, colour in kinds:
        if not chosen.any():
            continue
        figure.add_trace(go.Bar(
            x=index[chosen], y=magnitudes[chosen], customdata=values[chosen], name=look.text(name_key),
            marker={"color": colour, "line": {"width": 0}},
            hovertemplate="λ<sub>%{x}</sub> = %{customdata:.4g}<extra></extra>",
        ))
    figure.add_trace(go.Scatter(  # the band's edge, a dashed line named in the legend
        x=[0.5, len(values) + 0.5], y=[band, band], mode="lines", hoverinfo="skip",
        name=look.text("network.figures.band_line", band=f"{band:g}"),
        line={"color": look.palette.ink, "dash": "dash", "width": look.line(1)},
    ))
    figure.update_layout(
        height=height, margin=look.margin(l=60, r=10, t=30, b=50), barmode="overlay", bargap=0.15,
        xaxis={"title": look.text("network.figures.eigen_index"), "dtick": 1 if len(values) <= 30 else None},
        yaxis={"title": look.text("network.figures.eigen_magnitude"), "type": "log", "exponentformat": "power"},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}, uirevision="network-spectrum",
    )
    return dress(figure, look)


def _slice_axes(plane: LossSlice, look: Look) -> tuple[str, str]:
    return (look.text("network.figures.slice_first", eigenvalue=format_number(plane.first_eigenvalue)),
            look.text("network.figures.slice_second", eigenvalue=format_number(plane.second_eigenvalue)))


def _loss_changes(plane: LossSlice) -> np.ndarray:
    return plane.losses - plane.center_loss


def change_colourscale(low: float, high: float, look: Look = Look()) -> list[list]:
    """Vermillion at ``low`` (if below 0), the background colour at 0, blue at ``high`` (if above 0).

    The neutral colour sits at 0 even when the range is lopsided (a dip of 10⁻⁷ beside a rise of 10⁻⁵).
    """
    neutral = look.palette.paper
    if low >= 0:
        return [[0.0, neutral], [1.0, UPHILL_COLOUR]]
    if high <= 0:
        return [[0.0, DOWNHILL_COLOUR], [1.0, neutral]]
    return [[0.0, DOWNHILL_COLOUR], [-low / (high - low), neutral], [1.0, UPHILL_COLOUR]]


def _colour_range(changes: np.ndarray) -> tuple[float, float]:
    low, high = float(np.nanmin(changes)), float(np.nanmax(changes))
    return (low, high) if high > low else (low - 1e-12, high + 1e-12)


@dataclass(frozen=True)
class _SliceShading:
    """What the contour map and the 3D view of a slice share: ΔL, its range, colours, label and hover."""

    label: str
    changes: np.ndarray
    low: float
    high: float
    colourscale: list[list]
    hover: str


def _slice_shading(plane: LossSlice, look: Look) -> _SliceShading:
    label = look.text("network.figures.slice_change")
    changes = _loss_changes(plane)
    low, high = _colour_range(changes)
    return _SliceShading(label, changes, low, high, change_colourscale(low, high, look),
                         f"a=%{{x:.3f}}<br>b=%{{y:.3f}}<br>{label}=%{{z:.3g}}<extra></extra>")


def slice_contour_figure(plane: LossSlice, *, height: int = 420, look: Look = Look()) -> go.Figure:
    """ΔL on the plane (a along u₁, b along u₂) as filled contours split in colour at 0, θ* at the origin."""
    first_title, second_title = _slice_axes(plane, look)
    shading = _slice_shading(plane, look)
    figure = go.Figure(go.Contour(
        x=plane.first_steps, y=plane.second_steps, z=shading.changes, colorscale=shading.colourscale,
        zmin=shading.low, zmax=shading.high, ncontours=24, line={"width": look.line(0.8)},
        colorbar={"title": {"text": shading.label}, "exponentformat": "power"}, hovertemplate=shading.hover,
    ))
    figure.add_trace(go.Scatter(
        x=[0.0], y=[0.0], mode="markers", name=look.text("network.figures.end_point"), showlegend=False,
        marker={"size": look.marker(12), "color": look.palette.paper, "line": {"color": look.palette.ink,
                                                                                "width": look.line(2)}},
        hovertemplate=look.text("network.figures.end_point") + f"<br>L = {plane.center_loss:.5g}<extra></extra>",
    ))
    figure.update_layout(height=height, margin=look.margin(l=60, r=10, t=20, b=50), uirevision="network-slice",
                         xaxis={"title": first_title, "exponentformat": "power"},
                         yaxis={"title": second_title, "exponentformat": "power"})
    return dress(figure, look)


def slice_surface_figure(plane: LossSlice, *, height: int = 420, look: Look = Look()) -> go.Figure:
    """The same ΔL as a 3D surface, coloured like the contour map, with θ* as a point at height 0."""
    shading = _slice_shading(plane, look)
    figure = go.Figure(go.Surface(
        x=plane.first_steps, y=plane.second_steps, z=shading.changes, colorscale=shading.colourscale,
        cmin=shading.low, cmax=shading.high, showscale=False, hovertemplate=shading.hover,
    ))
    figure.add_trace(go.Scatter3d(
        x=[0.0], y=[0.0], z=[0.0], mode="markers", name=look.text("network.figures.end_point"), showlegend=False,
        marker={"size": look.marker(5), "color": look.palette.paper, "line": {"color": look.palette.ink, "width": 2}},
        hovertemplate=look.text("network.figures.end_point") + f"<br>L = {plane.center_loss:.5g}<extra></extra>",
    ))
    figure.update_layout(
        height=height, margin=look.margin(l=0, r=0, t=10, b=0), uirevision="network-slice-3d",
        scene={"xaxis": {"title": {"text": "a (u₁)"}, "exponentformat": "power"},
               "yaxis": {"title": {"text": "b (u₂)"}, "exponentformat": "power"},
               "zaxis": {"title": {"text": shading.label}, "exponentformat": "power"},
               "camera": {"eye": {"x": 1.6, "y": -1.4, "z": 0.9}}, "aspectmode": "cube"},
    )
    return dress(figure, look)


def slice_caption(experiment: Experiment, run: int, look: Look = Look()) -> str:
    """What the slice of run ``run`` (0-based) shows, naming the colours the slice figures draw.

    A saddle against the flat band dips along u₁ (``DOWNHILL_COLOUR``); a flat point dips if λ₁ < 0
    and rises otherwise, with λ₁ inside the band; a minimum rises (``UPHILL_COLOUR``).
    """
    kind, first = experiment.kinds[run], float(experiment.eigenvalues[run, 0])
    values = {"eigenvalue": format_number(first), "band": f"{float(experiment.flat_bands[run]):g}"}
    if kind == NOT_CRITICAL:
        shape = look.text("network.slice_not_critical")
    elif kind == SADDLE:
        shape = look.text("network.slice_saddle", colour=colour_name(DOWNHILL_COLOUR, look.language), **values)
    elif kind == FLAT and first < 0:
        shape = look.text("network.slice_flat_dip", colour=colour_name(DOWNHILL_COLOUR, look.language), **values)
    elif kind == FLAT:
        shape = look.text("network.slice_flat_rise", colour=colour_name(UPHILL_COLOUR, look.language), **values)
    else:
        shape = look.text("network.slice_minimum", colour=colour_name(UPHILL_COLOUR, look.language), **values)
    return f"{look.text('network.slice_caption')} {shape}"

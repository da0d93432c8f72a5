r"""The real-network experiment's figures: minimum ratio vs training loss, one run's spectrum, the loss on a plane.

The plane through an end point θ* is spanned by the Hessian eigenvectors u₁ (smallest λ) and u₂
(largest λ), and the figures show the change of the loss

.. math::

    \Delta L(a, b) = L(\theta^* + a u_1 + b u_2) - L(\theta^*) \approx \tfrac12 (\lambda_1 a^2 + \lambda_2 b^2)

(no linear term: θ* is a critical point). The colours are the app's curvature colours: vermillion
below L(θ*) (downhill, as along an eigenvector of λ < 0), blue above, the background colour at 0. The
scale is split at 0 whatever the range, so a saddle's two downhill lobes show however shallow they are.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from analysis.minimum_ratio import Experiment, LossSlice, flat_tolerance
from figures.inspector import CURVES_DOWN_COLOUR, CURVES_UP_COLOUR, FLAT_COLOUR, format_number
from figures.style import Look, dress

LECTURE_RATIO_BAND = (0.5, 0.6)
NOT_CRITICAL_COLOUR = "#999999"
MAX_GROUP_MARKER = 2.2  # a marker for many identical runs grows at most this much


@dataclass(frozen=True)
class EndPointGroup:
    """Runs that ended at the same kind of point with the same loss and ratio: one marker on the scatter.

    ``kind`` is ``"minimum"`` (ratio 1), ``"saddle"`` (some λ < 0), ``"degenerate"`` (ratio < 1 but no λ < 0:
    some λ ≈ 0) or ``"not_critical"`` (the search did not reach ‖g‖ ≤ tol); ``runs`` are 0-based;
    ``gradient_norm`` is the largest ‖g‖ among them.
    """

    kind: str
    runs: tuple[int, ...]
    loss: float
    ratio: float
    positive: int
    negative: int
    gradient_norm: float


def end_point_groups(experiment: Experiment) -> list[EndPointGroup]:
    """The runs grouped by kind, ratio and loss (to 4 significant digits), in the order of their first run.

    Many starts end at the same minimum (up to a permutation of the hidden units): one marker per
    group, labelled with its size, instead of markers hiding each other.
    """
    groups: dict[tuple, list[int]] = {}
    for run in range(experiment.settings.runs):
        converged = bool(experiment.converged[run])
        ratio = float(experiment.minimum_ratios[run])
        if not converged:
            kind = "not_critical"
        elif ratio == 1:
            kind = "minimum"
        else:
            kind = "saddle" if int(experiment.negative_counts[run]) > 0 else "degenerate"
        key = (kind, round(ratio, 6), float(f"{float(experiment.training_losses[run]):.4g}"))
        groups.setdefault(key, []).append(run)
    return [EndPointGroup(
        kind=kind, runs=tuple(runs), loss=float(experiment.training_losses[runs[0]]), ratio=ratio,
        positive=int(experiment.positive_counts[runs[0]]), negative=int(experiment.negative_counts[runs[0]]),
        gradient_norm=float(experiment.gradient_norms[list(runs)].max()),
    ) for (kind, ratio, _), runs in groups.items()]


def _run_list(runs: tuple[int, ...]) -> str:
    return ", ".join(str(run + 1) for run in runs)


def ratio_scatter_figure(experiment: Experiment, selected_run: int | None = None, *, height: int = 440,
                         look: Look = Look()) -> go.Figure:
    """Each end point at (minimum ratio, training loss): minima blue, saddles vermillion, the rest grey.

    Identical end points share one marker, larger and labelled ``×n``; the hover names the runs, the
    loss, the ratio with its count of positive eigenvalues, the negative ones and ‖g‖. The lecture's
    range 0.5-0.6 is shaded; ``selected_run`` (0-based) gets a ring.
    """
    groups = end_point_groups(experiment)
    parameters = experiment.parameter_count
    figure = go.Figure()
    low, high = LECTURE_RATIO_BAND
    figure.add_vrect(x0=low, x1=high, fillcolor=FLAT_COLOUR, opacity=0.18, line_width=0, layer="below",
                     annotation_text=look.text("network.figures.lecture_band"), annotation_position="top left",
                     annotation_font_size=look.font_size - 1)
    styles = {
        "minimum": (CURVES_UP_COLOUR, "circle", "network.figures.minimum"),
        "saddle": (CURVES_DOWN_COLOUR, "diamond", "network.figures.saddle"),
        "degenerate": (FLAT_COLOUR, "square", "network.figures.degenerate"),
        "not_critical": (NOT_CRITICAL_COLOUR, "circle-open", "network.figures.not_critical"),
    }
    for kind, (colour, symbol, name_key) in styles.items():
        members = [group for group in groups if group.kind == kind]
        if not members:
            continue
        sizes = [look.marker(12) * min(MAX_GROUP_MARKER, len(group.runs) ** 0.5) for group in members]
        hovers = [look.text("network.figures.hover", runs=_run_list(group.runs), loss=f"{group.loss:.4f}",
                            ratio=f"{group.ratio:.3f}", positive=group.positive, parameters=parameters,
                            negative=group.negative, gradient=format_number(group.gradient_norm))
                  for group in members]
        figure.add_trace(go.Scatter(
            x=[group.ratio for group in members], y=[group.loss for group in members], mode="markers+text",
            name=look.text(name_key), text=[f"×{len(group.runs)}" if len(group.runs) > 1 else "" for group in members],
            textposition="middle right", textfont={"size": look.font_size - 1},
            marker={"color": colour, "symbol": symbol, "size": sizes, "opacity": 0.85,
                    "line": {"color": look.palette.ink if kind != "not_critical" else colour, "width": look.line(1)}},
            customdata=hovers, hovertemplate="%{customdata}<extra></extra>",
        ))
    if selected_run is not None:
        figure.add_trace(go.Scatter(
            x=[float(experiment.minimum_ratios[selected_run])], y=[float(experiment.training_losses[selected_run])],
            mode="markers", name=look.text("network.figures.selected", run=selected_run + 1), hoverinfo="skip",
            marker={"symbol": "circle-open", "size": look.marker(30), "color": look.palette.ink,
                    "line": {"width": look.line(2.5)}},
        ))
    smallest = float(experiment.minimum_ratios.min())
    figure.update_layout(
        height=height, margin=look.margin(l=60, r=20, t=30, b=50), hovermode="closest",
        xaxis={"title": look.text("network.figures.ratio_axis"), "range": [min(0.45, smallest - 0.05), 1.04]},
        yaxis={"title": look.text("network.figures.loss_axis")},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0}, uirevision="network-scatter",
    )
    return dress(figure, look)


def spectrum_figure(experiment: Experiment, run: int, *, height: int = 380, look: Look = Look()) -> go.Figure:
    """All P Hessian eigenvalues of run ``run`` (0-based), ascending: bars of |λ| on a log axis, coloured by sign.

    The negative eigenvalues of a network's saddle are often tiny next to the positive ones (10⁻⁴ vs 10),
    so a linear axis would hide them; the log axis shows every one, and the colour keeps the sign.
    """
    eigenvalues = experiment.eigenvalues[run]
    tolerance = float(flat_tolerance(eigenvalues))
    values = eigenvalues.numpy()
    index = np.arange(1, len(values) + 1)
    magnitudes = np.maximum(np.abs(values), 1e-16)
    kinds = (("network.figures.negative", values < -tolerance, CURVES_DOWN_COLOUR),
             ("network.figures.flat", np.abs(values) <= tolerance, FLAT_COLOUR),
             ("network.figures.positive", values > tolerance, CURVES_UP_COLOUR))
    figure = go.Figure()
    for name_key, chosen, colour in kinds:
        if not chosen.any():
            continue
        figure.add_trace(go.Bar(
            x=index[chosen], y=magnitudes[chosen], customdata=values[chosen], name=look.text(name_key),
            marker={"color": colour, "line": {"width": 0}},
            hovertemplate="λ<sub>%{x}</sub> = %{customdata:.4g}<extra></extra>",
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
        return [[0.0, neutral], [1.0, CURVES_UP_COLOUR]]
    if high <= 0:
        return [[0.0, CURVES_DOWN_COLOUR], [1.0, neutral]]
    return [[0.0, CURVES_DOWN_COLOUR], [-low / (high - low), neutral], [1.0, CURVES_UP_COLOUR]]


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

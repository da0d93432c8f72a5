"""The critical points an atlas found: markers for the contour map (one trace per kind) and table rows.

Both show the same points. When there are more than the map can carry, the cap is shared out among
the kinds (round robin, each kind lowest loss first), so that a few maxima or saddles are not crowded
out by a hundred minima.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go
import torch

from analysis.atlas import Atlas
from analysis.derivatives import Loss, derivatives
from surfaces.base import CriticalPoint, PointKind

MAX_MARKERS = 60
MARKER_SIZE = 11
MARKER_OUTLINE = {"color": "#111111", "width": 1}


@dataclass(frozen=True)
class KindStyle:
    """How the markers of one kind of critical point look on the map."""

    symbol: str
    colour: str


KIND_STYLES = {
    PointKind.MINIMUM: KindStyle("circle", "#56B4E9"),
    PointKind.MAXIMUM: KindStyle("triangle-up", "#E69F00"),
    PointKind.SADDLE: KindStyle("x", "#CC79A7"),
    PointKind.DEGENERATE: KindStyle("diamond", "#BBBBBB"),
}
KIND_ORDER = tuple(KIND_STYLES)


def _validated_cap(cap: int, name: str) -> int:
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
        raise ValueError(f"{name} must be a whole number ≥ 1, got {cap!r}")
    return cap


def shown_points(atlas: Atlas, max_markers: int = MAX_MARKERS) -> tuple[CriticalPoint, ...]:
    """At most ``max_markers`` of the atlas's points, in the atlas's order (lowest loss first).

    The cap is shared out round robin: the first point of each kind, then the second of each kind,
    and so on, so every kind found is shown.
    """
    _validated_cap(max_markers, "max_markers")
    if len(atlas.points) <= max_markers:
        return atlas.points
    queues = {kind: [index for index, point in enumerate(atlas.points) if point.kind is kind] for kind in KIND_ORDER}
    kept: list[int] = []
    while len(kept) < max_markers:
        for queue in queues.values():
            if queue and len(kept) < max_markers:
                kept.append(queue.pop(0))
    return tuple(atlas.points[index] for index in sorted(kept))


def atlas_markers(atlas: Atlas, *, max_markers: int = MAX_MARKERS) -> list[go.Scatter]:
    """One marker trace per kind of critical point found (minimum ●, maximum ▲, saddle ✕, degenerate ◆)."""
    points = shown_points(atlas, max_markers)
    traces = []
    for kind in KIND_ORDER:
        of_kind = [point for point in points if point.kind is kind]
        if not of_kind:
            continue
        style = KIND_STYLES[kind]
        traces.append(go.Scatter(
            x=[point.x for point in of_kind], y=[point.y for point in of_kind], mode="markers",
            name=f"{kind.value} ({len(of_kind)})",
            marker={"symbol": style.symbol, "color": style.colour, "size": MARKER_SIZE, "line": MARKER_OUTLINE},
            hovertemplate=f"{kind.value} (%{{x:.4f}}, %{{y:.4f}})<extra></extra>",
        ))
    return traces


def atlas_rows(atlas: Atlas, loss: Loss, *, max_rows: int = MAX_MARKERS) -> list[dict[str, str | float]]:
    """A table of the shown critical points: kind, x, y, loss and the Hessian eigenvalues λ₁ ≤ λ₂.

    Sorted by kind (minima, maxima, saddles, degenerate points), then by loss. The points carry no
    loss or curvature of their own, so both are computed here from ``loss`` (autograd, float64).
    """
    points = shown_points(atlas, _validated_cap(max_rows, "max_rows"))
    if not points:
        return []
    values, _, hessian = derivatives(loss, torch.tensor([[point.x, point.y] for point in points], dtype=torch.float64))
    eigenvalues = torch.linalg.eigvalsh(hessian)
    rows = [
        {"kind": point.kind.value, "x": point.x, "y": point.y, "loss": float(value),
         "λ₁": float(pair[0]), "λ₂": float(pair[1])}
        for point, value, pair in zip(points, values, eigenvalues)
    ]
    rank = {kind.value: position for position, kind in enumerate(KIND_ORDER)}
    return sorted(rows, key=lambda row: (rank[row["kind"]], row["loss"]))


def atlas_caption(atlas: Atlas, *, max_markers: int = MAX_MARKERS) -> str:
    """The atlas's own note (including any non-isolated set), plus how many points the map and table show."""
    shown = len(shown_points(atlas, max_markers))
    caption = atlas.note[:1].upper() + atlas.note[1:]
    if shown < len(atlas.points):
        caption += f" The map and the table show {shown} of these {len(atlas.points)}, every kind included."
    return caption

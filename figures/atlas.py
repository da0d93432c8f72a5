"""The critical points an atlas found: markers for the contour map (one trace per kind) and table rows.

Both show the same points. When there are more than the map can carry, the cap is shared out among
the kinds (round robin, each kind lowest loss first), so that a few maxima or saddles are not crowded
out by a hundred minima. Names, column headers and the caption come from the language catalogues.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from analysis.atlas import Atlas
from analysis.derivatives import Loss, derivatives
from figures.numbers import format_number
from figures.style import LIGHT, Look
from i18n import DEFAULT_LANGUAGE, text
from surfaces.base import CriticalPoint, PointKind

MAX_MARKERS = 60
MARKER_SIZE = 11
MARKER_OUTLINE = {"color": LIGHT.ink, "width": 1}
# The atlas keeps at most analysis.atlas.MAX_POINTS points and states how many it found only in its
# English note ("found 441 critical points; showing …", "…, and 1 isolated critical point; …").


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


def kind_name(kind: PointKind, language: str = DEFAULT_LANGUAGE) -> str:
    """``"local minimum"``, ``"saddle"``, … in ``language``."""
    return text(f"verdict.kind.{kind.name.lower()}", language)


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


def atlas_markers(atlas: Atlas, *, max_markers: int = MAX_MARKERS, look: Look = Look()) -> list[dict]:
    """One marker trace (a spec, :mod:`figures.spec`) per kind of critical point found (minimum ●,
    maximum ▲, saddle ✕, degenerate ◆)."""
    points = shown_points(atlas, max_markers)
    outline = {"color": look.palette.ink, "width": look.line(MARKER_OUTLINE["width"])}
    traces = []
    for kind in KIND_ORDER:
        of_kind = [point for point in points if point.kind is kind]
        if not of_kind:
            continue
        style, name = KIND_STYLES[kind], kind_name(kind, look.language)
        traces.append({
            "type": "scatter", "x": [point.x for point in of_kind], "y": [point.y for point in of_kind],
            "mode": "markers", "name": look.text("atlas.marker", kind=name, count=len(of_kind)),
            "marker": {"symbol": style.symbol, "color": style.colour, "size": look.marker(MARKER_SIZE),
                       "line": outline},
            "hovertemplate": f"{name} (%{{x:.4f}}, %{{y:.4f}})<extra></extra>",
        })
    return traces


def atlas_rows(atlas: Atlas, loss: Loss, *, max_rows: int = MAX_MARKERS,
               language: str = DEFAULT_LANGUAGE) -> list[dict[str, str | float]]:
    """A table of the shown critical points: kind, x, y, loss and the Hessian eigenvalues λ₁ ≤ λ₂.

    Sorted by kind (minima, maxima, saddles, degenerate points), then by loss. The points carry no
    loss or curvature of their own, so both are computed here from ``loss`` (autograd, float64), and
    written by ``format_number`` as text: a table column of floats cut 7e-28 to "0.0000…0007".
    The column headers "kind" and "loss" and the kinds are in ``language``.
    """
    points = shown_points(atlas, _validated_cap(max_rows, "max_rows"))
    if not points:
        return []
    values, _, hessian = derivatives(loss, torch.tensor([[point.x, point.y] for point in points], dtype=torch.float64))
    eigenvalues = torch.linalg.eigvalsh(hessian)
    rank = {kind: position for position, kind in enumerate(KIND_ORDER)}
    ordered = sorted(zip(points, values.tolist(), eigenvalues.tolist()),
                     key=lambda entry: (rank[entry[0].kind], entry[1]))
    kind_column, loss_column = text("atlas.column_kind", language), text("atlas.column_loss", language)
    return [
        {kind_column: kind_name(point.kind, language), "x": point.x, "y": point.y, loss_column: format_number(value),
         "λ₁": format_number(pair[0]), "λ₂": format_number(pair[1])}
        for point, value, pair in ordered
    ]


def found_counts(atlas: Atlas) -> tuple[int, int]:
    """``(found, isolated)``: what the search found before the atlas kept at most its cap (see ``Atlas``)."""
    return atlas.found, atlas.isolated


def atlas_caption(atlas: Atlas, *, max_markers: int = MAX_MARKERS, language: str = DEFAULT_LANGUAGE) -> str:
    """What the search found (including any non-isolated set), plus how many points the map and table show."""
    def say(key: str, **values: object) -> str:
        return text(f"atlas.{key}", language, **values)

    found, isolated = found_counts(atlas)
    kept = len(atlas.points)
    if kept == 0:
        caption = say("none")
    elif atlas.non_isolated:
        kept_set = atlas.kept_set
        caption = say("set", count=found)
        if isolated:
            caption += say("set_isolated_one") if isolated == 1 else say("set_isolated_many", count=isolated)
        if kept - kept_set < isolated or kept_set < found:
            caption += say("set_sample", count=kept_set)
            if kept - kept_set < isolated:
                caption += say("set_sample_isolated", count=kept - kept_set)
        caption += say("sentence_end")
        # Singular Hessians along the set: say what decides their kind, so "minimum" and "singular" agree.
        caption += say("set_undecided") if atlas.set_lower_bound is None else \
            say("set_minima", bound=f"{atlas.set_lower_bound:g}")
    elif kept < found:
        caption = say("found_capped", total=found, shown=kept)
    else:
        caption = say("found_one") if found == 1 else say("found_many", count=found)
    shown = len(shown_points(atlas, max_markers))
    if shown < kept:
        caption += say("map_shows", shown=shown, total=kept)
    return caption

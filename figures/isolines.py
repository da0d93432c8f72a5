"""Iso-lines of a loss grid by marching squares, as one NaN-separated polyline for a Plotly ``Scatter``.

Each grid cell is classified by which of its four corners lie above the level (16 cases); the
level crosses the cell's edges where the corner values straddle it, at the linearly interpolated
point. Every segment is oriented with the higher ground on its left, so that where one segment
ends on an edge the next one (in the neighbouring cell) starts: the segments join into long
polylines, which need about a third of the points of loose segments. All of it is array code;
the only Python loops run over the levels and over the ~log₂(n) rounds of pointer jumping.
"""

from __future__ import annotations

import numpy as np

from figures.raster import LogScale, height_scale

ROUNDING_FRACTION = 20  # coordinates are rounded to at most 1/20 of a grid cell
SADDLE_CASES = (5, 10)  # two opposite corners above the level


def _corner_runs(corners: list[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive corners (counter-clockwise, cyclic) as ``(first, last)``."""
    runs = []
    for first in corners:
        if (first - 1) % 4 in corners:
            continue
        last = first
        while (last + 1) % 4 in corners:
            last = (last + 1) % 4
        runs.append((first, last))
    return runs


def _segment_table() -> np.ndarray:
    """``table[case, centre_above, slot] = (from_edge, to_edge)``, or ``(-1, -1)`` for an empty slot.

    Corners 0-3 run counter-clockwise from the bottom-left; edge ``k`` joins corner ``k`` to
    corner ``k + 1``. A run of corners ``a…b`` above the level is cut off by a segment from edge
    ``b`` to edge ``a - 1``, which keeps it on the left. In a saddle cell the mean of the four
    corners decides: above the level, the two high corners are joined through the middle and the
    segments cut off the low corners instead (the same edges, paired the other way).
    """
    table = np.full((16, 2, 2, 2), -1, dtype=np.int64)
    for case in range(1, 15):
        above = [corner for corner in range(4) if case >> corner & 1]
        below = [corner for corner in range(4) if not case >> corner & 1]
        for centre_above in (0, 1):
            if case in SADDLE_CASES and centre_above:
                pairs = [((first - 1) % 4, last) for first, last in _corner_runs(below)]
            else:
                pairs = [(last, (first - 1) % 4) for first, last in _corner_runs(above)]
            table[case, centre_above, : len(pairs)] = pairs
    return table


SEGMENT_TABLE = _segment_table()


class _Grid:
    """Edge numbering of a ``(ny, nx)`` grid: horizontal edges first, then vertical ones."""

    def __init__(self, xs: np.ndarray, ys: np.ndarray, z: np.ndarray):
        self.xs, self.ys, self.z = xs, ys, z
        ny, nx = z.shape
        self.horizontal_count = ny * (nx - 1)
        self.edge_count = self.horizontal_count + (ny - 1) * nx
        rows, columns = np.meshgrid(np.arange(ny - 1), np.arange(nx - 1), indexing="ij")
        bottom = rows * (nx - 1) + columns
        left = self.horizontal_count + rows * nx + columns
        # cell_edges[k] = global id of edge k (bottom, right, top, left) of every cell, row-major
        self.cell_edges = np.stack([bottom, left + 1, bottom + (nx - 1), left]).reshape(4, -1)

    def crossings(self, edges: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
        """Where ``level`` crosses each edge, by linear interpolation between its two end values."""
        nx = self.z.shape[1]
        vertical = edges >= self.horizontal_count
        local = np.where(vertical, edges - self.horizontal_count, edges)
        row = np.where(vertical, local // nx, local // (nx - 1))
        column = np.where(vertical, local % nx, local % (nx - 1))
        next_row, next_column = row + vertical, column + ~vertical
        start, end = self.z[row, column], self.z[next_row, next_column]
        fraction = (level - start) / (end - start)
        x = self.xs[column] + fraction * (self.xs[next_column] - self.xs[column])
        y = self.ys[row] + fraction * (self.ys[next_row] - self.ys[row])
        return x, y

    def segments(self, level: float, usable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(from_edges, to_edges)`` of the oriented segments of one level, over the usable cells."""
        above = self.z > level
        corners = (above[:-1, :-1], above[:-1, 1:], above[1:, 1:], above[1:, :-1])
        case = sum(corner.astype(np.int64) << bit for bit, corner in enumerate(corners)).ravel()
        case[~usable] = 0
        cells = np.flatnonzero((case != 0) & (case != 15))
        z = self.z
        centre = ((z[:-1, :-1] + z[:-1, 1:] + z[1:, 1:] + z[1:, :-1]).ravel()[cells] > 4 * level).astype(np.int64)
        pairs = SEGMENT_TABLE[case[cells], centre]  # (cells, slot, from/to)
        cell_of_slot = np.broadcast_to(cells[:, None], pairs.shape[:2])
        filled = pairs[..., 0] >= 0
        cell_of_slot, pairs = cell_of_slot[filled], pairs[filled]
        return self.cell_edges[pairs[:, 0], cell_of_slot], self.cell_edges[pairs[:, 1], cell_of_slot]


def _jump_rounds(count: int) -> int:
    """Rounds of pointer doubling after which every pointer has moved ≥ ``count`` steps."""
    return max(1, int(np.ceil(np.log2(max(count, 2)))))


def _chain(from_keys: np.ndarray, to_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Join oriented segments end to start into chains, without a Python loop over segments.

    Returns ``(heads, chain_of, rank)``: the first segment of every chain, and for each segment
    its chain's index in ``heads`` and its position in that chain. A closed loop is opened at
    its lowest-numbered segment (found by doubling ``min`` along the successor pointers).
    """
    count = len(from_keys)
    index = np.arange(count)
    sorted_order = np.argsort(from_keys, kind="stable")
    position = np.minimum(np.searchsorted(from_keys[sorted_order], to_keys), max(count - 1, 0))
    successor = np.where(from_keys[sorted_order][position] == to_keys, sorted_order[position], -1)
    predecessor = np.full(count, -1)
    linked = successor >= 0
    predecessor[successor[linked]] = index[linked]

    pointer, lowest = np.where(linked, successor, index), index.copy()
    for _ in range(_jump_rounds(count)):
        lowest, pointer = np.minimum(lowest, lowest[pointer]), pointer[pointer]
    on_loop = successor[pointer] >= 0  # an open chain's pointers have all reached its last segment
    predecessor[on_loop & (lowest == index)] = -1

    pointer = np.where(predecessor >= 0, predecessor, index)
    rank = (predecessor >= 0).astype(np.int64)
    while np.any(pointer[pointer] != pointer):
        rank, pointer = rank + rank[pointer], pointer[pointer]
    heads = np.flatnonzero(predecessor < 0)
    return heads, np.searchsorted(heads, pointer), rank


def _validated(xs, ys, z) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, z = (np.asarray(values, dtype=float) for values in (xs, ys, z))
    if xs.ndim != 1 or ys.ndim != 1 or z.shape != (len(ys), len(xs)) or min(z.shape) < 2:
        raise ValueError(f"need z of shape (len(ys), len(xs)) with at least 2 × 2 values; "
                         f"got z {z.shape}, xs {xs.shape}, ys {ys.shape}")
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))):
        raise ValueError("the grid coordinates xs and ys must be finite numbers")
    return xs, ys, z


def iso_lines(xs, ys, z, levels) -> tuple[np.ndarray, np.ndarray]:
    """The curves ``z = c`` for every ``c`` in ``levels``, as flat ``(x, y)`` arrays with NaN between polylines.

    ``z[i, j]`` is the value at ``(xs[j], ys[i])``. Cells with a non-finite corner are skipped, so
    lines stop at gaps in the grid. Closed curves repeat their first point at the end.
    Coordinates are rounded to a power of ten no larger than 1/20 of the smallest cell.
    """
    xs, ys, z = _validated(xs, ys, z)
    grid = _Grid(xs, ys, z)
    finite = np.isfinite(z)
    usable = (finite[:-1, :-1] & finite[:-1, 1:] & finite[1:, 1:] & finite[1:, :-1]).ravel()
    parts = []
    for level_index, level in enumerate(np.asarray(levels, dtype=float).ravel()):
        if not np.isfinite(level):
            continue
        from_edges, to_edges = grid.segments(level, usable)
        offset = level_index * grid.edge_count  # the same edge at another level is another point
        parts.append((from_edges + offset, to_edges + offset, *grid.crossings(from_edges, level),
                      *grid.crossings(to_edges, level)))
    if not parts or sum(len(part[0]) for part in parts) == 0:
        return np.zeros(0), np.zeros(0)
    from_keys, to_keys, from_x, from_y, to_x, to_y = (np.concatenate(column) for column in zip(*parts))
    heads, chain_of, rank = _chain(from_keys, to_keys)
    slots = np.bincount(chain_of, minlength=len(heads)) + 2  # first point, one end per segment, NaN
    starts = np.cumsum(slots) - slots
    line_x, line_y = np.full(slots.sum(), np.nan), np.full(slots.sum(), np.nan)
    line_x[starts], line_y[starts] = from_x[heads], from_y[heads]
    line_x[starts[chain_of] + 1 + rank], line_y[starts[chain_of] + 1 + rank] = to_x, to_y
    cell = min(np.min(np.abs(np.diff(xs))), np.min(np.abs(np.diff(ys))))
    decimals = int(np.ceil(np.log10(ROUNDING_FRACTION / cell))) if cell > 0 else 12
    return np.round(line_x[:-1], decimals), np.round(line_y[:-1], decimals)


def contour_levels(z, count: int = 15, log_scale: LogScale = "auto") -> np.ndarray:
    """``count`` increasing levels strictly between the lowest and highest finite values of ``z``.

    Evenly spaced on the same :func:`figures.raster.height_scale` as the colours,
    :math:`c_k = f^{-1}(k / (count + 1))`, so on a wide range they are log-spaced and crowd
    towards the minima, where the interesting structure is. Empty for a constant or empty grid.
    """
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < 1:
        raise ValueError(f"the number of contour levels must be a whole number ≥ 1, got {count!r}")
    scale = height_scale(z, log_scale)
    if scale.span <= 0:
        return np.zeros(0)
    levels = scale.height(np.arange(1, count + 1) / (count + 1))
    return np.unique(levels[(levels > scale.minimum) & (levels < scale.minimum + scale.span)])

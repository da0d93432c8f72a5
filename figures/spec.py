"""Figures as plain plotly.js JSON specs: built as dicts, sent to the browser as they are.

Building a figure through ``plotly.graph_objects`` validates every property as it is set (the
explorer's four figures took ~190 ms per rerun, most of it in ``update_layout``, ``make_subplots``
and 120 validated animation frames). A spec is the same figure as nested dicts: building it costs
next to nothing, and :func:`as_figure` turns it into a validated ``go.Figure`` where one is wanted
(tests, which thereby check that every spec is valid plotly; the offline export).

Arrays travel as plotly's typed arrays, ``{"dtype": "f8", "bdata": <base64 of the raw bytes>}``,
as plotly.py itself writes NumPy arrays: a third of the size of a list of decimals and no
float-to-text conversion.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np
import plotly.graph_objects as go

FigureSpec = dict[str, Any]

_CODES = {np.dtype(np.float64): "f8", np.dtype(np.float32): "f4", np.dtype(np.int32): "i4"}
_DTYPES = {code: dtype for dtype, code in _CODES.items()}


def packed(values, dtype=np.float64) -> dict[str, str]:
    """``values`` as a plotly typed array of ``dtype`` (float64, float32 or int32); a 2D array (a
    surface's heights) keeps its ``shape`` as ``"rows,columns"``."""
    array = np.ascontiguousarray(values, dtype=dtype)
    spec = {"dtype": _CODES[array.dtype], "bdata": base64.b64encode(array.tobytes()).decode("ascii")}
    if array.ndim > 1:
        spec["shape"] = ",".join(str(size) for size in array.shape)
    return spec


def unpacked(value: Any) -> Any:
    """The NumPy array of a typed array made by :func:`packed`; any other value as it is."""
    if isinstance(value, dict) and {"dtype", "bdata"} <= set(value) <= {"dtype", "bdata", "shape"} \
            and value["dtype"] in _DTYPES:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=_DTYPES[value["dtype"]])
        if "shape" in value:
            array = array.reshape([int(size) for size in value["shape"].split(",")])
        return array
    return value


def _unpack_all(value: Any) -> Any:
    if isinstance(value, dict):
        decoded = unpacked(value)
        if decoded is not value:
            return decoded
        return {name: _unpack_all(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_unpack_all(item) for item in value]
    return value


def as_figure(spec: FigureSpec | go.Figure) -> go.Figure:
    """The validated ``go.Figure`` of ``spec``, typed arrays decoded (raises on any invalid property)."""
    if isinstance(spec, go.Figure):
        return spec
    return go.Figure(_unpack_all(spec))

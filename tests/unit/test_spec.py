"""Plotly specs as plain dicts: typed arrays round-trip exactly, and every spec is valid plotly."""

from __future__ import annotations

import json

import numpy as np
import plotly.io as pio
import pytest

from figures.spec import as_figure, packed, unpacked


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int32])
def test_a_typed_array_round_trips_bit_for_bit(dtype):
    values = (np.random.default_rng(0).standard_normal((7, 5)) * 1e3).astype(dtype)
    values.flat[3] = np.nan if np.issubdtype(dtype, np.floating) else values.flat[3]
    spec = packed(values, dtype)
    assert spec["shape"] == "7,5" and set(spec) == {"dtype", "bdata", "shape"}
    np.testing.assert_array_equal(unpacked(spec), values)
    assert unpacked(spec).dtype == dtype
    flat = packed(values.ravel(), dtype)
    assert "shape" not in flat and unpacked(flat).shape == (35,)


def test_plotly_reads_our_typed_arrays_as_its_own():
    """plotly.py writes NumPy arrays in the same form (``{"dtype", "bdata"}``): ours must be identical."""
    xs = np.linspace(-1.0, 2.0, 9)
    ours = {"data": [{"type": "scatter", "x": packed(xs)}]}
    theirs = json.loads(pio.to_json(as_figure({"data": [{"type": "scatter", "x": xs}]})))
    assert json.loads(pio.to_json(ours, validate=False))["data"][0]["x"] == theirs["data"][0]["x"]


def test_as_figure_decodes_the_arrays_and_refuses_an_invalid_property():
    figure = as_figure({"data": [{"type": "scatter", "x": packed([1.0, 2.0]), "y": [3, 4]}], "layout": {}})
    np.testing.assert_array_equal(figure.data[0].x, [1.0, 2.0])
    with pytest.raises(ValueError, match="colour"):
        as_figure({"data": [{"type": "scatter", "colour": "red"}]})
    other = {"dtype": "f8", "bdata": "AAAAAAAA8D8=", "note": "not a typed array"}
    assert unpacked(other) is other

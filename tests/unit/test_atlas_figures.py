"""The atlas's figures: its markers, its table's rows and numbers, its caption in English and Chinese."""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from analysis.atlas import Atlas, find_critical_points
from figures.atlas import KIND_STYLES, atlas_caption, atlas_rows
from figures.atlas import atlas_markers as atlas_marker_specs
from figures.numbers import format_number
from surfaces.base import PointKind
from surfaces.catalogue import get_surface
from tests.unit.inspector_cases import HIMMELBLAU, RASTRIGIN, atlas_of, himmelblau_derivatives


def atlas_markers(*args, **kwargs) -> list[go.Scatter]:
    """The atlas's marker traces, validated (built as plain specs)."""
    return [go.Scatter(trace) for trace in atlas_marker_specs(*args, **kwargs)]


def test_atlas_markers_match_the_known_himmelblau_points_and_cap_rastrigin():
    traces = atlas_markers(atlas_of("himmelblau"))
    assert [(trace.name, trace.marker.symbol) for trace in traces] == [
        ("local minimum (4)", "circle"), ("local maximum (1)", "triangle-up"), ("saddle (4)", "x")]
    for trace, kind in zip(traces, (PointKind.MINIMUM, PointKind.MAXIMUM, PointKind.SADDLE)):
        known = sorted((p.x, p.y) for p in HIMMELBLAU.critical_points if p.kind is kind)
        np.testing.assert_allclose(sorted(zip(trace.x, trace.y)), known, atol=1e-8)
        assert trace.marker.color == KIND_STYLES[kind].colour

    # All 441 Rastrigin critical points (121 minima, 100 maxima, 220 saddles): 60 markers, every kind shown.
    every_point = Atlas(RASTRIGIN.critical_points, False, "found 441 critical points.")
    capped = atlas_markers(every_point, max_markers=60)
    assert sum(len(trace.x) for trace in capped) == 60
    assert {trace.marker.symbol: len(trace.x) for trace in capped} == {"circle": 20, "triangle-up": 20, "x": 20}
    found = find_critical_points(RASTRIGIN, max_points=441)
    assert len(found.points) > 60 and sum(len(trace.x) for trace in atlas_markers(found)) == 60
    assert atlas_markers(Atlas((), False, "no critical point found in this domain.")) == []
    with pytest.raises(ValueError):
        atlas_markers(every_point, max_markers=0)


def test_atlas_rows_are_sorted_by_kind_then_loss_with_the_closed_form_values():
    rows = atlas_rows(atlas_of("himmelblau"), HIMMELBLAU.loss)
    assert [row["kind"] for row in rows] == ["local minimum"] * 4 + ["local maximum"] + ["saddle"] * 4
    for kind in ("local minimum", "saddle"):
        losses = [as_float(row["loss"]) for row in rows if row["kind"] == kind]
        assert losses == sorted(losses)
    for row in rows:
        loss, _, hessian = himmelblau_derivatives(row["x"], row["y"])
        assert as_float(row["loss"]) == pytest.approx(loss, rel=5e-3, abs=1e-9)  # two decimals shown
        np.testing.assert_allclose([as_float(row["λ₁"]), as_float(row["λ₂"])], np.linalg.eigvalsh(hessian), rtol=5e-3)
    assert atlas_caption(atlas_of("himmelblau")) == "Found 9 critical points."

    every_point = Atlas(RASTRIGIN.critical_points, False, "found 441 critical points.")
    capped = atlas_rows(every_point, RASTRIGIN.loss, max_rows=30)
    assert len(capped) == 30 and {row["kind"] for row in capped} == {"local minimum", "local maximum", "saddle"}
    assert "show 60 of these 441" in atlas_caption(every_point)
    assert "non-isolated" in atlas_caption(atlas_of("lecture_toy"))


def as_float(shown: str) -> float:
    """A number as ``format_number`` wrote it, read back."""
    return float(shown.replace("−", "-"))


@pytest.mark.parametrize(("value", "shown"), [(1.25, "1.25"), (-2.0, "−2.00"), (0.0, "0.00"), (7e-28, "7.00e−28"),
                                              (-3.2e-5, "−3.20e−05"), (1234567.0, "1.23e+06"), (0.01, "0.01")])
def test_format_number_writes_tiny_and_huge_numbers_in_scientific_notation(value, shown):
    assert format_number(value) == shown


def test_the_atlas_table_writes_the_valleys_tiny_losses_as_the_shared_formatter_does():
    """Lecture toy: the losses on its valley are ~1e-28; a float column showed one as "0000000000000000000000000007"
    (the start of 0.0000000000000000000000000007 cut off by the column)."""
    toy = get_surface("lecture_toy")
    rows = atlas_rows(atlas_of("lecture_toy"), toy.loss)
    with torch.no_grad():
        losses = toy.loss(torch.tensor([[row["x"], row["y"]] for row in rows], dtype=torch.float64)).tolist()
    assert [row["loss"] for row in rows] == [format_number(loss) for loss in losses]
    assert any("e−" in row["loss"] for row in rows)  # the tiny ones, in scientific notation
    shape = re.compile(r"−?\d+\.\d\d(e[+−]\d\d)?")
    assert all(shape.fullmatch(row[column]) for row in rows for column in ("loss", "λ₁", "λ₂")), rows


def test_atlas_rows_and_captions_in_chinese_keep_the_numbers():
    english, chinese = atlas_rows(atlas_of("himmelblau"), HIMMELBLAU.loss), \
        atlas_rows(atlas_of("himmelblau"), HIMMELBLAU.loss, language="zh")
    assert list(chinese[0]) == ["类型", "x", "y", "损失", "λ₁", "λ₂"]
    assert [row["类型"] for row in chinese] == ["局部最小值"] * 4 + ["局部最大值"] + ["鞍点"] * 4
    assert [list(row.values())[1:] for row in chinese] == [list(row.values())[1:] for row in english]
    assert atlas_caption(atlas_of("himmelblau"), language="zh") == "找到 9 个临界点。"
    every_point = Atlas(RASTRIGIN.critical_points, False, "found 441 critical points.")
    assert "441" in atlas_caption(every_point, language="zh") and "60" in atlas_caption(every_point, language="zh")
    assert "不孤立" in atlas_caption(atlas_of("lecture_toy"), language="zh")


@pytest.mark.parametrize("key", ["saddle", "himmelblau", "lecture_toy", "rastrigin", "flat_sharp"])
def test_the_english_caption_is_the_atlas_note_word_for_word(key):
    """The caption is rebuilt from the catalogue; in English it must say exactly what the atlas's note says."""
    atlas = atlas_of(key)
    assert atlas_caption(atlas, max_markers=100).rstrip() == atlas.note[:1].upper() + atlas.note[1:]
    assert atlas_caption(Atlas((), False, "no critical point found in this domain.")) == \
        "No critical point found in this domain."

"""Which URL parameters a page refused: the comparison behind the "could not be used" warning."""

from __future__ import annotations

from ui.url_state import rejected_parameters


def test_a_parameter_the_widget_dropped_is_refused():
    before = {"lr0": "abc", "steps": "5000", "surface": "Nowhere", "x0": "0.5"}
    after = {"x0": "0.5"}
    values = {"lr0": 0.01, "steps": 200, "surface": "himmelblau", "x0": 0.5}
    assert rejected_parameters(before, after, values) == [("lr0", "abc"), ("steps", "5000"), ("surface", "Nowhere")]


def test_a_default_spelled_out_in_the_link_is_not_refused():
    before = {"lr0": "0.010", "steps": "200", "surface": "Himmelblau", "proj": "false"}
    values = {"lr0": 0.01, "steps": 200, "surface": "himmelblau", "proj": False}
    assert rejected_parameters(before, {}, values) == []


def test_parameters_of_other_pages_and_kept_values_are_not_refused():
    before = {"px": "garbage", "lr0": "0.3"}
    assert rejected_parameters(before, {"lr0": "0.3"}, {"lr0": 0.3}) == []

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


def test_picking_the_default_takes_a_parameter_out_of_the_url_without_a_warning():
    """?lab_data=moons, then the student picks the default (digits): the parameter leaves the URL, and it
    was reported as a refused link."""
    before = {"lab_data": "moons", "lr0": "abc"}
    assert rejected_parameters(before, {}, {"lab_data": "digits", "lr0": 0.1},
                               previous={"lab_data": "moons", "lr0": 0.1}) == [("lr0", "abc")]
    # a fresh session (no previous run) still reports what it could not use
    assert rejected_parameters(before, {}, {"lab_data": "digits", "lr0": 0.1}) == [("lab_data", "moons"), ("lr0", "abc")]

"""Races in a second process (ui.race_process): the same race as inline, errors raised the same
way, and a child that dies never fails a page."""

from __future__ import annotations

import dataclasses
import io
import time

import numpy as np
import pytest

from analysis.finiteness import NotFinite, NotFiniteError
from optimizers.settings import OptimizerSettings
from scenes import explorer
from ui.race_process import RaceProcess, read_message, write_message
from surfaces.choice import SurfaceChoice
from surfaces.formula import FormulaError

ARGS = (SurfaceChoice("himmelblau"), (0.5, -1.0),
        (OptimizerSettings("momentum", 0.01), OptimizerSettings("adam", 0.1, noise=0.5, seed=3)), 300, 1)


def same_race(a: explorer.Race, b: explorer.Race) -> bool:
    if (a.optimizer_count, a.sweep_rates, a.sweep_active) != (b.optimizer_count, b.sweep_rates, b.sweep_active):
        return False
    for field in dataclasses.fields(a.trajectories):
        left, right = getattr(a.trajectories, field.name), getattr(b.trajectories, field.name)
        if isinstance(left, np.ndarray):
            if not np.array_equal(left, right, equal_nan=True):
                return False
        elif left != right:
            return False
    return True


def ready(process: RaceProcess, timeout: float = 60.0) -> RaceProcess:
    deadline = time.monotonic() + timeout
    while not process._is_ready():
        assert time.monotonic() < deadline, "the race process did not get ready"
        time.sleep(0.05)
    return process


@pytest.fixture(scope="module")
def child():
    process = RaceProcess()
    process.start()
    yield ready(process)
    process.stop()


def test_the_child_computes_the_same_race_as_this_process_bit_for_bit(child):
    before = child.answered
    assert same_race(child.race(*ARGS), explorer.race(*ARGS))
    assert child.answered == before + 1
    other = (SurfaceChoice("ravine", parameter=30.0), (2.0, 1.0), (OptimizerSettings("rmsprop", 0.05, alpha=0.5),), 80, 0)
    assert same_race(child.race(*other), explorer.race(*other))
    assert not same_race(child.race(*other), explorer.race(*ARGS))  # the comparison can fail


def test_an_error_in_the_child_is_raised_here_as_it_would_be_inline(child):
    bad = (SurfaceChoice("own", formula="x +* y"), (0.0, 0.0), ARGS[2], 10, 0)
    with pytest.raises(FormulaError) as inline:
        explorer.race(*bad)
    with pytest.raises(FormulaError) as remote:
        child.race(*bad)
    assert str(remote.value) == str(inline.value)


def test_a_start_where_the_loss_is_not_finite_is_reported_from_the_child_with_its_point(child):
    undefined = (SurfaceChoice("own", formula="log(x)"), (-1.0, 0.5), ARGS[2], 10, 0)
    with pytest.raises(NotFiniteError) as remote:
        child.race(*undefined)
    assert remote.value.problem == NotFinite(-1.0, 0.5, "loss", "undefined")


def test_a_dead_child_is_replaced_and_the_race_computed_here_meanwhile():
    process = RaceProcess()
    process.start()
    ready(process)
    process._child.kill()
    process._child.wait()
    assert same_race(process.race(*ARGS), explorer.race(*ARGS))  # computed here: the child is gone
    ready(process)  # a new one was started
    answered = process.answered
    process.race(*ARGS)
    assert process.answered == answered + 1
    process.stop()


def test_a_child_that_dies_mid_request_is_replaced(caplog):
    process = RaceProcess()
    process.start()
    ready(process)
    process._child.kill()
    process._child.wait()
    process._is_ready = lambda: True  # as if it had died between the check and the request
    assert same_race(process.race(*ARGS), explorer.race(*ARGS))
    assert "the race process failed" in caplog.text
    process.stop()


def test_until_the_server_enables_it_races_are_computed_here():
    process = RaceProcess()
    process.start_soon(0.0)
    time.sleep(0.2)
    assert process._child is None
    assert same_race(process.race(*ARGS), explorer.race(*ARGS)) and process.answered == 0


def test_messages_are_framed_and_a_short_read_is_the_end_of_the_pipe():
    stream = io.BytesIO()
    write_message(stream, b"abc")
    write_message(stream, b"")
    stream.seek(0)
    assert read_message(stream) == b"abc" and read_message(stream) == b""
    with pytest.raises(EOFError):
        read_message(stream)
    with pytest.raises(EOFError):
        read_message(io.BytesIO(b"\x05\x00\x00\x00\x00\x00\x00\x00ab"))


def test_a_child_that_keeps_dying_is_given_up_and_races_stay_here(monkeypatch):
    process = RaceProcess()
    monkeypatch.setattr("ui.race_process.MAX_STARTS", 2)
    for _ in range(4):
        process.start()
        if process._child is not None:
            process._child.kill()
            process._child.wait()
        process._is_ready()
    assert process._child is None and process._starts == 2
    assert same_race(process.race(*ARGS), explorer.race(*ARGS)) and process.answered == 0


def test_a_child_stopped_by_another_session_after_the_check_is_not_an_error(caplog):
    process = RaceProcess()
    process.start()
    ready(process)
    process.stop()  # another session's failure stopped it between this session's check and its request
    process._is_ready = lambda: True
    assert same_race(process.race(*ARGS), explorer.race(*ARGS))
    assert "the race process failed" in caplog.text
    process.stop()

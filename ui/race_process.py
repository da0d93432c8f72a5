"""Races computed in a second process beside the server, so that a classroom uses both cores.

Streamlit serves every session from one Python process, and a race (up to 36 runs × 1,000 steps) is
Python-bound: it holds the GIL. With 30 students the server's one core was the bottleneck
(``benchmarks/bench_classroom.py``: 71 % of a core busy, 145 ms of CPU per rerun, p95 1.6-2.5 s). With
the races made nearly free the same class took 77 ms per rerun and p95 0.25 s: the races were half of
the server's work. :class:`RaceProcess` hands them to one child process (``python -m
ui.race_process``) over a pipe; the server's own process waits for the answer without the GIL and
serves the other sessions meanwhile.

Protocol, one request at a time: the parent writes ``(args)``, the child answers ``("ok", Race)`` or
``("error", exception)``; each message is a pickle behind its 8-byte length. The pipe is private to
the two processes (never user text: the arguments are validated dataclasses and numbers).

Until it is started, and whenever the child is not ready, has died or does not answer in time, a race
is computed in the calling process, exactly as without it: a failing child never fails a page.
"""

from __future__ import annotations

import logging
import pickle
import select
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    from scenes.explorer import Race

_LOG = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parents[1]
READY = b"ready"
MAX_STARTS = 5
_HEADER = struct.Struct("<Q")


def write_message(stream: BinaryIO, payload: bytes) -> None:
    stream.write(_HEADER.pack(len(payload)) + payload)
    stream.flush()


def read_message(stream: BinaryIO) -> bytes:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        raise EOFError("the other process closed the pipe")
    (size,) = _HEADER.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        raise EOFError("the other process closed the pipe mid-message")
    return payload


def serve(requests: BinaryIO, answers: BinaryIO) -> None:
    """The child's loop: answer each race request until the parent closes the pipe.

    After each answer it hands the heap memory the race freed back to the OS (``ui.memory_trim``, as the
    server does after each run) while the parent draws.
    """
    from scenes import explorer
    from ui.memory_trim import malloc_trim

    trim = malloc_trim() or (lambda _pad: 0)
    write_message(answers, READY)
    while True:
        try:
            args = pickle.loads(read_message(requests))
        except EOFError:
            return
        try:
            answer = pickle.dumps(("ok", explorer.race(*args)), protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # noqa: BLE001 - the parent raises it, as an inline race would
            try:
                answer = pickle.dumps(("error", error))
            except Exception:  # noqa: BLE001 - an exception that cannot be pickled
                answer = pickle.dumps(("error", RuntimeError(f"{type(error).__name__}: {error}")))
        write_message(answers, answer)
        del answer
        trim(0)


class RaceProcess:
    """``race(...)`` as :func:`scenes.explorer.race`, computed by a child process once :meth:`start` ran.

    Thread-safe: the server's sessions call it from their script threads; requests queue on a lock.
    """

    def __init__(self, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()
        self._child: subprocess.Popen | None = None
        self._ready = False
        self.enabled = False  # set by the server's lifespan; AppTest and scripts compute inline
        self._starting = threading.Lock()
        self._asked = False
        self._starts = 0
        self.answered = 0  # races the child computed (for tests and benchmarks)

    def start(self) -> None:
        """Start the child (it imports torch for 1-2 s, then says it is ready); idempotent. After
        ``MAX_STARTS`` starts (a child that keeps dying) races stay in this process."""
        with self._starting:
            if self._child is not None and self._child.poll() is None:
                return
            self._ready = False
            if self._starts >= MAX_STARTS:
                self._child = None
                return
            self._starts += 1
            self._child = subprocess.Popen([sys.executable, "-m", "ui.race_process"], cwd=ROOT,
                                           stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def start_soon(self, delay: float) -> None:
        """Start the child ``delay`` seconds from now, once, if :attr:`enabled`."""
        with self._starting:
            if not self.enabled or self._asked:
                return
            self._asked = True
        timer = threading.Timer(delay, self.start)
        timer.daemon = True
        timer.start()

    def stop(self) -> None:
        child, self._child, self._ready = self._child, None, False
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()

    def race(self, *args) -> Race:
        """:func:`scenes.explorer.race` with ``args``: in the child when it is ready, else here."""
        from scenes import explorer  # here, not above: the server's lifespan imports this module at once

        if not self._is_ready():
            return explorer.race(*args)
        with self._lock:
            child = self._child  # another session may have stopped it since the check above
            try:
                if child is None:
                    raise EOFError("the race process was stopped")
                write_message(child.stdin, pickle.dumps(args, protocol=pickle.HIGHEST_PROTOCOL))
                status, value = pickle.loads(self._answer(child))
                self.answered += 1
            except (OSError, EOFError, TimeoutError, pickle.PickleError, ValueError) as problem:
                _LOG.warning("the race process failed (%s); computing here and starting it again", problem)
                self.stop()
                self.start()
                status = "failed"
        if status == "failed":
            return explorer.race(*args)  # outside the lock: other sessions need not wait for it
        if status == "error":
            raise value
        return value

    def _answer(self, child: subprocess.Popen) -> bytes:
        ready, _, _ = select.select([child.stdout], [], [], self.timeout)
        if not ready:
            raise TimeoutError(f"no answer in {self.timeout:g} s")
        return read_message(child.stdout)

    def _is_ready(self) -> bool:
        child = self._child
        if child is None:
            return False
        if child.poll() is not None:
            _LOG.warning("the race process ended (exit code %s); starting it again", child.returncode)
            self.start()
            return False
        if not self._ready and select.select([child.stdout], [], [], 0)[0]:
            with self._lock:  # two sessions may both have seen the pipe readable: one reads "ready"
                if not self._ready and select.select([child.stdout], [], [], 0)[0]:
                    self._ready = read_message(child.stdout) == READY
        return self._ready


RACES = RaceProcess()


if __name__ == "__main__":
    answers = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not break the protocol
    serve(sys.stdin.buffer, answers)

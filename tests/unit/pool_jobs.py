"""Jobs for the worker pool's tests: module-level functions, so that a spawned worker can import them."""

from __future__ import annotations

import os
import time


def pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def stamp(seconds: float) -> tuple[int, int]:
    """(worker pid, a time stamp): two callers that got the same stamp got the same computation."""
    time.sleep(seconds)
    return os.getpid(), time.monotonic_ns()


def fail(message: str) -> None:
    raise ValueError(message)


def steps(count: int, seconds: float, progress) -> int:
    """``count`` steps of ``seconds``, reporting after each one."""
    for step in range(1, count + 1):
        time.sleep(seconds)
        progress(step / count)
    return count


def torch_threads() -> int:
    import torch

    return torch.get_num_threads()

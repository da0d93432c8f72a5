"""What the pages say where a surface is not a finite number: on its grid, at the start point, at θ′.

Each message says what is wrong (an overflow to ±∞, NaN, or on the map also heights beyond ±1e300, too
large to draw) and where (a point, or the share of the domain), in the language asked for; the texts are
the catalogues' ``messages.*``.

>>> share_text(0.004), share_text(0.5), share_text(0.996)
('less than 1 %', '50 %', 'more than 99 %')
"""

from __future__ import annotations

from collections.abc import Sequence

from analysis.finiteness import GridGaps, NotFinite
from figures.runs import RunPath
from i18n import DEFAULT_LANGUAGE, text
from optimizers.trajectory import REASONS

# A run stopped by these left the places where L and ∇L are finite; the others left the map or made an infinite step.
NOT_FINITE_REASONS = frozenset({REASONS["loss"], REASONS["gradient"]})


def shown_number(value: float) -> str:
    """A coordinate or a loss as the messages print it: 4 significant digits, never "-0"."""
    return f"{value + 0.0:.4g}"


def share_text(fraction: float, language: str = DEFAULT_LANGUAGE) -> str:
    """``fraction`` of the domain as a percentage, never rounded to a misleading 0 % or 100 %."""
    if fraction < 0.01:
        return text("messages.share.small", language)
    if fraction > 0.99:
        return text("messages.share.large", language)
    return text("messages.share.percent", language, percent=round(100 * fraction))


def grid_failure_text(failures: Sequence[str], language: str = DEFAULT_LANGUAGE) -> str:
    """Why part of a grid cannot be drawn: it overflows (±∞ or beyond ±1e300), is undefined (NaN), or both."""
    name = "both" if len(set(failures)) > 1 else failures[0]
    return text(f"messages.grid_failure.{name}", language)


def grid_message(gaps: GridGaps, language: str = DEFAULT_LANGUAGE) -> str | None:
    """What the drawn grid lacks and one point where (None when all of it is drawn)."""
    if not gaps.any or gaps.example is None:
        return None
    x, y = (shown_number(value) for value in gaps.example)
    failure = grid_failure_text(gaps.failures, language)
    if gaps.everywhere:
        return text("messages.grid_nowhere", language, failure=failure, x=x, y=y)
    return text("messages.grid_part", language, share=share_text(gaps.fraction, language), failure=failure, x=x, y=y)


def problem_text(problem: NotFinite, language: str = DEFAULT_LANGUAGE) -> str:
    """Which of L, ∇L, H is not finite at the point, and how, as one sentence."""
    loss = shown_number(problem.loss) if problem.loss is not None else ""
    return text(f"messages.point.{problem.quantity}", language, loss=loss,
                failure=text(f"messages.failure.{problem.failure}", language))


def start_message(problem: NotFinite, language: str = DEFAULT_LANGUAGE) -> str:
    """Why no optimizer can start at the start point, and what to do about it."""
    return text("messages.start", language, x=shown_number(problem.x), y=shown_number(problem.y),
                problem=problem_text(problem, language))


def inspect_message(problem: NotFinite, language: str = DEFAULT_LANGUAGE) -> str:
    """Why the inspector has nothing to show at θ′, and what to do about it."""
    return text("messages.inspect", language, x=shown_number(problem.x), y=shown_number(problem.y),
                problem=problem_text(problem, language))


def atlas_note(gaps: GridGaps, language: str = DEFAULT_LANGUAGE) -> str | None:
    """That the critical-point search skips the blank parts of the map (None when there are none)."""
    if not gaps.any:
        return None
    return text("messages.atlas_gaps", language, share=share_text(gaps.fraction, language))


def stopped_run_message(label: str, run: RunPath, reason: str, language: str = DEFAULT_LANGUAGE) -> str | None:
    """Where a run stopped because L or ∇L stopped being finite (None for a run that stopped otherwise).

    ``reason`` is the run's reason in ``Trajectories.reasons``; the run's last point is its last valid one.
    """
    if not run.note or reason not in NOT_FINITE_REASONS:
        return None
    x, y = (shown_number(float(value)) for value in run.points[-1])
    return text("messages.run_not_finite", language, label=label, note=run.note, x=x, y=y)

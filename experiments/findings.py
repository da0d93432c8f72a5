"""What an experiment measured, beside what the lecture claims, and the runs a student can open in the Lab.

A :class:`Finding` is one row of the README's table and one line of the experiment's page: the lecture's
claim (``exp.<name>.claims.<key>`` in the language catalogues), the measured sentence
(``exp.<name>.findings.<key>``, formatted with ``fields``) and whether they agree: ``True``, ``False``, or
``None`` where the lecture makes no claim to check (a measurement beyond it, such as the edge of stability).
The verdict is computed from the result by the experiment's ``findings``, never written by hand; a result of
fewer than ``MIN_SEEDS_FOR_VERDICT`` seeds (a live run) shows its numbers without a verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

AGREES, DISAGREES, BEYOND, UNDECIDED = "agrees", "disagrees", "beyond", "undecided"
MIN_SEEDS_FOR_VERDICT = 3  # fewer seeds (a live run's one) can show the numbers, not decide for or against a claim


@dataclass(frozen=True)
class Finding:
    key: str
    fields: Mapping[str, object] = field(default_factory=dict)
    agrees: bool | None = None

    @property
    def agreement(self) -> str:
        return BEYOND if self.agrees is None else AGREES if self.agrees else DISAGREES


def seed_count(result: dict) -> int:
    """How many seeds a result was computed from (its settings')."""
    return len(result["settings"]["seeds"])


def agreement(finding: Finding, result: dict) -> str:
    """The finding's agreement, or ``UNDECIDED`` when ``result`` has too few seeds to tell noise from an effect."""
    if finding.agrees is not None and seed_count(result) < MIN_SEEDS_FOR_VERDICT:
        return UNDECIDED
    return finding.agreement


@dataclass(frozen=True)
class LabLink:
    """A run of an experiment that the Network Lab can train again: its label (``exp.<name>.links.<key>``,
    formatted with ``fields``) and the Lab's settings (a :class:`scenes.network_lab.LabSettings`)."""

    key: str
    settings: object
    fields: Mapping[str, object] = field(default_factory=dict)


def rates_list(rates) -> str:
    """`` (η = 0.001, 0.01)`` after a count of the rates, or nothing when there are none: the texts then read
    "… 0 of 5" rather than "η = –" (a field reads the same in every language, so it holds no words)."""
    return f" (η = {', '.join(f'{rate:g}' for rate in rates)})" if rates else ""

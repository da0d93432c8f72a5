"""What an experiment measured, beside what the lecture claims, and the runs a student can open in the Lab.

A :class:`Finding` is one row of the README's table and one line of the experiment's page: the lecture's
claim (``exp.<name>.claims.<key>`` in the language catalogues), the measured sentence
(``exp.<name>.findings.<key>``, formatted with ``fields``) and whether they agree: ``True``, ``False``, or
``None`` where the lecture makes no claim to check (a measurement beyond it, such as the edge of stability).
The verdict is computed from the result by the experiment's ``findings``, never written by hand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

AGREES, DISAGREES, BEYOND = "agrees", "disagrees", "beyond"


@dataclass(frozen=True)
class Finding:
    key: str
    fields: Mapping[str, object] = field(default_factory=dict)
    agrees: bool | None = None

    @property
    def agreement(self) -> str:
        return BEYOND if self.agrees is None else AGREES if self.agrees else DISAGREES


@dataclass(frozen=True)
class LabLink:
    """A run of an experiment that the Network Lab can train again: its label (``exp.<name>.links.<key>``,
    formatted with ``fields``) and the Lab's settings (a :class:`scenes.network_lab.LabSettings`)."""

    key: str
    settings: object
    fields: Mapping[str, object] = field(default_factory=dict)

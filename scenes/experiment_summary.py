"""The experiments' findings as text: a line per finding for the page, a table row for the README.

Every sentence is the experiment's own catalogue text (``exp.<name>.*``) formatted with the numbers its
``findings`` computed from a result; the agreement mark is the finding's, never chosen here.
"""

from __future__ import annotations

from dataclasses import dataclass

from experiments.findings import AGREES, BEYOND, DISAGREES, UNDECIDED, Finding, agreement, seed_count
from experiments.registry import NAMES, experiment
from experiments.results import ResultsFile, read_results
from i18n import text

MARKS = {AGREES: "✅", DISAGREES: "❌", BEYOND: "ℹ️", UNDECIDED: "❔"}


def finding_sentence(name: str, finding: Finding, language: str) -> str:
    """The measured sentence of ``finding``, its fields filled in."""
    return text(f"exp.{name}.findings.{finding.key}", language, **finding.fields)


def finding_line(name: str, finding: Finding, result: dict, language: str) -> str:
    """``✅ <measured sentence>``: the finding with its agreement mark (❔ and why, when too few seeds decide)."""
    mark = agreement(finding, result)
    line = f"{MARKS[mark]} {finding_sentence(name, finding, language)}"
    if mark == UNDECIDED:
        line += f" {text('experiments.undecided', language, seeds=seed_count(result))}"
    return line


def finding_why(name: str, finding: Finding, result: dict, language: str) -> str | None:
    """Why the measurement differs from the lecture, for a finding that disagrees (else None)."""
    if agreement(finding, result) != DISAGREES:
        return None
    return text(f"exp.{name}.why.{finding.key}", language, **finding.fields)


def claim_line(name: str, finding: Finding, result: dict, language: str) -> str:
    """``✅ <the lecture's claim>``: the claim a finding tests, with its agreement mark."""
    return f"{MARKS[agreement(finding, result)]} {text(f'exp.{name}.claims.{finding.key}', language)}"


@dataclass(frozen=True)
class SummaryRow:
    experiment: str
    claim: str
    measured: str
    agreement: str


def summary_rows(name: str, result: dict, language: str, findings: tuple[Finding, ...] | None = None) -> list[SummaryRow]:
    """One row per finding of experiment ``name`` on ``result`` (``findings``, when the caller has them): the
    lecture's claim, the measured sentence, the mark."""
    title = text(f"exp.{name}.title", language)
    findings = experiment(name).findings(result) if findings is None else findings
    return [SummaryRow(title, text(f"exp.{name}.claims.{finding.key}", language), finding_sentence(name, finding, language),
                       MARKS[agreement(finding, result)]) for finding in findings]


def stored_summary(language: str, read=read_results) -> list[SummaryRow]:
    """The rows of every experiment with a results file, in the lecture's order."""
    rows: list[SummaryRow] = []
    for name in NAMES:
        stored: ResultsFile | None = read(name)
        if stored is not None:
            rows.extend(summary_rows(name, stored.result, language))
    return rows


def markdown_table(rows: list[SummaryRow], language: str = "en") -> str:
    """The rows as a Markdown table (the README's), pipes in the texts escaped."""
    header = [text("experiments.table.experiment", language), text("experiments.table.claim", language),
              text("experiments.table.measured", language), text("experiments.table.agreement", language)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = (row.experiment, row.claim, row.measured, row.agreement)
        lines.append("| " + " | ".join(cell.replace("|", "\\|").replace("\n", " ") for cell in cells) + " |")
    return "\n".join(lines)

"""Every formula the README and the sidebar's help show is read as they say, or refused as they say."""

from __future__ import annotations

import pathlib
import re

import pytest

from i18n import LANGUAGES, text
from surfaces.formula import ALLOWED_FUNCTIONS, FormulaError, compile_formula


# ---- every formula the README and the sidebar's help show is read as they say -------------------------------------

ROOT = pathlib.Path(__file__).resolve().parents[2]
CODE_SPAN = re.compile(r"`([^`]+)`")
# Code spans of those texts that are not formulas: names of things, and the lists of what a formula may use.
NOT_FORMULAS = {"L(x, y)", "surfaces/formula_*.py", "tests/unit/test_formula_docs.py", "eval", "exec", "compile",
                "sympify", "+ - * / ** ^", "+ - * / ^", "*", "sin cos tan exp log sqrt abs tanh sigmoid softplus relu min max atan sinh cosh log1p square pow"}
# The ones they show as refused (with the reason the text gives).
REFUSED = {"xy": "unknown name 'xy'", "x y": "syntax error", "2e": "write 2*e", "1/2x": "could mean",
           "x^2y": "could mean", "x^2 - z": "unknown name 'z' at column 7", "**": "syntax error"}


def readme_formula_section() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("### Your own formula")
    return readme[start:readme.index("\n## ", start)]


def documented_spans() -> list[tuple[str, str]]:
    spans = [("README", " ".join(span.split())) for span in CODE_SPAN.findall(readme_formula_section())]
    for language in LANGUAGES:
        spans += [(f"help ({language})", span) for span in CODE_SPAN.findall(text("sidebar.formula_help", language))]
    return spans


@pytest.mark.parametrize(("where", "span"), documented_spans())
def test_every_formula_in_the_readme_and_the_help_reads_as_they_say(where, span):
    if span in NOT_FORMULAS:
        return
    if span in REFUSED:
        with pytest.raises(FormulaError, match=re.escape(REFUSED[span])):
            compile_formula(span)
        return
    compiled = compile_formula(span)  # every other span is a formula the text promises to read
    assert compiled.latex


def test_the_help_and_the_readme_list_exactly_the_allowed_functions():
    listed = [span for _, span in documented_spans() if span.startswith("sin cos")]
    readme_list = next(span for span in listed)
    assert set(readme_list.split()) == set(ALLOWED_FUNCTIONS)
    for language in LANGUAGES:
        help_text = text("sidebar.formula_help", language)
        assert all(f" {name}" in help_text for name in ALLOWED_FUNCTIONS), language
        assert "sin cos tan exp log sqrt abs tanh sigmoid softplus relu min max atan sinh cosh log1p square pow" \
            in help_text

r"""A student's own loss formula L(x, y), read safely into torch operations.

The text is never run as Python: no ``eval``, ``exec``, ``compile`` or ``sympify`` of it, ever.
It goes through four small steps, each refusing what it does not know with a ``FormulaError``
whose message a student understands ("unknown name 'z' at column 7 (use x, y, pi, e)"):

1. ``formula_text``: length (at most ``MAX_LENGTH`` characters), allowed characters, bracket depth
   (at most ``MAX_DEPTH``) and balance, in one linear scan; ``^`` is read as ``**``.
2. ``formula_tree``: ``ast.parse`` (parsing only) and a whitelist of the syntax tree: numbers up to
   ``MAX_NUMBER``, the names of ``ALLOWED_NAMES``, ``+ - * / **``, unary ``-``/``+`` and calls of
   ``ALLOWED_FUNCTIONS`` by their bare name; at most ``MAX_NODES`` parts.
3. ``formula_evaluation``: nested torch closures; constants folded; constant exponents within
   ±``MAX_EXPONENT``.
4. ``formula_latex``: LaTeX with parentheses by precedence.

Grammar (what a formula may be)::

    formula  := number | x | y | pi | e | -formula | +formula | (formula)
              | formula (+ | - | * | / | ** | ^) formula | function(formula[, formula])

Cost. Text longer than ``MAX_LENGTH`` is refused in microseconds, before any parsing; reading a
formula takes 0.2 ms (Himmelblau) to 3 ms (300 characters). One evaluation costs one elementwise
torch operation per part that depends on x or y. Measured in float64 on a 200 × 200 grid, one core:
Himmelblau 0.2 ms; a 292-character formula with 15 functions 4-6 ms (13 ms with its gradient);
the slowest formulas allowed, about 50 powers with variable exponents such as ``x^y + x^y + ...``,
25 ms (about 100 ms with the gradient). ``tests/unit/test_formula.py`` checks the 20 ms bound for the
292-character formula.

>>> compiled = compile_formula("(x^2 + y - 11)^2 + (x + y^2 - 7)^2")
>>> float(compiled.loss(torch.tensor([3.0, 2.0], dtype=torch.float64)))
0.0
>>> compiled.latex
'\\left(x^{2} + y - 11\\right)^{2} + \\left(x + y^{2} - 7\\right)^{2}'
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from surfaces.formula_errors import FormulaError
from surfaces.formula_evaluation import MAX_EXPONENT, build_loss
from surfaces.formula_functions import ALLOWED_FUNCTIONS, ALLOWED_NAMES, FormulaFunction
from surfaces.formula_latex import formula_latex
from surfaces.formula_text import MAX_DEPTH, MAX_LENGTH, prepare_text
from surfaces.formula_tree import MAX_NODES, MAX_NUMBER, parse_tree

__all__ = [
    "ALLOWED_FUNCTIONS", "ALLOWED_NAMES", "MAX_DEPTH", "MAX_EXPONENT", "MAX_LENGTH", "MAX_NODES", "MAX_NUMBER",
    "CompiledFormula", "FormulaError", "FormulaFunction", "compile_formula",
]


@dataclass(frozen=True)
class CompiledFormula:
    """The typed ``text``, its batched torch ``loss`` and its ``latex``.

    ``loss`` maps float64 points θ of shape ``(..., 2)`` (θ[..., 0] = x, θ[..., 1] = y) to losses of
    shape ``(...)``, constants included; it is twice differentiable by autograd and never raises:
    outside a function's domain it returns NaN or ±inf.
    """

    text: str
    loss: Callable[[torch.Tensor], torch.Tensor]
    latex: str


def compile_formula(text: str) -> CompiledFormula:
    """Read a formula such as ``"x^2 - y^2"``; raises ``FormulaError`` saying what is wrong and where."""
    try:
        tree = parse_tree(prepare_text(text))
        return CompiledFormula(text=text, loss=build_loss(tree), latex=formula_latex(tree))
    except (RecursionError, MemoryError):
        raise FormulaError("the formula is too complicated to read; please simplify it") from None

r"""A formula tree as a batched torch loss: ``loss(θ)`` for float64 points θ of shape ``(..., 2)``.

The tree becomes nested closures of torch operations, built once. Subtrees without x or y are
folded into one 0-d float64 tensor at build time, so ``2*pi`` costs nothing per call and every
constant exponent is known before the first evaluation. Constant exponents must lie in
[−``MAX_EXPONENT``, ``MAX_EXPONENT``]: ``x**1000`` is refused, and so is a tower such as
``9**9**9**9``, whose inner exponent 9**9 = 387420489 already is too large. Exponents that depend on
x or y are allowed; like everything else they are computed in float64, so the worst they give is
inf or NaN, never a long computation.

Evaluation never raises: outside a function's domain torch returns NaN or ±inf, which the caller
shows as gaps. One call costs one torch operation per node that depends on x or y (at most
``MAX_NODES``), and autograd differentiates it twice (gradients and Hessians).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Union

import torch

from surfaces.formula_errors import FormulaError
from surfaces.formula_functions import ALLOWED_FUNCTIONS, CONSTANT_VALUES, VARIABLE_INDEX
from surfaces.formula_tree import Binary, Negative, Node, Number, Symbol

MAX_EXPONENT = 16

Evaluator = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
Part = Union[torch.Tensor, Evaluator]  # a folded 0-d constant, or a function of the coordinates (x, y)

_BINARY_OPERATIONS: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "+": torch.add, "-": torch.sub, "*": torch.mul, "/": torch.div,  # "**" goes through _power
}


def build_loss(tree: Node) -> Callable[[torch.Tensor], torch.Tensor]:
    """The loss ``θ ↦ L(θ[..., 0], θ[..., 1])`` of shape ``(...)``; raises ``FormulaError`` for a bad exponent."""
    part = _build(tree)

    def loss(theta: torch.Tensor) -> torch.Tensor:
        x, y = theta[..., 0], theta[..., 1]
        if isinstance(part, torch.Tensor):
            # A constant still depends on θ (slope 0; NaN where θ is not finite), so it has the full shape
            # and autograd works as for any other formula.
            return x * 0 + part
        values = part(x, y)
        return values.clone() if values is x or values is y else values  # never hand out a view of θ

    return loss


def _build(node: Node) -> Part:
    """The folded constant or the evaluator of ``node``."""
    if isinstance(node, Number):
        return torch.tensor(node.value, dtype=torch.float64)
    if isinstance(node, Symbol):
        if node.name in VARIABLE_INDEX:
            return _variable(VARIABLE_INDEX[node.name])
        return torch.tensor(CONSTANT_VALUES[node.name], dtype=torch.float64)
    if isinstance(node, Negative):
        return _combine(torch.neg, [_build(node.operand)])
    if isinstance(node, Binary):
        if node.operator == "**":
            return _power(node.left, node.right)
        return _combine(_BINARY_OPERATIONS[node.operator], [_build(node.left), _build(node.right)])
    if node.function == "pow":
        return _power(*node.arguments)
    return _combine(ALLOWED_FUNCTIONS[node.function].torch_function, [_build(argument) for argument in node.arguments])


def _power(base: Node, exponent: Node) -> Part:
    """base ** exponent, after checking a constant exponent against ``MAX_EXPONENT``."""
    base_part, exponent_part = _build(base), _build(exponent)
    if isinstance(exponent_part, torch.Tensor):
        value = _checked_exponent(float(exponent_part), exponent.column)
        if not isinstance(base_part, torch.Tensor):
            # A Python float exponent takes torch's fast paths: x**2 is ~25 times faster than with a 0-d tensor.
            return lambda x, y: torch.pow(base_part(x, y), value)
    return _combine(torch.pow, [base_part, exponent_part])


def _checked_exponent(value: float, column: int) -> float:
    """``value`` if it is a finite number in [−MAX_EXPONENT, MAX_EXPONENT]; raises ``FormulaError`` otherwise."""
    shown = f"{value:.0f}" if value.is_integer() and abs(value) < 1e15 else f"{value:.6g}"
    if not math.isfinite(value):
        raise FormulaError(f"the exponent at column {column} is not a finite number ({shown})", column)
    if abs(value) > MAX_EXPONENT:
        raise FormulaError(f"exponent {shown} at column {column} is too large "
                           f"(use an exponent between -{MAX_EXPONENT} and {MAX_EXPONENT})", column)
    return value


def _variable(index: int) -> Evaluator:
    """The evaluator returning x (index 0) or y (index 1)."""
    return (lambda x, y: x) if index == 0 else (lambda x, y: y)


def _combine(operation: Callable[..., torch.Tensor], parts: Sequence[Part]) -> Part:
    """``operation`` applied to the parts: folded now if all are constants, else an evaluator."""
    if all(isinstance(part, torch.Tensor) for part in parts):
        return operation(*parts)
    first, *rest = [_as_evaluator(part) for part in parts]
    if not rest:
        return lambda x, y: operation(first(x, y))
    (second,) = rest
    return lambda x, y: operation(first(x, y), second(x, y))


def _as_evaluator(part: Part) -> Evaluator:
    """An evaluator for a part: constants become functions returning themselves."""
    if isinstance(part, torch.Tensor):
        return lambda x, y: part
    return part

"""The whitelist of a formula: its names (x, y, pi, e) and the functions it may call, with their torch versions.

Every function is elementwise and twice differentiable by autograd wherever it is smooth; at kinks
(``abs``, ``relu``, ``min``, ``max``) autograd returns a one-sided or averaged slope, as torch does.
Outside a function's domain (``log`` of a negative number, ``sqrt(-1)``) torch returns NaN, never an error.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch
import torch.nn.functional

ALLOWED_NAMES: Mapping[str, str] = types.MappingProxyType({
    "x": "the first coordinate",
    "y": "the second coordinate",
    "pi": "π ≈ 3.14159",
    "e": "Euler's number e ≈ 2.71828",
})
VARIABLE_INDEX: Mapping[str, int] = types.MappingProxyType({"x": 0, "y": 1})
CONSTANT_VALUES: Mapping[str, float] = types.MappingProxyType({"pi": math.pi, "e": math.e})


@dataclass(frozen=True)
class FormulaFunction:
    """A function a formula may call: how many arguments it takes, what it means, and its torch version."""

    name: str
    arity: int
    meaning: str
    torch_function: Callable[..., torch.Tensor]


ALLOWED_FUNCTIONS: Mapping[str, FormulaFunction] = types.MappingProxyType({
    function.name: function
    for function in (
        FormulaFunction("sin", 1, "sine", torch.sin),
        FormulaFunction("cos", 1, "cosine", torch.cos),
        FormulaFunction("tan", 1, "tangent", torch.tan),
        FormulaFunction("exp", 1, "e to the power of the argument", torch.exp),
        FormulaFunction("log", 1, "natural logarithm ln", torch.log),
        FormulaFunction("sqrt", 1, "square root", torch.sqrt),
        FormulaFunction("abs", 1, "absolute value", torch.abs),
        FormulaFunction("tanh", 1, "hyperbolic tangent", torch.tanh),
        FormulaFunction("sigmoid", 1, "σ(t) = 1 / (1 + e^(−t))", torch.sigmoid),
        FormulaFunction("softplus", 1, "ln(1 + e^t) (torch returns t itself for t > 20)",
                        torch.nn.functional.softplus),
        FormulaFunction("relu", 1, "max(t, 0)", torch.relu),
        FormulaFunction("min", 2, "the smaller of two values", torch.minimum),
        FormulaFunction("max", 2, "the larger of two values", torch.maximum),
        FormulaFunction("atan", 1, "arctangent", torch.atan),
        FormulaFunction("sinh", 1, "hyperbolic sine", torch.sinh),
        FormulaFunction("cosh", 1, "hyperbolic cosine", torch.cosh),
        FormulaFunction("log1p", 1, "ln(1 + t), accurate for small t", torch.log1p),
        FormulaFunction("square", 1, "t²", torch.square),
        FormulaFunction("pow", 2, "pow(a, b) = a^b", torch.pow),
    )
})

# What students coming from other notations type for some of these.
FUNCTION_SYNONYMS: Mapping[str, str] = types.MappingProxyType({
    "ln": "log", "arctan": "atan", "sqr": "square", "maximum": "max", "minimum": "min", "sig": "sigmoid",
})

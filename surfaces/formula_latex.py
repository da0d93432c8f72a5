r"""A formula tree as readable LaTeX: ``\sin``, ``\frac``, ``^{...}``, ``\sqrt{...}``, ``\left| \right|``, ``\sigma``.

Parentheses follow precedence, from loosest to tightest binding:

    sum (+ −)  <  product (·)  <  sign (−a)  <  fraction (\frac)  <  power (a^{b})  <  atom

An operand gets ``\left( \right)`` when it binds more loosely than its place requires, and when it
starts with a minus sign in the middle of an expression (``x + \left(-y\right)``). A number times
what follows is written without a dot: ``100\,\left(y - x^{2}\right)^{2}``.
"""

from __future__ import annotations

from collections.abc import Callable

from surfaces.formula_tree import Binary, Call, Negative, Node, Number, Symbol

SUM, PRODUCT, SIGN, FRACTION, POWER, ATOM = range(6)

_SYMBOLS = {"x": "x", "y": "y", "pi": r"\pi", "e": "e"}
_COMMANDS = {
    "sin": r"\sin", "cos": r"\cos", "tan": r"\tan", "exp": r"\exp", "log": r"\ln", "tanh": r"\tanh",
    "sigmoid": r"\sigma", "softplus": r"\operatorname{softplus}", "relu": r"\operatorname{ReLU}",
    "min": r"\min", "max": r"\max", "atan": r"\arctan", "sinh": r"\sinh", "cosh": r"\cosh",
}
_BRACKETS = {"sqrt": (r"\sqrt{", "}"), "abs": (r"\left|", r"\right|")}
# Functions written as other formulas: square(a) = a^2, pow(a, b) = a^b, log1p(a) = ln(1 + a).
_REWRITES: dict[str, Callable[..., Node]] = {
    "square": lambda base: Binary("**", base, Number(2.0)),
    "pow": lambda base, exponent: Binary("**", base, exponent),
    "log1p": lambda argument: Call("log", (Binary("+", Number(1.0), argument),)),
}


def formula_latex(tree: Node) -> str:
    """LaTeX for the formula tree, e.g. ``\\frac{x^{2}}{2} - \\sin\\left(y\\right)``."""
    return _render(tree)[0]


def _render(node: Node) -> tuple[str, int]:
    """The LaTeX of ``node`` and how tightly it binds."""
    if isinstance(node, Number):
        return _number(node.value)
    if isinstance(node, Symbol):
        return _SYMBOLS[node.name], ATOM
    if isinstance(node, Negative):
        return "-" + _operand(node.operand, SIGN, inside=True), SIGN
    if isinstance(node, Binary):
        return _binary(node.operator, node.left, node.right)
    if node.function in _REWRITES:
        return _render(_REWRITES[node.function](*node.arguments))
    arguments = ", ".join(_render(argument)[0] for argument in node.arguments)
    if node.function in _BRACKETS:
        opening, closing = _BRACKETS[node.function]
        return f"{opening}{arguments}{closing}", ATOM
    return rf"{_COMMANDS[node.function]}\left({arguments}\right)", ATOM


def _binary(operator: str, left: Node, right: Node) -> tuple[str, int]:
    """LaTeX for ``left operator right``."""
    if operator == "/":
        return rf"\frac{{{_render(left)[0]}}}{{{_render(right)[0]}}}", FRACTION
    if operator == "**":
        return f"{_operand(left, ATOM, inside=True)}^{{{_render(right)[0]}}}", POWER
    if operator in ("+", "-"):
        tightest_right = SUM if operator == "+" else PRODUCT  # x - (y + z) keeps its parentheses
        return f"{_operand(left, SUM)} {operator} {_operand(right, tightest_right, inside=True)}", SUM
    left_latex, left_binding = _render(left)
    if left_binding < PRODUCT:
        left_latex = rf"\left({left_latex}\right)"
    right_latex = _operand(right, PRODUCT, inside=True)
    juxtaposed = isinstance(left, Number) and left_binding == ATOM and not right_latex[0].isdigit()
    separator = r"\," if juxtaposed else r" \cdot "
    return f"{left_latex}{separator}{right_latex}", PRODUCT


def _operand(node: Node, tightest: int, *, inside: bool = False) -> str:
    """LaTeX for an operand, in parentheses if it binds looser than ``tightest`` or, ``inside`` an
    expression, starts with a minus sign."""
    latex, binding = _render(node)
    if binding < tightest or (inside and latex.startswith("-")):
        return rf"\left({latex}\right)"
    return latex


def _number(value: float) -> tuple[str, int]:
    """A literal: ``3``, ``0.25``, or ``1.5 \\cdot 10^{-7}`` for what Python prints as ``1.5e-07``."""
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value)), ATOM
    text = repr(value)
    if "e" not in text:
        return text, ATOM
    mantissa, exponent = text.split("e")
    return rf"{mantissa} \cdot 10^{{{int(exponent)}}}", PRODUCT

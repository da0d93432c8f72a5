"""From prepared text to a formula tree, through a whitelist of Python's syntax tree.

``ast.parse(..., mode="eval")`` only parses; nothing the student typed is ever evaluated by Python.
The parsed tree is then checked node by node against a whitelist (numbers, the names of
``ALLOWED_NAMES``, ``+ - * / **``, unary ``-`` and ``+``, calls of ``ALLOWED_FUNCTIONS`` by their
bare name); the leftmost problem is reported. Only then is it converted to the small tree below:

    node := Number | Symbol | Negative(node) | Binary(operator, node, node) | Call(function, nodes)

Python's tree is walked iteratively to count nodes (at most ``MAX_NODES``) before the recursive
conversion, so the recursion depth is bounded by ``MAX_NODES`` too.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Union

from surfaces.formula_errors import FORMULA_HINT, FormulaError
from surfaces.formula_functions import ALLOWED_FUNCTIONS, ALLOWED_NAMES, FUNCTION_SYNONYMS
from surfaces.formula_text import PreparedText

MAX_NODES = 200
MAX_NUMBER = 1e6

_MISSING_OPERATOR = re.compile(r"[\w.)]\s+[\w(.]")  # two operands side by side
_DANGLING_STAR = re.compile(r"(?:^|[(,])\s*(\*)")  # a * or ** with no operand before it
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_REFUSED_OPERATORS = {ast.FloorDiv: ("//", "use / for division"), ast.Mod: ("%", "there is no remainder operator"),
                      ast.MatMult: ("@", "there is no matrix product")}


@dataclass(frozen=True)
class Number:
    """A literal number ``value`` ≥ 0 (a minus sign in front is a ``Negative``)."""

    value: float
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Symbol:
    """One of ``ALLOWED_NAMES``: the variables x, y or the constants pi, e."""

    name: str
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Negative:
    """−operand."""

    operand: Node
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Binary:
    """left ``operator`` right, with ``operator`` one of ``+ - * / **``."""

    operator: str
    left: Node
    right: Node
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Call:
    """``function(arguments...)`` for a name of ``ALLOWED_FUNCTIONS``."""

    function: str
    arguments: tuple[Node, ...]
    column: int = field(default=0, compare=False)


Node = Union[Number, Symbol, Negative, Binary, Call]


def parse_tree(source: PreparedText) -> Node:
    """The formula tree of prepared text; raises ``FormulaError`` for anything outside the whitelist."""
    try:
        expression = ast.parse(source.python, mode="eval")
    except SyntaxError as error:
        raise _syntax_error(error, source) from None
    except ValueError as error:  # e.g. a null byte, though prepare_text refuses those first
        raise FormulaError(f"the formula cannot be read: {error}") from None
    _check_whitelist(expression.body, source)
    return _convert(expression.body, source)


def _syntax_error(error: SyntaxError, source: PreparedText) -> FormulaError:
    """Python's syntax error in a student's words, with the typed column."""
    python = source.python
    offset, reason = _where_and_why(error, python)
    if not 0 <= offset < len(python.rstrip()):
        column = source.column_of(len(python))
        return FormulaError(f"the formula ends too early at column {column}: something is missing at the end", column)
    column = source.column_of(offset)
    if reason != "invalid syntax":
        return FormulaError(f"syntax error at column {column}: {reason}", column)
    message = f"syntax error at column {column}: unexpected '{source.text[column - 1]}'"
    if _MISSING_OPERATOR.match(python[:offset].rstrip()[-1:] + " " + python[offset]):
        message += " (is an operator missing? a product needs *, e.g. 2*x; a function needs parentheses, e.g. sin(x))"
    return FormulaError(message, column)


def _where_and_why(error: SyntaxError, python: str) -> tuple[int, str]:
    """The 0-based offset of the problem in the Python text, and Python's reason in plainer words."""
    offset, reason = (error.offset or 0) - 1, error.msg
    if reason.endswith("Perhaps you forgot a comma?"):
        # Python marks the whole bracket; point at the second of two operands with no operator between them.
        gap = _MISSING_OPERATOR.search(python, max(offset, 0), error.end_offset or len(python))
        return (gap.end() - 1 if gap else offset), "invalid syntax"
    if "starred" in reason or "unpacking" in reason:  # Python's words for a * or ** with nothing before it
        star = _DANGLING_STAR.search(python)
        return (star.start(1) if star else offset), "invalid syntax"
    if reason.startswith("leading zeros"):
        return offset, "a whole number cannot start with 0 (write 5, not 05)"
    return offset, reason


def _check_whitelist(root: ast.expr, source: PreparedText) -> None:
    """Raise ``FormulaError`` for the leftmost node outside the whitelist, or for more than ``MAX_NODES`` nodes."""
    problems: list[tuple[int, str]] = []
    called: set[int] = set()  # ids of the Name nodes that are called, like sin in sin(x)
    count = 0
    for node in ast.walk(root):
        if not isinstance(node, ast.expr):
            continue  # contexts, operators and keyword arguments are judged with their parent
        count += 1
        if isinstance(node, ast.Call):
            called.add(id(node.func))
        problem = _problem(node, source, called)
        if problem is not None:
            problems.append(problem)
    if problems:
        column, message = min(problems, key=lambda problem: problem[0])
        raise FormulaError(message, column)
    if count > MAX_NODES:
        raise FormulaError(f"the formula has more than {MAX_NODES} parts (numbers, names and operations); "
                           "please simplify it")


def _problem(node: ast.expr, source: PreparedText, called: set[int]) -> tuple[int, str] | None:
    """``(column, message)`` if this node alone is outside the whitelist, else ``None``."""
    column = source.column_of(node.col_offset)
    typed = source.typed(node.col_offset, node.end_col_offset or node.col_offset)
    if isinstance(node, ast.Constant):
        value = node.value
        if type(value) not in (int, float):
            return column, f"'{typed}' at column {column} is not a number: {FORMULA_HINT}"
        if not abs(value) <= MAX_NUMBER:
            return column, f"the number {typed} at column {column} is too large (at most {MAX_NUMBER:.0f})"
        return None
    if isinstance(node, ast.Name):
        return None if id(node) in called else _name_problem(node.id, column)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return None
    if isinstance(node, ast.BinOp):
        if type(node.op) in _OPERATORS:
            return None
        symbol, hint = _REFUSED_OPERATORS.get(type(node.op), ("this operator", FORMULA_HINT))
        operator_column = _column_of_text(source, symbol, node.left.end_col_offset, column)
        return operator_column, f"'{symbol}' at column {operator_column} is not allowed: {hint}"
    if isinstance(node, ast.Call):
        return _call_problem(node, source, column)
    if isinstance(node, ast.Tuple):
        if not node.elts:
            return column, f"empty parentheses at column {column}: put an expression inside them"
        comma = _column_of_text(source, ",", node.elts[0].end_col_offset, column)
        return comma, (f"the comma at column {comma} is only allowed between the two arguments of "
                       "min(a, b), max(a, b) or pow(a, b)")
    if isinstance(node, ast.Attribute):
        dot = _column_of_text(source, ".", node.value.end_col_offset, column)
        return dot, f"'.{node.attr}' at column {dot} is not allowed: a formula has no attributes"
    return column, f"'{typed}' at column {column} is not allowed: {FORMULA_HINT}"


def _name_problem(name: str, column: int) -> tuple[int, str] | None:
    """A problem with a name used as a value (not called), or ``None`` if it is allowed."""
    if name in ALLOWED_NAMES:
        return None
    if name in ALLOWED_FUNCTIONS:
        return column, f"'{name}' at column {column} is a function: give it an argument in parentheses, e.g. {name}(x)"
    hints = [f"use {', '.join(ALLOWED_NAMES)}"]
    if name.lower() in ALLOWED_NAMES:
        hints.append(f"names are case-sensitive: write {name.lower()}")
    elif (product := _as_product(name)) is not None:
        hints.append(f"for a product write {product}")
    return column, f"unknown name '{name}' at column {column} ({'; '.join(hints)})"


def _as_product(word: str) -> str | None:
    """``'x*y'`` for ``'xy'``, ``'x*2'`` for ``'x2'``: the product a student may have meant, if any."""
    pieces: list[str] = []
    rest = word
    while rest:
        piece = next((name for name in ("pi", "x", "y", "e") if rest.startswith(name)), None)
        if piece is None:
            piece = rest[:len(rest) - len(rest.lstrip("0123456789"))]
        if not piece:
            return None
        pieces.append(piece)
        rest = rest[len(piece):]
    return "*".join(pieces) if len(pieces) > 1 else None


def _call_problem(node: ast.Call, source: PreparedText, column: int) -> tuple[int, str] | None:
    """A problem with a call: what is called, its argument count, keyword or starred arguments."""
    function = node.func
    if not isinstance(function, ast.Name):
        bracket = _column_of_text(source, "(", function.end_col_offset, column)
        return bracket, f"missing '*' at column {bracket}: write a product with *, e.g. (x + 1)*(x - 1)"
    name = function.id
    if name in ALLOWED_NAMES:
        return column, f"'{name}' at column {column} is not a function; for a product write {name}*(...)"
    if name not in ALLOWED_FUNCTIONS:
        hint = f" (did you mean {FUNCTION_SYNONYMS[name.lower()]}?)" if name.lower() in FUNCTION_SYNONYMS else ""
        if name.lower() in ALLOWED_FUNCTIONS:
            hint = f" (names are case-sensitive: write {name.lower()})"
        return column, f"unknown function '{name}' at column {column}{hint}; allowed: {', '.join(ALLOWED_FUNCTIONS)}"
    if node.keywords:
        return column, f"{name}() at column {column} takes only plain arguments, not '**' or name=value"
    arity = ALLOWED_FUNCTIONS[name].arity
    if len(node.args) != arity:
        wanted = "1 argument" if arity == 1 else f"{arity} arguments"
        return column, f"{name}() at column {column} takes {wanted}, got {len(node.args)}"
    return None


def _column_of_text(source: PreparedText, symbol: str, start: int | None, fallback: int) -> int:
    """The typed column of the first ``symbol`` in the Python text from offset ``start`` on."""
    offset = source.python.find(symbol, start or 0)
    return fallback if offset < 0 else source.column_of(offset)


def _convert(node: ast.expr, source: PreparedText) -> Node:
    """The formula tree of a whitelisted Python node (recursion depth at most ``MAX_NODES``)."""
    column = source.column_of(node.col_offset)
    if isinstance(node, ast.Constant):
        return Number(float(node.value), column)
    if isinstance(node, ast.Name):
        return Symbol(node.id, column)
    if isinstance(node, ast.UnaryOp):
        operand = _convert(node.operand, source)
        return Negative(operand, column) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        return Binary(_OPERATORS[type(node.op)], _convert(node.left, source), _convert(node.right, source), column)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return Call(node.func.id, tuple(_convert(argument, source) for argument in node.args), column)
    # Unreachable after _check_whitelist; kept so that a gap in the whitelist fails closed.
    raise FormulaError(f"the part at column {column} cannot be read: {FORMULA_HINT}", column)

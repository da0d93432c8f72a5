"""A first, linear look at the typed text, before Python's parser may see it.

One left-to-right scan checks the length, every character, the bracket depth and balance, refuses
Python keywords, and writes the text Python will parse: ``^`` becomes ``**``, line breaks become
spaces, and a number written right before a name or a bracket multiplies it (``3x``, ``2(x + y)``,
``2pi``, ``3sin(x)`` become ``3*x``, ``2*(x + y)``, ``2*pi``, ``3*sin(x)``: math's implicit product). Only
a number does: ``x y``, ``xy`` and ``(x+1)(x-1)`` stay errors that say where the ``*`` goes, and so do
the glued products whose meaning is ambiguous: ``2e`` (2·e, or a number like 2e3?), ``1/2x``
(``(1/2)*x`` or ``1/(2*x)``?) and ``x^2y`` (``x^2*y`` or ``x^(2*y)``?). ``columns`` maps every
character of the Python text back to its column in the typed text (an inserted ``*`` to the
character after it), so errors found later still point at what the student sees.

Because the length is checked first and the depth is counted here without recursion, a megabyte
string or ten thousand nested brackets are refused in microseconds and never reach ``ast.parse``.
"""

from __future__ import annotations

import keyword
import string
from dataclasses import dataclass

from surfaces.formula_errors import FORMULA_HINT, FormulaError

MAX_LENGTH = 300
MAX_DEPTH = 24

_DIGITS = frozenset(string.digits)
_WORD_START = frozenset(string.ascii_letters + "_")
_WORD_CHARACTERS = _WORD_START | _DIGITS
_SPACES = frozenset(" \t\n\r\u00a0\u3000")  # with the no-break and the full-width space
_PLAIN = frozenset("+-*/.,")
# Full-width forms U+FF01..U+FF5E (typed by East Asian input methods) sit at a fixed shift from ASCII.
_FULL_WIDTH_FIRST, _FULL_WIDTH_LAST, _FULL_WIDTH_SHIFT = 0xFF01, 0xFF5E, 0xFEE0

_CHARACTER_HINTS = {
    "'": "text in quotes is not part of a formula",
    '"': "text in quotes is not part of a formula",
    "[": "use ( ) for grouping",
    "]": "use ( ) for grouping",
    "{": "use ( ) for grouping",
    "}": "use ( ) for grouping",
    "=": "type only the right-hand side, e.g. x^2 + y^2",
    "<": "comparisons are not part of a formula",
    ">": "comparisons are not part of a formula",
    "!": "comparisons are not part of a formula",
    "%": "there is no remainder operator",
    "\u00d7": "use * for multiplication",
    "\u00b7": "use * for multiplication",
    "\u22c5": "use * for multiplication",
    "\u2217": "use * for multiplication",
    "\u2212": "use - for minus",
    "\u2013": "use - for minus",
    "\u2014": "use - for minus",
    "\u00f7": "use / for division",
    "\u2215": "use / for division",
    "\u00b2": "write ^2 for a square",
    "\u00b3": "write ^3 for a cube",
    "\u03c0": "write pi",
    "\u221a": "write sqrt(...)",
}


@dataclass(frozen=True)
class PreparedText:
    """The typed ``text``, the ``python`` text to parse, and the 1-based typed column of each Python character."""

    text: str
    python: str
    columns: tuple[int, ...]

    def column_of(self, offset: int) -> int:
        """The typed column of the Python character at 0-based ``offset`` (past the end: one past the text)."""
        if 0 <= offset < len(self.columns):
            return self.columns[offset]
        return len(self.text.rstrip()) + 1

    def typed(self, start: int, end: int) -> str:
        """The typed text behind Python characters ``start`` to ``end`` (0-based, end excluded)."""
        if end <= start:
            return ""
        return self.text[self.column_of(start) - 1:self.column_of(end - 1)]


def prepare_text(text: str) -> PreparedText:
    """Check ``text`` character by character and translate it for Python; raises ``FormulaError``."""
    if not isinstance(text, str):
        raise FormulaError("the formula must be text")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"the formula is longer than {MAX_LENGTH} characters ({len(text)})")
    if not text.strip("".join(_SPACES)):
        raise FormulaError("the formula is empty")
    pieces: list[str] = []  # the Python text, one piece per typed character, number or word
    columns: list[int] = []
    open_brackets: list[int] = []
    index = 0
    while index < len(text):
        character, column = text[index], index + 1
        piece, end = character, index + 1
        if character in _SPACES:
            piece = " "
        elif character == "^":
            piece = "**"
        elif character == "(":
            open_brackets.append(column)
            if len(open_brackets) > MAX_DEPTH:
                raise FormulaError(f"the formula is nested more than {MAX_DEPTH} levels deep (column {column})", column)
        elif character == ")":
            if not open_brackets:
                raise FormulaError(f"unbalanced parenthesis at column {column}: this ')' has no matching '('", column)
            open_brackets.pop()
        elif character in _DIGITS or (character == "." and text[index + 1:index + 2] in _DIGITS):
            end = _number_end(text, index)
            piece = text[index:end]
            if _is_glued_product(text, index, end):
                piece += "*"
        elif character in _WORD_START:
            end = _end_of(text, index, _WORD_CHARACTERS)
            piece = text[index:end]
            if keyword.iskeyword(piece):
                raise FormulaError(f"'{piece}' at column {column} is not allowed: {FORMULA_HINT}", column)
        elif character not in _PLAIN:
            raise _character_error(character, column)
        pieces.append(piece)
        # Numbers and words keep their columns, and the '*' of an implicit product points at the character after
        # the number (what it multiplies); '^' becomes two characters that both point at the '^'.
        columns.extend((column, column) if character == "^" else range(column, column + len(piece)))
        index = end
    if open_brackets:
        column = open_brackets[-1]
        raise FormulaError(f"unbalanced parenthesis at column {column}: this '(' is never closed", column)
    python = "".join(pieces)
    indent = len(python) - len(python.lstrip(" "))  # Python would call leading spaces an indent
    return PreparedText(text, python[indent:], tuple(columns[indent:]))


def _end_of(text: str, start: int, characters: frozenset[str]) -> int:
    """The index after the run of ``characters`` that begins at ``start``."""
    end = start
    while end < len(text) and text[end] in characters:
        end += 1
    return end


def _number_end(text: str, start: int) -> int:
    """The index after the decimal number at ``start``: digits, an optional fraction, an optional exponent."""
    end = _end_of(text, start, _DIGITS)
    if text[end:end + 1] == ".":
        end = _end_of(text, end + 1, _DIGITS)
    if text[end:end + 1] in ("e", "E"):
        exponent = end + 1
        if text[exponent:exponent + 1] in ("+", "-"):
            exponent += 1
        if text[exponent:exponent + 1] in _DIGITS:
            end = _end_of(text, exponent, _DIGITS)
    return end


def _is_glued_product(text: str, start: int, end: int) -> bool:
    """Whether the number ``text[start:end]`` multiplies the name or bracket right after it (``3x``, ``2(x+1)``).

    Raises ``FormulaError`` for the glued products that could mean two things: before the name ``e``
    (``2e``: the number 2e3 is written the same way), and after ``/`` or ``^`` (``1/2x``, ``x^2y``).
    """
    following = text[end:end + 1]
    if not following or (following != "(" and following not in _WORD_START):
        return False
    column, number = end + 1, text[start:end]
    factor = "(...)" if following == "(" else text[end:_end_of(text, end, _WORD_CHARACTERS)]
    if factor == "e":
        raise FormulaError(f"missing '*' at column {column}: write {number}*e for {number} times e "
                           f"({number}e3 would be the number {number}000)", column)
    operator = _operator_before(text, start)
    if operator is not None:
        raise FormulaError(
            f"missing '*' at column {column}: {number}{factor} right after '{operator}' could mean "
            f"(…{operator}{number})*{factor} or …{operator}({number}*{factor}); write the one you mean", column)
    return True


def _operator_before(text: str, start: int) -> str | None:
    """``'/'``, ``'^'`` or ``'**'`` if the number at ``start`` is a divisor or an exponent (a sign allowed between)."""
    before = text[:start].rstrip("".join(_SPACES))
    if before.endswith(("+", "-")):
        before = before[:-1].rstrip("".join(_SPACES))
    return next((operator for operator in ("**", "^", "/") if before.endswith(operator)), None)


def _character_error(character: str, column: int) -> FormulaError:
    """A message for a character no formula contains, with a hint for the common look-alikes."""
    if character.isprintable() and not character.isspace():
        shown = repr(character) if character.isascii() else f"{character!r} (U+{ord(character):04X})"
    else:
        shown = f"an invisible character (U+{ord(character):04X})"
    hint = _CHARACTER_HINTS.get(character)
    if hint is None and _FULL_WIDTH_FIRST <= ord(character) <= _FULL_WIDTH_LAST:
        hint = f"type the plain '{chr(ord(character) - _FULL_WIDTH_SHIFT)}' (switch off full-width input)"
    if hint is None:
        hint = FORMULA_HINT if character.isascii() else "type formulas with plain keyboard characters"
    return FormulaError(f"{shown} at column {column} is not allowed: {hint}", column)

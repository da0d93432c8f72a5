"""The one error a student's formula can raise, with a message that says what is wrong and where."""

from __future__ import annotations

FORMULA_HINT = "a formula uses numbers, x, y, pi, e, + - * / ^ and functions such as sin(x)"


class FormulaError(ValueError):
    """A formula that cannot be used: ``message`` says what and where, ``column`` is 1-based (or ``None``).

    Columns count characters of the text the student typed (``^`` is one character, tabs count as one).

    >>> FormulaError("unknown name 'z' at column 7 (use x, y, pi, e)", 7).column
    7
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.column = column

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[type[FormulaError], tuple[str, int | None]]:
        # Keep the column when the error is pickled (ValueError would rebuild it from the message alone).
        return (type(self), (self.message, self.column))

"""The student's own formula refused: errors that say what and where, limits, hostile text, never run as code."""

from __future__ import annotations

import ast
import pathlib
import pickle
import time

import pytest

from surfaces.formula import MAX_DEPTH, MAX_EXPONENT, MAX_LENGTH, MAX_NODES, FormulaError, compile_formula


# ---- errors a student understands, pointing at the typed column -------------------------------------------------

ERRORS = [
    ("x^2 - z", 7, "unknown name 'z' at column 7 (use x, y, pi, e)"),
    ("x**2 - z", 8, "unknown name 'z' at column 8"),
    ("\tz", 2, "unknown name 'z' at column 2"),
    ("x\n+ z", 5, "unknown name 'z' at column 5"),
    ("X + 1", 1, "case-sensitive: write x"),
    ("xy", 1, "for a product write x*y"),
    ("sin(x) + foo(y)", 10, "unknown function 'foo' at column 10; allowed: sin, cos, tan"),
    ("ln(x)", 1, "did you mean log?"),
    ("sin + 1", 1, "'sin' at column 1 is a function"),
    ("pi(1)", 1, "'pi' at column 1 is not a function"),
    ("max(x)", 1, "max() at column 1 takes 2 arguments, got 1"),
    ("sin(x, y)", 1, "sin() at column 1 takes 1 argument, got 2"),
    ("2e + x", 2, "missing '*' at column 2: write 2*e for 2 times e (2e3 would be the number 2000)"),
    ("1/2x", 4, "missing '*' at column 4: 2x right after '/' could mean (…/2)*x or …/(2*x)"),
    ("x^2y", 4, "missing '*' at column 4: 2y right after '^' could mean (…^2)*y or …^(2*y)"),
    ("x ** -2(y + 1)", 8, "right after '**' could mean"),
    ("3x + z", 6, "unknown name 'z' at column 6"),
    ("2sin + 1", 2, "'sin' at column 2 is a function"),
    ("2 x", 3, "syntax error at column 3: unexpected 'x' (is an operator missing?"),
    ("(x+1)(x-1)", 6, "missing '*' at column 6"),
    ("x y", 3, "syntax error at column 3: unexpected 'y' (is an operator missing?"),
    ("sin(x y)", 7, "syntax error at column 7"),
    ("x ^^ 2", 4, "syntax error at column 4: unexpected '^'"),
    ("x + ", 4, "ends too early at column 4"),
    ("max(^x, 0)", 5, "syntax error at column 5: unexpected '^'"),
    ("(*x)", 2, "syntax error at column 2: unexpected '*'"),
    ("05 + x", 1, "cannot start with 0"),
    ("x + y)", 6, "unbalanced parenthesis at column 6"),
    ("sin(x + y", 4, "unbalanced parenthesis at column 4"),
    ("x**1000", 4, "exponent 1000 at column 4 is too large"),
    ("x ^ 17", 5, "exponent 17 at column 5 is too large"),
    ("x^(2*9)", 4, "exponent 18 at column 4"),
    ("9**9**9**9", 7, "exponent 387420489 at column 7"),
    ("x^log(-1)", 3, "not a finite number"),
    ("1e7 * x", 1, "the number 1e7 at column 1 is too large"),
    ("x // y", 3, "'//' at column 3 is not allowed: use / for division"),
    ("x % y", 3, "no remainder operator"),
    ("x.real", 2, "'.real' at column 2"),
    ("x, y", 2, "the comma at column 2"),
    ("()", 1, "empty parentheses at column 1"),
    ("x × y", 3, "use * for multiplication"),
    ("x \u2212 y", 3, "use - for minus"),
    ("x\u00b2", 2, "write ^2"),
    ("\uff58 + 1", 1, "switch off full-width input"),
    ("L = x", 3, "type only the right-hand side"),
    ("import os", 1, "'import' at column 1 is not allowed"),
    ("(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1), MAX_DEPTH + 1, f"nested more than {MAX_DEPTH} levels deep"),
]


@pytest.mark.parametrize(("text", "column", "fragment"), ERRORS)
def test_errors_say_what_and_where(text, column, fragment):
    with pytest.raises(FormulaError) as caught:
        compile_formula(text)
    assert caught.value.column == column
    assert fragment in caught.value.message and str(caught.value) == caught.value.message
    assert isinstance(caught.value, ValueError)


def test_errors_survive_pickling_with_their_column():
    with pytest.raises(FormulaError) as caught:
        compile_formula("x + z")
    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.message, copy.column) == (caught.value.message, 5) and str(copy) == caught.value.message


@pytest.mark.parametrize(("text", "message"), [
    ("", "the formula is empty"), (" \t ", "the formula is empty"),
    ("x" * (MAX_LENGTH + 1), f"the formula is longer than {MAX_LENGTH} characters"),
    ("+".join(["x"] * (MAX_NODES // 2 + 1)), f"the formula has more than {MAX_NODES} parts"),
])
def test_errors_without_a_place(text, message):
    with pytest.raises(FormulaError, match=message) as caught:
        compile_formula(text)
    assert caught.value.column is None


def test_limits_are_inclusive():
    compile_formula("x" + " " * (MAX_LENGTH - 1))
    compile_formula("(" * MAX_DEPTH + "x" + ")" * MAX_DEPTH)
    compile_formula("+".join(["x"] * (MAX_NODES // 2)))
    compile_formula(f"x^{MAX_EXPONENT} + y^-{MAX_EXPONENT} + 1000000*x + 2**2**2**2*x")


HOSTILE = [
    "__import__('os')", "().__class__.__bases__", "x.real", "x[0]", "[x for x in y]", "lambda: 1", "open('f')",
    "exec('1')", "eval('1')", "compile('1', 'f', 'eval')", "9**9**9**9", "x**1000000", "x**x**9**9**9",
    "(" * 10_000 + "x" + ")" * 10_000, "-" * 10_000 + "x", "-" * 299 + "x", "x+" * 200_000, "x" * 10**6,
    "(" * 150 + "x" + ")" * 150, "sin(x, y=1)", '"abc"', "x if y else 1", "x < y", "x and y", "not x", "*x",
    "sin(*x)", "sin(**x)", 'f"{x}"', "x @ y", "x // y", "x % y", "~x", "x | y", "x\x00", "\x00", "x; y",
    "x := 1", "{x}", "x\u200b", "\U0001d465", "\u0445", "\uff53\uff49\uff4e(x)", "sin", "pi(1)", "x(1)",
    "1j*x", "0x10", "1_000", "True", "None", "...", "x, y", "()", "(x)(y)", "__builtins__", "e.__class__",
    "sin.__globals__", "getattr(x, 'real')", "globals()", "breakpoint()", "max(x, y, x)", "1e309", "1" * 300,
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda text: repr(text[:24]))
def test_hostile_text_is_refused_quickly(text):
    start = time.perf_counter()
    with pytest.raises(FormulaError):
        compile_formula(text)
    assert time.perf_counter() - start < 0.1


def test_the_formula_modules_never_run_text_as_code():
    builtins = {"eval", "exec", "compile", "__import__", "getattr", "globals", "vars"}
    methods = {"eval", "exec", "sympify", "parse_expr"}  # re.compile is fine: it compiles our own pattern
    paths = sorted(pathlib.Path(__file__).parents[2].joinpath("surfaces").glob("formula*.py"))
    assert len(paths) >= 2
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call):
                called = node.func
                assert not (isinstance(called, ast.Name) and called.id in builtins), f"{path.name}:{node.lineno}"
                assert not (isinstance(called, ast.Attribute) and called.attr in methods), f"{path.name}:{node.lineno}"
            assert not (isinstance(node, (ast.Import, ast.ImportFrom)) and "sympy" in ast.dump(node)), path.name

"""Properties of the formula reader: random valid formulas agree with a numpy evaluator of the same tree,
random text either compiles or raises ``FormulaError`` (never anything else), quickly, and random valid
formulas built to overflow, divide by zero or leave the real domain go through every page's scenes
with messages, never an exception.

The valid formulas are trees generated here (never read back from text by our code): each is
rendered to text, compiled, and compared with ``numpy_value`` of the very same tree.
"""

from __future__ import annotations

import json
import math
import os
import time

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.finiteness import NotFiniteError
from analysis.point_report import HessianUndefinedError
from figures.atlas import atlas_caption, atlas_rows
from figures.export import race_html, trajectories_csv, trajectories_json
from figures.spec import unpacked
from i18n import LANGUAGES
from optimizers.settings import OptimizerSettings
from scenes import explorer, inspector
from scenes.not_finite_messages import grid_message, inspect_message, start_message
from surfaces.choice import SurfaceChoice, resolve_surface
from surfaces.formula import ALLOWED_FUNCTIONS, MAX_DEPTH, MAX_LENGTH, MAX_NODES, FormulaError, compile_formula

ON_CI = os.environ.get("CI") == "true"

# ---- random valid formulas, as trees: ("number", v), ("name", n), ("-", a), ("+", a), (operator, a, b), (f, a[, b])

NUMPY_FUNCTIONS = {
    "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs,
    "tanh": np.tanh, "sigmoid": lambda t: 1 / (1 + np.exp(-t)),
    "softplus": lambda t: np.where(t > 20, t, np.log1p(np.exp(t))),  # torch's softplus is t itself above 20
    "relu": lambda t: np.maximum(t, 0), "min": np.minimum, "max": np.maximum, "atan": np.arctan, "sinh": np.sinh,
    "cosh": np.cosh, "log1p": np.log1p, "square": np.square, "pow": np.power,
}
NUMPY_OPERATORS = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide, "**": np.power, "^": np.power}
NAMES = {"pi": np.pi, "e": np.e}

numbers = st.one_of(st.integers(0, 12), st.sampled_from([0.5, 0.25, 1.5, 0.1, 2.5, 1e-3, 100.0]))
leaves = st.one_of(numbers.map(lambda value: ("number", value)), st.sampled_from(["x", "y", "x", "y", "pi", "e"])
                   .map(lambda name: ("name", name)))


def _extend(children: st.SearchStrategy) -> st.SearchStrategy:
    """One more level of the grammar over ``children``; an exponent is a small literal or depends on x or y."""
    small_exponents = st.integers(-3, 4).map(lambda k: ("number", k) if k >= 0 else ("-", ("number", -k)))
    variables = st.sampled_from([("name", "x"), ("name", "y")])
    exponents = st.one_of(small_exponents, st.tuples(st.sampled_from(["+", "-", "*"]), children, variables))
    one_argument = sorted(name for name, function in ALLOWED_FUNCTIONS.items() if function.arity == 1)
    return st.one_of(
        st.tuples(st.sampled_from(["-", "+"]), children),
        st.tuples(st.sampled_from(["+", "-", "*", "/"]), children, children),
        st.tuples(st.sampled_from(["**", "^"]), children, exponents),
        st.tuples(st.sampled_from(one_argument), children),
        st.tuples(st.sampled_from(["min", "max"]), children, children),
        st.tuples(st.just("pow"), children, exponents),
    )


trees = st.recursive(leaves, _extend, max_leaves=8)


def formula_text(tree: tuple) -> str:
    """The tree written out with every operation in parentheses (so its structure is unambiguous)."""
    kind, *parts = tree
    if kind == "number":
        return repr(parts[0])
    if kind == "name":
        return parts[0]
    texts = [formula_text(part) for part in parts]
    if kind in ("-", "+") and len(parts) == 1:
        return f"({kind}{texts[0]})"
    if kind in NUMPY_OPERATORS:
        return f"({texts[0]} {kind} {texts[1]})"
    return f"{kind}({', '.join(texts)})"


def numpy_value(tree: tuple, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The value of the tree at the points, and the largest finite |intermediate value| (a scale for rounding)."""
    kind, *parts = tree
    if kind == "number":
        value = np.full_like(x, float(parts[0]))
        return value, np.abs(value)
    if kind == "name":
        value = {"x": x, "y": y}[parts[0]] if parts[0] in ("x", "y") else np.full_like(x, NAMES[parts[0]])
        return value, np.abs(value)
    evaluated = [numpy_value(part, x, y) for part in parts]
    arguments = [value for value, _ in evaluated]
    if kind in ("-", "+") and len(parts) == 1:
        value = -arguments[0] if kind == "-" else arguments[0]
    else:
        value = (NUMPY_OPERATORS.get(kind) or NUMPY_FUNCTIONS[kind])(*arguments)
    scale = np.maximum.reduce([np.where(np.isfinite(value), np.abs(value), 0.0), *(s for _, s in evaluated)])
    return value, scale


def bracket_depth(text: str) -> int:
    depth = deepest = 0
    for character in text:
        depth += {"(": 1, ")": -1}.get(character, 0)
        deepest = max(deepest, depth)
    return deepest


def python_node_count(tree: tuple) -> int:
    """How many expression nodes Python's parser makes of the text (a call is a Call and a Name)."""
    kind, *parts = tree
    own = 2 if kind in NUMPY_FUNCTIONS else 1
    return own + sum(python_node_count(part) for part in parts if isinstance(part, tuple))


coordinates = st.floats(-3, 3, allow_nan=False)
points = st.lists(st.tuples(coordinates, coordinates), min_size=1, max_size=6)


@settings(max_examples=2_000 if ON_CI else 150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=trees, samples=points)
def test_random_formulas_agree_with_a_numpy_evaluation_of_the_same_tree(tree, samples):
    text = formula_text(tree)
    if len(text) > MAX_LENGTH or bracket_depth(text) > MAX_DEPTH or python_node_count(tree) > MAX_NODES:
        with pytest.raises(FormulaError, match="longer than|nested more than|more than .* parts"):
            compile_formula(text)
        return
    compiled = compile_formula(text)
    theta = torch.tensor(samples, dtype=torch.float64)
    with torch.no_grad():
        actual = compiled.loss(theta).numpy()
    with np.errstate(all="ignore"):
        expected, scale = numpy_value(tree, theta[:, 0].numpy(), theta[:, 1].numpy())
    assert actual.shape == (len(samples),)
    # Basic arithmetic rounds identically in both; sin, exp, pow… may differ in the last bit, which later
    # operations can scale up to about (machine epsilon × the largest intermediate value).
    with np.errstate(invalid="ignore"):  # inf - inf where both are inf: np.isclose already accepts those
        near = np.abs(actual - expected) <= 1e-9 * np.maximum(1.0, scale)
    close = np.isclose(actual, expected, rtol=1e-7, atol=0, equal_nan=True) | near
    assert close.all(), (text, samples, actual, expected)
    latex = compiled.latex
    assert latex.count("{") == latex.count("}") and latex.count(r"\left") == latex.count(r"\right")


# ---- random text: compiles or raises FormulaError, quickly --------------------------------------------------------

TOKENS = ["x", "y", "pi", "e", "1", "2.5", "1e3", "0", "+", "-", "*", "/", "^", "**", "(", ")", ",", ".", " ",
          "sin(", "max(", "pow(", "log", "exp(", "sqrt(", "__", "import", "lambda", "'", "[", "]", "=", "\n",
          "\t", "//", "%", "@", "\x00", "\u00d7", "\u2212", "\uff58", "\U0001d465", "j", "_", "E", "if"]
FORMULA_CHARACTERS = "xy0123456789.+-*/^() ,epi_sincomaxqrtlgE"



def edited(text: str, edits: list[tuple[float, str, str]]) -> str:
    """``text`` with tokens inserted, characters deleted or replaced at relative positions in [0, 1]."""
    for where, action, token in edits:
        index = int(where * len(text))
        if action == "insert":
            text = text[:index] + token + text[index:]
        else:
            text = text[:index] + (token if action == "replace" else "") + text[index + 1:]
    return text


edits = st.lists(st.tuples(st.floats(0, 1), st.sampled_from(["insert", "delete", "replace"]), st.sampled_from(TOKENS)),
                 max_size=3)
random_text = st.one_of(
    st.builds(edited, trees.map(formula_text), edits),  # valid formulas, and near misses of them
    st.lists(st.sampled_from(TOKENS), max_size=60).map("".join),
    st.text(alphabet=st.one_of(st.sampled_from(FORMULA_CHARACTERS), st.characters()), max_size=80),
    st.text(alphabet=st.sampled_from("x+-*/^(),1 "), min_size=MAX_LENGTH - 10, max_size=MAX_LENGTH + 10),
)
SMALL_GRID = torch.tensor([[[-1.0, 0.0], [0.0, 0.0]], [[0.5, 2.0], [3.0, -3.0]]], dtype=torch.float64)


TIME_LIMIT = 0.1  # seconds per text, read and (if valid) evaluated


def check_text(text: str) -> None:
    try:
        compiled = compile_formula(text)
    except FormulaError as error:
        assert error.message and str(error) == error.message
        if error.column is not None:
            assert 1 <= error.column <= len(text) + 1 and f"column {error.column}" in error.message
        return
    with torch.no_grad():
        values = compiled.loss(SMALL_GRID)  # evaluation never raises, whatever the text computes
    assert values.shape == (2, 2) and values.dtype == torch.float64
    assert isinstance(compiled.latex, str) and compiled.latex


def fastest_of(attempts: int, action) -> float:
    """The shortest of a few timings: a busy machine may pause one run, never all of them."""
    timings = []
    for _ in range(attempts):
        began = time.perf_counter()
        action()
        timings.append(time.perf_counter() - began)
        if timings[-1] < TIME_LIMIT:
            break
    return min(timings)


@settings(max_examples=10_000 if ON_CI else 300, deadline=None)
@given(text=random_text)
def test_random_text_compiles_or_raises_formula_error_quickly(text):
    assert fastest_of(3, lambda: check_text(text)) < TIME_LIMIT, f"{text!r} took too long"


# ---- random valid formulas through every page's scenes: messages, never an exception --------------------------------
#
# A valid formula may still be unusable somewhere: it overflows, divides by zero, leaves the real domain
# (log, sqrt of a negative number), is finite only at a point, or is finite with infinite derivatives.
# Each is built here around a random tree and sent where a typed formula goes: the explorer's grid, race
# and sweep, its figures and exports, the inspector at the start, at a clicked point and at a gap of the
# map, and the critical-point atlas. The only exceptions allowed are the typed ones the pages turn into
# messages (NotFiniteError at the start, HessianUndefinedError at θ′); every figure must hold finite
# numbers only (NaN is allowed as a gap inside its arrays, never ±∞).

def _number(value: float) -> tuple:
    return ("number", value) if value >= 0 else ("-", ("number", -value))


X, Y = ("name", "x"), ("name", "y")
grid_values = st.sampled_from([0.0, 0.5, -1.0, 3.0, 0.93, 0.81])
HOSTILE = [
    lambda t, a, b: ("exp", ("exp", t)),  # overflows where t > 6.56
    lambda t, a, b: ("*", ("number", 1e6), ("exp", ("*", ("number", 1000.0), t))),  # overflows where t > 0.7
    lambda t, a, b: ("/", t, ("-", X, _number(a))),  # divides by zero on the line x = a
    lambda t, a, b: ("/", t, ("+", ("square", ("-", X, _number(a))), ("square", ("-", Y, _number(b))))),  # at (a, b)
    lambda t, a, b: ("*", ("/", ("number", 0), ("number", 0)), t),  # NaN everywhere
    lambda t, a, b: ("log", t),  # leaves the real domain where t < 0
    lambda t, a, b: ("sqrt", ("-", t, _number(a))),
    lambda t, a, b: ("+", ("sqrt", ("-", ("number", 0),  # finite only at (a, b)
                                    ("+", ("square", ("-", X, _number(a))), ("square", ("-", Y, _number(b)))))), t),
    lambda t, a, b: ("+", ("sqrt", ("*", ("-", X, _number(a)), ("-", X, _number(a)))), t),  # ∇ undefined at x = a
    lambda t, a, b: ("+", ("**", ("square", ("-", Y, _number(b))), ("number", 0.25)), t),  # ∇ infinite at y = b
    lambda t, a, b: ("+", ("abs", ("-", X, _number(a))), t),  # a kink on the line x = a
    lambda t, a, b: ("pow", ("-", X, _number(a)), ("-", ("number", 16))),  # 1/(x-a)^16: overflows near x = a
    lambda t, a, b: ("tan", ("*", ("number", 100.0), t)),  # poles all over the map
]
hostile_trees = st.one_of(
    trees,
    st.builds(lambda wrap, tree, a, b: HOSTILE[wrap](tree, a, b),
              st.integers(0, len(HOSTILE) - 1), trees, grid_values, grid_values),
)
domain_points = st.tuples(st.sampled_from([0.93, 0.0, -3.0, 3.0, 0.5, -1.0]) | st.floats(-3, 3),
                          st.sampled_from([0.81, 0.0, -3.0, 3.0, -1.0]) | st.floats(-3, 3))


def assert_finite_figure(spec: dict, name: str) -> None:
    """Every number of a figure is finite: plain numbers always, typed arrays apart from NaN (a gap)."""
    def visit(value, path: str) -> None:
        if isinstance(value, dict):
            array = unpacked(value)
            if array is not value:
                assert not np.isinf(array).any(), f"{name}{path}: ±inf in an array"
                return
            for key, item in value.items():
                visit(item, f"{path}.{key}")
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                visit(item, f"{path}[{index}]")
        elif isinstance(value, float):
            assert math.isfinite(value), f"{name}{path} = {value}"
    visit(spec, "")


SCENE_SETTINGS = (OptimizerSettings("gd", 0.05), OptimizerSettings("adam", 0.3))


def through_every_scene(text: str, start: tuple[float, float], clicked: tuple[float, float]) -> None:
    """``text`` where a typed formula goes; raises only what the pages turn into messages."""
    choice = SurfaceChoice("own", formula=text)
    surface = resolve_surface(choice)
    view = explorer.surface_view(choice)
    for language in LANGUAGES:
        message = grid_message(view.gaps, language)
        assert (message is None) == (not view.gaps.any)
    labels = ["GD", "Adam"]
    try:
        race = explorer.race(choice, start, SCENE_SETTINGS, 30, 1)
    except NotFiniteError as error:
        with torch.no_grad():
            value = float(surface.loss(torch.tensor(start, dtype=torch.float64)))
        assert error.problem.quantity != "loss" or not abs(value) <= 1e300
        assert all(start_message(error.problem, language) for language in LANGUAGES)
        figures = dict(zip(("race", "surface"), explorer.landscape_figures(view)))
    else:
        drawn = explorer.explorer_figures(view, race, labels, 1)
        figures = {name: getattr(drawn, name) for name in ("race", "surface", "curves", "sweep")}
        trajectories_csv(race.trajectories, labels)
        json.loads(trajectories_json(race.trajectories, labels, surface=surface, settings=SCENE_SETTINGS))
        race_html(drawn.race)
    atlas = inspector.critical_atlas(surface)
    atlas_rows(atlas, surface.loss)
    atlas_caption(atlas)
    for point in {start, clicked, *([view.gaps.example] if view.gaps.example else [])}:
        try:
            scene = inspector.inspector_scene(surface, view, atlas, *point)
        except HessianUndefinedError as error:
            if isinstance(error, NotFiniteError):
                assert all(inspect_message(error.problem, language) for language in LANGUAGES)
            continue
        figures |= {f"inspector {name} at {point}": getattr(scene, name) for name in ("contour", "surface", "slices")}
    for name, spec in figures.items():
        assert_finite_figure(spec, name)


@pytest.mark.parametrize("text", [
    "1/x", "log(x)", "sqrt(x)", "exp(exp(x*y))", "1/(x-0.5)", "x**y", "log(0*x)", "exp(100*x)", "0/0*x",
    "1/(x*x+y*y)", "abs(x)+y", "x**0.5*y", "tan(x)", "log(-1-x*x)", "sqrt(-(x-0.93)^2-(y-0.81)^2)",
    "sqrt(x*x)", "(x*x)**0.25", "2*exp(236*x) - 2*exp(-236*y)", "exp(1000)", "1e6*exp(1e6*x)",
])
def test_hostile_formulas_from_the_issue_go_through_every_scene(text):
    through_every_scene(text, (0.93, 0.81), (0.0, 0.0))


@settings(max_examples=200 if ON_CI else 25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tree=hostile_trees, start=domain_points, clicked=domain_points)
def test_random_valid_formulas_go_through_every_scene_without_an_exception(tree, start, clicked):
    text = formula_text(tree)
    try:
        compile_formula(text)
    except FormulaError:
        return  # too long or too deep: the parser's own message (tested above)
    with np.errstate(all="ignore"):
        through_every_scene(text, start, clicked)

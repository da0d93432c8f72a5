"""The student's own formula: values, derivatives and LaTeX against closed forms; implicit products; cost."""

from __future__ import annotations

import statistics
import time

import numpy as np
import pytest
import torch

from surfaces.formula import ALLOWED_FUNCTIONS, MAX_LENGTH, CompiledFormula, FormulaError, compile_formula

AXIS = np.linspace(-2.9, 2.9, 12)  # even count: no point at 0, where abs and relu have kinks
X, Y = np.meshgrid(AXIS, AXIS)
GRID = torch.tensor(np.stack([X, Y], axis=-1), dtype=torch.float64)


def evaluate(text: str, points: torch.Tensor = GRID) -> np.ndarray:
    with torch.no_grad():
        return compile_formula(text).loss(points).numpy()


def gradient_and_hessian(text: str, points: torch.Tensor = GRID) -> tuple[np.ndarray, np.ndarray]:
    """Gradients (..., 2) and Hessians (..., 2, 2) by double backprop through the compiled loss."""
    leaf = points.clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(compile_formula(text).loss(leaf).sum(), leaf, create_graph=True)
    rows = [torch.autograd.grad(gradient[..., i].sum(), leaf, retain_graph=True)[0] if gradient.requires_grad
            else torch.zeros_like(leaf) for i in range(2)]
    return gradient.detach().numpy(), torch.stack(rows, dim=-2).detach().numpy()


# ---- values, gradients and Hessians against closed forms -------------------------------------------------------

CLOSED_FORMS = {
    "(x^2 + y - 11)^2 + (x + y^2 - 7)^2": lambda x, y: (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2,
    "(1 - x)**2 + 100*(y - x**2)**2": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "x**2 - y**2": lambda x, y: x**2 - y**2,
    "x^3 - 3*x*y^2": lambda x, y: x**3 - 3 * x * y**2,
    "-x^2": lambda x, y: -(x**2),
    "2^-x + x/y - y/2/x": lambda x, y: 2.0 ** (-x) + x / y - y / 2 / x,
    "exp(-(x^2 + y^2)/2) * cos(pi*x) + e^y": lambda x, y: np.exp(-(x**2 + y**2) / 2) * np.cos(np.pi * x) + np.e**y,
    "sqrt(x^2 + y^2) - max(x, y)*min(x, 2)": lambda x, y: np.hypot(x, y) - np.maximum(x, y) * np.minimum(x, 2),
    "  x *\t(y + 1)\n": lambda x, y: x * (y + 1),
    "x^x^x^x": lambda x, y: x ** (x ** (x**x)),  # a tower of variable exponents: NaN for x < 0, inf for large x
}


@pytest.mark.parametrize("text", CLOSED_FORMS)
def test_values_match_the_closed_form(text):
    with np.errstate(all="ignore"):
        expected = CLOSED_FORMS[text](X, Y)
    np.testing.assert_allclose(evaluate(text), expected, rtol=1e-13, atol=1e-12)


def himmelblau_derivatives(x, y):
    a, b = x**2 + y - 11, x + y**2 - 7
    gradient = [4 * x * a + 2 * b, 2 * a + 4 * y * b]
    hessian = [[12 * x**2 + 4 * y - 42, 4 * x + 4 * y], [4 * x + 4 * y, 4 * x + 12 * y**2 - 26]]
    return gradient, hessian


def rosenbrock_derivatives(x, y):
    gradient = [-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)]
    return gradient, [[2 - 400 * y + 1200 * x**2, -400 * x], [-400 * x, 200 + 0 * x]]


def sine_exponential_derivatives(x, y):
    s, c, ey = np.sin(x), np.cos(x), np.exp(y)
    return [c * ey, s * ey], [[-s * ey, c * ey], [c * ey, s * ey]]


def softplus_of_product_derivatives(x, y):
    s = 1 / (1 + np.exp(-x * y))  # softplus' = σ, σ' = σ(1 − σ)
    ds = s * (1 - s)
    return [s * y, s * x], [[ds * y**2, ds * x * y + s], [ds * x * y + s, ds * x**2]]


DERIVATIVES = {
    "(x^2 + y - 11)^2 + (x + y^2 - 7)^2": himmelblau_derivatives,
    "(1 - x)**2 + 100*(y - x**2)**2": rosenbrock_derivatives,
    "sin(x) * exp(y)": sine_exponential_derivatives,
    "softplus(x*y)": softplus_of_product_derivatives,
}


@pytest.mark.parametrize("text", DERIVATIVES)
def test_autograd_gradient_and_hessian_match_the_closed_form(text):
    gradient, hessian = gradient_and_hessian(text)
    expected_gradient, expected_hessian = DERIVATIVES[text](X, Y)
    np.testing.assert_allclose(gradient, np.stack(expected_gradient, axis=-1), rtol=1e-12, atol=1e-9)
    expected = np.stack([np.stack(row, axis=-1) for row in expected_hessian], axis=-2)
    np.testing.assert_allclose(hessian, expected, rtol=1e-12, atol=1e-9)


def sigmoid(t):
    return 1 / (1 + np.exp(-t))


# name: (f, f', f'', sample points inside the domain, away from kinks and poles)
ONE_ARGUMENT = {
    "sin": (np.sin, np.cos, lambda t: -np.sin(t), AXIS),
    "cos": (np.cos, lambda t: -np.sin(t), lambda t: -np.cos(t), AXIS),
    "tan": (np.tan, lambda t: 1 / np.cos(t) ** 2, lambda t: 2 * np.tan(t) / np.cos(t) ** 2, AXIS / 2.5),
    "exp": (np.exp, np.exp, np.exp, AXIS),
    "log": (np.log, lambda t: 1 / t, lambda t: -1 / t**2, np.abs(AXIS)),
    "sqrt": (np.sqrt, lambda t: 0.5 / np.sqrt(t), lambda t: -0.25 * t**-1.5, np.abs(AXIS)),
    "abs": (np.abs, np.sign, lambda t: 0 * t, AXIS),
    "tanh": (np.tanh, lambda t: 1 - np.tanh(t) ** 2, lambda t: -2 * np.tanh(t) * (1 - np.tanh(t) ** 2), AXIS),
    "sigmoid": (sigmoid, lambda t: sigmoid(t) * (1 - sigmoid(t)),
                lambda t: sigmoid(t) * (1 - sigmoid(t)) * (1 - 2 * sigmoid(t)), AXIS),
    "softplus": (lambda t: np.log1p(np.exp(t)), sigmoid, lambda t: sigmoid(t) * (1 - sigmoid(t)), AXIS),
    "relu": (lambda t: np.maximum(t, 0), lambda t: (t > 0) * 1.0, lambda t: 0 * t, AXIS),
    "atan": (np.arctan, lambda t: 1 / (1 + t**2), lambda t: -2 * t / (1 + t**2) ** 2, AXIS),
    "sinh": (np.sinh, np.cosh, np.sinh, AXIS),
    "cosh": (np.cosh, np.sinh, np.cosh, AXIS),
    "log1p": (np.log1p, lambda t: 1 / (1 + t), lambda t: -1 / (1 + t) ** 2, np.abs(AXIS)),
    "square": (np.square, lambda t: 2 * t, lambda t: 2 + 0 * t, AXIS),
}
TWO_ARGUMENTS = {"min": np.minimum, "max": np.maximum, "pow": np.power}


def test_every_allowed_function_has_a_reference_here():
    assert set(ONE_ARGUMENT) | set(TWO_ARGUMENTS) == set(ALLOWED_FUNCTIONS)
    assert all(ALLOWED_FUNCTIONS[name].arity == 2 for name in TWO_ARGUMENTS)


@pytest.mark.parametrize("name", ONE_ARGUMENT)
def test_one_argument_function_value_slope_and_curvature(name):
    function, slope, curvature, samples = ONE_ARGUMENT[name]
    points = torch.tensor(np.stack([samples, np.full_like(samples, 0.7)], axis=-1), dtype=torch.float64)
    np.testing.assert_allclose(evaluate(f"{name}(x)", points), function(samples), rtol=1e-13, atol=1e-14)
    gradient, hessian = gradient_and_hessian(f"{name}(x)", points)
    np.testing.assert_allclose(gradient[:, 0], slope(samples), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(hessian[:, 0, 0], curvature(samples), rtol=1e-11, atol=1e-12)
    assert np.all(gradient[:, 1] == 0) and np.all(hessian[:, 1, :] == 0)


@pytest.mark.parametrize("name", TWO_ARGUMENTS)
def test_two_argument_function_values(name):
    positive = torch.tensor(np.stack([np.abs(X) + 0.1, Y], axis=-1), dtype=torch.float64)
    np.testing.assert_allclose(evaluate(f"{name}(x, y)", positive), TWO_ARGUMENTS[name](np.abs(X) + 0.1, Y),
                               rtol=1e-13)


def test_power_derivatives_in_base_and_exponent():
    x, y = np.abs(X) + 0.1, Y
    gradient, hessian = gradient_and_hessian("pow(x, y)", torch.tensor(np.stack([x, y], axis=-1)))
    np.testing.assert_allclose(gradient, np.stack([y * x ** (y - 1), x**y * np.log(x)], axis=-1), rtol=1e-12)
    mixed = x ** (y - 1) * (1 + y * np.log(x))
    expected = np.stack([np.stack([y * (y - 1) * x ** (y - 2), mixed], axis=-1),
                         np.stack([mixed, x**y * np.log(x) ** 2], axis=-1)], axis=-2)
    np.testing.assert_allclose(hessian, expected, rtol=1e-11, atol=1e-12)


def test_min_and_max_slopes_follow_the_chosen_argument():
    gradient, _ = gradient_and_hessian("max(x, y) - 2*min(x, y)")
    expected = np.where((X > Y)[..., None], [1.0, -2.0], [-2.0, 1.0])
    expected[X == Y] = [-0.5, -0.5]  # at a tie torch gives each argument half the slope
    np.testing.assert_array_equal(gradient, expected)


# ---- shapes, constants, gaps -----------------------------------------------------------------------------------

def test_constants_broadcast_to_the_full_shape_with_zero_slope():
    for text, value in (("3", 3.0), ("2*pi", 2 * np.pi), ("e^2 - sin(1)", np.e**2 - np.sin(1))):
        np.testing.assert_allclose(evaluate(text), np.full(X.shape, value), rtol=1e-14)
    gradient, hessian = gradient_and_hessian("3")
    assert gradient.shape == (12, 12, 2) and not gradient.any() and not hessian.any()


def test_single_points_batches_and_dtype():
    loss = compile_formula("x - 2*y").loss
    assert loss(torch.tensor([1.0, 2.0], dtype=torch.float64)).shape == ()
    values = loss(torch.zeros(3, 4, 5, 2, dtype=torch.float64))
    assert values.shape == (3, 4, 5) and values.dtype == torch.float64


def test_the_loss_never_returns_a_view_of_the_points():
    points = torch.tensor([[1.0, 2.0]], dtype=torch.float64)
    compile_formula("x").loss(points).add_(10)
    assert points.tolist() == [[1.0, 2.0]]


def test_outside_the_domain_gives_nan_or_inf_not_an_error():
    points = torch.tensor([[-1.0, 0.0], [0.0, 0.0]], dtype=torch.float64)
    assert np.isnan(evaluate("log(x) + sqrt(x)", points)[0])
    assert np.isinf(evaluate("1/y", points)).all() and np.isnan(evaluate("0/y + x^0.5", points)[0])
    gradient, _ = gradient_and_hessian("sqrt(x)", points)
    assert np.isnan(gradient[0, 0]) and np.isinf(gradient[1, 0])


def test_compiled_formula_keeps_the_text():
    compiled = compile_formula("x + y")
    assert isinstance(compiled, CompiledFormula) and compiled.text == "x + y"


# ---- LaTeX -----------------------------------------------------------------------------------------------------

LATEX = {
    "x^2 - y^2": r"x^{2} - y^{2}",
    "(x^2 + y - 11)^2 + (x + y^2 - 7)^2": r"\left(x^{2} + y - 11\right)^{2} + \left(x + y^{2} - 7\right)^{2}",
    "(1 - x)**2 + 100*(y - x**2)**2": r"\left(1 - x\right)^{2} + 100\,\left(y - x^{2}\right)^{2}",
    "sin(x)/(1 + y^2)": r"\frac{\sin\left(x\right)}{1 + y^{2}}",
    "-x^2 + (-x)^2": r"-x^{2} + \left(-x\right)^{2}",
    "x - (y - 1) - (x + y) + (x - y)": r"x - \left(y - 1\right) - \left(x + y\right) + x - y",
    "x * -y + --x": r"x \cdot \left(-y\right) + \left(-\left(-x\right)\right)",
    "(x + y) * (x - y) / 2": r"\frac{\left(x + y\right) \cdot \left(x - y\right)}{2}",
    "-(x*y) - x*y": r"-\left(x \cdot y\right) - x \cdot y",
    "sqrt(abs(x)) + log(y) + log1p(x)": r"\sqrt{\left|x\right|} + \ln\left(y\right) + \ln\left(1 + x\right)",
    "sigmoid(x) * max(x, y) * relu(y)":
        r"\sigma\left(x\right) \cdot \max\left(x, y\right) \cdot \operatorname{ReLU}\left(y\right)",
    "2*pi*x + e^(x*y)": r"2\,\pi \cdot x + e^{x \cdot y}",
    "square(x + y) + pow(2, x) + (x/y)^2": r"\left(x + y\right)^{2} + 2^{x} + \left(\frac{x}{y}\right)^{2}",
    "x^y^2 + (x^y)^2": r"x^{y^{2}} + \left(x^{y}\right)^{2}",
    "1e-7*x + 0.25*atan(y)": r"1 \cdot 10^{-7} \cdot x + 0.25\,\arctan\left(y\right)",
}


@pytest.mark.parametrize("text", LATEX)
def test_latex(text):
    assert compile_formula(text).latex == LATEX[text]


# ---- a number before a name or a bracket multiplies it ---------------------------------------------------------

# A number written right before a name or a bracket multiplies it, as in math; nothing else is implicit.
IMPLICIT_PRODUCTS = {
    "3x": "3*x", "2(x + y)": "2*(x + y)", "2pi": "2*pi", "3sin(x)": "3*sin(x)", "sin(3x) + y^2/4": "sin(3*x) + y^2/4",
    "2x^2": "2*x^2", "-2x": "-2*x", "x - 2y": "x - 2*y", "1e3x": "1e3*x", ".5y": ".5*y", "2.5exp(-x)": "2.5*exp(-x)",
    "(2x)^2 + 2^x": "(2*x)^2 + 2^x", "4xy": "4*xy",
}


@pytest.mark.parametrize("implicit", [text for text in IMPLICIT_PRODUCTS if text != "4xy"])
def test_a_number_before_a_name_or_a_bracket_multiplies_it(implicit):
    explicit = compile_formula(IMPLICIT_PRODUCTS[implicit])
    compiled = compile_formula(implicit)
    np.testing.assert_array_equal(evaluate(implicit), evaluate(IMPLICIT_PRODUCTS[implicit]))
    assert compiled.latex == explicit.latex and compiled.text == implicit


def test_a_glued_product_of_names_is_still_refused_with_the_product_to_write():
    with pytest.raises(FormulaError, match=r"unknown name 'xy' at column 2 .*for a product write x\*y"):
        compile_formula("4xy")


# ---- cost ------------------------------------------------------------------------------------------------------

LONG_FORMULA = ("(x^2 + y - 11)^2 + (x + y^2 - 7)^2 + (1 - x)^2 + 100*(y - x^2)^2 + sin(3*x)*cos(2*y) "
                "+ exp(-(x^2 + y^2)/2) + sqrt(x^2 + y^2 + 1) + log1p(x^2*y^2) + tanh(x - y)^2 + sigmoid(x*y) "
                "+ softplus(x + y) + abs(x - y)^3 + max(x, y)^3 - min(x, y)^2 + atan(x/3)^4 + cosh(y/3) "
                "+ x^3 - 3*x*y^2 + pi*e^(x/4) + x^4/4")


def _seconds(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def test_a_megabyte_is_refused_in_under_a_millisecond():
    text = "x+" * 500_000
    fastest = min(_seconds(lambda: pytest.raises(FormulaError, compile_formula, text)) for _ in range(5))
    assert fastest < 1e-3


def test_a_long_formula_is_fast_on_a_200_by_200_grid():
    """The documented bound: well under 20 ms per evaluation of a 300-character formula on 40,000 points."""
    assert 280 <= len(LONG_FORMULA) <= MAX_LENGTH
    axis = torch.linspace(-3, 3, 200, dtype=torch.float64)
    grid = torch.stack(torch.meshgrid(axis, axis, indexing="xy"), dim=-1)
    compiled = compile_formula(LONG_FORMULA)
    assert statistics.median(_seconds(lambda: compile_formula(LONG_FORMULA)) for _ in range(5)) < 0.02
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the cost of the formula itself: two threads on a busy shared machine wait on each other
    try:
        with torch.no_grad():
            compiled.loss(grid)
            assert statistics.median(_seconds(lambda: compiled.loss(grid)) for _ in range(7)) < 0.02
    finally:
        torch.set_num_threads(threads)

"""Schedules against their closed forms and against the rate torch.optim.lr_scheduler really uses."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler

from optimizers.schedules import STEP_LATEX, Schedule, learning_rate_at, learning_rates, schedule_latex
from scenes.tour import SCENE_LIST

BASE = 0.3


def rates_torch_uses(make_scheduler, steps: int) -> np.ndarray:
    """The lr of the optimizer's group at each of ``steps`` optimizer steps, with the scheduler stepped after each."""
    parameter = torch.zeros(2, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([parameter], lr=BASE)
    scheduler = make_scheduler(optimizer)
    used = []
    for _ in range(steps):
        used.append(optimizer.param_groups[0]["lr"])
        parameter.grad = torch.ones_like(parameter)
        optimizer.step()
        scheduler.step()
    return np.array(used)


def test_constant():
    np.testing.assert_array_equal(learning_rates(Schedule(), BASE, 7), np.full(7, BASE))


@pytest.mark.parametrize("gamma", [0.9, 0.995, 1.0])
def test_exponential_is_torch_exponential_lr(gamma):
    ours = learning_rates(Schedule("exponential", gamma=gamma), BASE, 300)
    np.testing.assert_allclose(ours, BASE * gamma ** np.arange(300), rtol=1e-12)
    np.testing.assert_allclose(ours, rates_torch_uses(lambda o: lr_scheduler.ExponentialLR(o, gamma), 300), rtol=1e-10)


@pytest.mark.parametrize(("step_size", "gamma"), [(1, 0.9), (30, 0.5), (100, 0.1)])
def test_step_is_torch_step_lr(step_size, gamma):
    ours = learning_rates(Schedule("step", step_size=step_size, gamma=gamma), BASE, 250)
    assert ours[step_size - 1] == BASE and ours[step_size] == pytest.approx(BASE * gamma)
    expected = rates_torch_uses(lambda o: lr_scheduler.StepLR(o, step_size=step_size, gamma=gamma), 250)
    np.testing.assert_allclose(ours, expected, rtol=1e-12)


@pytest.mark.parametrize(("warmup", "total", "final"), [(10, 100, 0.0), (50, 400, 0.1), (2, 30, 0.5)])
def test_warmup_cosine_is_torch_linear_then_cosine(warmup, total, final):
    schedule = Schedule("warmup_cosine", warmup_steps=warmup, total_steps=total, final_fraction=final)
    ours = learning_rates(schedule, BASE, total + 20)

    def torch_schedule(optimizer):
        rise = lr_scheduler.LinearLR(optimizer, start_factor=1 / warmup, end_factor=1.0, total_iters=warmup - 1)
        fall = lr_scheduler.CosineAnnealingLR(optimizer, T_max=total - warmup, eta_min=final * BASE)
        return lr_scheduler.SequentialLR(optimizer, [rise, fall], milestones=[warmup])

    np.testing.assert_allclose(ours[: total + 1], rates_torch_uses(torch_schedule, total + 1), rtol=1e-9, atol=1e-15)
    assert ours[warmup - 1] == pytest.approx(BASE) and ours[0] == pytest.approx(BASE / warmup)
    np.testing.assert_allclose(ours[total:], final * BASE, atol=1e-15)  # holds η_min after the end


@pytest.mark.parametrize("warmup", [1, 10, 100])
def test_warmup_inverse_sqrt_rises_linearly_then_falls_as_one_over_root_t(warmup):
    ours = learning_rates(Schedule("warmup_inverse_sqrt", warmup_steps=warmup), BASE, 1000)
    t = np.arange(1000)
    np.testing.assert_allclose(ours[:warmup], BASE * (t[:warmup] + 1) / warmup, rtol=1e-12)
    np.testing.assert_allclose(ours[warmup - 1 :] * np.sqrt(t[warmup - 1 :] + 1), BASE * math.sqrt(warmup), rtol=1e-12)
    assert ours.max() == pytest.approx(BASE) and np.argmax(ours) == warmup - 1


def test_learning_rate_at_is_vectorised_over_any_array_of_steps():
    schedule = Schedule("warmup_cosine", warmup_steps=5, total_steps=40)
    steps = np.array([[0, 3, 17], [39, 40, 41]])
    values = learning_rate_at(schedule, BASE, steps)
    assert values.shape == (2, 3)
    np.testing.assert_array_equal(values, learning_rates(schedule, BASE, 42)[steps])
    assert learning_rates(schedule, BASE, 0).shape == (0,)


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"kind": "linear"}, "unknown schedule 'linear'; choose one of constant"),
        ({"gamma": 0.0}, r"gamma=0.0 must be in \(0, 1\]"),
        ({"gamma": 1.5}, "gamma=1.5 must be"),
        ({"step_size": 0}, "step_size=0 must be a whole number ≥ 1"),
        ({"step_size": 2.5}, "step_size=2.5 must be a whole number"),
        ({"warmup_steps": 0}, "warmup_steps=0 must be a whole number ≥ 1"),
        ({"total_steps": -1}, "total_steps=-1 must be"),
        ({"final_fraction": 2.0}, r"final_fraction=2.0 must be in \[0, 1\]"),
        ({"kind": "warmup_cosine", "warmup_steps": 50, "total_steps": 50}, "total_steps=50 must be larger than warmup_steps=50"),
    ],
)
def test_bad_schedules_are_refused_up_front(keywords, message):
    with pytest.raises(ValueError, match=message):
        Schedule(**keywords)


# ── The formula students see, read as displayed and compared with the code ──

LATEX_WORDS = (  # longest first: \eta_{\min} before \eta, \min
    (r"\eta_{\min}", "eta_min"), (r"\lfloor", "floor("), (r"\rfloor", ")"), (r"\Bigl(", "("), (r"\Bigr)", ")"),
    (r"\left(", "("), (r"\right)", ")"), (r"\cos", "cos"), (r"\min", "minimum"), (r"\sqrt", "sqrt"),
    (r"\gamma", "gamma"), (r"\eta", "eta"), (r"\pi", "pi"), (r"\le", "<="), (r"\ge", ">="), (r"\,", "*"),
    (r"\cdot", "*"), (r"\ ", " "),
)
LATEX_FUNCTIONS = {"cos": math.cos, "sqrt": math.sqrt, "minimum": min, "floor": math.floor, "pi": math.pi}


def _braced(text: str, start: int) -> tuple[str, int]:
    """The text inside the brace group opening at ``text[start]``, and the index after its closing brace."""
    assert text[start] == "{", f"expected a brace group at {text[start:]!r}"
    depth = 0
    for index in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return text[start + 1 : index], index + 1
    raise AssertionError(f"unbalanced braces in {text!r}")


def latex_to_python(latex: str) -> str:
    r"""A displayed expression as Python: \frac, \sqrt{}, ^{}, the Greek letters and functions above.

    Anything else (a product by juxtaposition, an unknown command) is left as it is and fails to evaluate.
    """
    for command, template in ((r"\frac", "(({})/({}))"), (r"\sqrt", "sqrt({})"), ("^", "**({})")):
        while (start := latex.find(command)) >= 0:
            after = start + len(command)
            if command == "^" and latex[after] != "{":
                latex = latex[:after] + "{" + latex[after] + "}" + latex[after + 1 :]  # ^t as ^{t}
            groups, end = [], after
            for _ in range(template.count("{}")):
                group, end = _braced(latex, end)
                groups.append(latex_to_python(group))
            latex = latex[:start] + template.format(*groups) + latex[end:]
    for word, python in LATEX_WORDS:
        latex = latex.replace(word, python)
    assert "\\" not in latex, f"a LaTeX command the test cannot read: {latex!r}"
    return latex


def displayed_rate(latex: str, base_lr: float, step: int) -> float:
    r"""η^t read from ``schedule_latex``'s text: '\eta^t = formula \qquad parameters \qquad which step'."""
    formula, *parameters = latex.split(r"\qquad")
    left, right = formula.split("=", 1)
    assert left.strip() == r"\eta^t", f"not a formula for η^t: {formula!r}"
    names = dict(LATEX_FUNCTIONS, eta=base_lr, t=step)
    for part in parameters:
        if r"\to" in part:
            continue  # which update η^t belongs to: checked below
        for assignment in part.split(r",\ "):
            name, value = (latex_to_python(side).strip() for side in assignment.split("="))
            names[name] = eval(value, {"__builtins__": {}}, names)  # noqa: S307 - the test's own formula text
    right = right.strip()
    if right.startswith(r"\begin{cases}"):
        rows = right.removeprefix(r"\begin{cases}").removesuffix(r"\end{cases}").split(r"\\")
        for row in rows:
            value, condition = row.split("&")
            if eval(latex_to_python(condition), {"__builtins__": {}}, names):  # noqa: S307
                return eval(latex_to_python(value), {"__builtins__": {}}, names)  # noqa: S307
        raise AssertionError(f"no case of {right!r} holds at t = {step}")
    return eval(latex_to_python(right), {"__builtins__": {}}, names)  # noqa: S307


SHOWN_SCHEDULES = [
    Schedule(),
    Schedule("exponential", gamma=0.98),
    Schedule("step", step_size=30, gamma=0.5),
    Schedule("warmup_cosine", warmup_steps=50, total_steps=300),
    Schedule("warmup_cosine", warmup_steps=10, total_steps=100, final_fraction=0.1),
    Schedule("warmup_inverse_sqrt", warmup_steps=20),
]


@pytest.mark.parametrize("schedule", SHOWN_SCHEDULES, ids=lambda schedule: schedule.kind)
def test_the_displayed_formula_is_the_rate_the_code_uses(schedule):
    latex = schedule_latex(schedule)
    steps = [0, 1, 2, schedule.warmup_steps - 1, schedule.warmup_steps, schedule.step_size - 1, schedule.step_size,
             150, schedule.total_steps - 1, schedule.total_steps, schedule.total_steps + 7]
    used = learning_rate_at(schedule, BASE, np.array(steps))
    shown = [displayed_rate(latex, BASE, step) for step in steps]
    np.testing.assert_allclose(shown, used, rtol=1e-12, atol=1e-15, err_msg=latex)
    assert latex.endswith(STEP_LATEX) and r"\theta^t \to \theta^{t+1},\ t = 0" in STEP_LATEX
    assert learning_rates(schedule, BASE, 1)[0] == used[0]  # t = 0 is the rate of the first update


def test_the_reader_of_displayed_formulas_can_fail():
    with pytest.raises(AssertionError, match="cannot read"):
        latex_to_python(r"\eta \tfrac12")
    with pytest.raises(TypeError):  # a product by juxtaposition is a call of a number
        displayed_rate(r"\eta^t = \eta (t+1)", BASE, 1)
    assert displayed_rate(r"\eta^t = \eta\,\frac{t+1}{w} \qquad w = 4", BASE, 1) == pytest.approx(BASE / 2)


@pytest.mark.parametrize("scene", [scene for scene in SCENE_LIST if any(
    optimizer.schedule.kind != "constant" for optimizer in scene.optimizers)], ids=lambda scene: scene.key)
def test_a_tour_scene_shows_the_formula_of_its_schedule(scene):
    """The warm-up scene showed η·t/w, the code used η·(t+1)/w: the scene now shows the formula the code follows."""
    for optimizer in scene.optimizers:
        if optimizer.schedule.kind != "constant":
            shown = scene.latex[scene.latex.index(r"\eta^t ="):].removesuffix(r"\end{gathered}").strip()
            steps = np.arange(0, scene.steps + 5)
            used = learning_rate_at(optimizer.schedule, optimizer.lr, steps)
            np.testing.assert_allclose([displayed_rate(shown, optimizer.lr, step) for step in steps], used,
                                       rtol=1e-12, atol=1e-15)
            assert shown == schedule_latex(optimizer.schedule)  # shown from its one home

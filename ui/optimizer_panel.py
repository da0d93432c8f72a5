"""Widgets for one optimizer: its rule, learning rate, rule-specific knobs, schedule, injected noise and batch size.

Every widget has a short key bound to the URL, so a copied link restores the whole race.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from figures.style import run_colour
from optimizers.schedules import SCHEDULE_KINDS, Schedule
from optimizers.settings import OptimizerKind, OptimizerSettings
from ui.language import t
from ui.url_choice import menu_key, url_choice

SLOT_DEFAULTS = (OptimizerKind.GD, OptimizerKind.MOMENTUM, OptimizerKind.RMSPROP, OptimizerKind.ADAM)
DEFAULT_LEARNING_RATES = {
    OptimizerKind.GD: 0.01, OptimizerKind.MOMENTUM: 0.01, OptimizerKind.NESTEROV: 0.01,
    OptimizerKind.ROOT_MEAN_SQUARE: 0.05, OptimizerKind.ADAGRAD: 0.5, OptimizerKind.RMSPROP: 0.05,
    OptimizerKind.ADAM: 0.1,
}
# The row's columns: the rule menu, η, the rule's memory (λ, α or β₁), the popover of the rest.
ROW_WIDTHS = (1.6, 1.0, 1.0, 0.45)
MORE_KEY = "optimizer_more"  # + the slot: the popover of the row's other settings
LEARNING_RATES = tuple(float(f"{m * 10.0 ** e:.3g}") for e in range(-4, 1) for m in (1, 1.5, 2, 3, 5, 7)) + (10.0,)
NOISE_LEVELS = (0.0, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)
# Links made before the URL carried keys name the rule by its English label (?opt0=Gradient+descent),
# torch's Adagrad by the label it had then.
RULE_ALIASES = {kind.label: kind.value for kind in OptimizerKind} | {"Adagrad (RMS)": OptimizerKind.ADAGRAD.value}


def rule_name(kind: str | OptimizerKind) -> str:
    """The name of an update rule (``"gd"``, ``OptimizerKind.ADAM``) in the current language."""
    return t(f"optimizers.{OptimizerKind(kind).value}")


def schedule_name(kind: str) -> str:
    """The name of a learning-rate schedule (``"warmup_cosine"``) in the current language."""
    return t(f"schedules.{kind}")


def _nearest(options: tuple[float, ...], value: float) -> float:
    return min(options, key=lambda option: abs(np.log(option) - np.log(value)))


def _schedule_widgets(slot: int, steps: int, prefix: str = "") -> Schedule:
    kind = url_choice(st, "selectbox", t("optimizer_panel.schedule"), SCHEDULE_KINDS, key=f"{prefix}sched{slot}",
                      default="constant", format_func=schedule_name)
    if kind == "exponential":
        gamma = st.slider(t("optimizer_panel.gamma"), 0.9, 1.0, 0.995, 0.001, format="%.3f",
                          key=f"{prefix}gamma{slot}", bind="query-params")
        return Schedule(kind=kind, gamma=gamma)
    if kind == "step":
        every = st.slider(t("optimizer_panel.every"), 10, 500, 100, 10, key=f"{prefix}every{slot}", bind="query-params")
        return Schedule(kind=kind, step_size=every, gamma=0.5)
    if kind in ("warmup_cosine", "warmup_inverse_sqrt"):
        warmup = st.slider(t("optimizer_panel.warmup"), 1, 500, 50, 1, key=f"{prefix}warm{slot}", bind="query-params")
        return Schedule(kind=kind, warmup_steps=warmup, total_steps=max(steps, warmup + 1))
    return Schedule()


def _batch_size_widget(slot: int, examples: int, prefix: str = "", default: int = 0) -> int:
    """Examples per update, 0 (the default) for all of them; drawn only for a surface with ``examples`` > 0."""
    key = f"{prefix}batch{slot}"
    if examples == 0:
        return 0
    kept = st.session_state.get(key)
    if isinstance(kept, int) and kept > examples:  # left by a surface with more examples
        st.session_state[key] = examples
    return int(st.number_input(t("optimizer_panel.batch_size", count=examples), 0, examples, min(default, examples), 1, key=key,
                               bind="query-params", help=t("optimizer_panel.batch_size_help", count=examples)))


def optimizer_panel(slot: int, steps: int, examples: int = 0, *, prefix: str = "",
                    rules: tuple[OptimizerKind, ...] = tuple(OptimizerKind),
                    defaults: tuple[OptimizerKind, ...] = SLOT_DEFAULTS,
                    rates: dict[OptimizerKind, float] = DEFAULT_LEARNING_RATES, batch_default: int = 0,
                    noise: bool = True, seed: bool = True) -> OptimizerSettings:
    """The widgets of optimizer number ``slot`` (0-based) as one compact row of the current container.

    The row holds what a student changes most: the rule (labelled with the optimizer's number, a dot of
    its colour before it), the learning rate η and the rule's memory (λ, α or β₁), each labelled by the
    lecture's symbol with its name in the help; the rest (β₂, schedule, injected noise, batch size, seed)
    is in a popover at the row's end. ``examples`` is N for a surface that is a mean over N examples (it
    offers a batch size), else 0.

    Another page's rows (the Network Lab's) pass their own key ``prefix``, the ``rules`` they offer, their
    ``defaults`` per slot, default learning ``rates`` and batch size, and ``noise=False, seed=False`` to leave out
    the injected noise (real mini-batches make theirs) and the optimizer's own seed (one seed fixes a Lab run).
    """
    rule_column, rate_column, knob_column, more_column = st.columns(ROW_WIDTHS, gap="xsmall",
                                                                   vertical_alignment="bottom")
    kind = OptimizerKind(url_choice(
        rule_column, "selectbox", t("optimizer_panel.title", number=slot + 1), tuple(kind.value for kind in rules),
        key=f"{prefix}opt{slot}", default=defaults[slot].value, format_func=rule_name, aliases=RULE_ALIASES,
        help=t("optimizer_panel.rule"),
    ))
    lr = rate_column.select_slider("η", LEARNING_RATES, value=_nearest(LEARNING_RATES, rates[kind]),
                                   key=f"{prefix}lr{slot}", bind="query-params", help=t("optimizer_panel.learning_rate"))
    knobs: dict = {}
    if kind in (OptimizerKind.MOMENTUM, OptimizerKind.NESTEROV):
        knobs["momentum"] = knob_column.slider("λ", 0.0, 0.99, 0.9, 0.01, key=f"{prefix}mom{slot}", bind="query-params",
                                               help=t("optimizer_panel.momentum"))
    if kind is OptimizerKind.RMSPROP:
        knobs["alpha"] = knob_column.slider("α", 0.0, 0.999, 0.9, 0.001, format="%.3f", key=f"{prefix}alpha{slot}",
                                            bind="query-params", help=t("optimizer_panel.alpha"))
    if kind is OptimizerKind.ADAM:
        beta1 = knob_column.slider("β₁", 0.0, 0.99, 0.9, 0.01, key=f"{prefix}beta1{slot}", bind="query-params",
                                   help=t("optimizer_panel.beta1"))
    with more_column.popover("⚙️", help=t("optimizer_panel.more"), key=f"{prefix}{MORE_KEY}{slot}", width="stretch"):
        if kind is OptimizerKind.ADAM:
            beta2 = st.slider(t("optimizer_panel.beta2"), 0.5, 0.9999, 0.999, 0.0001, format="%.4f",
                              key=f"{prefix}beta2{slot}", bind="query-params")
            knobs["betas"] = (beta1, beta2)
        schedule = _schedule_widgets(slot, steps, prefix)
        sigma = st.select_slider(t("optimizer_panel.noise"), NOISE_LEVELS, value=0.0, key=f"{prefix}noise{slot}",
                                 bind="query-params", help=t("optimizer_panel.noise_help")) if noise else 0.0
        batch_size = _batch_size_widget(slot, examples, prefix, batch_default)
        own_seed = st.number_input(t("optimizer_panel.seed"), 0, 10_000, slot, key=f"{prefix}seed{slot}",
                                   bind="query-params") if seed else 0
    return OptimizerSettings(kind=kind, lr=lr, schedule=schedule, noise=sigma, seed=int(own_seed), batch_size=batch_size,
                             **knobs)


def optimizer_rows_css(count: int, prefix: str = "") -> str:
    """Style rules of the rows: a dot of each optimizer's run colour before its label (the rule menu's), and
    popover buttons showing just their ⚙ (the chevron and the padding would not fit the row's last column)."""
    rules = [f".st-key-{menu_key(f'{prefix}opt{slot}')} [data-testid='stWidgetLabel'] p::before "
             f"{{content: '● '; color: {run_colour(slot)};}}" for slot in range(count)]
    rules.append(f"[class*='st-key-{prefix}{MORE_KEY}'] [data-testid='stPopoverButton'] [data-testid='stIconMaterial'] "
                 "{display: none;}")
    rules.append(f"[class*='st-key-{prefix}{MORE_KEY}'] [data-testid='stPopoverButton'] {{padding: 0.25rem 0; min-width: 0;}}")
    return f"<style>{' '.join(rules)}</style>"

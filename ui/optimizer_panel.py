"""Widgets for one optimizer: its rule, learning rate, rule-specific knobs, schedule and batch noise.

Every widget has a short key bound to the URL, so a copied link restores the whole race.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from figures.style import run_colour
from optimizers.schedules import Schedule
from optimizers.settings import OptimizerKind, OptimizerSettings

SLOT_DEFAULTS = (OptimizerKind.GD, OptimizerKind.MOMENTUM, OptimizerKind.RMSPROP, OptimizerKind.ADAM)
DEFAULT_LEARNING_RATES = {
    OptimizerKind.GD: 0.01, OptimizerKind.MOMENTUM: 0.01, OptimizerKind.NESTEROV: 0.01,
    OptimizerKind.ADAGRAD: 0.5, OptimizerKind.RMSPROP: 0.05, OptimizerKind.ADAM: 0.1,
}
LEARNING_RATES = tuple(float(f"{m * 10.0 ** e:.3g}") for e in range(-4, 1) for m in (1, 1.5, 2, 3, 5, 7)) + (10.0,)
NOISE_LEVELS = (0.0, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0)
SCHEDULES = {
    "constant": "constant η",
    "exponential": "exponential decay",
    "step": "step decay",
    "warmup_cosine": "warm-up, then cosine decay",
    "warmup_inverse_sqrt": "warm-up, then 1/√t decay",
}


def _nearest(options: tuple[float, ...], value: float) -> float:
    return min(options, key=lambda option: abs(np.log(option) - np.log(value)))


def _schedule_widgets(slot: int, steps: int) -> Schedule:
    kind = st.selectbox("Schedule", tuple(SCHEDULES), format_func=SCHEDULES.get,
                        key=f"sched{slot}", bind="query-params")
    if kind == "exponential":
        gamma = st.slider("decay per step γ", 0.9, 1.0, 0.995, 0.001, format="%.3f",
                          key=f"gamma{slot}", bind="query-params")
        return Schedule(kind=kind, gamma=gamma)
    if kind == "step":
        every = st.slider("halve η every … steps", 10, 500, 100, 10, key=f"every{slot}", bind="query-params")
        return Schedule(kind=kind, step_size=every, gamma=0.5)
    if kind in ("warmup_cosine", "warmup_inverse_sqrt"):
        warmup = st.slider("warm-up steps", 1, 500, 50, 1, key=f"warm{slot}", bind="query-params")
        return Schedule(kind=kind, warmup_steps=warmup, total_steps=max(steps, warmup + 1))
    return Schedule()


def optimizer_panel(slot: int, steps: int) -> OptimizerSettings:
    """The widgets of optimizer number ``slot`` (0-based), drawn in the current container."""
    colour = run_colour(slot)
    st.markdown(f"<span style='color:{colour};font-size:1.6em'>●</span> **Optimizer {slot + 1}**",
                unsafe_allow_html=True)
    kinds = tuple(kind.value for kind in OptimizerKind)
    kind = OptimizerKind(st.selectbox(
        "Rule", kinds, index=kinds.index(SLOT_DEFAULTS[slot].value), format_func=lambda value: OptimizerKind(value).label,
        key=f"opt{slot}", bind="query-params", label_visibility="collapsed",
    ))
    lr = st.select_slider("learning rate η", LEARNING_RATES, value=_nearest(LEARNING_RATES, DEFAULT_LEARNING_RATES[kind]),
                          key=f"lr{slot}", bind="query-params")
    knobs: dict = {}
    if kind in (OptimizerKind.MOMENTUM, OptimizerKind.NESTEROV):
        knobs["momentum"] = st.slider("momentum λ", 0.0, 0.99, 0.9, 0.01, key=f"mom{slot}", bind="query-params")
    if kind is OptimizerKind.RMSPROP:
        knobs["alpha"] = st.slider("α (weight of the past)", 0.0, 0.999, 0.9, 0.001, format="%.3f",
                                   key=f"alpha{slot}", bind="query-params")
    if kind is OptimizerKind.ADAM:
        beta1 = st.slider("β₁ (momentum)", 0.0, 0.99, 0.9, 0.01, key=f"beta1{slot}", bind="query-params")
        beta2 = st.slider("β₂ (RMS)", 0.5, 0.9999, 0.999, 0.0001, format="%.4f", key=f"beta2{slot}",
                          bind="query-params")
        knobs["betas"] = (beta1, beta2)
    with st.expander("schedule & batch noise"):
        schedule = _schedule_widgets(slot, steps)
        noise = st.select_slider("gradient noise σ (small batch)", NOISE_LEVELS, value=0.0,
                                 key=f"noise{slot}", bind="query-params")
        seed = st.number_input("noise seed", 0, 10_000, slot, key=f"seed{slot}", bind="query-params")
    return OptimizerSettings(kind=kind, lr=lr, schedule=schedule, noise=noise, seed=int(seed), **knobs)

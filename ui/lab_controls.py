"""The Network Lab's controls: data, model, loss, up to three optimizers, epochs and seed, all in the URL.

Every widget's key starts with ``lab_`` (sessions keep widget state across pages: the explorer's ``opt0`` is
not the Lab's). The values come back as a :class:`scenes.network_lab.LabSettings`.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from networks.data import DATA_NAMES, SPLIT_SIZES
from networks.models import MAX_CNN_CHANNELS, MODEL_KINDS, ModelSettings
from networks.training import TrainingSettings
from optimizers.settings import OptimizerKind
from scenes.network_lab import DEPTHS, EPOCHS, MAX_OPTIMIZERS, WIDTHS, LabSettings
from ui.language import t
from ui.optimizer_panel import optimizer_panel, optimizer_rows_css
from ui.url_choice import url_choice

PREFIX = "lab_"
RULES = (OptimizerKind.GD, OptimizerKind.MOMENTUM, OptimizerKind.NESTEROV, OptimizerKind.ADAGRAD,
         OptimizerKind.RMSPROP, OptimizerKind.ADAM)
SLOT_DEFAULTS = (OptimizerKind.MOMENTUM, OptimizerKind.ADAM, OptimizerKind.GD)
LEARNING_RATES = {OptimizerKind.GD: 0.1, OptimizerKind.MOMENTUM: 0.05, OptimizerKind.NESTEROV: 0.05,
                  OptimizerKind.ADAGRAD: 0.05, OptimizerKind.RMSPROP: 0.001, OptimizerKind.ADAM: 0.001}
BATCH_DEFAULT = 64
LOSSES = ("cross_entropy", "mse", "softmax_mse")
ACTIVATIONS = ("relu", "tanh")


def lab_controls() -> LabSettings:
    """Draw the Lab's controls in the current container; the settings they hold."""
    data_column, loss_column, kind_column = st.columns((1.25, 1.25, 0.8), gap="small")
    data_name = url_choice(data_column, "selectbox", t("lab.data"), DATA_NAMES, key="lab_data", default="digits",
                           format_func=lambda name: t(f"lab.data_names.{name}"), help=t("lab.data_help"))
    loss = url_choice(loss_column, "selectbox", t("lab.loss"), LOSSES, key="lab_loss", default="cross_entropy",
                      format_func=lambda name: t(f"lab.losses.{name}"), help=t("lab.loss_help"))
    kind = url_choice(kind_column, "selectbox", t("lab.model"), MODEL_KINDS, key="lab_kind", default="mlp",
                      format_func=str.upper, help=t("lab.model_help"))
    depth_column, width_column, activation_column, norm_column = st.columns((1, 1.2, 1, 0.9), gap="small",
                                                                            vertical_alignment="bottom")
    depth = depth_column.selectbox(t("lab.depth"), DEPTHS, index=2, key="lab_depth", bind="query-params",
                                   help=t("lab.depth_help"))
    width = width_column.select_slider(t("lab.width"), WIDTHS, value=32, key="lab_width", bind="query-params")
    activation = url_choice(activation_column, "selectbox", t("lab.activation"), ACTIVATIONS, key="lab_act",
                            default="relu", format_func=str)
    batch_norm = norm_column.toggle("BN", key="lab_bn", bind="query-params", help=t("lab.batch_norm_help"))
    count_column, epochs_column, seed_column = st.columns((1.3, 1.3, 1), gap="small", vertical_alignment="bottom")
    count = count_column.segmented_control(t("lab.optimizers"), tuple(range(1, MAX_OPTIMIZERS + 1)), default=2,
                                           key="lab_n", bind="query-params", required=True)
    epochs = epochs_column.select_slider(t("lab.epochs"), EPOCHS, value=20, key="lab_epochs", bind="query-params")
    seed = seed_column.number_input(t("lab.seed"), 0, 9999, 0, key="lab_seed", bind="query-params",
                                    help=t("lab.seed_help"))
    if kind == "cnn" and width > MAX_CNN_CHANNELS:
        width = MAX_CNN_CHANNELS
        st.caption(t("lab.cnn_width", channels=MAX_CNN_CHANNELS))
    if data_name == "curve" and loss != "mse":
        loss = "mse"
        st.caption(t("lab.curve_loss"))
    examples = SPLIT_SIZES[data_name][0]
    st.html(optimizer_rows_css(count, PREFIX))
    model = ModelSettings(widths=(width,) * depth, activation=activation, batch_norm=batch_norm, kind=kind)
    trainings = []
    for slot in range(count):
        chosen = optimizer_panel(slot, 1, examples, prefix=PREFIX, rules=RULES, defaults=SLOT_DEFAULTS,
                                 rates=LEARNING_RATES, batch_default=BATCH_DEFAULT, noise=False, seed=False)
        training = TrainingSettings(data=data_name, model=model, loss=loss, optimizer=chosen, epochs=epochs,
                                    seed=int(seed))
        if chosen.schedule.kind != "constant":  # a schedule's decay spans the run's own updates
            total = max(training.update_count, chosen.schedule.warmup_steps + 1)
            training = replace(training, optimizer=replace(chosen, schedule=replace(chosen.schedule, total_steps=total)))
        trainings.append(training)
    return LabSettings(base=trainings[0], optimizers=tuple(training.optimizer for training in trainings))

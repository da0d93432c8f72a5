"""A link that opens a training in the Network Lab: its settings written as the Lab's URL parameters.

The Lab's widgets are bound to the URL under ``lab_*`` keys (``ui.lab_controls``), so any run the Lab can
express is a query string: data, loss, model (uniform hidden widths from the Lab's menu), epochs, seed, and
per optimizer its rule, η, memory (λ, α or β₁, β₂), schedule and batch size. Runs the Lab cannot express
(deeper or uneven networks, counted updates instead of epochs, another data split or dtype, the
experiments' larger budget) get no link: :func:`lab_query` says why. The Lab keeps its own number of
snapshots: they record the path, they do not change it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from optimizers.settings import OptimizerKind, OptimizerSettings
from scenes.network_lab import DEPTHS, EPOCHS, MAX_OPTIMIZERS, WIDTHS, LabSettings

LAB_PATH = "lab"


def _optimizer_query(slot: int, optimizer: OptimizerSettings) -> dict[str, object]:
    query: dict[str, object] = {f"opt{slot}": optimizer.kind.value, f"lr{slot}": optimizer.lr,
                                f"batch{slot}": optimizer.batch_size}
    if optimizer.kind in (OptimizerKind.MOMENTUM, OptimizerKind.NESTEROV):
        query[f"mom{slot}"] = optimizer.momentum
    if optimizer.kind is OptimizerKind.RMSPROP:
        query[f"alpha{slot}"] = optimizer.alpha
    if optimizer.kind is OptimizerKind.ADAM:
        query[f"beta1{slot}"], query[f"beta2{slot}"] = optimizer.betas
    schedule = optimizer.schedule
    query[f"sched{slot}"] = schedule.kind
    if schedule.kind == "exponential":
        query[f"gamma{slot}"] = schedule.gamma
    elif schedule.kind == "step":
        query[f"every{slot}"] = schedule.step_size
    elif schedule.kind != "constant":
        query[f"warm{slot}"] = schedule.warmup_steps
    return query


def lab_query(lab: LabSettings) -> dict[str, str]:
    """The Lab's URL parameters for ``lab``; ValueError (saying why) when the Lab cannot train it."""
    base = lab.base
    widths = base.model.widths
    if len(widths) not in DEPTHS or len(set(widths)) > 1 or (widths and widths[0] not in WIDTHS):
        raise ValueError(f"the Lab offers {max(DEPTHS)} layers or fewer of one width from {WIDTHS}, not {widths}")
    if base.updates is not None or base.epochs not in EPOCHS:
        raise ValueError(f"the Lab trains for one of {EPOCHS} epochs")
    if (base.data_seed, base.dtype, base.budget) != (0, "float32", "lab"):
        raise ValueError("the Lab uses the data's first split, float32 and its own time budget")
    trainings = lab.trainings()
    if len({(training.data, training.model, training.loss, training.seed, training.epochs) for training in trainings}) > 1:
        raise ValueError("the Lab trains its optimizers on one data set and one network from one seed")
    query: dict[str, object] = {
        "data": base.data, "loss": base.loss, "kind": base.model.kind, "depth": len(widths),
        "width": widths[0] if widths else WIDTHS[3], "act": base.model.activation,
        "bn": str(base.model.batch_norm).lower(), "n": len(trainings), "epochs": base.epochs, "seed": base.seed,
    }
    for slot, training in enumerate(trainings[:MAX_OPTIMIZERS]):
        query.update(_optimizer_query(slot, training.optimizer))
    return {f"lab_{key}": str(value) for key, value in query.items()}


def lab_url(lab: LabSettings) -> str:
    """``lab?lab_data=…`` (relative to the app's root), or ValueError as :func:`lab_query`."""
    return f"{LAB_PATH}?{urlencode(lab_query(lab))}"

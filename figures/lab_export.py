"""The Network Lab's runs as files: every epoch's and every update's numbers as CSV, and as JSON with the settings."""

from __future__ import annotations

import csv
import dataclasses
import enum
import io
import json
from collections.abc import Sequence

import numpy as np

from networks.training import TrainingRun

EPOCH_COLUMNS = ("train_loss", "train_accuracy", "validation_loss", "validation_accuracy")
UPDATE_COLUMNS = ("update_loss", "gradient_norm", "learning_rate", "update_seconds")


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def runs_csv(runs: Sequence[TrainingRun], labels: Sequence[str]) -> bytes:
    """One row per run and epoch end (``record = epoch``) and per run and update (``record = update``);
    columns that do not apply to a record are empty, numbers that were not finite too."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(("run", "record", "index", "update", *EPOCH_COLUMNS, *UPDATE_COLUMNS))
    blank_updates, blank_epochs = ("",) * len(UPDATE_COLUMNS), ("",) * len(EPOCH_COLUMNS)
    for run, label in zip(runs, labels, strict=True):
        for epoch, update in enumerate(run.epoch_updates):
            values = [_number(getattr(run, name)[epoch]) for name in EPOCH_COLUMNS]
            writer.writerow((label, "epoch", epoch, int(update), *("" if v is None else f"{v:.9g}" for v in values),
                             *blank_updates))
        for update in range(len(run.update_loss)):
            values = [_number(getattr(run, name)[update]) for name in UPDATE_COLUMNS]
            writer.writerow((label, "update", update + 1, update + 1, *blank_epochs,
                             *("" if v is None else f"{v:.9g}" for v in values)))
    return buffer.getvalue().encode()


def _plain(value: object) -> object:
    """Settings as JSON values: dataclasses as objects, enums by value, tuples as lists."""
    if dataclasses.is_dataclass(value):
        return {field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    return value


def runs_json(runs: Sequence[TrainingRun], labels: Sequence[str]) -> bytes:
    """Each run's settings, its per-epoch and per-update numbers (null where not finite) and where it diverged."""
    records = []
    for run, label in zip(runs, labels, strict=True):
        records.append({
            "label": label, "settings": _plain(run.settings), "parameter_count": int(run.parameter_count),
            "diverged_at": run.diverged_at,
            "epochs": {"update": [int(u) for u in run.epoch_updates],
                       **{name: [_number(v) for v in getattr(run, name)] for name in EPOCH_COLUMNS}},
            "updates": {name: [_number(v) for v in getattr(run, name)] for name in UPDATE_COLUMNS},
        })
    return json.dumps({"runs": records}, ensure_ascii=False, indent=1).encode()

r"""Edge of stability: full-batch gradient descent's sharpness rises to 2/η and hovers there (Cohen et al. 2021).

The lecture's ravine in one line: along the Hessian's top eigenvector u_max, gradient descent with step η
multiplies the distance to the valley floor by (1 − η λ_max) each update,

.. math::

    \theta^{t+1} - \theta^\ast \approx (I - \eta H)(\theta^t - \theta^\ast), \qquad
    |1 - \eta \lambda_{\max}| < 1 \iff \lambda_{\max} < 2/\eta,

so a quadratic model says GD is stable only while λ_max < 2/η. Cohen et al. measured on real networks (tanh
MLPs, MSE, full batch) that λ_max first grows during training (progressive sharpening) until it reaches 2/η,
then stays there: the loss keeps falling over the long run while it goes up and down from one update to the
next (the oscillation across the ravine along u_max).

Method: a tanh MLP on the digits, squared error to the one-hot targets, full-batch gradient descent
(``networks.training.train`` with batch size 0: real ``torch.optim.SGD``) at two or three η from the same
initializations (one per seed). Every ``sharpness_every`` updates λ_max of the whole training set's loss
(``analysis.curvature.sharpness``: Lanczos on Hessian-vector products, tolerance ``SHARPNESS_TOLERANCE``
relative to ‖H‖). Measured per η and seed: λ_max at the start and its largest value; the first update where
λ_max·η/2 ≥ ``REACHED``; over the last ``1 − late_from`` of the updates the median of λ_max·η/2 with its
smallest and largest value; the share of those updates whose loss went up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from analysis.curvature import sharpness
from experiments.findings import Finding, LabLink
from experiments.presets import check_learning_rates, check_seeds
from experiments.results import jsonable
from experiments.statistics import mean_interval
from networks.models import ModelSettings
from networks.training import MAX_SNAPSHOTS, TrainingSettings, data_tensors, loss_function, model_at, train
from optimizers.settings import OptimizerKind, OptimizerSettings
from scenes.network_lab import LabSettings

NAME = "edge_of_stability"
PART = 6
SHARPNESS_TOLERANCE = 1e-4  # |λ̃ − λ_max| ≤ 1e-4 ‖H‖: 0.001 at λ_max = 10, far below the hover being measured
REACHED = 0.95              # λ_max·η/2 at which a run counts as having reached the edge
LAB_EPOCHS = 100            # the Lab's longest training: the first 100 updates of a full-batch run


@dataclass(frozen=True)
class Settings:
    """Full-batch GD at each of ``learning_rates`` from each seed's initialization, ``updates`` updates long,
    λ_max every ``sharpness_every`` updates; "late" is from update ``late_from`` × ``updates`` on."""

    learning_rates: tuple[float, ...] = (0.1, 0.15, 0.2)
    seeds: tuple[int, ...] = (0, 1, 2)
    updates: int = 2000
    sharpness_every: int = 50
    widths: tuple[int, ...] = (32, 32)
    data: str = "digits"
    late_from: float = 0.5

    def __post_init__(self) -> None:
        check_learning_rates(self.learning_rates)
        check_seeds(self.seeds)
        if self.sharpness_every < 1 or self.updates % self.sharpness_every:
            raise ValueError(f"updates ({self.updates}) must be a multiple of sharpness_every ({self.sharpness_every})")
        if self.updates // self.sharpness_every + 1 > MAX_SNAPSHOTS:
            raise ValueError(f"at most {MAX_SNAPSHOTS} sharpness points: choose a larger sharpness_every")
        if not 0 <= self.late_from < 1:
            raise ValueError(f"late_from must be in [0, 1), got {self.late_from!r}")
        self.training(self.learning_rates[0], self.seeds[0])  # the network and budget are checked there

    def training(self, learning_rate: float, seed: int, epochs: int | None = None,
                 budget: str = "experiment") -> TrainingSettings:
        """One run: full batch (one update per epoch), so ``epochs`` counts updates."""
        return TrainingSettings(
            data=self.data, model=ModelSettings(self.widths, activation="tanh"), loss="mse",
            optimizer=OptimizerSettings(kind=OptimizerKind.GD, lr=learning_rate, batch_size=0),
            epochs=epochs or self.updates, seed=seed, snapshots=self.updates // self.sharpness_every + 1,
            budget=budget)


PRESETS = {
    "full": Settings(),
    "live": Settings(learning_rates=(0.2,), seeds=(0,), updates=400),
}


def measure_run(settings: Settings, learning_rate: float, seed: int) -> dict:
    """One full-batch run and its λ_max every ``sharpness_every`` updates, with its summary numbers."""
    training = settings.training(learning_rate, seed)
    run = train(training)
    inputs, targets, _, _ = data_tensors(training)
    loss_fn = loss_function(training)
    values = [sharpness(model_at(run, index), loss_fn, inputs, targets, tol=SHARPNESS_TOLERANCE)
              for index in range(len(run.snapshot_updates))]
    updates = run.snapshot_updates.astype(int)
    ratios = np.asarray(values) * learning_rate / 2
    late_start = int(settings.late_from * settings.updates)
    late = ratios[updates >= late_start]
    reached = np.flatnonzero(ratios >= REACHED)
    losses = run.update_loss
    late_losses = losses[late_start:]
    return {
        "learning_rate": learning_rate, "seed": seed, "diverged_at": run.diverged_at,
        "loss": losses.tolist(), "sharpness_updates": updates.tolist(), "sharpness": values,
        "initial_sharpness": values[0], "peak_sharpness": max(values),
        "reached_at": int(updates[reached[0]]) if reached.size else None,
        "late_ratio_median": float(np.median(late)) if late.size else math.nan,
        "late_ratio_low": float(late.min()) if late.size else math.nan,
        "late_ratio_high": float(late.max()) if late.size else math.nan,
        "late_loss_rises": float(np.mean(np.diff(late_losses) > 0)) if late_losses.size > 1 else math.nan,
        "final_loss": float(run.train_loss[-1]), "final_accuracy": float(run.train_accuracy[-1]),
    }


def run(settings: Settings, progress=None) -> dict:
    """Every (η, seed) run of ``settings`` (``measure_run``), η in the outer loop."""
    pairs = [(rate, seed) for rate in settings.learning_rates for seed in settings.seeds]
    runs = []
    for index, (rate, seed) in enumerate(pairs):
        runs.append(measure_run(settings, rate, seed))
        if progress is not None:
            progress((index + 1) / len(pairs))
    return {"settings": jsonable(settings), "runs": runs}


def runs_at(result: dict, learning_rate: float) -> list[dict]:
    return [entry for entry in result["runs"] if entry["learning_rate"] == learning_rate]


def _per_rate(result: dict, describe) -> str:
    """``η = 0.1: …; η = 0.2: …``, one entry per learning rate (language-neutral numbers and symbols)."""
    return "; ".join(f"η = {rate:g}: {describe(runs_at(result, rate), rate)}"
                     for rate in result["settings"]["learning_rates"])


def _interval(runs: list[dict], key: str, digits: int = 3) -> str:
    return mean_interval(entry[key] for entry in runs).text(digits)


def findings(result: dict) -> tuple[Finding, ...]:
    """Three rows, all beyond the lecture (agrees None): the sharpening, the hover at 2/η, the loss's ups."""
    def peak(runs, rate):
        return f"{_interval(runs, 'peak_sharpness')} (2/η = {2 / rate:.3g})"

    def reached(runs, rate):
        times = [entry["reached_at"] for entry in runs]
        count = sum(time is not None for time in times)
        first = min((time for time in times if time is not None), default=None)
        return f"{count}/{len(runs)}" + (f", t = {first}" if first is not None else "")

    def hover(runs, rate):
        low = min(entry["late_ratio_low"] for entry in runs)
        high = max(entry["late_ratio_high"] for entry in runs)
        return f"{_interval(runs, 'late_ratio_median')} [{low:.2f}–{high:.2f}]"

    def rises(runs, rate):
        return f"{mean_interval(100 * entry['late_loss_rises'] for entry in runs).text(2)} %"

    def loss_end(runs, rate):
        return _interval(runs, "final_loss")

    late_update = int(result["settings"]["late_from"] * result["settings"]["updates"])
    return (
        Finding("sharpening", {"start": _interval(result["runs"], "initial_sharpness"), "peaks": _per_rate(result, peak),
                               "reached": _per_rate(result, reached), "threshold": f"{REACHED:g}"}, None),
        Finding("edge", {"ratios": _per_rate(result, hover), "late": str(late_update),
                         "updates": str(result["settings"]["updates"])}, None),
        Finding("loss", {"rises": _per_rate(result, rises), "final": _per_rate(result, loss_end),
                         "start": f"{result['runs'][0]['loss'][0]:.3g}", "late": str(late_update),
                         "updates": str(result["settings"]["updates"])}, None),
    )


def setup_fields(result: dict) -> dict:
    settings = result["settings"]
    return {"widths": " × ".join(str(width) for width in settings["widths"]), "data": settings["data"],
            "rates": ", ".join(f"{rate:g}" for rate in settings["learning_rates"]),
            "limits": ", ".join(f"{2 / rate:.3g}" for rate in settings["learning_rates"]),
            "seeds": str(len(settings["seeds"])), "updates": str(settings["updates"]),
            "every": str(settings["sharpness_every"]), "tolerance": f"{SHARPNESS_TOLERANCE:g}"}


def lab_links(result: dict) -> tuple[LabLink, ...]:
    """The first ``LAB_EPOCHS`` updates of each η's first run (the Lab trains at most 100 full-batch epochs)."""
    settings = Settings(**{key: tuple(value) if isinstance(value, list) else value
                           for key, value in result["settings"].items()})
    seed = settings.seeds[0]
    return tuple(LabLink("first_updates", LabSettings(base=settings.training(rate, seed, LAB_EPOCHS, "lab")),
                         {"rate": f"{rate:g}", "updates": str(LAB_EPOCHS), "seed": str(seed)})
                 for rate in settings.learning_rates)


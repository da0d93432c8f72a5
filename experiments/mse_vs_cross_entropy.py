r"""MSE against cross-entropy on a real classifier: the plateau softmax + MSE sits on, and Adam leaving it.

The lecture: with a softmax output, the squared error ‖softmax(f) − onehot(y)‖² is flat where the loss is
large (the softmax's derivative p(1 − p) vanishes there), so gradient descent stays stuck where
cross-entropy, −log softmax(f)_y, gives it a slope; Adam, dividing by the gradient's own size, can leave.

Method. The digits MLP, full-batch training for U updates (one per epoch), the same initialization per seed
for every arm. Each arm's η is the best of one grid on a tuning seed (:mod:`experiments.tuning`):
cross-entropy and softmax + MSE with gradient descent and with Adam; softmax + MSE with gradient descent is
also run at cross-entropy's η, the lecture's "same optimizer". The two losses have different scales
(ln 10 ≈ 2.30 and 0.9 at a uniform softmax), so each is compared by the share of its own initial value
it has shed,

.. math::

    d_t = \frac{L_0 - L_t}{L_0} \in [0, 1] \quad (\text{both losses are} \ge 0 \text{ with infimum } 0),

and by the training accuracy, which both share. The plateau's length is the first update with
d_t ≥ ``PLATEAU_DROP``; the accuracy is "learned" from the first update with accuracy ≥ ``LEARNED``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from experiments.findings import Finding, LabLink
from experiments.results import jsonable
from experiments.statistics import mean_interval
from experiments.tuning import grid_fields, grid_search
from networks.models import ModelSettings
from networks.training import TrainingSettings, train
from optimizers.settings import OptimizerKind, OptimizerSettings

NAME = "mse_vs_cross_entropy"
PART = 8
PLATEAU_DROP = 0.1   # the loss has left its plateau once it has shed 10 % of its initial value
LEARNED = 0.9        # training accuracy that counts as learned
# (arm, loss, optimizer, the arm whose tuned η it uses)
ARMS = (("ce_gd", "cross_entropy", "gd", "ce_gd"), ("mse_gd_same", "softmax_mse", "gd", "ce_gd"),
        ("mse_gd", "softmax_mse", "gd", "mse_gd"), ("ce_adam", "cross_entropy", "adam", "ce_adam"),
        ("mse_adam", "softmax_mse", "adam", "mse_adam"))
TUNED = tuple(arm for arm, _, _, source in ARMS if arm == source)


@dataclass(frozen=True)
class Settings:
    seeds: tuple[int, ...] = tuple(range(1, 11))
    tuning_seed: int = 0
    updates: int = 100
    widths: tuple[int, ...] = (32, 32)
    activation: str = "relu"
    learning_rates: tuple[float, ...] = (1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0, 10.0)

    def __post_init__(self) -> None:
        if not self.seeds or self.tuning_seed in self.seeds:
            raise ValueError("give at least one seed, none of them the tuning seed (η is chosen on a seed of its own)")
        if len(self.learning_rates) < 2 or sorted(self.learning_rates) != list(self.learning_rates):
            raise ValueError("the learning-rate grid needs two or more rates, increasing")
        training(self, "cross_entropy", "adam", self.learning_rates[-1], self.seeds[0])  # checks the network, budget


def training(settings: Settings, loss: str, kind: str, lr: float, seed: int) -> TrainingSettings:
    """Full-batch training with ``loss`` and optimizer ``kind`` at η = ``lr``: one update per epoch."""
    return TrainingSettings(data="digits", model=ModelSettings(settings.widths, settings.activation), loss=loss,
                            optimizer=OptimizerSettings(kind=OptimizerKind(kind), lr=lr, batch_size=0),
                            epochs=settings.updates, seed=seed, snapshots=2, budget="experiment")


PRESETS = {
    "full": Settings(),
    "live": Settings(seeds=(1,), learning_rates=(0.01, 0.1, 1.0, 3.0)),
}


def first_update(values: np.ndarray, level: float) -> int | None:
    """The first update t with values[t] ≥ level (None when never: the plateau outlasted the budget)."""
    reached = np.flatnonzero(np.asarray(values) >= level)
    return int(reached[0]) if reached.size else None


def run(settings: Settings, progress=None) -> dict:
    clock = time.perf_counter()
    steps = len(TUNED) * len(settings.learning_rates) + len(ARMS) * len(settings.seeds)
    done = 0
    specification = {arm: (loss, kind) for arm, loss, kind, _ in ARMS}
    tuning, chosen = {}, {}
    for arm in TUNED:
        loss, kind = specification[arm]
        search = grid_search(lambda lr: training(settings, loss, kind, lr, settings.tuning_seed),
                             settings.learning_rates)
        chosen[arm] = search.chosen
        tuning[arm] = {"rates": list(search.rates), "final_loss": list(search.final_losses),
                       "initial_loss": float(search.runs[0].train_loss[0])}
        done += len(settings.learning_rates)
        if progress is not None:
            progress(done / steps)
    runs = {}
    for arm, loss, kind, source in ARMS:
        records = {"lr": chosen[source], "loss": [], "accuracy": [], "validation_accuracy": [], "diverged": []}
        for seed in settings.seeds:
            trained = train(training(settings, loss, kind, chosen[source], seed))
            records["loss"].append(trained.train_loss.tolist())
            records["accuracy"].append(trained.train_accuracy.tolist())
            records["validation_accuracy"].append(float(trained.validation_accuracy[-1]))
            records["diverged"].append(trained.diverged_at is not None)
            done += 1
            if progress is not None:
                progress(done / steps)
        runs[arm] = records
    return {"settings": jsonable(settings), "arms": [list(arm) for arm in ARMS], "learning_rate": chosen,
            "tuning": tuning, "runs": runs, "plateau_drop": PLATEAU_DROP, "learned": LEARNED,
            "timing": {"seconds": time.perf_counter() - clock}}


def drop_shares(losses: list[float]) -> np.ndarray:
    """d_t = (L₀ − L_t)/L₀ (module docstring)."""
    losses = np.asarray(losses, dtype=float)
    return (losses[0] - losses) / losses[0]


def measures(result: dict, arm: str) -> dict[str, list]:
    """Per seed: the plateau's length, the update the accuracy is learned at (None: never), the last accuracy."""
    records = result["runs"][arm]
    return {"plateau": [first_update(drop_shares(losses), result["plateau_drop"]) for losses in records["loss"]],
            "learned": [first_update(accuracy, result["learned"]) for accuracy in records["accuracy"]],
            "final_accuracy": [accuracy[-1] for accuracy in records["accuracy"]]}


def _updates_text(values: list[int | None], budget: int) -> str:
    """The mean number of updates, with runs that never got there counted at the budget (then marked ≥)."""
    counted = [budget if value is None else value for value in values]
    return ("≥ " if None in values else "") + mean_interval(counted).text()


def _slower(slow: list[int | None], fast: list[int | None], budget: int) -> bool:
    """Every seed's ``slow`` took strictly longer than its ``fast`` (never = after the budget)."""
    return all((budget + 1 if s is None else s) > (budget + 1 if f is None else f) for s, f in zip(slow, fast))


def findings(result: dict) -> tuple[Finding, ...]:
    budget = result["settings"]["updates"]
    measured = {arm: measures(result, arm) for arm, _, _, _ in ARMS}
    rates = {arm: f"{value:g}" for arm, value in result["learning_rate"].items()}
    # where the lecture's "same optimizer" comparison stands when cross-entropy has learned
    moved, accuracy_then = [], []
    for seed_index, learned_at in enumerate(measured["ce_gd"]["learned"]):
        at = budget if learned_at is None else learned_at
        moved.append(100 * drop_shares(result["runs"]["mse_gd_same"]["loss"][seed_index])[at])
        accuracy_then.append(100 * result["runs"]["mse_gd_same"]["accuracy"][seed_index][at])

    def plateau_finding(key: str, mse_arm: str) -> Finding:
        return Finding(key, {"mse_plateau": _updates_text(measured[mse_arm]["plateau"], budget),
                             "ce_plateau": _updates_text(measured["ce_gd"]["plateau"], budget),
                             "mse_learned": _updates_text(measured[mse_arm]["learned"], budget),
                             "ce_learned": _updates_text(measured["ce_gd"]["learned"], budget),
                             "lr": rates["ce_gd" if mse_arm == "mse_gd_same" else "mse_gd"], "ce_lr": rates["ce_gd"],
                             "drop": f"{100 * result['plateau_drop']:g}", "learned": f"{100 * result['learned']:g}"},
                       _slower(measured[mse_arm]["plateau"], measured["ce_gd"]["plateau"], budget))

    adam = measured["mse_adam"]
    return (
        plateau_finding("plateau_same_rate", "mse_gd_same"),
        Finding("moved", {"moved": mean_interval(moved).text(), "accuracy": mean_interval(accuracy_then).text(),
                          "ce_learned": _updates_text(measured["ce_gd"]["learned"], budget),
                          "learned": f"{100 * result['learned']:g}", "lr": rates["ce_gd"]}, None),
        plateau_finding("plateau_own_rate", "mse_gd"),
        Finding("adam", {"plateau": _updates_text(adam["plateau"], budget),
                         "learned_updates": _updates_text(adam["learned"], budget),
                         "reached": sum(value is not None for value in adam["learned"]),
                         "seeds": len(adam["learned"]), "learned": f"{100 * result['learned']:g}",
                         "gd_plateau": _updates_text(measured["mse_gd_same"]["plateau"], budget),
                         "drop": f"{100 * result['plateau_drop']:g}",
                         "lr": rates["mse_adam"]},
                all(value is not None for value in adam["learned"])),
        Finding("accuracy", {f"{arm}_accuracy": mean_interval(100 * np.array(result["runs"][arm]["validation_accuracy"])).text()
                             for arm, _, _, _ in ARMS} | {"updates": budget}, None),
    )


def setup_fields(result: dict) -> dict:
    return grid_fields(result["settings"]) | {f"{arm}_lr": f"{value:g}" for arm, value in result["learning_rate"].items()}


def lab_links(result: dict) -> tuple[LabLink, ...]:
    """The first seed's runs, one link per loss (the Lab trains one loss per run, up to 3 optimizers)."""
    from dataclasses import replace

    from scenes.network_lab import LabSettings

    settings = Settings(**{key: tuple(value) if isinstance(value, list) else value
                           for key, value in result["settings"].items()})
    seed, rates = settings.seeds[0], result["learning_rate"]
    links = []
    for loss in ("cross_entropy", "softmax_mse"):
        trainings = [replace(training(settings, arm_loss, kind, rates[source], seed), budget="lab", snapshots=50)
                     for _, arm_loss, kind, source in ARMS if arm_loss == loss]
        links.append(LabLink(loss, LabSettings(base=trainings[0], optimizers=tuple(t.optimizer for t in trainings)),
                             {"seed": seed, "updates": settings.updates}))
    return tuple(links)

r"""Momentum and adaptive learning rates on a real network, and the lecture's "the loss stalls while ‖g‖ is large".

The lecture: when the training loss stops falling, look at ‖g‖ before blaming a critical point; it may still
be large, the optimizer oscillating across the walls of a ravine (one η too large across it, too small along
it), which RMSProp and Adam fix by a step η/σᵢ per direction.

Method. The digits MLP, full-batch training (one update per epoch, so ‖g‖ is the gradient of the loss itself,
not mini-batch noise), from one initialization per seed, the same number U of updates for gradient descent,
momentum, RMSProp and Adam. Each optimizer's η is the best of one grid on a tuning seed
(:mod:`experiments.tuning`). Gradient descent's run is cut into windows of W updates; in a window from s

.. math::

    \Delta = \frac{L_{s+W} - L_s}{L_s}, \qquad
    E = \frac{L_s - L_{s+W}}{\eta \sum_{t=s}^{s+W-1} \lVert g_t \rVert^2},

Δ the loss's relative change and E the share of the first-order decrease η‖g‖² the steps achieved (E ≈ 1 while
the surface is about flat along the steps; on a quadratic E = Σᵢ wᵢ(1 − ηλᵢ/2), weights wᵢ ∝ gᵢ², so E ≈ 0
when the gradient lies along directions with ηλᵢ ≈ 2: a stall that is not a critical point). A stall is
|Δ| < ``STALL_CHANGE`` with E < ``GRADIENT_USE``. In each run's window of least E, gradient descent is replayed
from the snapshot at s: the cosine between successive gradients (−1 for a pure zig-zag), λ_max and u_max of
the Hessian at s, ηλ_max (2 is the stability edge along u_max) and how often ⟨g_t, u_max⟩ flips sign. The
same replay is made of the least efficient window of all gradient-descent runs of the grid (beyond the lecture:
where on the η grid the gradient is wasted).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
import torch

from analysis.curvature import hessian_eigenpairs
from experiments.findings import Finding, LabLink, rates_list
from experiments.results import jsonable
from experiments.statistics import mean_interval
from experiments.tuning import final_loss, grid_fields, grid_search
from networks.models import ModelSettings
from networks.training import TrainingRun, TrainingSettings, data_tensors, loss_function, make_optimizer, model_at, train
from optimizers.settings import OptimizerKind, OptimizerSettings

NAME = "momentum_adaptive"
PART = 6
OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
STALL_CHANGE = 0.01      # the loss changed by less than 1 % over the window …
GRADIENT_USE = 0.1       # … although its gradients promised ten times that much (E < 0.1)
SURGE = 10             # ‖g‖ above ten times its first value: the run overshot
LAB_EPOCHS = 100         # the Lab's longest training: the links replay the first 100 updates


@dataclass(frozen=True)
class Settings:
    seeds: tuple[int, ...] = (1, 2, 3, 4, 5)
    tuning_seed: int = 0
    updates: int = 500
    window: int = 50
    widths: tuple[int, ...] = (32, 32)
    activation: str = "relu"
    learning_rates: tuple[float, ...] = (1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1.0, 3.0)
    momentum: float = 0.9

    def __post_init__(self) -> None:
        if not self.seeds or self.tuning_seed in self.seeds:
            raise ValueError("give at least one seed, none of them the tuning seed (η is chosen on a seed of its own)")
        if self.window < 2 or self.updates % self.window or self.updates // self.window < 2:
            raise ValueError(f"the updates ({self.updates}) must be at least two windows of {self.window}")
        if len(self.learning_rates) < 2 or sorted(self.learning_rates) != list(self.learning_rates):
            raise ValueError("the learning-rate grid needs two or more rates, increasing")
        training(self, "gd", self.learning_rates[-1], self.seeds[0])  # the network and budget are checked there


def training(settings: Settings, kind: str, lr: float, seed: int) -> TrainingSettings:
    """Full-batch training of ``kind`` at η = ``lr``: one update per epoch, a snapshot at every window's start."""
    optimizer = OptimizerSettings(kind=OptimizerKind(kind), lr=lr, momentum=settings.momentum, batch_size=0)
    return TrainingSettings(data="digits", model=ModelSettings(settings.widths, settings.activation),
                            loss="cross_entropy", optimizer=optimizer, epochs=settings.updates, seed=seed,
                            snapshots=settings.updates // settings.window + 1, budget="experiment")


PRESETS = {
    "full": Settings(),
    "live": Settings(seeds=(1,), updates=100, window=10, learning_rates=(1e-2, 0.1, 1.0)),
}


def losses_at_updates(run: TrainingRun) -> np.ndarray:
    """L(θᵗ) for t = 0 … U on the whole training set (full batch: the update's loss, then the final one)."""
    return np.append(run.update_loss, run.train_loss[-1])


def windows(losses: np.ndarray, gradient_norm: np.ndarray, lr: float | None, window: int) -> dict:
    """Per window of ``window`` updates from s = 0, W, 2W, …: Δ, the smallest ‖g‖, and E (module docstring)
    for gradient descent at η = ``lr`` (None for the other rules, whose step is not ηg)."""
    starts = np.arange(0, len(gradient_norm) - window + 1, window)
    begin, end = losses[starts], losses[starts + window]
    summary = {"starts": starts.tolist(), "change": ((end - begin) / begin).tolist(),
               "smallest_gradient": [float(gradient_norm[s:s + window].min()) for s in starts]}
    if lr is not None:
        promised = np.array([lr * float(np.sum(gradient_norm[s:s + window] ** 2)) for s in starts])
        summary["efficiency"] = ((begin - end) / promised).tolist()
    return summary


def stalls(summary: dict) -> list[int]:
    """The windows (indices) where the loss stalled although its gradient was not small (module docstring)."""
    return [index for index, (change, efficiency) in enumerate(zip(summary["change"], summary["efficiency"]))
            if abs(change) < STALL_CHANGE and efficiency < GRADIENT_USE]


def probe(run: TrainingRun, start: int, window: int) -> dict:
    """Gradient descent replayed from the snapshot at update ``start`` for ``window`` updates (module docstring)."""
    settings = run.settings
    snapshot = int(np.flatnonzero(run.snapshot_updates == start)[0])
    inputs, targets, _, _ = data_tensors(settings)
    loss_fn = loss_function(settings)
    model = model_at(run, snapshot)
    values, vectors = hessian_eigenpairs(model, loss_fn, inputs, targets, k=1, tol=1e-4)
    direction = torch.from_numpy(vectors[:, 0]).to(torch.float64)
    parameters = list(model.parameters())
    optimizer = make_optimizer(parameters, settings.optimizer)
    gradients, losses = [], []
    for _ in range(window):
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        gradients.append(torch.cat([p.grad.reshape(-1) for p in parameters]).to(torch.float64))
        losses.append(float(loss.detach()))
        optimizer.step()
    gradients = torch.stack(gradients)
    cosines = torch.nn.functional.cosine_similarity(gradients[:-1], gradients[1:], dim=1)
    along = gradients @ direction
    flips = (torch.sign(along[:-1]) != torch.sign(along[1:])).double().mean()
    return {"start": start, "sharpness": float(values[0]), "lr_sharpness": float(values[0]) * settings.optimizer.lr,
            "cosines": cosines.tolist(), "mean_cosine": float(cosines.mean()), "along_top": along.tolist(),
            "flip_share": float(flips), "top_share": float(((along / gradients.norm(dim=1)) ** 2).mean()),
            "replay_difference": float(np.max(np.abs(np.array(losses) - run.update_loss[start:start + window])))}


def _least_efficient(summary: dict) -> int:
    return summary["starts"][int(np.nanargmin(summary["efficiency"]))]


def run(settings: Settings, progress=None) -> dict:
    clock = time.perf_counter()
    steps = len(OPTIMIZERS) * (len(settings.learning_rates) + len(settings.seeds))
    done = 0

    def report(grid_fraction: float = 0.0) -> None:  # trainings done, and the share of the current grid
        if progress is not None:
            progress(min(1.0, (done + grid_fraction * len(settings.learning_rates)) / steps))

    tuning, grid_summaries, chosen, grid_probe = {}, [], {}, None
    for kind in OPTIMIZERS:
        search = grid_search(lambda lr, kind=kind: training(settings, kind, lr, settings.tuning_seed),
                             settings.learning_rates, report)
        done += len(settings.learning_rates)
        chosen[kind] = search.chosen
        tuning[kind] = {"rates": list(search.rates), "final_loss": list(search.final_losses)}
        if kind == "gd":
            grid_summaries = [windows(losses_at_updates(r), r.gradient_norm, r.settings.optimizer.lr, settings.window)
                              if r.diverged_at is None else None for r in search.runs]
            # the grid's least efficient window, whatever its η, replayed like the measured runs'
            least = min((index for index, summary in enumerate(grid_summaries) if summary),
                        key=lambda index: min(grid_summaries[index]["efficiency"]))
            grid_probe = probe(search.runs[least], _least_efficient(grid_summaries[least]), settings.window) | {
                "lr": search.rates[least]}
    runs = {}
    for kind in OPTIMIZERS:
        records = {"loss": [], "gradient_norm": [], "final_loss": [], "final_accuracy": [], "windows": []}
        probes = []
        for seed in settings.seeds:
            trained = train(training(settings, kind, chosen[kind], seed))
            records["loss"].append(losses_at_updates(trained).tolist())
            records["gradient_norm"].append(trained.gradient_norm.tolist())
            records["final_loss"].append(final_loss(trained))
            records["final_accuracy"].append(float(trained.train_accuracy[-1]))
            summary = windows(losses_at_updates(trained), trained.gradient_norm,
                              chosen[kind] if kind == "gd" else None, settings.window)
            records["windows"].append(summary)
            if kind == "gd" and trained.diverged_at is None:
                probes.append(probe(trained, _least_efficient(summary), settings.window))
            done += 1
            report()
        runs[kind] = records | ({"probes": probes} if kind == "gd" else {})
    return {"settings": jsonable(settings), "optimizers": list(OPTIMIZERS), "learning_rate": chosen,
            "tuning": tuning, "grid_windows": grid_summaries, "grid_probe": grid_probe, "runs": runs,
            "stall_change": STALL_CHANGE, "gradient_use": GRADIENT_USE,
            "timing": {"seconds": time.perf_counter() - clock}}


def stalled_seeds(result: dict) -> list[int]:
    """Indices of the measured seeds whose gradient-descent run stalled (``stalls``) somewhere."""
    return [index for index, summary in enumerate(result["runs"]["gd"]["windows"]) if stalls(summary)]


def probes_in_stalls(result: dict) -> list[bool]:
    """For each probe of a measured gradient-descent run: was its window (the run's least efficient) a stall?
    The probes are of the runs that did not diverge, in seed order; a diverged run's record is cut short."""
    updates = result["settings"]["updates"]
    summaries = [summary for summary, losses in zip(result["runs"]["gd"]["windows"], result["runs"]["gd"]["loss"])
                 if len(losses) == updates + 1]
    return [summary["starts"].index(probe["start"]) in stalls(summary)
            for probe, summary in zip(result["runs"]["gd"]["probes"], summaries)]


def oscillating(probe_result: dict) -> bool:
    """A zig-zag: successive gradients point against each other on average, and ⟨g, u_max⟩ flips most steps."""
    return probe_result["mean_cosine"] < 0 and probe_result["flip_share"] > 0.5


def _interval(values) -> str:
    return mean_interval(values).text()


def findings(result: dict) -> tuple[Finding, ...]:
    runs, seeds = result["runs"], len(result["settings"]["seeds"])
    final = {kind: np.array(runs[kind]["final_loss"]) for kind in OPTIMIZERS}
    adaptive_best = np.minimum(final["rmsprop"], final["adam"])
    rates = result["learning_rate"]
    losses = {f"{kind}_loss": _interval(final[kind]) for kind in OPTIMIZERS}
    etas = {f"{kind}_lr": f"{rates[kind]:g}" for kind in OPTIMIZERS}
    stalled = stalled_seeds(result)
    probes = runs["gd"]["probes"]
    window = result["settings"]["window"]
    stall_probes = [p for p, in_stall in zip(probes, probes_in_stalls(result)) if in_stall]
    windows_of_gd = runs["gd"]["windows"]
    smallest_change = [min(abs(change) for change in summary["change"]) for summary in windows_of_gd]
    least_efficiency = [min(summary["efficiency"]) for summary in windows_of_gd]
    grid_probe = result["grid_probe"]
    grid_summary = result["grid_windows"][result["tuning"]["gd"]["rates"].index(grid_probe["lr"])]
    grid_window = grid_summary["starts"].index(grid_probe["start"])
    grid_efficiency, grid_change = grid_summary["efficiency"][grid_window], grid_summary["change"][grid_window]
    stalled_rates = [rate for rate, summary in zip(result["tuning"]["gd"]["rates"], result["grid_windows"])
                     if summary and stalls(summary)]
    # momentum runs whose ‖g‖ surged past ten times its first value: overshooting, not descending
    surged = sum(max(norms) > SURGE * norms[0] for norms in runs["momentum"]["gradient_norm"])
    return (
        Finding("adaptive", {**losses, **etas, "updates": result["settings"]["updates"],
                             "wins": int(np.sum(adaptive_best < final["gd"])), "seeds": seeds},
                bool(np.all(adaptive_best < final["gd"]))),
        Finding("momentum", {**losses, "wins": int(np.sum(final["momentum"] < final["gd"])), "seeds": seeds,
                             "momentum_lr": etas["momentum_lr"], "surged": surged},
                bool(np.all(final["momentum"] < final["gd"]))),
        Finding("stall", {"stalled": len(stalled), "seeds": seeds, "window": result["settings"]["window"],
                          "change": f"{100 * result['stall_change']:g}", "use": f"{result['gradient_use']:g}",
                          "smallest_change": _interval(100 * np.array(smallest_change)),
                          "least_efficiency": _interval(least_efficiency)},
                2 * len(stalled) > seeds),
        # the claim is about a stall: tested on the probed windows that were one, untested (None) without any
        Finding("oscillation", {"cosine": _interval([p["mean_cosine"] for p in probes]),
                                "lr_sharpness": _interval([p["lr_sharpness"] for p in probes]),
                                "flips": _interval([100 * p["flip_share"] for p in probes]),
                                "oscillating": sum(oscillating(p) for p in probes), "runs": len(probes),
                                "windows": ", ".join(f"{start}–{start + window}" for start in sorted(
                                    {p["start"] for p in probes})),
                                "first": sum(p["start"] == 0 for p in probes),
                                "in_stall": len(stall_probes),
                                "stall_oscillating": sum(oscillating(p) for p in stall_probes)},
                None if not stall_probes else 2 * sum(oscillating(p) for p in stall_probes) > len(stall_probes)),
        Finding("grid", {"lr": f"{grid_probe['lr']:g}", "start": grid_probe["start"], "chosen": etas["gd_lr"],
                         "efficiency": f"{grid_efficiency:.2g}", "change": f"{100 * grid_change:+.2g}",
                         "cosine": f"{grid_probe['mean_cosine']:.2f}", "lr_sharpness": f"{grid_probe['lr_sharpness']:.2f}",
                         "flips": f"{100 * grid_probe['flip_share']:.0f}", "end": grid_probe["start"] + result["settings"]["window"],
                         "stalled_count": len(stalled_rates), "grid_size": len(result["tuning"]["gd"]["rates"]),
                         "stalled_rates": rates_list(stalled_rates)}, None),
    )


def setup_fields(result: dict) -> dict:
    settings = result["settings"]
    return grid_fields(settings) | {"window": settings["window"], "momentum": f"{settings['momentum']:g}"}


def lab_links(result: dict) -> tuple[LabLink, ...]:
    """The first 100 updates of the first seed's runs (the Lab trains at most 100 epochs: here 100 updates)."""
    from scenes.network_lab import LabSettings

    settings = Settings(**{key: tuple(value) if isinstance(value, list) else value
                           for key, value in result["settings"].items()})
    seed, rates = settings.seeds[0], result["learning_rate"]
    base = replace(training(settings, "gd", rates["gd"], seed), epochs=LAB_EPOCHS, snapshots=50, budget="lab")
    optimizers = [training(settings, kind, rates[kind], seed).optimizer for kind in OPTIMIZERS]
    fields = {"updates": LAB_EPOCHS, "total": settings.updates, "seed": seed}
    return (LabLink("plain", LabSettings(base=base, optimizers=tuple(optimizers[:2])), fields),
            LabLink("adaptive", LabSettings(base=base, optimizers=tuple(optimizers[2:])), fields))

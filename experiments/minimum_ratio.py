r"""Saddles outnumber minima: where real networks stop training, how many directions curve up?

The lecture's scatter: networks trained until ‖g‖ is nearly 0, each drawn at its (minimum ratio, training
loss), most at ratios of 0.5-0.6, few at 1 (a true minimum). Here, for every seed and training length:

1. **train** a tanh MLP 64 → 8 → 10 (P = 610) on the real 8×8 digits (the whole training split, 1,437 images)
   with ``torch.optim.Adam`` in mini-batches of 64, exactly as the Network Lab trains it (float32, the
   squared error to the one-hot class, no weight decay). tanh, not ReLU: a ReLU network's loss is only
   piecewise twice differentiable, and a second-order verdict at a kink says nothing;
2. **drive ‖g‖ towards 0** from there (the lecture's method: minimize ‖∇L‖², not L) in float64 on a fixed
   subset of the training split (its first ``examples`` images, every class 45-61 times in the first 512: the
   dense Hessian costs P backward passes over them, and the whole split would take the full preset past its
   time budget; the training loss reported is this subset's), by damped Newton steps on the equation g(θ) = 0 with the dense Hessian H = Σ λ_i u_i u_iᵀ,

   .. math::

       \theta \leftarrow \theta - \sum_i \frac{\lambda_i\, u_i^\top g}{\lambda_i^2 + \mu\lambda_{\max}^2}\, u_i ,

   the ladder of dampings μ and the corrector steps of :mod:`analysis.minimum_ratio` (attracted by saddles as
   much as by minima), keeping the step with the smallest ‖g‖; a fixed number of steps, then report how small
   ‖g‖ got (a critical point only when ‖g‖ ≤ ``GRADIENT_TOLERANCE``);
3. **count** the eigenvalues of H there twice: by sign, the lecture's ratio #{λ > 0}/P, and with a flat band
   |λ| ≤ τ·λ_max (+ rounding), #{λ > band}/P, with the verdict minimum / saddle / flat of
   :mod:`analysis.eigenvalue_counts`. No weight decay shifts the spectrum, so the band is relative to the
   Hessian's own scale; the ratio is also recorded for a range of τ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import torch
from scipy import stats

from analysis.curvature import dense_hessian
from analysis.eigenvalue_counts import MINIMUM, SADDLE, end_point_kind, flat_band, minimum_ratio
from analysis.minimum_ratio import CORRECTOR_DAMPING, CORRECTOR_STEPS, DAMPINGS, GRADIENT_TOLERANCE
from experiments.findings import Finding, LabLink
from experiments.results import jsonable
from experiments.statistics import Interval, mean_interval
from networks.data import SPLIT_SIZES
from networks.models import ModelSettings
from networks.training import TrainingSettings, build, data_tensors, loss_function, train
from optimizers.settings import OptimizerKind, OptimizerSettings
from scenes.network_lab import LabSettings

NAME = "minimum_ratio"
PART = 3
TOLERANCES = tuple(10.0 ** exponent for exponent in range(-7, 0))  # τ of the ratio-against-band curve
LECTURE_RATIOS = (0.5, 0.6)       # where the lecture says most training stops
MIN_SEARCH_REDUCTION = 10.0       # "the search drove ‖g‖ down": by at least this factor, in the median run
RARE_MINIMA = 0.1                 # "true minima are rare": at most this share of the runs
SIGNIFICANCE = 0.05               # the trend's Spearman correlation must be negative with p below this


@dataclass(frozen=True)
class Settings:
    """Runs = ``seeds`` × ``epochs`` (Lab-expressible trainings), each followed by ``search_steps`` damped
    Newton steps on g = 0 for the loss on the first ``examples`` training images; ``tolerance`` is τ of the
    flat band |λ| ≤ τ·λ_max."""

    seeds: tuple[int, ...] = tuple(range(10))
    epochs: tuple[int, ...] = (1, 2, 5, 20, 100)
    width: int = 8
    learning_rate: float = 0.01
    batch_size: int = 64
    search_steps: int = 6
    tolerance: float = 1e-3
    examples: int = 512
    data: str = field(default="digits")

    def __post_init__(self) -> None:
        if not self.seeds or not self.epochs:
            raise ValueError("choose at least one seed and one training length")
        for name, values, low, high in (("seeds", self.seeds, 0, 2**31 - 1), ("epochs", self.epochs, 1, 100)):
            for value in values:
                if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
                    raise ValueError(f"{name} must be whole numbers from {low} to {high}, got {value!r}")
        if isinstance(self.search_steps, bool) or not isinstance(self.search_steps, int) or not 0 <= self.search_steps <= 100:
            raise ValueError(f"search_steps must be a whole number from 0 to 100, got {self.search_steps!r}")
        if isinstance(self.examples, bool) or not isinstance(self.examples, int) or not 1 <= self.examples <= SPLIT_SIZES[self.data][0]:
            raise ValueError(f"examples must be a whole number from 1 to {SPLIT_SIZES[self.data][0]:,}, "
                             f"got {self.examples!r}")
        if not (math.isfinite(self.tolerance) and 0 < self.tolerance < 1):
            raise ValueError(f"tolerance must be between 0 and 1, got {self.tolerance!r}")
        self.training(self.seeds[0], max(self.epochs))  # the training's own checks (width, η, batch, budget)

    def training(self, seed: int, epochs: int) -> TrainingSettings:
        """The run's training, as the Network Lab would train it."""
        return TrainingSettings(
            data=self.data, model=ModelSettings((self.width,), "tanh"), loss="mse",
            optimizer=OptimizerSettings(kind=OptimizerKind.ADAM, lr=self.learning_rate, batch_size=self.batch_size),
            epochs=epochs, seed=seed, snapshots=2)

    @property
    def runs(self) -> tuple[tuple[int, int], ...]:
        """(seed, epochs) of every run, shortest training first."""
        return tuple((seed, epochs) for epochs in self.epochs for seed in self.seeds)


PRESETS = {
    "full": Settings(),
    "live": Settings(seeds=(0, 1), epochs=(2, 20), search_steps=3),
}


class FlatLoss:
    """L(θ) on the first ``examples`` training images for flat parameters θ (P,) in float64, its gradient and
    dense Hessian."""

    def __init__(self, training: TrainingSettings, examples: int) -> None:
        self.model = build(replace(training, dtype="float64"))
        inputs, targets, _, _ = data_tensors(training)
        self.inputs, self.targets = inputs[:examples].to(torch.float64), targets[:examples]
        self.loss_fn = loss_function(training)
        self.names = [name for name, _ in self.model.named_parameters()]
        self.shapes = [parameter.shape for parameter in self.model.parameters()]
        self._gradient = torch.func.grad(self.__call__)

    def _parameters(self, theta: torch.Tensor) -> dict[str, torch.Tensor]:
        pieces = theta.split([math.prod(shape) for shape in self.shapes])
        return {name: piece.view(shape) for name, piece, shape in zip(self.names, pieces, self.shapes)}

    def __call__(self, theta: torch.Tensor) -> torch.Tensor:
        return self.loss_fn(torch.func.functional_call(self.model, self._parameters(theta), (self.inputs,)),
                            self.targets)

    def gradient(self, theta: torch.Tensor) -> torch.Tensor:
        return self._gradient(theta)

    def hessian(self, theta: torch.Tensor) -> torch.Tensor:
        """H (P, P) by double backpropagation (:func:`analysis.curvature.dense_hessian`)."""
        with torch.no_grad():
            torch.nn.utils.vector_to_parameters(theta, self.model.parameters())
        return torch.from_numpy(dense_hessian(self.model, self.loss_fn, self.inputs, self.targets))


def damped_newton_step(eigenvalues: torch.Tensor, eigenvectors: torch.Tensor, slope: torch.Tensor,
                       damping: float) -> torch.Tensor:
    """Σ_i λ_i (u_iᵀg) / (λ_i² + μ λ_max²) u_i: the Levenberg-Marquardt step on g = 0 (subtract it from θ)."""
    largest_squared = float(eigenvalues.abs().max()) ** 2
    factors = eigenvalues / (eigenvalues**2 + damping * largest_squared)
    factors = torch.nan_to_num(factors, posinf=0.0, neginf=0.0)
    return eigenvectors @ (factors * (eigenvectors.T @ slope))


def critical_point_search(loss: FlatLoss, start: torch.Tensor, steps: int) -> tuple[torch.Tensor, list[float]]:
    """Up to ``steps`` damped Newton steps on g = 0 from ``start``: the end point and ‖g‖ after each step taken.

    Each step tries every damping of the ladder, each followed by corrector steps with the same H; it keeps
    the candidate with the smallest ‖g‖, and the search stops when none lowers ‖g‖ or ‖g‖ ≤ the tolerance.
    """
    theta = start.clone()
    slope = loss.gradient(theta)
    norms = [float(torch.linalg.vector_norm(slope))]
    for _ in range(steps):
        if norms[-1] <= GRADIENT_TOLERANCE:
            break
        eigenvalues, eigenvectors = torch.linalg.eigh(loss.hessian(theta))
        best, best_norm, best_slope = None, norms[-1], None
        for damping in DAMPINGS:
            candidate = theta - damped_newton_step(eigenvalues, eigenvectors, slope, damping)
            for correction in range(CORRECTOR_STEPS + 1):
                candidate_slope = loss.gradient(candidate)
                candidate_norm = float(torch.linalg.vector_norm(candidate_slope))
                if candidate_norm < best_norm:
                    best, best_norm, best_slope = candidate, candidate_norm, candidate_slope
                if correction < CORRECTOR_STEPS:
                    candidate = candidate - damped_newton_step(eigenvalues, eigenvectors, candidate_slope,
                                                               CORRECTOR_DAMPING)
        if best is None:
            break
        theta, slope = best, best_slope
        norms.append(best_norm)
    return theta, norms


def measure_run(settings: Settings, seed: int, epochs: int) -> dict:
    """Train one network, drive its ‖g‖ towards 0, count its Hessian's eigenvalues there."""
    training = settings.training(seed, epochs)
    trained = train(training)
    loss = FlatLoss(training, settings.examples)
    start = torch.from_numpy(trained.snapshots[-1]).to(torch.float64)
    end, norms = critical_point_search(loss, start, settings.search_steps)
    eigenvalues = torch.linalg.eigh(loss.hessian(end)).eigenvalues
    largest = float(eigenvalues.abs().max())
    band = float(flat_band(eigenvalues, settings.tolerance * largest))
    critical = norms[-1] <= GRADIENT_TOLERANCE
    count = eigenvalues.numel()
    negative, positive = int((eigenvalues < -band).sum()), int((eigenvalues > band).sum())
    return {
        "seed": seed, "epochs": epochs, "parameters": count,
        "trained_loss": float(loss(start)), "training_loss": float(loss(end)),
        "trained_accuracy": float(trained.train_accuracy[-1]),
        "trained_gradient_norm": norms[0], "gradient_norm": norms[-1], "search_norms": norms,
        "distance": float(torch.linalg.vector_norm(end - start)), "critical": critical,
        "sign_ratio": float(minimum_ratio(eigenvalues)), "band_ratio": float(minimum_ratio(eigenvalues, band)),
        "sign_negative": int((eigenvalues < 0).sum()), "sign_positive": int((eigenvalues > 0).sum()),
        "negative": negative, "flat": count - negative - positive, "positive": positive, "band": band,
        "smallest": float(eigenvalues[0]), "largest": float(eigenvalues[-1]),
        "verdict": end_point_kind(eigenvalues, band),
        "kind": end_point_kind(eigenvalues, band, critical),
        "tolerance_ratios": [float(minimum_ratio(eigenvalues, float(flat_band(eigenvalues, tau * largest))))
                             for tau in TOLERANCES],
        "spectrum": eigenvalues.tolist() if (seed, epochs) == settings.runs[-1] else None,
    }


def loss_ratio_correlation(runs: list[dict]) -> tuple[float, float]:
    """Spearman's ρ between the training loss and the ratio by sign over ``runs``, and its p-value (scipy's,
    against ρ = 0; NaN for fewer than three runs)."""
    if len(runs) < 3:
        return math.nan, math.nan
    correlation = stats.spearmanr([run["training_loss"] for run in runs], [run["sign_ratio"] for run in runs])
    return float(correlation.statistic), float(correlation.pvalue)


def ratio_by_epochs(result: dict) -> list[float]:
    """The mean ratio by sign of the runs of each training length, shortest first."""
    return [mean_interval(run["sign_ratio"] for run in result["runs"] if run["epochs"] == epochs).mean
            for epochs in result["settings"]["epochs"]]


def summary(runs: list[dict]) -> dict:
    """Over the runs: the ratios' means with 95 % intervals, the minima, the critical points, ‖g‖, the trend."""
    sign = [run["sign_ratio"] for run in runs]
    band = [run["band_ratio"] for run in runs]
    reductions = [run["trained_gradient_norm"] / run["gradient_norm"] for run in runs]
    correlation = loss_ratio_correlation(runs)[0]
    return {
        "runs": len(runs),
        "sign_ratio": jsonable(mean_interval(sign)), "band_ratio": jsonable(mean_interval(band)),
        "sign_ratio_range": [min(sign), max(sign)], "band_ratio_range": [min(band), max(band)],
        "in_lecture_range": sum(LECTURE_RATIOS[0] <= value <= LECTURE_RATIOS[1] for value in sign),
        "sign_minima": sum(run["sign_negative"] == 0 and run["sign_positive"] == run["parameters"] for run in runs),
        "band_minima": sum(run["verdict"] == MINIMUM for run in runs),
        "band_saddles": sum(run["verdict"] == SADDLE for run in runs),
        "critical": sum(run["critical"] for run in runs),
        "trained_gradient_norm_median": float(np.median([run["trained_gradient_norm"] for run in runs])),
        "gradient_norm_median": float(np.median([run["gradient_norm"] for run in runs])),
        "gradient_norm_range": [min(run["gradient_norm"] for run in runs), max(run["gradient_norm"] for run in runs)],
        "reduction_median": float(np.median(reductions)),
        "loss_ratio_correlation": correlation,
        "tolerance_ratios": [jsonable(mean_interval(run["tolerance_ratios"][index] for run in runs))
                             for index in range(len(TOLERANCES))],
    }


def run(settings: Settings, progress=None) -> dict:
    runs = []
    for index, (seed, epochs) in enumerate(settings.runs):
        runs.append(measure_run(settings, seed, epochs))
        if progress is not None:
            progress((index + 1) / len(settings.runs))
    return {"settings": jsonable(settings), "tolerances": list(TOLERANCES), "runs": runs, "summary": summary(runs)}


def _interval_text(interval: dict) -> str:
    return Interval(**interval).text()


def findings(result: dict) -> tuple[Finding, ...]:
    """The ratio (both ways), the minima, whether the points are critical, and the ratio's trend with the loss."""
    summary_ = result["summary"]
    runs = summary_["runs"]
    tolerance = result["settings"]["tolerance"]
    sign_mean = summary_["sign_ratio"]["mean"]
    negatives = [run["sign_negative"] for run in result["runs"]]
    strict, loose = summary_["tolerance_ratios"][0]["mean"], summary_["tolerance_ratios"][-1]["mean"]
    gradient_low, gradient_high = summary_["gradient_norm_range"]
    return (
        Finding("ratio", {"sign": _interval_text(summary_["sign_ratio"]), "band": _interval_text(summary_["band_ratio"]),
                          "tolerance": f"{tolerance:g}", "runs": str(runs),
                          "inside": str(summary_["in_lecture_range"]), "negative_low": str(min(negatives)),
                          "negative_high": str(max(negatives)), "flat_low": str(min(run["flat"] for run in result["runs"])),
                          "flat_high": str(max(run["flat"] for run in result["runs"])), "parameters": str(result["runs"][0]["parameters"]),
                          "strict": f"{strict:.2f}", "loose": f"{loose:.2f}",
                          "strict_tolerance": f"{result['tolerances'][0]:.0e}",
                          "loose_tolerance": f"{result['tolerances'][-1]:.0e}"},
                LECTURE_RATIOS[0] <= sign_mean <= LECTURE_RATIOS[1]),
        Finding("minima", {"sign_minima": str(summary_["sign_minima"]), "band_minima": str(summary_["band_minima"]),
                           "saddles": str(summary_["band_saddles"]), "runs": str(runs),
                           "gradient_low": f"{gradient_low:.2g}", "gradient_high": f"{gradient_high:.2g}",
                           "rare": f"{RARE_MINIMA:.0%}".replace("%", " %")},
                summary_["sign_minima"] <= RARE_MINIMA * runs),
        Finding("critical", {"critical": str(summary_["critical"]), "runs": str(runs),
                             "trained": f"{summary_['trained_gradient_norm_median']:.2g}",
                             "searched": f"{summary_['gradient_norm_median']:.2g}",
                             "reduction": f"{summary_['reduction_median']:.0f}",
                             "threshold": f"{GRADIENT_TOLERANCE:.0e}",
                             "distance": f"{np.median([run['distance'] for run in result['runs']]):.2g}",
                             "lowered": str(sum(run["training_loss"] < run["trained_loss"] for run in result["runs"]))},
                summary_["critical"] >= runs / 2),
        _trend_finding(result),
    )


def _trend_finding(result: dict) -> Finding:
    """"The lower the training loss, the closer the ratio is to 1": agrees when Spearman's ρ between the loss
    and the ratio is negative with p < ``SIGNIFICANCE`` and the mean ratio does not fall from one training length
    to the next longer one (longer training lowers the loss, so a ratio tied to the loss would not fall)."""
    runs, lengths = result["runs"], result["settings"]["epochs"]
    correlation, p_value = loss_ratio_correlation(runs)
    by_epochs = ratio_by_epochs(result)
    groups = [[run for run in runs if run["epochs"] == epochs] for epochs in lengths]
    rising = all(later >= earlier for earlier, later in zip(by_epochs, by_epochs[1:]))
    fields = {"correlation": f"{correlation:.2f}".replace("-", "−"), "p_value": f"{p_value:.2g}",
              "significance": f"{SIGNIFICANCE:g}", "epochs": ", ".join(str(epochs) for epochs in lengths),
              "by_epochs": ", ".join(f"{mean:.2f}" for mean in by_epochs),
              "peak": str(lengths[int(np.argmax(by_epochs))]),
              "losses": ", ".join(f"{np.median([run['training_loss'] for run in group]):.2g}" for group in groups),
              "within": ", ".join(f"{loss_ratio_correlation(group)[0]:.2f}".replace("-", "−") for group in groups)}
    return Finding("trend", fields, bool(correlation < 0 and p_value < SIGNIFICANCE and rising))


def setup_fields(result: dict) -> dict:
    settings = result["settings"]
    first = result["runs"][0]
    return {"runs": str(len(result["runs"])), "seeds": str(len(settings["seeds"])),
            "epochs": ", ".join(str(epochs) for epochs in settings["epochs"]), "width": str(settings["width"]),
            "parameters": str(first["parameters"]), "learning_rate": f"{settings['learning_rate']:g}",
            "batch_size": str(settings["batch_size"]), "steps": str(settings["search_steps"]),
            "tolerance": f"{settings['tolerance']:g}", "examples": str(settings["examples"])}


def lab_links(result: dict) -> tuple[LabLink, ...]:
    """The trainings (not the search: the Lab has none) of the lowest-ratio and the lowest-loss runs, then of
    every run, in the scatter's order."""
    settings = Settings(**{key: tuple(value) if isinstance(value, list) else value
                           for key, value in result["settings"].items()})
    runs = result["runs"]
    chosen = (("lowest_ratio", min(runs, key=lambda run: (run["sign_ratio"], run["training_loss"]))),
              ("lowest_loss", min(runs, key=lambda run: run["training_loss"])))
    chosen += tuple(("run", run) for run in runs)
    return tuple(LabLink(key, LabSettings(base=settings.training(run["seed"], run["epochs"])),
                         {"seed": str(run["seed"]), "epochs": str(run["epochs"]), "ratio": f"{run['sign_ratio']:.3f}"})
                 for key, run in chosen)

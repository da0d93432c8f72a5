"""What the Network Lab computes: trainings, sharpness along them, the Hessian at a point, loss planes.

Each public ``*_job`` function is what one worker process computes (``workers.POOL`` sends it there on a
server; AppTest and scripts call it inline). Its arguments are settings and NumPy arrays, so that they
travel to a worker as small pickles, and it rebuilds the model itself. Everything else here is cheap
enough for the page's own process (PCA of a path, projecting paths onto a plane, a decision boundary).

One run of the Lab is up to three optimizers trained from the same initialization (the same seed) on
the same data. The curvature and the landscapes read the training loss on the first
``CURVATURE_SAMPLES`` training examples, with the model in evaluation mode (BatchNorm then uses its
running averages, so the loss is one fixed function of the parameters).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
import torch

from analysis.curvature import sharpness
from analysis.hessian_operator import NotFiniteLoss
from analysis.hessian_report import HessianReport, hessian_report
from analysis.landscape_planes import LossPlane, loss_line, loss_plane
from i18n import text
from scenes.lab_pictures import PlaneSetup, finite_snapshots
from networks.training import TrainingRun, TrainingSettings, build, data_tensors, loss_function, train

CURVATURE_SAMPLES = 1000  # examples the Hessian and the landscapes are computed on (all of a smaller set)
SHARPNESS_POINTS = 10  # λ_max along training at this many of the run's snapshots
PLANE_POINTS = 31  # the landscape grid's side
LINE_POINTS = 41
MIN_SLICE, MAX_SLICE = 1e-3, 5.0  # the reach of a 1-D slice along a unit eigenvector
MAX_OPTIMIZERS = 3
# The Lab's menus (the models allow deeper networks, the warm-up experiment's; the Lab's budget does not).
DEPTHS = tuple(range(5))
WIDTHS = (4, 8, 16, 32, 64, 128, 256)
EPOCHS = (1, 2, 5, 10, 20, 30, 50, 100)

Progress = Callable[[float], None] | None


@dataclass(frozen=True)
class LabSettings:
    """One experiment of the Lab: the training settings shared by every optimizer, and the optimizers."""

    base: TrainingSettings = field(default_factory=TrainingSettings)
    optimizers: tuple = ()  # OptimizerSettings, 1 to MAX_OPTIMIZERS; empty = the base's own

    def __post_init__(self) -> None:
        if len(self.optimizers) > MAX_OPTIMIZERS:
            raise ValueError(f"the Lab trains at most {MAX_OPTIMIZERS} optimizers at once, got {len(self.optimizers)}")

    def trainings(self) -> tuple[TrainingSettings, ...]:
        """One training per optimizer, all from the same initialization."""
        if not self.optimizers:
            return (self.base,)
        return tuple(replace(self.base, optimizer=optimizer) for optimizer in self.optimizers)


def curvature_batch(settings: TrainingSettings) -> tuple[torch.Tensor, torch.Tensor]:
    """The training examples the curvature and the landscapes are computed on."""
    inputs, targets, _, _ = data_tensors(settings)
    return inputs[:CURVATURE_SAMPLES], targets[:CURVATURE_SAMPLES]


def model_at_point(settings: TrainingSettings, parameters: np.ndarray, buffers: dict) -> torch.nn.Module:
    """The settings' model with flat ``parameters`` (in ``model.parameters()`` order) and BatchNorm
    ``buffers`` loaded, in evaluation mode."""
    model = build(settings)
    dtype = next(model.parameters()).dtype
    with torch.no_grad():
        torch.nn.utils.vector_to_parameters(torch.as_tensor(parameters, dtype=dtype), model.parameters())
    model.load_state_dict({name: torch.as_tensor(value) for name, value in buffers.items()}, strict=False)
    return model.eval()


def train_job(settings: TrainingSettings, progress: Progress = None) -> TrainingRun:
    return train(settings, progress=progress)


def sharpness_rows(run: TrainingRun) -> np.ndarray:
    """Up to ``SHARPNESS_POINTS`` of the run's finite snapshots, evenly spread, the first and last included."""
    finite = finite_snapshots(run)
    if len(finite) <= SHARPNESS_POINTS:
        return finite
    return finite[np.unique(np.linspace(0, len(finite) - 1, SHARPNESS_POINTS).round().astype(int))]


def sharpness_job(settings: TrainingSettings, points: np.ndarray, buffers: list[dict],
                  progress: Progress = None) -> np.ndarray:
    """λ_max of the training loss's Hessian at each row of ``points`` (NaN where the loss is not finite)."""
    inputs, targets = curvature_batch(settings)
    loss_fn = loss_function(settings)
    values = np.full(len(points), np.nan)
    for index, (parameters, state) in enumerate(zip(points, buffers, strict=True)):
        if np.all(np.isfinite(parameters)):
            try:
                values[index] = sharpness(model_at_point(settings, parameters, state), loss_fn, inputs, targets)
            except NotFiniteLoss:  # finite parameters of a diverging run can still make the loss infinite
                pass
        if progress is not None:
            progress((index + 1) / len(points))
    return values


@dataclass(frozen=True, eq=False)
class PointInspection:
    """The Hessian at one point of the parameter space, and the loss along its extreme eigenvectors."""

    report: HessianReport
    top_line: tuple[np.ndarray, np.ndarray]  # (t, L(θ + t·u_max))
    bottom_line: tuple[np.ndarray, np.ndarray]  # (t, L(θ + t·u_min))
    top_slope: float  # g·u_max, the slices' slope at t = 0
    bottom_slope: float  # g·u_min


def inspection_job(settings: TrainingSettings, parameters: np.ndarray, buffers: dict,
                   progress: Progress = None) -> PointInspection:
    """The Hessian report at ``parameters`` and the 1-D slices along the top and the most negative eigenvector."""
    model = model_at_point(settings, parameters, buffers)
    inputs, targets = curvature_batch(settings)
    loss_fn = loss_function(settings)
    report = hessian_report(model, loss_fn, inputs, targets)
    if progress is not None:
        progress(0.8)
    vectors = (report.top_vectors[:, 0], report.bottom_vectors[:, 0])
    curvatures = (report.top_values[0], report.bottom_values[0])
    lines = [loss_line(model, loss_fn, inputs, targets, parameters, vector, points=LINE_POINTS, kind="direction",
                       extent=slice_extent(report.loss, curvature)) for vector, curvature in zip(vectors, curvatures)]
    gradient = loss_gradient(model, loss_fn, inputs, targets)
    return PointInspection(report=report, top_line=lines[0], bottom_line=lines[1],
                           top_slope=float(gradient @ vectors[0]), bottom_slope=float(gradient @ vectors[1]))


def slice_extent(loss: float, curvature: float) -> float:
    """How far a 1-D slice reaches along a unit eigenvector: where its quadratic ½|λ|t² has grown by the
    loss itself (so a sharp direction gets a short slice), within [``MIN_SLICE``, ``MAX_SLICE``]."""
    reach = np.sqrt(2 * max(abs(loss), 1e-3) / max(abs(curvature), 1e-12))
    return float(np.clip(reach, MIN_SLICE, MAX_SLICE))


def loss_gradient(model: torch.nn.Module, loss_fn, inputs: torch.Tensor, targets: torch.Tensor) -> np.ndarray:
    """∇L at the model's parameters, flat in ``model.parameters()`` order."""
    parameters = [parameter for parameter in model.parameters() if parameter.requires_grad]
    gradients = torch.autograd.grad(loss_fn(model(inputs), targets), parameters)
    return torch.cat([gradient.reshape(-1) for gradient in gradients]).detach().double().numpy()


def interpolation_job(settings: TrainingSettings, start: np.ndarray, end: np.ndarray, buffers: dict,
                      progress: Progress = None) -> tuple[np.ndarray, np.ndarray]:
    """The training loss on the straight line θ(t) = θ_start + t (θ_end − θ_start), t from −0.5 to 1.5
    (Goodfellow et al. 2015's 1-D interpolation; BatchNorm's running averages are the end's)."""
    model = model_at_point(settings, end, buffers)
    inputs, targets = curvature_batch(settings)
    return loss_line(model, loss_function(settings), inputs, targets, start, end, points=LINE_POINTS,
                     kind="interpolation")


def plane_job(settings: TrainingSettings, center: np.ndarray, buffers: dict, directions: np.ndarray,
              extent: tuple[float, float, float, float], kind: str, explained: np.ndarray | None,
              progress: Progress = None) -> LossPlane:
    """The training loss on the plane ``center + α d₁ + β d₂`` over ``extent`` = (α₀, α₁, β₀, β₁)."""
    model = model_at_point(settings, center, buffers)
    inputs, targets = curvature_batch(settings)
    return loss_plane(model, loss_function(settings), inputs, targets, center, directions, extent,
                      points=PLANE_POINTS, kind=kind, explained=explained)


def stability_limit(settings: TrainingSettings, learning_rates: np.ndarray) -> np.ndarray | None:
    """The largest curvature λ on which the run's rule is stable at each update, or None for an adaptive rule.

    On a quadratic with curvature λ, gradient descent multiplies the distance along that direction by
    1 − ηλ per step: it shrinks only while λ < 2/η. Heavy-ball momentum with coefficient β is stable
    while λ < 2(1 + β)/η, torch's Nesterov while λ < 2(1 + β)/(η(1 + 2β)) (the roots of their
    two-step recurrences stay inside the unit circle). Adaptive rules divide every coordinate by its own
    σ: no single limit in λ.
    """
    kind = settings.optimizer.kind.value
    rates = np.asarray(learning_rates, dtype=float)
    if kind == "gd":
        return 2 / rates
    beta = settings.optimizer.momentum
    if kind == "momentum":
        return 2 * (1 + beta) / rates
    if kind == "nesterov":
        return 2 * (1 + beta) / (rates * (1 + 2 * beta))
    return None


def nearest_snapshot(run: TrainingRun, update: int) -> int | None:
    """The index of the run's finite snapshot nearest to ``update`` (the earlier one on a tie), or None."""
    finite = finite_snapshots(run)
    if not len(finite):
        return None
    return int(finite[np.argmin(np.abs(run.snapshot_updates[finite] - update))])


def run_summary(run: TrainingRun, label: str, language: str) -> str:
    """One line per run: its end (or where it diverged), its final losses and accuracies, and its time."""
    values = {"run": label, "updates": len(run.update_loss), "seconds": f"{float(np.sum(run.epoch_seconds)):.1f}",
              "train": f"{float(run.train_loss[-1]):.4g}", "validation": f"{float(run.validation_loss[-1]):.4g}",
              "accuracy": f"{100 * float(run.validation_accuracy[-1]):.1f}"}
    if run.diverged_at is not None:
        return text("lab.run_diverged", language, run=label, update=run.diverged_at)
    classification = bool(np.isfinite(run.validation_accuracy[-1]))  # NaN for regression
    return text("lab.run_summary" if classification else "lab.run_summary_regression", language, **values)


def plane_caption(setup: PlaneSetup, language: str) -> str:
    """What the landscape picture is: its centre, its directions and how much of the paths the plane holds."""
    if setup.explained is None:
        return text("lab.plane_random_caption", language, run=setup.centre_run + 1)
    return text("lab.plane_pca_caption", language, run=setup.centre_run + 1,
                first=f"{100 * setup.explained[0]:.0f}", second=f"{100 * setup.explained[1]:.0f}",
                total=f"{100 * (setup.explained[0] + setup.explained[1]):.0f}")

r"""The lecture's experiment on a real small network: where training stops, how many directions curve up?

For each of K random starts (one batch, one tensor loop):

1. **train**: full-batch Adam on L_ρ(θ) = MSE + (ρ/2)‖θ‖² for a fixed number of steps;
2. **find the critical point** training was heading for, by minimizing ½‖∇L(θ)‖² (as in the lecture's
   source experiment) with damped Newton steps (Levenberg-Marquardt on the equation g(θ) = 0, whose
   Jacobian is the Hessian H = Σ λ_i u_i u_iᵀ):

   .. math::

       \theta \leftarrow \theta - (H^2 + \mu \lambda_{\max}^2 I)^{-1} H g
             = \theta - \sum_i \frac{\lambda_i\, u_i^\top g}{\lambda_i^2 + \mu\lambda_{\max}^2}\, u_i ,

   trying a ladder of dampings μ at once (μ = 0 is Newton's step, quadratic once close), each followed
   by two cheap corrector steps with the same H and a fixed μ = 10⁻⁴ that pull the steep directions
   back (the low valleys of a network's loss are curved: a step along a flat direction climbs the
   steep walls). Each run keeps whichever candidate has the smallest ‖g‖. Unlike Newton on L, this is
   attracted by saddles as much as by minima, so it does not bias the verdict towards minima;
3. **count**: the eigenvalues λ of the full Hessian at the end point (``torch.linalg.eigh``, float64),
   twice: by sign, the lecture's

   .. math::

       \text{minimum ratio} = \frac{\#\{\lambda_i > 0\}}{P},

   1 at a true local minimum, lower at a saddle (the lecture: training usually stops at ratios of 0.5-0.6);
   and with a flat band |λ| ≤ ρ (plus rounding), inside which the sign is the regularizer's choice:
   #{λ_i > ρ}/P, and the verdict minimum (every λ > ρ), saddle (some λ < −ρ) or flat (neither), as
   :mod:`analysis.eigenvalue_counts` counts them.

Why the weight decay ρ (default 10⁻³): without it the valleys of a tanh network keep sloping gently
down towards ever larger weights (measured: ‖g‖ stalls at 10⁻⁴, the search walks several units and
the loss still falls), so there is no critical point at a finite distance to find. The penalty gives
every valley a bottom; it shifts the Hessian by ρI, and so it also decides the sign of every
eigenvalue within ρ of zero. Measured on the page's default (16 runs, H = 6, 2000 Adam steps): every
run has one or two such eigenvalues (|λ| from 0.13ρ to 0.99ρ) and none below −ρ; their signs
make 11 runs minima and 5 saddles by the sign count, and all 16 flat with the band.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch

from analysis.eigenvalue_counts import (
    FLAT,
    MINIMUM,
    SADDLE,
    eigenvalue_rounding,
    end_point_kind,
    flat_band,
    minimum_ratio,
)
from analysis.network import (
    Dataset,
    check_hidden_width,
    gradient,
    initial_parameters,
    loss_gradient_hessian,
    make_dataset,
    mean_squared_error,
)

MAX_RUNS = 24
MAX_TRAINING_STEPS = 5000
GRADIENT_TOLERANCE = 1e-10
ADAM_BETAS = (0.9, 0.999)
ADAM_EPS = 1e-8
# The search's ladder of dampings μ (relative to λ_max²), and its corrector (see critical_point_search).
DAMPINGS = (0.0, 1e-12, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2, 1.0)
CORRECTOR_DAMPING = 1e-4
CORRECTOR_STEPS = 2


@contextmanager
def single_threaded() -> Iterator[None]:
    """Run the block with one intra-op torch thread, then restore the previous count.

    The experiment is thousands of operations on tensors of a few thousand numbers, each costing
    microseconds; a second thread only adds waiting for a second core. Measured on 2 shared cores
    (load average 5-8): a gradient step of 24 runs took 2-12 ms on two threads, 0.3-0.8 ms on one; the
    default experiment 20 s against 1-2 s. One thread also makes the result independent of the machine's
    core count (no thread-dependent order of additions). ``torch.set_num_threads`` applies to the calling
    thread (and threads started meanwhile), so it is restored right after.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


@dataclass(frozen=True)
class ExperimentSettings:
    """What a student picks: K runs, H hidden units, the seed, and how long Adam trains before the search."""

    runs: int = 16
    hidden: int = 6
    seed: int = 0
    training_steps: int = 2000
    learning_rate: float = 0.02
    weight_decay: float = 1e-3
    search_iterations: int = 150

    def __post_init__(self) -> None:
        check_hidden_width(self.hidden)
        for name, low, high in (("runs", 1, MAX_RUNS), ("training_steps", 0, MAX_TRAINING_STEPS),
                                ("search_iterations", 0, 10_000), ("seed", 0, 2**32 - 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
                raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}")
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"Invalid learning rate: {self.learning_rate}")
        if not (math.isfinite(self.weight_decay) and self.weight_decay >= 0):
            raise ValueError(f"Invalid weight decay: {self.weight_decay}")


def adam_training(start: torch.Tensor, data: Dataset, steps: int, learning_rate: float,
                  weight_decay: float = 0.0) -> torch.Tensor:
    r"""``steps`` full-batch Adam updates of every run in ``start`` (K, P) at once; returns the end (K, P).

    The numerics of ``torch.optim.Adam(lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=ρ)`` (ρθ added to
    the gradient, ε outside the root, both moments bias-corrected):

    .. math::

        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t, \quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2, \quad
        \theta_t = \theta_{t-1} - \eta\, \frac{m_t / (1-\beta_1^t)}{\sqrt{v_t / (1-\beta_2^t)} + \varepsilon}.

    Each run only sees its own gradient, so a run ends where it would end alone.
    """
    beta1, beta2 = ADAM_BETAS
    parameters = start.clone()
    first, second = torch.zeros_like(start), torch.zeros_like(start)
    for step in range(1, steps + 1):
        slope = gradient(parameters, data, weight_decay)
        first.mul_(beta1).add_(slope, alpha=1 - beta1)
        second.mul_(beta2).addcmul_(slope, slope, value=1 - beta2)
        scale = (second / (1 - beta2**step)).sqrt_().add_(ADAM_EPS)
        parameters.addcdiv_(first, scale, value=-learning_rate / (1 - beta1**step))
    return parameters


def _search_candidates(parameters: torch.Tensor, data: Dataset, weight_decay: float
                       ) -> tuple[torch.Tensor, torch.Tensor]:
    """Every damped Newton step of the ladder from each run, with its corrected versions (K, C, P), and ‖g‖ there.

    All steps reuse the eigen-decomposition H = U diag(λ) Uᵀ at the current point, so a step costs
    matrix products and gradient evaluations, never another Hessian.
    """
    _, slope, hessian = loss_gradient_hessian(parameters, data, weight_decay)
    eigenvalues, eigenvectors = torch.linalg.eigh(hessian)
    largest_squared = eigenvalues.abs().amax(-1, keepdim=True).clamp_min(1e-150).unsqueeze(-1) ** 2  # (K, 1, 1)

    def damped_newton(gradients: torch.Tensor, dampings: torch.Tensor) -> torch.Tensor:
        """Σ_i λ_i (u_iᵀg) / (λ_i² + μ λ_max²) u_i for gradients (K, C, P) and dampings μ (M, 1)."""
        factors = eigenvalues.unsqueeze(-2) / (eigenvalues.unsqueeze(-2) ** 2 + dampings * largest_squared)
        return ((gradients @ eigenvectors) * torch.nan_to_num(factors, posinf=0.0, neginf=0.0)) @ eigenvectors.mT

    dampings = torch.tensor(DAMPINGS, dtype=torch.float64).reshape(-1, 1)
    candidates = parameters.unsqueeze(-2) - damped_newton(slope.unsqueeze(-2).expand(-1, len(DAMPINGS), -1), dampings)
    correction = torch.tensor([[CORRECTOR_DAMPING]], dtype=torch.float64)
    tried, norms = [], []
    for corrections in range(CORRECTOR_STEPS + 1):
        candidate_gradients = gradient(candidates, data, weight_decay)
        tried.append(candidates)
        norms.append(torch.linalg.vector_norm(candidate_gradients, dim=-1))
        if corrections < CORRECTOR_STEPS:
            candidates = candidates - damped_newton(candidate_gradients, correction)
    return torch.cat(tried, dim=-2), torch.cat(norms, dim=-1)


def critical_point_search(start: torch.Tensor, data: Dataset, weight_decay: float = 0.0,
                          iterations: int = 200, tolerance: float = GRADIENT_TOLERANCE
                          ) -> tuple[torch.Tensor, torch.Tensor]:
    """Minimize ‖∇L‖² from every run of ``start`` (K, P): the end points (K, P) and the steps each took (K,).

    A run stops when ‖g‖ ≤ ``tolerance``, when no step of the ladder lowers ‖g‖ any more (a local
    minimum of ‖g‖ that is not a critical point), or after ``iterations`` steps; only the runs still
    searching are computed, so a run ends where it would end alone (up to rounding: ``eigh`` of a batch
    may differ from ``eigh`` of one matrix in the last bits).
    """
    parameters = start.clone()
    steps_taken = torch.zeros(start.shape[0], dtype=torch.int64)
    norms = torch.linalg.vector_norm(gradient(parameters, data, weight_decay), dim=-1)
    active = torch.nonzero(norms > tolerance).flatten()
    for _ in range(iterations):
        if active.numel() == 0:
            break
        candidates, candidate_norms = _search_candidates(parameters[active], data, weight_decay)
        best_norms, best = candidate_norms.min(dim=-1)
        improved = best_norms < norms[active]
        moved = active[improved]
        parameters[moved] = candidates[improved, best[improved]]
        norms[moved] = best_norms[improved]
        steps_taken[moved] += 1
        active = moved[norms[moved] > tolerance]
    return parameters, steps_taken


def _oriented(eigenvectors: torch.Tensor) -> torch.Tensor:
    """Eigenvector columns (..., P, P) with a reproducible sign: the largest component made positive."""
    largest = eigenvectors.abs().argmax(dim=-2, keepdim=True)
    signs = torch.sign(eigenvectors.gather(-2, largest))
    return eigenvectors * torch.where(signs == 0, torch.ones_like(signs), signs)


@dataclass(frozen=True, eq=False)
class Experiment:
    """Per run k: start, end point θ*_k, training loss (MSE), ‖g‖, Hessian spectrum (ascending), flat band.

    ``converged[k]`` says the search reached ‖g‖ ≤ ``GRADIENT_TOLERANCE``: only then is θ*_k a critical
    point and its minimum ratio the lecture's. ``objective`` is L_ρ, the loss actually minimized. The
    counts come twice: by sign (``positive_counts``, ``minimum_ratios``: the lecture's) and against the
    flat band ±``flat_bands[k]`` (``above_band_counts``, ``band_ratios``, ``kinds``).
    """

    settings: ExperimentSettings
    data: Dataset
    starts: torch.Tensor
    trained: torch.Tensor
    end_points: torch.Tensor
    training_losses: torch.Tensor
    objective: torch.Tensor
    gradient_norms: torch.Tensor
    eigenvalues: torch.Tensor
    eigenvectors: torch.Tensor
    flat_bands: torch.Tensor
    converged: torch.Tensor
    search_steps: torch.Tensor

    @property
    def parameter_count(self) -> int:
        return self.end_points.shape[-1]

    @property
    def positive_counts(self) -> torch.Tensor:
        """How many eigenvalues of each run are > 0: the numerator of the lecture's minimum ratio, (K,)."""
        return (self.eigenvalues > 0).sum(-1)

    @property
    def negative_counts(self) -> torch.Tensor:
        """How many eigenvalues of each run are < 0, (K,)."""
        return (self.eigenvalues < 0).sum(-1)

    @property
    def minimum_ratios(self) -> torch.Tensor:
        """The lecture's minimum ratio #{λ > 0}/P of each run, (K,)."""
        return minimum_ratio(self.eigenvalues)

    @property
    def above_band_counts(self) -> torch.Tensor:
        """How many eigenvalues of each run are > its flat band: clearly curving up, (K,)."""
        return (self.eigenvalues > self.flat_bands.unsqueeze(-1)).sum(-1)

    @property
    def below_band_counts(self) -> torch.Tensor:
        """How many eigenvalues of each run are < −its flat band: clearly curving down, (K,)."""
        return (self.eigenvalues < -self.flat_bands.unsqueeze(-1)).sum(-1)

    @property
    def flat_counts(self) -> torch.Tensor:
        """How many eigenvalues of each run lie within ± its flat band, (K,)."""
        return self.parameter_count - self.above_band_counts - self.below_band_counts

    @property
    def band_ratios(self) -> torch.Tensor:
        """The minimum ratio with the flat band, #{λ > band}/P, of each run, (K,)."""
        return minimum_ratio(self.eigenvalues, self.flat_bands.unsqueeze(-1))

    @property
    def kinds(self) -> tuple[str, ...]:
        """Each run's end point against the flat band: ``MINIMUM`` (every λ > band), ``SADDLE`` (some
        λ < −band), ``FLAT`` (neither: some |λ| ≤ band, whose sign the regularizer chose), or
        ``NOT_CRITICAL`` (the search did not reach ‖g‖ ≤ ``GRADIENT_TOLERANCE``)."""
        return tuple(end_point_kind(self.eigenvalues[run], float(self.flat_bands[run]), bool(self.converged[run]))
                     for run in range(self.settings.runs))

    def lowest_ratio_run(self) -> int:
        """The run (0-based) to show first: the critical point with the lowest minimum ratio by sign, then
        with the flat band, then the first such run; run 0 if no run reached a critical point."""
        critical = [run for run in range(self.settings.runs) if self.converged[run]]
        return min(critical or [0], key=lambda run: (float(self.minimum_ratios[run]), float(self.band_ratios[run]),
                                                     run))

    def summary(self) -> ExperimentSummary:
        """How many runs reached a critical point, how many of those are minima and saddles (by sign and
        with the flat band), their ratios, and how far their smallest |λ| is above rounding."""
        critical = self.converged
        kinds = [kind for kind, converged in zip(self.kinds, critical.tolist()) if converged]
        ratios, band_ratios = self.minimum_ratios[critical], self.band_ratios[critical]
        found = ratios.numel() > 0

        def statistic(values: torch.Tensor, reduce) -> float | None:
            return float(reduce(values)) if found else None

        return ExperimentSummary(
            runs=self.settings.runs, critical=int(critical.sum()),
            sign_minima=int((critical & (self.positive_counts == self.parameter_count)).sum()),
            sign_saddles=int((critical & (self.negative_counts > 0)).sum()),
            minima=kinds.count(MINIMUM), saddles=kinds.count(SADDLE), flat=kinds.count(FLAT),
            band=float(self.flat_bands.max()),
            lowest_ratio=statistic(ratios, torch.min), median_ratio=statistic(ratios, torch.median),
            highest_ratio=statistic(ratios, torch.max),
            lowest_band_ratio=statistic(band_ratios, torch.min), highest_band_ratio=statistic(band_ratios, torch.max),
            smallest_magnitude=statistic(self.eigenvalues[critical].abs(), torch.min),
            rounding=statistic(eigenvalue_rounding(self.eigenvalues[critical]), torch.max),
        )


@dataclass(frozen=True)
class ExperimentSummary:
    """Counts over the runs: ``critical`` reached ‖g‖ ≤ tol; of those, by sign, ``sign_minima`` (every λ > 0)
    and ``sign_saddles`` (some λ < 0); with the flat band ±``band``, ``minima``, ``saddles`` and ``flat``
    (see :attr:`Experiment.kinds`); the lowest, median and highest minimum ratio by sign and the range with
    the band; the smallest |λ| of any critical point and the largest rounding error of its eigenvalues."""

    runs: int
    critical: int
    sign_minima: int
    sign_saddles: int
    minima: int
    saddles: int
    flat: int
    band: float
    lowest_ratio: float | None
    median_ratio: float | None
    highest_ratio: float | None
    lowest_band_ratio: float | None
    highest_band_ratio: float | None
    smallest_magnitude: float | None
    rounding: float | None


def run_experiment(settings: ExperimentSettings = ExperimentSettings(), data: Dataset | None = None) -> Experiment:
    """Train K networks from seeded starts, find the critical point each was heading for, read its Hessian.

    Runs on one torch thread (:func:`single_threaded`): 1-3 s for 24 runs of 2000 steps on 2 busy cores.
    """
    data = make_dataset() if data is None else data
    starts = initial_parameters(settings.hidden, settings.seed, settings.runs)
    with single_threaded():
        trained = adam_training(starts, data, settings.training_steps, settings.learning_rate, settings.weight_decay)
        end_points, search_steps = critical_point_search(trained, data, settings.weight_decay,
                                                         settings.search_iterations)
        objective, slope, hessian = loss_gradient_hessian(end_points, data, settings.weight_decay)
        eigenvalues, eigenvectors = torch.linalg.eigh(hessian)
    gradient_norms = torch.linalg.vector_norm(slope, dim=-1)
    return Experiment(
        settings=settings, data=data, starts=starts, trained=trained, end_points=end_points,
        training_losses=mean_squared_error(end_points, data), objective=objective, gradient_norms=gradient_norms,
        eigenvalues=eigenvalues, eigenvectors=_oriented(eigenvectors),
        flat_bands=flat_band(eigenvalues, settings.weight_decay).squeeze(-1),
        converged=gradient_norms <= GRADIENT_TOLERANCE, search_steps=search_steps,
    )

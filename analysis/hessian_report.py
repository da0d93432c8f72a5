r"""Everything the Network Lab shows about the Hessian at one point of a run: one call, one report.

At the model's parameters θ, with g = ∇L and H = ∇²L (:mod:`analysis.curvature`):

- the k largest and the k most negative eigenpairs, the trace and the spectral density;
- when P ≤ ``DENSE_LIMIT``, every eigenvalue (a dense ``eigh``), and the lecture's counts with a flat band:

  .. math::

      \text{flat: } |\lambda| \le t \max_i |\lambda_i|, \qquad
      \text{minimum ratio} = \frac{\#\{\lambda > 0\}}{P}, \qquad
      \text{without flat} = \frac{\#\{\lambda > t \max|\lambda|\}}{P - \#\text{flat}} ;

- the verdict: "not_critical" when ‖g‖ > ``gradient_tolerance`` (the second order says little where the
  slope dominates); otherwise "saddle" when some λ < −t max|λ| (a direction curves down), "minimum" when
  none does and some curve up (flat directions allowed: a network's loss is flat along its symmetries,
  and the second order cannot say which way those go), "flat" when every eigenvalue is in the band.
  Without the dense spectrum, the verdict reads the k most negative eigenvalues, which is all it needs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from analysis.curvature import DENSE_LIMIT, extreme_eigenpairs, signed_columns
from analysis.hessian_operator import HessianOperator, LossFunction
from analysis.spectral_lanczos import broadened_density, hutch_plus_plus, lanczos_quadrature

MINIMUM, SADDLE, FLAT, NOT_CRITICAL = "minimum", "saddle", "flat", "not_critical"
GRADIENT_TOLERANCE = 1e-3
FLAT_TOLERANCE = 1e-3
EIGENVALUE_TOLERANCE = 1e-6


@dataclass(eq=False)
class HessianReport:
    """The Hessian at one point; eigenvalue arrays are float64, vectors in the model's parameter order.

    ``exact``: every eigenvalue was computed (``eigenvalues``, ascending), and the trace and the counts are
    exact (``trace_error`` 0). Otherwise the counts and ratios are None: k eigenvalues do not count P.
    """

    parameter_count: int
    loss: float
    gradient_norm: float
    gradient_tolerance: float
    top_values: np.ndarray          # (k,) largest first
    top_vectors: np.ndarray         # (P, k)
    bottom_values: np.ndarray       # (k,) most negative first
    bottom_vectors: np.ndarray      # (P, k)
    trace: float
    trace_error: float
    density_grid: np.ndarray        # (m,)
    density: np.ndarray             # (m,), integrates to 1
    exact: bool
    eigenvalues: np.ndarray | None  # (P,) ascending, when exact
    flat_tolerance: float
    flat_band: float                # t · max|λ|
    minimum_ratio: float | None
    minimum_ratio_without_flat: float | None
    flat_count: int | None
    positive_count: int | None
    negative_count: int | None
    verdict: str


def hessian_report(model: torch.nn.Module, loss_fn: LossFunction, inputs: torch.Tensor, targets: torch.Tensor,
                   k: int = 5, flat_tolerance: float = FLAT_TOLERANCE, seed: int = 0,
                   gradient_tolerance: float = GRADIENT_TOLERANCE, dense_limit: int = DENSE_LIMIT) -> HessianReport:
    """The report at the model's parameters (model, mode and buffers unchanged), dense when P ≤ ``dense_limit``."""
    if not (isinstance(flat_tolerance, (int, float)) and 0 <= flat_tolerance < 1):
        raise ValueError(f"flat_tolerance must be a number in [0, 1), got {flat_tolerance!r}")
    if not (isinstance(gradient_tolerance, (int, float)) and gradient_tolerance >= 0):
        raise ValueError(f"gradient_tolerance must be a number ≥ 0, got {gradient_tolerance!r}")
    operator = HessianOperator(model, loss_fn, inputs, targets)
    size = operator.size
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= size:
        raise ValueError(f"k must be a whole number from 1 to P = {size}, got {k!r}")
    gradient_norm = float(torch.linalg.vector_norm(operator.gradient.to(torch.float64)))
    if size <= dense_limit:
        eigenvalues, vectors = np.linalg.eigh(operator.dense().to(torch.float64).numpy())
        top = (eigenvalues[::-1][:k], vectors[:, ::-1][:, :k])
        bottom = (eigenvalues[:k], vectors[:, :k])
        trace, trace_error = float(eigenvalues.sum()), 0.0
        grid, density = broadened_density(eigenvalues, np.full(size, 1.0 / size))
    else:
        eigenvalues = None
        top = extreme_eigenpairs(operator, k, "largest", EIGENVALUE_TOLERANCE)
        bottom = extreme_eigenpairs(operator, k, "smallest", EIGENVALUE_TOLERANCE)
        trace, trace_error = hutch_plus_plus(operator.matmat, size, operator.dtype, seed)
        grid, density = broadened_density(*lanczos_quadrature(operator.matvec, size, operator.dtype, seed))
    band = flat_tolerance * max(abs(top[0][0]), abs(bottom[0][0]))
    counts = _counts(eigenvalues, band)
    if gradient_norm > gradient_tolerance:
        verdict = NOT_CRITICAL
    elif bottom[0][0] < -band:
        verdict = SADDLE
    else:
        verdict = MINIMUM if top[0][0] > band else FLAT
    return HessianReport(
        parameter_count=size, loss=operator.loss, gradient_norm=gradient_norm,
        gradient_tolerance=float(gradient_tolerance),
        top_values=np.array(top[0]), top_vectors=signed_columns(top[1]),
        bottom_values=np.array(bottom[0]), bottom_vectors=signed_columns(bottom[1]),
        trace=trace, trace_error=trace_error, density_grid=grid, density=density,
        exact=eigenvalues is not None, eigenvalues=eigenvalues, flat_tolerance=float(flat_tolerance),
        flat_band=float(band), verdict=verdict, **counts)


def _counts(eigenvalues: np.ndarray | None, band: float) -> dict:
    """The counts and both minimum ratios of the dense spectrum against the flat band (None without it)."""
    if eigenvalues is None:
        return dict(minimum_ratio=None, minimum_ratio_without_flat=None, flat_count=None, positive_count=None,
                    negative_count=None)
    flat = int((np.abs(eigenvalues) <= band).sum())
    positive = int((eigenvalues > band).sum())
    negative = int((eigenvalues < -band).sum())
    curved = eigenvalues.size - flat
    return dict(minimum_ratio=float((eigenvalues > 0).mean()),
                minimum_ratio_without_flat=positive / curved if curved else None,
                flat_count=flat, positive_count=positive, negative_count=negative)


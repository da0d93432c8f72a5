r"""The curvature of a network's loss, for any ``torch.nn.Module``: callable from a notebook.

Every function takes a ``model``, a loss ``loss_fn(model(inputs), targets) -> scalar`` and the tensors
``inputs, targets``, and works on the Hessian

.. math::

    H = \nabla^2_\theta\, \text{loss\_fn}(\text{model}(\text{inputs}; \theta), \text{targets})
    \in \mathbb R^{P \times P}

over θ = ``[p for p in model.parameters() if p.requires_grad]`` flattened in that order, in the model's
own dtype (a float64 model gets float64 answers), in the model's own mode (BatchNorm in evaluation
mode uses its running statistics), leaving the model, its mode and its buffers unchanged. Only
Hessian-vector products are used (:mod:`analysis.hessian_operator`), except by :func:`dense_hessian`,
which builds H from P of them.

"largest"/"smallest" are algebraic: "smallest" finds the most negative eigenvalues.

>>> values, vectors = hessian_eigenpairs(model, torch.nn.functional.cross_entropy, x, y, k=3)
>>> estimate, error = hessian_trace(model, torch.nn.functional.cross_entropy, x, y)
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.sparse.linalg import ArpackNoConvergence, eigsh
from threadpoolctl import threadpool_limits

from analysis.hessian_operator import HessianOperator, LossFunction
from analysis.spectral_lanczos import (
    DENSITY_PROBES,
    LANCZOS_STEPS,
    TRACE_MATRIX_PRODUCTS,
    broadened_density,
    hutch_plus_plus,
    lanczos_quadrature,
)

DENSE_LIMIT = 3000          # the largest P whose Hessian is built whole (3000² float64 = 72 MB)
WHICH = ("largest", "smallest")
NORM_TOLERANCE = 1e-2       # the rough ‖H‖ that scales the convergence test of "smallest"
SMALLEST_KRYLOV = 40        # Lanczos vectors kept for "smallest" (ARPACK's ncv; its default is 20)
MAX_RESTARTS = 100          # ARPACK restarts before giving up (measured: about 10 for the 5 most negative, P = 6k)
START_SEED = 0              # Lanczos' start vector: seeded, so a call repeats exactly


def dense_hessian(model: torch.nn.Module, loss_fn: LossFunction, inputs: torch.Tensor,
                  targets: torch.Tensor) -> np.ndarray:
    """H (P, P), symmetric, in the model's dtype, for P ≤ ``DENSE_LIMIT``."""
    operator = HessianOperator(model, loss_fn, inputs, targets)
    _check_dense_size(operator.size)
    return operator.dense().numpy()


def hessian_eigenpairs(model: torch.nn.Module, loss_fn: LossFunction, inputs: torch.Tensor,
                       targets: torch.Tensor, k: int = 5, which: str = "largest",
                       tol: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    r"""The k largest (or smallest) eigenvalues (k,), largest (smallest) first, and unit eigenvectors (P, k).

    Implicitly restarted Lanczos (ARPACK's ``eigsh`` on H + sI as a ``LinearOperator``), stopped when every
    Ritz pair's residual is small enough to bound its eigenvalue's error:

    .. math::

        |\theta - \lambda| \le \|H y - \theta y\| \le \texttt{tol} \cdot \|H\| .

    ARPACK's own test is relative to |θ|, which an eigenvalue near zero cannot meet; so for "smallest" the
    shift s = −2‖H‖ (‖H‖ roughly, from a quick first run) moves every θ + s to at least ‖H‖ in size, and
    Lanczos' Krylov spaces, hence its convergence, are the same for H and H + sI. Each eigenvector's sign is
    chosen so that its largest entry is positive. With k ≥ P − 1, a dense ``eigh`` instead.
    """
    if which not in WHICH:
        raise ValueError(f"which must be one of {WHICH}, got {which!r}")
    if not (isinstance(tol, (int, float)) and 0 < tol < 1):
        raise ValueError(f"tol must be a number between 0 and 1, got {tol!r}")
    operator = HessianOperator(model, loss_fn, inputs, targets)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= operator.size:
        raise ValueError(f"k must be a whole number from 1 to P = {operator.size}, got {k!r}")
    values, vectors = extreme_eigenpairs(operator, k, which, tol)
    dtype = np.dtype(str(operator.dtype).removeprefix("torch."))
    return values.astype(dtype), vectors.astype(dtype)


def extreme_eigenpairs(operator: HessianOperator, k: int, which: str, tol: float) -> tuple[np.ndarray, np.ndarray]:
    """:func:`hessian_eigenpairs` on an operator already built (float64 arrays)."""
    if k >= operator.size - 1:
        values, vectors = np.linalg.eigh(operator.dense().to(torch.float64).numpy())
    else:
        start = np.random.default_rng(START_SEED).standard_normal(operator.size)
        try:
            values, vectors = _lanczos_eigenpairs(operator, k, which, tol, start)
        except ArpackNoConvergence as error:
            raise RuntimeError(f"Lanczos did not reach tol = {tol:g} in {operator.products} Hessian-vector products; "
                               f"a larger tol (such as 1e-4) converges sooner.") from error
    order = np.argsort(values)
    order = order[::-1][:k] if which == "largest" else order[:k]
    return values[order], signed_columns(vectors[:, order])


def _lanczos_eigenpairs(operator: HessianOperator, k: int, which: str, tol: float,
                        start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # ARPACK's BLAS threads keep spinning between its calls and take the core from the Hessian products in
    # between: measured at P = 70k (2 shared cores), λ_max took 2.1 s with scipy's OpenBLAS on 2 threads, 1.1 s on 1.
    with threadpool_limits(limits=1, user_api="blas"):
        if which == "smallest":
            # |θ + s| ≤ 3‖H‖ when shifted, so ARPACK's test relative to |θ + s| needs a third of tol.
            return _arpack(operator, k, which, tol / 3, -2.0 * _rough_norm(operator, start), start)
        try:
            return _arpack(operator, k, which, tol, 0.0, start)
        except ArpackNoConvergence:
            # ARPACK's test relative to |θ| (cheaper when λ_max is the largest in size, as at a minimum)
            # cannot be met by a top eigenvalue near 0: shift as for "smallest".
            return _arpack(operator, k, which, tol / 3, 2.0 * _rough_norm(operator, start), start)


def signed_columns(vectors: np.ndarray) -> np.ndarray:
    """Each column with the sign that makes its largest entry positive (an eigenvector has no sign of its own)."""
    signs = np.sign(vectors[np.abs(vectors).argmax(axis=0), np.arange(vectors.shape[1])])
    return vectors * np.where(signs == 0, 1.0, signs)


def _rough_norm(operator: HessianOperator, start: np.ndarray) -> float:
    """‖H‖ = max|λ| to about 1 %: only the scale of the convergence test depends on it."""
    return abs(float(eigsh(operator.scipy_operator(), k=1, which="LM", tol=NORM_TOLERANCE, v0=start,
                           maxiter=MAX_RESTARTS, return_eigenvectors=False)[0]))


def _arpack(operator: HessianOperator, k: int, which: str, tol: float, shift: float,
            start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # The most negative eigenvalues sit at the edge of the bulk, crowded: a larger Krylov space converges in
    # fewer products (measured, k = 5, P = 6k: 506 products with ARPACK's default 20 vectors, 365 with 40).
    krylov = min(max(2 * k + 1, SMALLEST_KRYLOV), operator.size - 1) if which == "smallest" else None
    values, vectors = eigsh(operator.scipy_operator(shift), k=k, which="LA" if which == "largest" else "SA",
                            tol=tol, v0=start, ncv=krylov, maxiter=MAX_RESTARTS)
    return values - shift, vectors


def hessian_trace(model: torch.nn.Module, loss_fn: LossFunction, inputs: torch.Tensor, targets: torch.Tensor,
                  seed: int = 0, matrix_products: int = TRACE_MATRIX_PRODUCTS) -> tuple[float, float]:
    """tr H = Σλ and its standard error, by Hutch++ (:func:`analysis.spectral_lanczos.hutch_plus_plus`).

    Unbiased; the error bar is the standard error of the mean of its random probes (≈ 68 % of seeds fall
    within one, ≈ 99.7 % within three). Exact, with error 0, when P ≤ ``TRACE_SKETCH`` (10).
    """
    operator = HessianOperator(model, loss_fn, inputs, targets)
    return hutch_plus_plus(operator.matmat, operator.size, operator.dtype, seed, matrix_products)


def spectral_density(model: torch.nn.Module, loss_fn: LossFunction, inputs: torch.Tensor, targets: torch.Tensor,
                     seed: int = 0, probes: int = DENSITY_PROBES,
                     steps: int = LANCZOS_STEPS) -> tuple[np.ndarray, np.ndarray]:
    r"""The eigenvalue density φ on a grid: (grid (m,), density (m,)), ∫φ = 1 and ∫tφ(t)dt ≈ tr H / P.

    Stochastic Lanczos quadrature (``probes`` runs of ``steps`` steps) with every node spread as a Gaussian
    of width 1 % of the spectrum's span (:func:`analysis.spectral_lanczos.broadened_density`).
    """
    operator = HessianOperator(model, loss_fn, inputs, targets)
    nodes, weights = lanczos_quadrature(operator.matvec, operator.size, operator.dtype, seed, probes, steps)
    return broadened_density(nodes, weights)


def sharpness(model: torch.nn.Module, loss_fn: LossFunction, inputs: torch.Tensor, targets: torch.Tensor,
              tol: float = 1e-6) -> float:
    """λ_max, the largest eigenvalue of H: gradient descent with step η is stable along it while λ_max < 2/η."""
    values, _ = hessian_eigenpairs(model, loss_fn, inputs, targets, k=1, which="largest", tol=tol)
    return float(values[0])


def _check_dense_size(size: int) -> None:
    if size > DENSE_LIMIT:
        raise ValueError(f"The dense Hessian is built for at most P = {DENSE_LIMIT} parameters; this model has "
                         f"P = {size}. Use hessian_eigenpairs, hessian_trace and spectral_density instead.")

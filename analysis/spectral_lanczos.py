r"""Estimators that see a symmetric matrix H (P×P) only through products: trace and spectral density.

**Trace** by Hutch++ (Meyer, Musco, Musco & Woodruff 2021): sketch the dominant directions, count them
exactly, and estimate only the rest with Rademacher probes z (E[zzᵀ] = I):

.. math::

    Q = \operatorname{orth}(H S), \qquad
    \operatorname{tr} H = \operatorname{tr}(Q^\top H Q)
        + \mathbb{E}\,\big[z^\top (I-QQ^\top) H (I-QQ^\top) z\big].

A network's Hessian has a few large outliers (about one per class) over a bulk near zero; plain
Hutchinson's variance 2(‖H‖²_F − Σ H²_ii) counts both, and Q removes the outliers' share. The sketch is
kept small (``TRACE_SKETCH`` directions) because the bulk's share grows with P: measured on the benchmark's
MLPs (P = 6k and 21k, 90 products), a 30-direction sketch gave error bars 1.3-1.4× those of plain
Hutchinson, a 10-direction sketch the same as it; on the tests' P = 253 network the sketch wins clearly.
The standard error is that of the mean of the residual probes, s/√n.

**Spectral density** by stochastic Lanczos quadrature (Golub & Meurant; Ghorbani, Krishnan & Xiao 2019):
m Lanczos steps from a random unit vector v give a tridiagonal T = Σ θ_j y_j y_jᵀ, and the nodes θ_j with
weights w_j = (e₁ᵀ y_j)² are a Gauss quadrature for the spectral measure seen from v:

.. math::

    \phi(t) \approx \frac1n \sum_{\text{probes}} \sum_j w_j\, \mathcal N(t;\, \theta_j, \sigma^2),
    \qquad \sum_j w_j = 1, \quad \sum_j w_j \theta_j = v^\top H v .

So the density integrates to 1 and its mean is the probes' Hutchinson estimate of tr H / P.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

MatrixProduct = Callable[[torch.Tensor], torch.Tensor]   # (P, b) block in, (P, b) out
VectorProduct = Callable[[torch.Tensor], torch.Tensor]   # (P,) in, (P,) out

TRACE_MATRIX_PRODUCTS = 90      # Hutch++: the sketch, Q's block, and the rest as probes
TRACE_SKETCH = 10
DENSITY_PROBES = 3
LANCZOS_STEPS = 80
GRID_POINTS = 1001
# The Gaussian's width σ as a share of the spectrum's width, and the grid's margin beyond it in σ.
DENSITY_WIDTH = 0.01
GRID_MARGIN = 6.0


def rademacher(size: int, count: int, generator: torch.Generator, dtype: torch.dtype) -> torch.Tensor:
    """(size, count) random ±1 entries, each sign with probability ½."""
    return (torch.randint(0, 2, (size, count), generator=generator) * 2 - 1).to(dtype)


def hutch_plus_plus(product: MatrixProduct, size: int, dtype: torch.dtype, seed: int = 0,
                    matrix_products: int = TRACE_MATRIX_PRODUCTS, sketch: int = TRACE_SKETCH) -> tuple[float, float]:
    """tr H and its standard error from ``matrix_products`` products: 2·``sketch`` for Q, the rest as probes.

    When P ≤ ``sketch`` the sketch spans the whole space and the trace is exact: error 0.
    """
    if matrix_products < 2 * sketch + 2:
        raise ValueError(f"Hutch++ needs at least 2·sketch + 2 = {2 * sketch + 2} matrix products (two probes "
                         f"for an error bar), got {matrix_products}.")
    generator = torch.Generator().manual_seed(seed)
    sketch_size = min(sketch, size)
    probe_count = matrix_products - 2 * sketch_size
    basis, _ = torch.linalg.qr(product(rademacher(size, sketch_size, generator, dtype)).to(torch.float64))
    captured = float(torch.trace(basis.T @ product(basis.to(dtype)).to(torch.float64)))
    if sketch_size == size:
        return captured, 0.0
    probes = rademacher(size, probe_count, generator, torch.float64)
    probes = probes - basis @ (basis.T @ probes)
    images = product(probes.to(dtype)).to(torch.float64)
    samples = (probes * (images - basis @ (basis.T @ images))).sum(0).numpy()
    return captured + float(samples.mean()), float(samples.std(ddof=1) / np.sqrt(probe_count))


def lanczos_tridiagonal(product: VectorProduct, start: torch.Tensor, steps: int,
                        dtype: torch.dtype) -> tuple[np.ndarray, np.ndarray]:
    r"""α (m,) and β (m−1,) of the Lanczos tridiagonal T from the unit vector ``start`` (P,), m ≤ ``steps``.

    Full reorthogonalization against every previous vector (twice, in float64): without it rounding
    makes copies of converged Ritz values ("ghosts") that would put false mass in the density.
    Stops early when β vanishes (an invariant subspace: the quadrature is exact).
    """
    basis = torch.zeros(steps, start.numel(), dtype=torch.float64)  # rows: the Lanczos vectors, filled in place
    basis[0] = start
    alphas, betas = [], []
    for step in range(steps):
        image = product(basis[step].to(dtype)).to(torch.float64)
        alphas.append(float(basis[step] @ image))
        if step == steps - 1:
            break
        previous = basis[:step + 1]
        for _ in range(2):
            image = image - previous.T @ (previous @ image)
        beta = float(torch.linalg.vector_norm(image))
        if beta <= 1e-10 * max(abs(value) for value in alphas) or beta == 0.0:
            break
        betas.append(beta)
        basis[step + 1] = image / beta
    return np.array(alphas), np.array(betas)


def quadrature_nodes(alphas: np.ndarray, betas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gauss nodes θ (m,) and weights w (m,) of the tridiagonal (α, β): eigenvalues and (e₁ᵀ y)²."""
    nodes, vectors = np.linalg.eigh(np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1))
    return nodes, vectors[0] ** 2


def lanczos_quadrature(product: VectorProduct, size: int, dtype: torch.dtype, seed: int = 0,
                       probes: int = DENSITY_PROBES, steps: int = LANCZOS_STEPS) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights (n·m,) of ``probes`` Lanczos runs from normalized Rademacher vectors, weights summing to 1."""
    generator = torch.Generator().manual_seed(seed)
    all_nodes, all_weights = [], []
    for start in rademacher(size, probes, generator, torch.float64).T:
        nodes, weights = quadrature_nodes(*lanczos_tridiagonal(product, start / np.sqrt(size), steps, dtype))
        all_nodes.append(nodes)
        all_weights.append(weights / probes)
    return np.concatenate(all_nodes), np.concatenate(all_weights)


def broadened_density(nodes: np.ndarray, weights: np.ndarray, width: float = DENSITY_WIDTH,
                      points: int = GRID_POINTS) -> tuple[np.ndarray, np.ndarray]:
    r"""φ(t) = Σ w_j 𝒩(t; θ_j, σ²) on a regular grid (points,) covering every node ± ``GRID_MARGIN``·σ.

    σ = ``width`` · (max θ − min θ) (or ``width``·max(1, |θ|) when all nodes coincide). With the margin and
    ≥ 5 grid points per σ, the trapezoid rule integrates φ to Σ w_j within 10⁻⁸.
    """
    low, high = float(nodes.min()), float(nodes.max())
    sigma = width * ((high - low) or max(1.0, abs(high)))
    grid = np.linspace(low - GRID_MARGIN * sigma, high + GRID_MARGIN * sigma, points)
    density = np.zeros(points)
    for start in range(0, len(nodes), 256):  # bounded memory: points × 256 at a time
        gaps = (grid[:, None] - nodes[None, start:start + 256]) / sigma
        density += np.exp(-0.5 * gaps**2) @ weights[start:start + 256]
    return grid, density / (sigma * np.sqrt(2 * np.pi))

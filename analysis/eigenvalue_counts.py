r"""Counting a Hessian's eigenvalues: by sign (the lecture's minimum ratio) and against a flat band.

At a critical point of L_ρ = MSE + (ρ/2)‖θ‖² the lecture's

.. math::

    \text{minimum ratio} = \frac{\#\{\lambda_i > 0\}}{P}

counts signs that the weight decay may have chosen: it adds ρ to every eigenvalue. So an eigenvalue
within the flat band |λ| ≤ ρ (plus the eigenvalues' rounding, :func:`flat_band`) counts as flat, and
a point is a minimum, a saddle or flat against the band (:func:`end_point_kind`).
"""

from __future__ import annotations

import torch

MINIMUM, SADDLE, FLAT, NOT_CRITICAL = "minimum", "saddle", "flat", "not_critical"


def flat_band(eigenvalues: torch.Tensor, weight_decay: float) -> torch.Tensor:
    r"""The half-width of the band of eigenvalues counted as flat, per row of ``eigenvalues`` (..., P): (..., 1).

    .. math::

        \text{band} = \rho + P\,\varepsilon \max_i |\lambda_i|

    The weight decay adds ρ to every eigenvalue: at the same point the mean squared error alone has
    the Hessian H − ρI, and twice the decay H + ρI. So an eigenvalue with |λ| ≤ ρ would curve down (or
    be flat) without the regularizer and up with twice as much: its sign is the regularizer's choice,
    not the network's. The rounding level (:func:`eigenvalue_rounding`) is added because directions the
    squared error does not curve at all are common (measured with 24 runs: 2000 steps with H = 6 to 8,
    300 steps with H = 4 to 8), and their λ = ρ to the last bits would fall on either side of a band
    ending at ρ. With ρ = 0 the band is the rounding level alone: a sign count that rounding cannot flip.
    """
    return weight_decay + eigenvalue_rounding(eigenvalues).unsqueeze(-1)


def minimum_ratio(eigenvalues: torch.Tensor, band: torch.Tensor | float = 0.0) -> torch.Tensor:
    """The share of eigenvalues > ``band`` in each row of ``eigenvalues`` (..., P).

    ``band`` 0 is the lecture's sign count; :func:`flat_band` counts |λ| ≤ band as flat, not positive.
    """
    return (eigenvalues > band).to(torch.float64).mean(-1)


def eigenvalue_rounding(eigenvalues: torch.Tensor) -> torch.Tensor:
    """P·ε·max|λ| per row (...): the size of the rounding errors of ``eigh``'s eigenvalues in float64.

    ``eigh`` is backward stable: each computed λ is within a modest multiple of ε·‖H‖ of the exact one
    (measured against the eigenvalues of an autograd Hessian: within a fifth of this). A sign count is
    only meaningful for |λ| far above it.
    """
    return eigenvalues.shape[-1] * torch.finfo(eigenvalues.dtype).eps * eigenvalues.abs().amax(-1)


def end_point_kind(eigenvalues: torch.Tensor, band: float, critical: bool = True) -> str:
    """A critical point's verdict against the flat band, from its eigenvalues (P,): ``MINIMUM`` if every
    λ > band, ``SADDLE`` if some λ < −band, else ``FLAT`` (some |λ| ≤ band, whose sign the second order at
    this scale cannot call); ``NOT_CRITICAL`` if the point is not a critical point."""
    if not critical:
        return NOT_CRITICAL
    if bool((eigenvalues < -band).any()):
        return SADDLE
    return MINIMUM if bool((eigenvalues > band).all()) else FLAT

"""Small seeded data sets for the surfaces defined by data: a two-class cloud and a regression whose
two features differ in scale by 100×.

Each data set is drawn from torch's own ``torch.Generator`` with a fixed seed, in float64, when the
module that needs it is imported: no files, no downloads, and the same numbers on every run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch


@dataclass(frozen=True, eq=False)
class Dataset:
    """N examples: ``features`` of shape (N, 2), float64, and ``targets`` of shape (N,).

    For a classification the targets are class indices (int64, 0 or 1), for a regression real numbers
    (float64). ``description`` says in a few words how the data were made. Compared by identity
    (``eq=False``): tensors have no single truth value.
    """

    features: torch.Tensor
    targets: torch.Tensor
    description: str

    def __post_init__(self) -> None:
        if self.features.ndim != 2 or self.features.shape[1] != 2 or self.features.dtype != torch.float64:
            raise ValueError(f"features must be a float64 tensor of shape (N, 2), got {tuple(self.features.shape)}")
        if self.targets.shape != self.features.shape[:1]:
            raise ValueError(f"need one target per example: {self.features.shape[0]} examples, "
                             f"targets of shape {tuple(self.targets.shape)}")

    @property
    def count(self) -> int:
        """N, the number of examples."""
        return self.features.shape[0]


def _check_count(count: int) -> None:
    if isinstance(count, bool) or not isinstance(count, int) or count < 2 or count % 2:
        raise ValueError(f"the number of examples must be an even whole number ≥ 2, got {count!r}")


def two_class_clouds(seed: int = 0, count: int = 40, centre: Sequence[float] = (1.5, -0.75),
                     spread: float = 1.0) -> Dataset:
    r"""``count`` points in the plane, two overlapping Gaussian clouds, the classes alternating.

    Example n has class c_n = n mod 2; class 0 is centred on ``centre``, class 1 on −``centre``:

    .. math::

        x_n = (-1)^{c_n}\,\mu + s\,\varepsilon_n, \qquad \varepsilon_n \sim \mathcal{N}(0, I).

    The clouds overlap, so no line through the origin separates them and a linear classifier's
    cross-entropy has its minimum at finite weights.
    """
    _check_count(count)
    generator = torch.Generator().manual_seed(seed)
    classes = torch.arange(count) % 2
    signs = 1.0 - 2.0 * classes.to(torch.float64)
    noise = torch.randn(count, 2, generator=generator, dtype=torch.float64)
    features = signs[:, None] * torch.tensor(centre, dtype=torch.float64) + spread * noise
    return Dataset(features, classes, f"{count} points of 2 classes around ±{tuple(centre)}, spread {spread:g}, seed {seed}")


def standardized(features: torch.Tensor) -> torch.Tensor:
    r"""Every column moved to mean 0 and scaled to standard deviation 1: :math:`\tilde x = (x - m)/\sigma`.

    σ is the population standard deviation (divided by N), as in batch normalization.
    """
    mean = features.mean(dim=0)
    deviation = features.std(dim=0, correction=0)
    if not bool((deviation > 0).all()):
        raise ValueError("a constant feature cannot be standardized (its standard deviation is 0)")
    return (features - mean) / deviation


def features_of_different_scales(seed: int = 0, count: int = 40, scales: Sequence[float] = (0.03, 3.0),
                                 weights: Sequence[float] = (2.5, 0.5), noise: float = 0.05) -> Dataset:
    r"""A regression y ≈ w₁x₁ + w₂x₂ whose features have standard deviations ``scales`` exactly.

    Both features are standardized Gaussian draws times their scale (so they have mean 0), the target
    is ``weights`` · x plus Gaussian noise, then centred, so a model without bias fits it:

    .. math::

        x_{nj} = s_j\,\tilde u_{nj}, \qquad y_n = w_1 x_{n1} + w_2 x_{n2} + \nu\,\varepsilon_n - \bar y.
    """
    _check_count(count)
    if not all(scale > 0 for scale in scales):
        raise ValueError(f"the feature scales must be positive, got {tuple(scales)}")
    generator = torch.Generator().manual_seed(seed)
    draws = torch.randn(count, 2, generator=generator, dtype=torch.float64)
    features = standardized(draws) * torch.tensor(scales, dtype=torch.float64)
    targets = features @ torch.tensor(weights, dtype=torch.float64)
    targets = targets + noise * torch.randn(count, generator=generator, dtype=torch.float64)
    ratio = max(scales) / min(scales)
    return Dataset(features, targets - targets.mean(),
                   f"{count} examples, feature scales {tuple(scales)} ({ratio:g}× apart), seed {seed}")


def noisy_line(seed: int = 1, count: int = 8, slope: float = 1.0, noise: float = 0.3,
               inputs_between: Sequence[float] = (0.25, 2.75), resolution: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    r"""``count`` examples (xₙ, yₙ) of a noisy line, the targets centred *exactly*: inputs (N,) and targets (N,).

    .. math::

        x_n \sim \mathcal{U}(a, b), \qquad t_n = \operatorname{round}\bigl(r\,(s\,x_n + \nu\,\varepsilon_n)\bigr) / r,
        \qquad y_n = t_n - \bar t .

    The targets are read to 1/``resolution`` (a power of two) and ``count`` is a power of two, so t̄ and every
    yₙ are exact binary fractions: Σₙ yₙ is exactly 0 in float64, not merely 1e-17. A model whose full
    gradient is a multiple of Σₙ yₙ somewhere then has a gradient of exactly 0 there.
    """
    if isinstance(count, bool) or not isinstance(count, int) or count < 2 or count & (count - 1):
        raise ValueError(f"the number of examples must be a power of two ≥ 2, got {count!r}")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 1 or resolution & (resolution - 1):
        raise ValueError(f"the resolution of the targets must be a power of two, got {resolution!r}")
    low, high = inputs_between
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.rand(count, generator=generator, dtype=torch.float64) * (high - low) + low
    measured = slope * inputs + noise * torch.randn(count, generator=generator, dtype=torch.float64)
    targets = torch.round(measured * resolution) / resolution
    return inputs, targets - targets.mean()

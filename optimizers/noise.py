"""Injected gradient noise: a Gaussian perturbation the app adds to every gradient,

    g̃ = g + σ ξ,   ξ ~ N(0, I),

a stand-in for the randomness of a small mini-batch on surfaces that are a formula, not a mean over
examples. The lecture: a small batch gives a noisy estimate of the full gradient, and that noise
helps, shaking the parameters out of sharp, narrow minima towards flat ones that generalise better
(Keskar et al., 2017). It is only a stand-in: a mini-batch's "noise" is the difference between its
own loss surface and the full one, which can vanish (at the lecture toy's saddle every example's
gradient is 0, so real batches bring no noise there) and is not Gaussian. Real mini-batches, on
surfaces that have per-example losses, are ``optimizers.minibatch``. σ = 0 is no noise.

Each run draws its ξ from its own generator seeded with ``settings.seed``, in fixed blocks of
steps, so a run's noise depends only on its own seed: not on which other runs share the batch,
and not on how many steps are asked for (a longer run starts with the same noise).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from optimizers.settings import OptimizerSettings

NOISE_BLOCK_STEPS = 128


def standard_noise(seed: int, steps: int) -> torch.Tensor:
    """ξ_0 … ξ_{steps−1} ~ N(0, I₂) of the run seeded with ``seed``, float64 (steps, 2)."""
    generator = torch.Generator().manual_seed(seed)
    blocks = [
        torch.randn((NOISE_BLOCK_STEPS, 2), generator=generator, dtype=torch.float64)
        for _ in range(-(-steps // NOISE_BLOCK_STEPS))
    ]
    return torch.cat(blocks)[:steps] if blocks else torch.zeros((0, 2), dtype=torch.float64)


def gradient_noise(settings: Sequence[OptimizerSettings], steps: int) -> torch.Tensor | None:
    """σ_r ξ_{r,t} for every step and run, float64 (steps, R, 2); ``None`` when no run is noisy."""
    if not any(setting.noise > 0 for setting in settings):
        return None
    noise = torch.zeros((steps, len(settings), 2), dtype=torch.float64)
    for run, setting in enumerate(settings):
        if setting.noise > 0:
            noise[:, run] = setting.noise * standard_noise(setting.seed, steps)
    return noise

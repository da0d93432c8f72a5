r"""The noise of a mini-batch gradient around the full gradient, from per-example gradients.

With per-example gradients g_n (n = 1 … N), the full gradient g = (1/N) Σ g_n and a batch of B examples drawn
without replacement, g_B = (1/B) Σ_{n∈batch} g_n is unbiased and (the finite-population variance)

.. math::

    \mathbb E\,\|g_B - g\|^2 = \frac{N - B}{N - 1}\,\frac{\sigma^2}{B}, \qquad
    \sigma^2 = \frac1N \sum_n \|g_n - g\|^2 :

about σ²/B for B ≪ N, and 0 for the full batch. ``gradient_noise`` draws batches and reports the measured mean
beside this closed form.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.func import functional_call, grad, vmap


def per_example_gradients(model: torch.nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """(N, P): the gradient of each example's loss, parameters flattened in ``model.parameters()`` order."""
    parameters = {name: value.detach() for name, value in model.named_parameters()}
    loss_fn = torch.nn.functional.cross_entropy

    def example_loss(values, x, y):
        return loss_fn(functional_call(model, values, (x[None],)), y[None])

    gradients = vmap(grad(example_loss), in_dims=(None, 0, 0))(parameters, inputs, targets)
    return torch.cat([gradients[name].reshape(len(inputs), -1) for name in parameters], dim=1)


def gradient_noise(gradients: torch.Tensor, batch_sizes: list[int], samples: int, seed: int) -> dict:
    """E‖g_B − g‖² for each B: drawn (``samples`` batches without replacement) and the closed form (above)."""
    count = len(gradients)
    full = gradients.double().mean(dim=0)
    variance = float(((gradients.double() - full) ** 2).sum(dim=1).mean())
    generator = torch.Generator().manual_seed(seed)
    measured, exact = [], []
    for size in batch_sizes:
        draws = [float(((gradients[torch.randperm(count, generator=generator)[:size]].double().mean(dim=0) - full)
                        ** 2).sum()) for _ in range(samples)]
        measured.append(float(np.mean(draws)))
        exact.append((count - size) / (count - 1) * variance / size)
    return {"measured": measured, "exact": exact, "gradient_squared": float((full ** 2).sum()),
            "example_variance": variance}

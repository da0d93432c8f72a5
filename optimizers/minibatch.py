r"""Mini-batch training on a loss that is a mean over examples, L(θ) = (1/N) Σₙ ℓₙ(θ).

The lecture: the data are cut into batches, one update per batch, one epoch = every batch once, and the
batches are drawn anew (shuffled) every epoch. Update t follows the gradient of its own batch's loss,

.. math::

    \tilde g^t = \frac{1}{|B^t|} \sum_{n \in B^t} \nabla \ell_n(\theta^t),

the slope of that batch's loss surface (the lecture's L₁, L₂, …), not of L: where L is flat, a batch's
loss is usually not. With batch size B, epoch e is a permutation of the N examples (``torch.randperm``
from a generator seeded with the run's seed) cut in order into ⌈N/B⌉ batches, the last one smaller when
B does not divide N (as torch's ``DataLoader`` with ``drop_last=False``). B = 0 or B ≥ N is the full
batch: every update sees every example, and ``optimizers.trajectory`` computes it with its replayed tape.

Mini-batch runs advance together in the runner's loop (``optimizers.trajectory``), their batch gradients
by eager autograd (the replayed tape has no per-step batch): each step evaluates every example's loss at
every run's point once, and the sum weighted by 1/|Bᵗ| on the batch's examples (0 elsewhere) gives each
run its own batch gradient. The record keeps L and its full gradient ∇L at every point.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from optimizers.settings import OptimizerSettings

ExampleLosses = Callable[[torch.Tensor], torch.Tensor]
BatchGradient = Callable[[int, torch.Tensor], torch.Tensor]


def uses_minibatches(settings: OptimizerSettings, count: int) -> bool:
    """Whether ``settings`` trains on batches smaller than all ``count`` examples."""
    return 0 < settings.batch_size < count


def example_count(example_losses: ExampleLosses | None, settings: Sequence[OptimizerSettings],
                  points: torch.Tensor) -> int:
    """N, the number of examples ``example_losses`` gives at ``points`` (R, 2); 0 without them.

    A batch size needs examples: without them it is refused, and so is a function of the wrong shape.
    """
    if example_losses is None:
        if any(setting.batch_size > 0 for setting in settings):
            raise ValueError("a batch size needs a loss that is a mean over examples (a surface defined by data)")
        return 0
    with torch.no_grad():
        losses = example_losses(points)
    if not isinstance(losses, torch.Tensor) or losses.ndim != 2 or losses.shape[0] != points.shape[0]:
        shape = tuple(losses.shape) if isinstance(losses, torch.Tensor) else type(losses).__name__
        raise ValueError(f"the example losses must have shape (points, examples) = ({points.shape[0]}, N), got {shape}")
    return losses.shape[1]


def epoch_orders(count: int, seed: int, epochs: int) -> torch.Tensor:
    """The order of the ``count`` examples in each of ``epochs`` epochs, int64 (epochs, count)."""
    generator = torch.Generator().manual_seed(seed)
    orders = [torch.randperm(count, generator=generator) for _ in range(epochs)]
    return torch.stack(orders) if orders else torch.zeros((0, count), dtype=torch.int64)


def batches(count: int, batch_size: int, seed: int, steps: int) -> list[torch.Tensor]:
    """The examples of updates 1 … ``steps``, in order: what ``batch_weights`` weighs (and an oracle can replay)."""
    per_epoch = -(-count // batch_size)
    orders = epoch_orders(count, seed, -(-steps // per_epoch))
    return [orders[step // per_epoch, (step % per_epoch) * batch_size:(step % per_epoch + 1) * batch_size]
            for step in range(steps)]


def batch_weights(count: int, batch_size: int, seed: int, steps: int) -> torch.Tensor:
    """1/|Bᵗ| on the examples of update t's batch, 0 on the others, float64 (steps, count)."""
    weights = torch.zeros((steps, count), dtype=torch.float64)
    for row, batch in zip(weights, batches(count, batch_size, seed, steps)):
        row[batch] = 1.0 / len(batch)
    return weights


def batch_gradients(example_losses: ExampleLosses, settings: Sequence[OptimizerSettings], count: int,
                    steps: int) -> BatchGradient:
    """The gradient each update of ``settings``' runs follows: ``gradient(t, points)`` (R, 2) is, for every
    run r, ∇ of the mean loss of update t's batch of the ``count`` examples at ``points[r]``."""
    # Runs with the same batch size and seed share their batch order (a learning-rate sweep, for one).
    orders = sorted({(setting.batch_size, setting.seed) for setting in settings})
    table = torch.stack([batch_weights(count, batch_size, seed, steps) for batch_size, seed in orders])
    order_of_run = torch.tensor([orders.index((setting.batch_size, setting.seed)) for setting in settings])
    return lambda step, points: _batch_gradient(example_losses, points, table[order_of_run, step])


def _batch_gradient(example_losses: ExampleLosses, points: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """∇ Σₙ wₙ ℓₙ(θ_r) for every run r: its batch's gradient, given the weights (R, N) of its batch."""
    with torch.enable_grad():
        leaf = points.detach().requires_grad_(True)
        (gradient,) = torch.autograd.grad((example_losses(leaf) * weights).sum(), leaf)
    return gradient

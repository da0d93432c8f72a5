"""Trainings for the classroom benchmark (``bench_classroom.py --train NAME``), run in the server's
``workers.POOL`` through one extra route of :mod:`benchmarks.classroom_server`.

Each is a module-level function ``function(progress=None)`` (a worker imports it by name) that reports
``progress(fraction)`` as it goes, as the Network Lab's training does:

* ``lab``: the Lab's default training, ``networks.training.train(TrainingSettings())`` (package ``networks``);
* ``stand-in``: until ``lab`` exists, a small torch MLP (64 → 64 → 64 → 10, tanh) trained by Adam on
  2,000 seeded random points for 40 epochs of 32 minibatches: ~1-2 s of one core here.
"""

from __future__ import annotations

TRAININGS = {"stand-in": "stand_in", "lab": "lab_default"}


def lab_default(progress=None):
    from networks.training import TrainingSettings, train

    return train(TrainingSettings(), progress=progress)


def stand_in(progress=None, epochs: int = 40, batches: int = 32) -> list[float]:
    """The loss after each epoch."""
    import torch

    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(2000, 64, generator=generator)
    targets = torch.randint(0, 10, (2000,), generator=generator)
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.Tanh(), torch.nn.Linear(64, 64), torch.nn.Tanh(),
                                torch.nn.Linear(64, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for epoch in range(epochs):
        for batch in torch.randperm(2000, generator=generator).chunk(batches):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(inputs[batch]), targets[batch])
            loss.backward()
            optimizer.step()
        losses.append(loss.item())
        if progress is not None:
            progress((epoch + 1) / epochs)
    return losses

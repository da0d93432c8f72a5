"""A 41 × 41 filter-normalized loss plane: ours (analysis.landscape_planes) against loss-landscapes 3.0.6.

Run: ``.venv/bin/python benchmarks/bench_landscape_peers.py`` after
``pip install --no-deps -r benchmarks/requirements-peers.txt`` (loss-landscapes needs only numpy).
Same data (scikit-learn's digits: all 1,797 images × 64 pixels, each pixel standardized), same ReLU MLPs, same
loss, one torch thread for every contender (the 2 cores are shared; with one thread the process CPU time is the
work done, steadier than the wall clock). Each contender runs ``REPEATS`` times, interleaved; the table shows the
fastest CPU time. Contenders: loss-landscapes' ``random_plane`` (one forward per point, parameters moved in
place), a plain loop of ``functional_call`` one point at a time, our vmap chunks without and with the first
layer factored out (the page's default).

FLOP floor: the matrix-product FLOPs of one forward (``torch.utils.flop_counter``) × 1,681 points, divided by
the rate of a 1024³ float32 matrix product on this machine: the time a perfect per-point evaluation would take.
The factored plane does fewer FLOPs than that (the first layer 3 times, not 1,681): its "of floor" can pass 100 %.
Both losses are run: ``F.cross_entropy`` and the same function as logsumexp(z) − z_y. Torch's CPU log_softmax
over a last dimension of 10 (narrower than one AVX-512 vector) costs more than the forward itself; our plane
recognizes plain ``F.cross_entropy`` and computes it for a whole chunk with the chunk in the vector lanes, and
calls any other loss (the logsumexp form here) point by point under vmap.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch.func import functional_call
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.landscape_planes import loss_plane, random_directions  # noqa: E402

POINTS = 41
REPEATS = 3
WIDTHS = ((32, 32), (96, 96))
SEED = 0


def digits() -> tuple[torch.Tensor, torch.Tensor]:
    data = load_digits()
    spread = data.data.std(axis=0)
    inputs = (data.data - data.data.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    return torch.tensor(inputs, dtype=torch.float32), torch.tensor(data.target)


def mlp(widths: tuple[int, ...]) -> torch.nn.Sequential:
    torch.manual_seed(SEED)
    layers, width = [], 64
    for hidden in widths:
        layers += [torch.nn.Linear(width, hidden), torch.nn.ReLU()]
        width = hidden
    return torch.nn.Sequential(*layers, torch.nn.Linear(width, 10)).eval()


def cross_entropy_logsumexp(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The mean of logsumexp(z) − z_y: F.cross_entropy's value, by other kernels."""
    return (logits.logsumexp(-1) - logits.gather(-1, targets[:, None])[:, 0]).mean()


def loss_landscapes_plane(model, loss_fn, inputs, targets) -> np.ndarray:
    import loss_landscapes
    from loss_landscapes.metrics import Loss

    return loss_landscapes.random_plane(model, Loss(loss_fn, inputs, targets), distance=1, steps=POINTS,
                                        normalization="filter", deepcopy_model=True)


def loop_plane(model, loss_fn, inputs, targets) -> np.ndarray:
    """One point at a time, the parameters swapped in with functional_call (the vmap path's plain twin)."""
    names = [name for name, _ in model.named_parameters()]
    shapes = [parameter.shape for parameter in model.parameters()]
    center = torch.cat([parameter.detach().reshape(-1) for parameter in model.parameters()])
    first, second = torch.as_tensor(random_directions(model, SEED))
    axis = torch.linspace(-1, 1, POINTS)
    losses = np.empty((POINTS, POINTS))
    with torch.no_grad():
        for i, beta in enumerate(axis):
            for j, alpha in enumerate(axis):
                pieces = torch.split(center + alpha * first + beta * second, [shape.numel() for shape in shapes])
                parameters = {name: piece.view(shape) for name, piece, shape in zip(names, pieces, shapes)}
                losses[i, j] = float(loss_fn(functional_call(model, parameters, (inputs,)), targets))
    return losses


def our_plane(factor_first_layer: bool):
    def plane(model, loss_fn, inputs, targets) -> np.ndarray:
        center = torch.cat([parameter.detach().reshape(-1) for parameter in model.parameters()]).numpy()
        return loss_plane(model, loss_fn, inputs, targets, center, random_directions(model, SEED), extent=1.0,
                          points=POINTS, factor_first_layer=factor_first_layer).loss
    return plane


CONTENDERS = {
    "loss-landscapes 3.0.6 random_plane": loss_landscapes_plane,
    "plain loop, functional_call": loop_plane,
    "ours, vmap chunks": our_plane(False),
    "ours, vmap chunks + first layer factored": our_plane(True),
}


def forward_flops(model, inputs) -> int:
    with FlopCounterMode(display=False) as counter:
        with torch.no_grad():
            model(inputs)
    return counter.get_total_flops()


def matrix_product_rate() -> float:
    """FLOP/s of a 1024³ float32 matrix product (best of 5), the machine's practical peak on one thread."""
    left, right = torch.randn(1024, 1024), torch.randn(1024, 1024)
    left @ right
    best = min(_timed(lambda: left @ right) for _ in range(5))
    return 2 * 1024**3 / best


def _timed(function) -> float:
    began = time.process_time()
    function()
    return time.process_time() - began


def main() -> None:
    torch.set_num_threads(1)
    inputs, targets = digits()
    rate = matrix_product_rate()
    print(f"torch {torch.__version__}, 1 thread, load average {os.getloadavg()[0]:.2f}, "
          f"matrix product {rate / 1e9:.0f} GFLOP/s")
    for widths in WIDTHS:
        model = mlp(widths)
        parameters = sum(parameter.numel() for parameter in model.parameters())
        floor_flops = forward_flops(model, inputs) * POINTS**2
        factored_flops = 3 * forward_flops(model[:1], inputs) + forward_flops(model[1:], model[0](inputs).detach()) \
            * POINTS**2
        floor = floor_flops / rate
        print(f"\nMLP 64-{'-'.join(map(str, widths))}-10, {parameters:,} parameters, {len(inputs):,} digits, "
              f"{POINTS}×{POINTS} plane: FLOP floor {floor_flops / 1e9:.1f} GFLOP = {floor:.3f} s "
              f"(factored: {factored_flops / 1e9:.1f} GFLOP)")
        for loss_name, loss_fn in (("F.cross_entropy", torch.nn.functional.cross_entropy),
                                   ("logsumexp − z_y", cross_entropy_logsumexp)):
            seconds = {name: [] for name in CONTENDERS}
            for _ in range(REPEATS):
                for name, contender in CONTENDERS.items():
                    seconds[name].append(_timed(lambda: contender(model, loss_fn, inputs, targets)))
            peer = min(seconds["loss-landscapes 3.0.6 random_plane"])
            print(f"\nloss {loss_name}\n\n| method | CPU s (best of {REPEATS}) | × faster than loss-landscapes "
                  f"| of FLOP floor |\n|---|---:|---:|---:|")
            for name, times in seconds.items():
                best = min(times)
                print(f"| {name} | {best:.3f} | {peer / best:.1f} | {floor / best:.0%} |")
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()

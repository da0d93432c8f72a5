"""Small seeded networks and their oracle Hessians (``torch.func.hessian`` of the flat θ), for the curvature tests."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

FEATURES, HIDDEN, CLASSES, EXAMPLES = 6, 10, 3, 48


@pytest.fixture(autouse=False)
def one_thread():
    """One intra-op thread for the test: these products are microseconds of work each, and a second thread on
    a shared machine only adds waiting (measured: 1.6 ms against 44 ms per product under load)."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


def network(dtype: torch.dtype = torch.float64, batch_norm: bool = False, seed: int = 0) -> nn.Module:
    """6 → 10 → 10 → 3 tanh MLP (P = 213, or 253 with BatchNorm), in evaluation mode.

    With BatchNorm, a few training-mode passes first move the running statistics away from (0, 1) and its
    affine weights away from (1, 0), so evaluation mode really uses them.
    """
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    width = FEATURES
    for _ in range(2):
        layers.append(nn.Linear(width, HIDDEN))
        if batch_norm:
            layers.append(nn.BatchNorm1d(HIDDEN))
        layers.append(nn.Tanh())
        width = HIDDEN
    layers.append(nn.Linear(width, CLASSES))
    model = nn.Sequential(*layers).double()  # drawn in float64, so every dtype gets the same numbers
    if batch_norm:
        with torch.no_grad():
            for layer in model:
                if isinstance(layer, nn.BatchNorm1d):
                    layer.weight.uniform_(0.5, 1.5, generator=generator)
                    layer.bias.uniform_(-0.5, 0.5, generator=generator)
            for _ in range(3):
                model(2 * torch.randn(EXAMPLES, FEATURES, generator=generator, dtype=torch.float64) + 1)
    return model.to(dtype).eval()


def data(dtype: torch.dtype = torch.float64, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """48 seeded inputs (48, 6) and class targets (48,); drawn in float64, so every dtype gets the same numbers."""
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(EXAMPLES, FEATURES, generator=generator, dtype=torch.float64).to(dtype)
    return inputs, torch.randint(0, CLASSES, (EXAMPLES,), generator=generator)


def cross_entropy(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return nn.functional.cross_entropy(outputs, targets)


def one_hot_mse(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return nn.functional.mse_loss(outputs, nn.functional.one_hot(targets, CLASSES).to(outputs.dtype))


def oracle_hessian(model: nn.Module, loss_fn, inputs: torch.Tensor, targets: torch.Tensor) -> np.ndarray:
    """``torch.func.hessian`` (forward over reverse) of θ ↦ loss, θ the flat trainable parameters, in float64."""
    named = [(name, parameter) for name, parameter in model.named_parameters() if parameter.requires_grad]
    flat = torch.cat([parameter.detach().reshape(-1) for _, parameter in named])

    def loss_of(theta: torch.Tensor) -> torch.Tensor:
        pieces, start = {}, 0
        for name, parameter in named:
            pieces[name] = theta[start:start + parameter.numel()].reshape(parameter.shape)
            start += parameter.numel()
        return loss_fn(torch.func.functional_call(model, pieces, (inputs,)), targets)

    return torch.func.hessian(loss_of)(flat).to(torch.float64).numpy()


def model_state(model: nn.Module) -> tuple:
    """Everything a curvature function must leave alone: parameters, buffers, gradients, every module's mode."""
    return ({name: value.clone() for name, value in model.state_dict(keep_vars=False).items()},
            [parameter.grad for parameter in model.parameters()],
            [parameter.requires_grad for parameter in model.parameters()],
            [module.training for module in model.modules()])


def same_state(before: tuple, after: tuple) -> bool:
    tensors_before, grads_before, flags_before, modes_before = before
    tensors_after, grads_after, flags_after, modes_after = after
    return (tensors_before.keys() == tensors_after.keys()
            and all(torch.equal(tensors_before[name], tensors_after[name]) for name in tensors_before)
            and all(grad is None for grad in grads_after) and grads_before == grads_after
            and flags_before == flags_after and modes_before == modes_after)

r"""The Network Lab's networks: an MLP (tanh or ReLU, optional BatchNorm) and a small CNN for the images.

MLP with hidden widths (h₁, …, h_L), input x ∈ ℝᴰ, C outputs:

.. math::

    a_0 = x, \qquad a_\ell = \phi\bigl(\mathrm{BN}_\ell(W_\ell a_{\ell-1} + b_\ell)\bigr), \qquad
    f_\theta(x) = W_{L+1} a_L + b_{L+1},

with φ = tanh or ReLU and BN the real ``torch.nn.BatchNorm1d`` (optional): in training mode it normalizes
with the batch's mean and variance, (z − mean_B)/√(var_B + ε)·γ + β, and updates running averages; in
evaluation mode it uses those running averages. Widths () give the linear model f = W x + b.

CNN (image sets only): the widths are channel counts; each is a 3×3 convolution (padding 1), optional
``BatchNorm2d``, φ, then a 2×2 max-pool; a linear layer maps the flattened last maps to the C outputs.
It takes the same flat (N, H·W) inputs as the MLP and reshapes them to (N, 1, H, W) itself.

``build_model`` initializes with torch's defaults (uniform ±1/√fan-in) from ``seed``, without touching
torch's global random state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

ACTIVATIONS = {"tanh": nn.Tanh, "relu": nn.ReLU}
MODEL_KINDS = ("mlp", "cnn")
MAX_DEPTH = 8                 # hidden layers (MLP) or convolutions (CNN); the Lab's menu offers 0-4
MIN_WIDTH, MAX_WIDTH = 1, 256
MAX_CNN_CHANNELS = 16
MAX_PARAMETERS = 250_000      # keeps 13+ snapshots within networks.training_settings.MAX_SNAPSHOT_BYTES
DEFAULT_WIDTHS = (32, 32)


@dataclass(frozen=True)
class ModelSettings:
    """Which network: hidden ``widths`` (channels for a CNN), ``activation``, BatchNorm or not, ``kind``.

    Checked on construction: 0 to MAX_DEPTH layers of MIN_WIDTH to MAX_WIDTH units (MAX_CNN_CHANNELS for a
    CNN, which needs at least one convolution).
    """

    widths: tuple[int, ...] = DEFAULT_WIDTHS
    activation: str = "relu"
    batch_norm: bool = False
    kind: str = "mlp"

    def __post_init__(self) -> None:
        if self.kind not in MODEL_KINDS:
            raise ValueError(f"unknown model kind {self.kind!r}; choose one of {', '.join(MODEL_KINDS)}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        if not isinstance(self.batch_norm, (bool, np.bool_)):
            raise ValueError(f"batch_norm must be True or False, got {self.batch_norm!r}")
        try:
            widths = tuple(self.widths)
        except TypeError:
            raise ValueError(f"widths must be a sequence of whole numbers, got {self.widths!r}") from None
        if len(widths) > MAX_DEPTH:
            raise ValueError(f"at most {MAX_DEPTH} hidden layers, got {len(widths)}")
        largest = MAX_CNN_CHANNELS if self.kind == "cnn" else MAX_WIDTH
        for width in widths:
            if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or not MIN_WIDTH <= width <= largest:
                raise ValueError(f"each hidden width must be a whole number from {MIN_WIDTH} to {largest}, "
                                 f"got {width!r}")
        if self.kind == "cnn" and not widths:
            raise ValueError("a CNN needs at least one convolution (one width)")
        object.__setattr__(self, "widths", tuple(int(width) for width in widths))
        object.__setattr__(self, "batch_norm", bool(self.batch_norm))


def _check_shape(settings: ModelSettings, inputs: int, image_shape: tuple[int, int] | None) -> None:
    if settings.kind != "cnn":
        return
    if image_shape is None:
        raise ValueError("a CNN needs image data (digits or MNIST); use an MLP for this data set")
    if math.prod(image_shape) != inputs:
        raise ValueError(f"image shape {image_shape} does not hold {inputs} inputs")


def _flat_features(settings: ModelSettings, image_shape: tuple[int, int]) -> int:
    """Numbers entering the CNN's linear layer: c_L · H′ · W′, each 2×2 pooling flooring the sides."""
    height, width = image_shape
    for _ in settings.widths:
        height, width = height // 2, width // 2
    if height * width == 0:
        raise ValueError(f"{len(settings.widths)} poolings shrink a {image_shape[0]}×{image_shape[1]} image to "
                         f"nothing; use fewer convolutions")
    return settings.widths[-1] * height * width


def build_model(settings: ModelSettings, inputs: int, outputs: int, seed: int,
                image_shape: tuple[int, int] | None = None) -> nn.Sequential:
    """The network of ``settings`` for ``inputs`` features and ``outputs`` outputs, float32, in training mode.

    The same ``seed`` gives the same initial parameters bit for bit, whatever else the process does at the
    same time: the layers are made without values (on the ``meta`` device) and initialized from a generator
    of their own (:func:`initialize`), so torch's global random state is neither read nor changed. (Seeding
    the global state instead gave two trainings started at once in two threads different initializations.)
    """
    _check_shape(settings, inputs, image_shape)
    activation = ACTIVATIONS[settings.activation]
    layers: list[nn.Module] = []
    if settings.kind == "mlp":
        previous = inputs
        for width in settings.widths:
            layers.append(nn.Linear(previous, width, device="meta"))
            if settings.batch_norm:
                layers.append(nn.BatchNorm1d(width, device="meta"))
            layers.append(activation())
            previous = width
        layers.append(nn.Linear(previous, outputs, device="meta"))
    else:
        height, width = image_shape
        layers.append(nn.Unflatten(1, (1, height, width)))
        previous = 1
        for channels in settings.widths:
            layers.append(nn.Conv2d(previous, channels, kernel_size=3, padding=1, device="meta"))
            if settings.batch_norm:
                layers.append(nn.BatchNorm2d(channels, device="meta"))
            layers += [activation(), nn.MaxPool2d(2)]
            previous = channels
        layers += [nn.Flatten(), nn.Linear(_flat_features(settings, image_shape), outputs, device="meta")]
    model = nn.Sequential(*layers).to_empty(device="cpu")
    initialize(model, seed)
    return model


def initialize(model: nn.Module, seed: int) -> None:
    r"""PyTorch's default initialization, drawn from ``torch.Generator().manual_seed(seed)``.

    Linear and convolution layers: weights and biases uniform in ±1/√fan_in (fan_in = inputs per output,
    ``kaiming_uniform_`` with a = √5 for the weights, as ``reset_parameters`` does); BatchNorm: γ = 1, β = 0,
    running mean 0 and variance 1.
    """
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for layer in model.modules():
            if isinstance(layer, (nn.Linear, nn.Conv2d)):
                nn.init.kaiming_uniform_(layer.weight, a=math.sqrt(5), generator=generator)
                bound = 1 / math.sqrt(layer.weight[0].numel())
                nn.init.uniform_(layer.bias, -bound, bound, generator=generator)
            elif isinstance(layer, (nn.BatchNorm1d, nn.BatchNorm2d)):
                layer.reset_parameters()


def parameter_count(settings: ModelSettings, inputs: int, outputs: int,
                    image_shape: tuple[int, int] | None = None) -> int:
    """P, the number of trained numbers (BatchNorm's γ and β included, its running averages not).

    MLP: Σ_ℓ (h_{ℓ−1} + 1) h_ℓ (+ 2 h_ℓ with BatchNorm) + (h_L + 1) C, with h₀ = D.
    CNN: Σ_ℓ (9 c_{ℓ−1} + 1) c_ℓ (+ 2 c_ℓ) with c₀ = 1, + (c_L · H′ · W′ + 1) C for the pooled H′ × W′ maps.
    """
    _check_shape(settings, inputs, image_shape)
    norm = 2 if settings.batch_norm else 0
    if settings.kind == "mlp":
        sizes = (inputs, *settings.widths)
        hidden = sum((fan_in + 1 + norm) * fan_out for fan_in, fan_out in zip(sizes, sizes[1:]))
        return hidden + (sizes[-1] + 1) * outputs
    channels = (1, *settings.widths)
    convolutions = sum((9 * fan_in + 1 + norm) * fan_out for fan_in, fan_out in zip(channels, channels[1:]))
    return convolutions + (_flat_features(settings, image_shape) + 1) * outputs


def multiply_adds(settings: ModelSettings, inputs: int, outputs: int,
                  image_shape: tuple[int, int] | None = None) -> int:
    """Multiply-adds of one example's forward pass: the weights' count for an MLP; for a CNN each 3×3
    convolution costs 9 c_in c_out per pixel of its H_ℓ × W_ℓ map (the time budget's measure of work)."""
    _check_shape(settings, inputs, image_shape)
    if settings.kind == "mlp":
        sizes = (inputs, *settings.widths, outputs)
        return sum(fan_in * fan_out for fan_in, fan_out in zip(sizes, sizes[1:]))
    flat = _flat_features(settings, image_shape)
    height, width = image_shape
    total, previous = 0, 1
    for channels in settings.widths:
        total += height * width * 9 * previous * channels
        height, width, previous = height // 2, width // 2, channels
    return total + flat * outputs

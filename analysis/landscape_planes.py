r"""The loss of a real network on a plane or a line through parameter space (Li et al. 2018, "Visualizing the
Loss Landscape of Neural Nets").

A plane through a point θ₀ spanned by two directions δ, η, and a line through θ₀ along δ, are

.. math::

    L(\alpha, \beta) = \ell\big(f_{\theta_0 + \alpha\delta + \beta\eta}(X), Y\big),
    \qquad
    L(t) = \ell\big(f_{\theta_0 + t\delta}(X), Y\big),

with θ the trainable parameters flattened in ``model.parameters()`` order (P numbers) and ℓ the caller's
``loss_fn(model(inputs), targets)``. The directions come from one of two recipes:

* **Filter-normalized random** (``filter_normalized_direction``): δ ~ N(0, I), then each filter of δ (an output
  row of a Linear weight, an output channel of a Conv weight) rescaled to the norm of the same filter of θ₀,
  δᵢ ← δᵢ·‖θ₀,ᵢ‖/‖δᵢ‖, so that a step α moves every neuron by the same fraction of its own size and the
  picture does not depend on the network's scale invariance. Biases and BatchNorm weights and biases (1-D
  parameters) get δ = 0: the paper's choice (its code's ``ignore='biasbn'``), they stay at θ₀.
* **PCA of the trajectory** (``trajectory_directions``): the top two principal directions of the offsets
  θ_s − θ_end of the training snapshots, with the share of their variance each explains.

Every loss is evaluated in the model's dtype, in its current mode, with its parameters, buffers and mode left
unchanged (``torch.func.functional_call`` with the parameters swapped in). Points are evaluated in chunks of
parameter sets under ``torch.func.vmap``; when the model is an ``nn.Sequential`` whose first parametrised layer
is a Linear or Conv, that layer is linear in its parameters and sees the same inputs at every point, so
z(θ₀ + αδ + βη) = z(θ₀) + α·z(δ) + β·z(η) is computed from three passes instead of one per point. Plain
``F.cross_entropy`` (or a default ``nn.CrossEntropyLoss``) is computed for a whole chunk at once.
Losses that are not finite are stored as NaN, for the page to report, never to draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
from sklearn.decomposition import PCA
from torch.func import functional_call, vmap

LossFunction = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

MAX_PLANE_POINTS = 51
MAX_LINE_POINTS = 201
MIN_SNAPSHOTS = 3
# Numbers in the widest activation of a chunk (2 MB in float32, one core's L2 cache here). Measured on the
# 1,797 digits (MLPs 64-32-32-10 and 64-96-96-10, one thread): larger chunks cut the user time a little but
# each chunk's tensors then come from fresh pages (glibc hands large freed blocks back to the system), 0.4-1.1 s
# of page faults per 41×41 plane; chunks of 64-128 points ran 2-3 times slower than chunks of 4-16.
CHUNK_ACTIVATION_BUDGET = 2**19
MAX_CHUNK = 64
PLANE_KINDS = ("random", "pca")
LINE_KINDS = ("interpolation", "direction")


@dataclass(eq=False)
class LossPlane:
    """L(center + α·δ + β·η): ``loss[i, j]`` at α = ``alphas[j]``, β = ``betas[i]`` (NaN where not finite).

    ``explained``: the share of the trajectory's variance along δ and η (PCA planes), else None.
    """

    alphas: np.ndarray
    betas: np.ndarray
    loss: np.ndarray
    center_loss: float
    kind: str
    explained: np.ndarray | None

    @property
    def not_finite_count(self) -> int:
        """How many grid points had a loss that is NaN or ±∞ (the page says so instead of drawing them)."""
        return int(np.isnan(self.loss).sum())


def _trainable(model: torch.nn.Module) -> list[tuple[str, torch.Tensor]]:
    return [(name, parameter) for name, parameter in model.named_parameters() if parameter.requires_grad]


def _model_dtype(model: torch.nn.Module) -> torch.dtype:
    trainable = _trainable(model)
    if not trainable:
        raise ValueError("the model has no trainable parameters to move along")
    return trainable[0][1].dtype


def _filter_normalized(model: torch.nn.Module, generator: torch.Generator) -> np.ndarray:
    pieces = []
    with torch.no_grad():
        for _, parameter in _trainable(model):
            if parameter.dim() <= 1:
                pieces.append(torch.zeros(parameter.numel(), dtype=parameter.dtype))
                continue
            draw = torch.randn(parameter.shape, generator=generator, dtype=parameter.dtype)
            rows, draw_rows = parameter.detach().reshape(len(parameter), -1), draw.reshape(len(draw), -1)
            scale = rows.norm(dim=1, keepdim=True) / draw_rows.norm(dim=1, keepdim=True)
            pieces.append((draw_rows * scale).reshape(-1))
    return torch.cat(pieces).numpy()


def filter_normalized_direction(model: torch.nn.Module, seed: int) -> np.ndarray:
    """One filter-normalized Gaussian direction (P,) in the model's dtype: row i of each ≥2-D weight has the
    norm of the model's row i; 1-D parameters (biases, BatchNorm) are 0. The first of ``random_directions``."""
    return _filter_normalized(model, torch.Generator().manual_seed(int(seed)))


def random_directions(model: torch.nn.Module, seed: int) -> np.ndarray:
    """Two filter-normalized directions (2, P), drawn one after the other from one generator seeded ``seed``."""
    generator = torch.Generator().manual_seed(int(seed))
    return np.stack([_filter_normalized(model, generator), _filter_normalized(model, generator)])


def trajectory_directions(snapshots: np.ndarray, end: int = -1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""The top two PCA directions of a training path, their explained variance ratio, and the path's projection.

    With offsets M = [θ_s − θ_end]_s (S × P), sklearn's PCA (which centers M on its mean) gives orthonormal
    directions d₁, d₂ and the ratios λₖ/Σλ of the variance they explain. The path is drawn at
    cₛ = ((θ_s − θ_end)·d₁, (θ_s − θ_end)·d₂), so θ_end sits at the origin of the plane. The picture is the loss
    *on* the plane through θ_end; the snapshots themselves are off the plane by the unexplained part of their
    offsets, so the loss recorded in training at θ_s need not equal the contour's value at cₛ.

    Returns (directions (2, P), explained (2,), coordinates (S, 2)), in float64.
    """
    snapshots = np.asarray(snapshots, dtype=np.float64)
    if snapshots.ndim != 2 or len(snapshots) < MIN_SNAPSHOTS:
        raise ValueError(f"the trajectory needs at least {MIN_SNAPSHOTS} snapshots of shape (S, P), "
                         f"got an array of shape {snapshots.shape}")
    if not np.isfinite(snapshots).all():
        raise ValueError("the trajectory has snapshots that are not finite numbers (the training diverged)")
    if not -len(snapshots) <= end < len(snapshots):
        raise ValueError(f"end must index one of the {len(snapshots)} snapshots, got {end}")
    offsets = snapshots - snapshots[end]
    if not np.any(offsets - offsets.mean(axis=0)):
        raise ValueError("the parameters did not move along the trajectory: there is no direction to show")
    pca = PCA(n_components=2, svd_solver="full").fit(offsets)
    directions = pca.components_
    return directions, pca.explained_variance_ratio_.copy(), offsets @ directions.T


def trajectory_extent(coordinates: np.ndarray, margin: float = 0.25) -> tuple[float, float, float, float]:
    """(α_min, α_max, β_min, β_max) covering the projected path and the origin, widened by ``margin`` of its span."""
    coordinates = np.vstack([np.asarray(coordinates, dtype=np.float64), np.zeros((1, 2))])
    low, high = coordinates.min(axis=0), coordinates.max(axis=0)
    pad = margin * np.maximum(high - low, 1e-12)
    return float(low[0] - pad[0]), float(high[0] + pad[0]), float(low[1] - pad[1]), float(high[1] + pad[1])


def _first_linear_layer(model: torch.nn.Module, trainable_names: set[str]) -> int | None:
    """Index k of the first parametrised module of an ``nn.Sequential`` if it is a Linear/Conv whose parameters
    are all trainable and everything before it is parameter- and buffer-free, else None."""
    if not isinstance(model, torch.nn.Sequential):
        return None
    for index, (key, module) in enumerate(model.named_children()):
        own = dict(module.named_parameters())
        if not own and not any(True for _ in module.buffers()):
            continue
        linear = isinstance(module, (torch.nn.Linear, torch.nn.Conv1d, torch.nn.Conv2d, torch.nn.Conv3d))
        all_trainable = all(f"{key}.{name}" in trainable_names for name in own)
        return index if linear and all_trainable and index < len(model) - 1 else None
    return None


def _is_plain_cross_entropy(loss_fn: LossFunction, targets: torch.Tensor) -> bool:
    """Whether ``loss_fn`` is the mean cross-entropy against class indices, so the plane may compute it for a
    whole chunk at once: torch's log_softmax over a last dimension of a few classes (narrower than one vector
    register) costs more than the forward pass, over the chunk's dimension it is vectorized."""
    default = isinstance(loss_fn, torch.nn.CrossEntropyLoss) and loss_fn.weight is None \
        and loss_fn.reduction == "mean" and loss_fn.label_smoothing == 0.0
    return (loss_fn is torch.nn.functional.cross_entropy or default) and targets.dim() == 1 \
        and not targets.is_floating_point() and len(targets) > 0 and bool((targets >= 0).all())


def _evaluate(model: torch.nn.Module, loss_fn: LossFunction, inputs: torch.Tensor, targets: torch.Tensor,
              base: np.ndarray, directions: np.ndarray, coefficients: np.ndarray, batch: int | None,
              factor_first_layer: bool) -> tuple[np.ndarray, float]:
    """Losses at base + coefficients @ directions (K points) and at base itself; NaN where not finite."""
    dtype = _model_dtype(model)
    trainable = _trainable(model)
    names = [name for name, _ in trainable]
    shapes = [parameter.shape for _, parameter in trainable]
    count = sum(shape.numel() for shape in shapes)
    base_t = torch.as_tensor(np.asarray(base), dtype=dtype).reshape(-1)
    directions_t = torch.as_tensor(np.asarray(directions), dtype=dtype).reshape(len(directions), -1)
    if base_t.numel() != count or directions_t.shape[1] != count:
        raise ValueError(f"the point and the directions must have the model's {count} parameters, "
                         f"got {base_t.numel()} and {tuple(directions_t.shape)}")
    if not (torch.isfinite(base_t).all() and torch.isfinite(directions_t).all()):
        raise ValueError("the point and the directions must be finite numbers")
    coefficients_t = torch.as_tensor(coefficients, dtype=dtype)
    buffers = {name: buffer.detach() for name, buffer in model.named_buffers()}
    training = model.training

    def unflatten(flat: torch.Tensor) -> dict[str, torch.Tensor]:
        pieces = torch.split(flat, [shape.numel() for shape in shapes], dim=-1)
        return {name: piece.reshape(*flat.shape[:-1], *shape) for name, piece, shape in zip(names, pieces, shapes)}

    split = _first_linear_layer(model, set(names)) if factor_first_layer else None
    with torch.no_grad():
        if split is None:
            rest, features, feature_steps = model, inputs, None
        else:
            head, rest = model[: split + 1], model[split + 1:]
            head_names = {f"{key}.{name}" for key, module in head.named_children()
                          for name, _ in module.named_parameters()}

            def head_output(flat: torch.Tensor) -> torch.Tensor:
                parameters = {name: value for name, value in unflatten(flat).items() if name in head_names}
                return functional_call(head, parameters, (inputs,))

            # z is linear in the head's parameters (a Linear or Conv on fixed inputs): one pass per direction.
            features = head_output(base_t)
            feature_steps = torch.stack([head_output(direction) for direction in directions_t])
        rest_names = set(rest.state_dict(keep_vars=True))

        def outputs_at(parameters: dict[str, torch.Tensor], point_buffers: dict[str, torch.Tensor],
                       point_features: torch.Tensor) -> torch.Tensor:
            state = {name: value for name, value in {**parameters, **point_buffers}.items() if name in rest_names}
            return functional_call(rest, state, (point_features,))

        def loss_at(parameters, point_buffers, point_features) -> torch.Tensor:
            return loss_fn(outputs_at(parameters, point_buffers, point_features), targets)

        widest = [features.numel()]
        hooks = [module.register_forward_hook(lambda _, __, output: widest.append(
                     output.numel() if isinstance(output, torch.Tensor) else 0))
                 for module in rest.modules()]
        try:
            center_outputs = outputs_at(unflatten(base_t), {name: buffer.clone() for name, buffer in buffers.items()},
                                        features)
        finally:
            for hook in hooks:
                hook.remove()
        center = loss_fn(center_outputs, targets)
        class_losses = center_outputs.dim() == 2 and _is_plain_cross_entropy(loss_fn, targets)
        if batch is not None and (isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1):
            raise ValueError(f"the batch of parameter sets must be a whole number ≥ 1, got {batch!r}")
        chunk = int(batch or min(MAX_CHUNK, max(1, CHUNK_ACTIVATION_BUDGET // max(widest))))
        losses = []
        for start in range(0, len(coefficients_t), chunk):
            step = coefficients_t[start:start + chunk]
            parameters = unflatten(base_t + step @ directions_t)
            # In training mode BatchNorm updates its running statistics in place: give each point its own copy.
            point_buffers = buffers if not training else {
                name: buffer.expand(len(step), *buffer.shape).clone() for name, buffer in buffers.items()}
            if feature_steps is None:
                point_features, feature_dim = features, None
            else:
                point_features, feature_dim = features + torch.tensordot(step, feature_steps, dims=1), 0
            in_dims = (0, 0 if training else None, feature_dim)
            if class_losses:
                # (B, N, C) logits laid out (N, C, B): log_softmax then runs over C with B in the vector lanes.
                logits = vmap(outputs_at, in_dims=in_dims)(parameters, point_buffers, point_features)
                labels = targets[:, None].expand(len(targets), len(step))
                losses.append(torch.nn.functional.cross_entropy(
                    logits.permute(1, 2, 0).contiguous(), labels, reduction="none").mean(dim=0))
            else:
                losses.append(vmap(loss_at, in_dims=in_dims)(parameters, point_buffers, point_features))
    values = torch.cat(losses).to(torch.float64).numpy() if losses else np.zeros(0)
    values = np.where(np.isfinite(values), values, np.nan)
    center_value = float(center)
    return values, center_value if math.isfinite(center_value) else math.nan


def _axis(low: float, high: float, points: int, limit: int) -> np.ndarray:
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or not 2 <= points <= limit:
        raise ValueError(f"a grid needs 2 to {limit} points per axis, got {points!r}")
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"the range must be finite with its start before its end, got ({low}, {high})")
    return np.linspace(low, high, int(points))


def _ranges(extent: float | tuple) -> tuple[float, float, float, float]:
    if isinstance(extent, (int, float, np.floating, np.integer)) and not isinstance(extent, bool):
        return -float(extent), float(extent), -float(extent), float(extent)
    values = tuple(float(value) for value in extent)
    if len(values) != 4:
        raise ValueError(f"extent is a half-width or (α_min, α_max, β_min, β_max), got {extent!r}")
    return values  # type: ignore[return-value]


def loss_plane(model: torch.nn.Module, loss_fn: LossFunction, inputs: torch.Tensor, targets: torch.Tensor,
               center: np.ndarray, directions: np.ndarray, extent: float | tuple = 1.0, points: int = 41,
               batch: int | None = None, *, kind: str = "random", explained: np.ndarray | None = None,
               factor_first_layer: bool = True) -> LossPlane:
    """L(center + α·directions[0] + β·directions[1]) on a ``points`` × ``points`` grid (at most 51 × 51).

    ``extent``: a half-width e (α, β ∈ [−e, e]) or (α_min, α_max, β_min, β_max). ``batch``: parameter sets per
    vmap call (default: as many as keep the widest activation under 2¹⁹ numbers, at most 64). ``kind`` and
    ``explained`` are recorded on the result (``explained`` from ``trajectory_directions`` for a PCA plane).
    """
    if kind not in PLANE_KINDS:
        raise ValueError(f"kind must be one of {PLANE_KINDS}, got {kind!r}")
    directions = np.asarray(directions)
    if directions.ndim != 2 or len(directions) != 2:
        raise ValueError(f"a plane needs two directions of shape (2, P), got shape {directions.shape}")
    alpha_min, alpha_max, beta_min, beta_max = _ranges(extent)
    alphas = _axis(alpha_min, alpha_max, points, MAX_PLANE_POINTS)
    betas = _axis(beta_min, beta_max, points, MAX_PLANE_POINTS)
    grid_alpha, grid_beta = np.meshgrid(alphas, betas)
    coefficients = np.stack([grid_alpha.ravel(), grid_beta.ravel()], axis=1)
    values, center_loss = _evaluate(model, loss_fn, inputs, targets, center, directions, coefficients, batch,
                                    factor_first_layer)
    return LossPlane(alphas=alphas, betas=betas, loss=values.reshape(len(betas), len(alphas)),
                     center_loss=center_loss, kind=kind,
                     explained=None if explained is None else np.asarray(explained, dtype=np.float64))


def loss_line(model: torch.nn.Module, loss_fn: LossFunction, inputs: torch.Tensor, targets: torch.Tensor,
              start: np.ndarray, end_or_direction: np.ndarray, points: int = 51,
              extent: float | tuple[float, float] = (-0.5, 1.5), *, kind: str = "interpolation",
              batch: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The loss along a line: returns (t (points,), loss (points,)), NaN where not finite.

    ``kind="interpolation"``: θ(t) = start + t·(end − start), so t = 0 is the start and t = 1 the end point
    (default t ∈ [−0.5, 1.5]). ``kind="direction"``: θ(t) = start + t·direction as given (a unit Hessian
    eigenvector, say); ``extent`` e means t ∈ [−e, e].
    """
    if kind not in LINE_KINDS:
        raise ValueError(f"kind must be one of {LINE_KINDS}, got {kind!r}")
    low, high = (-float(extent), float(extent)) if np.isscalar(extent) else (float(extent[0]), float(extent[1]))
    t = _axis(low, high, points, MAX_LINE_POINTS)
    start = np.asarray(start)
    other = np.asarray(end_or_direction)
    if start.shape != other.shape:
        raise ValueError(f"start and end (or direction) must have the same shape, got {start.shape} and {other.shape}")
    direction = other.astype(np.float64) - start if kind == "interpolation" else other
    values, _ = _evaluate(model, loss_fn, inputs, targets, start, direction[None], t[:, None], batch, True)
    return t, values

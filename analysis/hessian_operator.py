r"""The Hessian of a network's loss as an operator: v ↦ Hv by double backpropagation, never a finite difference.

For the loss L(θ) = loss_fn(model(inputs; θ), targets) over the trainable parameters θ (those of
``model.parameters()`` with ``requires_grad``, flattened in that order, P numbers), one backward pass
with ``create_graph=True`` gives g(θ) = ∇L as a differentiable function; then for any vector v

.. math::

    H v = \nabla_\theta \left( g(\theta)^\top v \right),

one more backward pass through the kept graph (Pearlmutter 1994). Measured in CPU time on one thread
(P = 6k, 2,000 examples): 3.7 ms a product, against 10 ms for forward-over-reverse
``torch.func.jvp(torch.func.grad(loss))``, which redoes the forward pass each time (so does curvlinops).

The model is evaluated with ``torch.func.functional_call`` on copies of its parameters and of its buffers,
in its own mode: nothing of the model changes (in training mode BatchNorm's running statistics are updated
on the copies, and the Hessian is that of the batch-statistics loss). Everything is in the model's dtype.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch
from scipy.sparse.linalg import LinearOperator

LossFunction = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def trainable_parameters(model: torch.nn.Module) -> tuple[list[str], list[torch.nn.Parameter]]:
    """Names and tensors of ``[p for p in model.parameters() if p.requires_grad]``, in that order.

    ``named_parameters`` lists each shared parameter once, as ``parameters`` does, so the two agree.
    """
    pairs = [(name, parameter) for name, parameter in model.named_parameters() if parameter.requires_grad]
    if not pairs:
        raise ValueError("The model has no trainable parameters (none with requires_grad), so no Hessian.")
    names, parameters = zip(*pairs)
    dtypes = {parameter.dtype for parameter in parameters}
    if len(dtypes) != 1 or next(iter(dtypes)) not in (torch.float32, torch.float64):
        raise ValueError("The trainable parameters must all be float32 or all float64, got "
                         f"{', '.join(sorted(str(dtype).removeprefix('torch.') for dtype in dtypes))}.")
    return list(names), list(parameters)



class NotFiniteLoss(ArithmeticError):
    """The loss or its gradient is not a finite number at the given parameters."""

class HessianOperator:
    """The Hessian at the model's current parameters, applied to vectors (P,) or blocks (P, b) as tensors.

    Attributes: ``size`` P, ``dtype`` (the model's), ``loss`` (float), ``gradient`` (P,) tensor, and
    ``products``, the number of Hessian-vector products computed so far (a block of b counts b).
    """

    def __init__(self, model: torch.nn.Module, loss_fn: LossFunction, inputs: torch.Tensor,
                 targets: torch.Tensor) -> None:
        names, parameters = trainable_parameters(model)
        self.dtype = parameters[0].dtype
        self.shapes = [parameter.shape for parameter in parameters]
        self.sizes = [parameter.numel() for parameter in parameters]
        self.size = sum(self.sizes)
        self.products = 0
        buffers = {name: buffer.detach().clone() for name, buffer in model.named_buffers()}
        with torch.enable_grad():
            self._leaves = [parameter.detach().clone().requires_grad_(True) for parameter in parameters]
            outputs = torch.func.functional_call(model, {**dict(zip(names, self._leaves)), **buffers}, (inputs,))
            loss = loss_fn(outputs, targets)
            if loss.dim() != 0:
                raise ValueError(f"loss_fn must return a scalar, got a tensor of shape {tuple(loss.shape)}.")
            gradients = torch.autograd.grad(loss, self._leaves, create_graph=True, allow_unused=True)
        gradients = [torch.zeros_like(leaf) if piece is None else piece for leaf, piece in zip(self._leaves, gradients)]
        self.loss = float(loss.detach())
        self.gradient = self._flat([piece.detach() for piece in gradients])
        if not (math.isfinite(self.loss) and bool(torch.isfinite(self.gradient).all())):
            raise NotFiniteLoss(f"the loss is {self.loss:g} here, or its gradient is not finite (a diverged run?): "
                                "there is no Hessian to read")
        # Pieces of g that do not depend on θ (a bias under MSE, say) have no graph: their rows of H are zero.
        self._curved = [index for index, piece in enumerate(gradients) if piece.requires_grad]
        self._gradients = [gradients[index] for index in self._curved]

    def _flat(self, pieces: list[torch.Tensor]) -> torch.Tensor:
        return torch.cat([piece.reshape(-1) for piece in pieces])

    def _split(self, vector: torch.Tensor) -> list[torch.Tensor]:
        return [piece.reshape(shape) for piece, shape in zip(vector.split(self.sizes), self.shapes)]

    def matvec(self, vector: torch.Tensor) -> torch.Tensor:
        """H v for one vector (P,): one backward pass through the kept graph of g."""
        self.products += 1
        if not self._gradients:
            return torch.zeros(self.size, dtype=self.dtype)
        pieces = self._split(vector.to(self.dtype))
        products = torch.autograd.grad(self._gradients, self._leaves, grad_outputs=[pieces[i] for i in self._curved],
                                       retain_graph=True, allow_unused=True)
        return self._flat([torch.zeros(shape, dtype=self.dtype) if piece is None else piece
                           for piece, shape in zip(products, self.shapes)])

    def matmat(self, block: torch.Tensor) -> torch.Tensor:
        """H V for a block (P, b), column by column.

        Not one vectorized pass (``is_grads_batched``): measured in CPU time on one thread, a column costs
        3.7 ms alone and 4.2-4.6 ms in blocks of 4-32 (P = 6k, 2,000 examples); 8.1 against 10.3-10.8 ms at
        P = 21k; the dense Hessian of P = 2,922 took 6.0 s against 8.4 s.
        """
        return torch.stack([self.matvec(column) for column in block.T], dim=1)

    def dense(self) -> torch.Tensor:
        """All of H (P, P), column by column, symmetrized: (H + Hᵀ)/2.

        Double backpropagation gives the columns of H up to rounding; symmetrizing keeps only what ``eigh``
        reads anyway (one triangle) and makes the matrix exactly symmetric.
        """
        unit = torch.zeros(self.size, dtype=self.dtype)
        columns = []
        for index in range(self.size):
            unit[index] = 1
            columns.append(self.matvec(unit))
            unit[index] = 0
        matrix = torch.stack(columns, dim=1)
        return (matrix + matrix.T) / 2

    def scipy_operator(self, shift: float = 0.0) -> LinearOperator:
        """H + ``shift``·I for scipy (``eigsh``): float64 arrays in and out, products in the model's dtype.

        Lanczos keeps its own vectors in float64 whatever the model's dtype, so its orthogonality does not
        limit the accuracy; only the products carry the model's rounding.
        """
        def product(vector: np.ndarray) -> np.ndarray:
            block = torch.from_numpy(np.ascontiguousarray(vector))
            if block.dim() == 2 and block.shape[1] == 1:
                image = self.matvec(block[:, 0]).to(torch.float64)[:, None]
            elif block.dim() == 2:
                image = self.matmat(block).to(torch.float64)
            else:
                image = self.matvec(block).to(torch.float64)
            return (image + shift * block).numpy()

        return LinearOperator((self.size, self.size), matvec=product, matmat=product, rmatvec=product,
                              dtype=np.float64)

"""NumPy versions of the aten operations that NumPy computes to exactly the same bits as torch.

A gradient step on a 2D loss runs some thirty aten operations on tensors of a few elements; torch
spends 1.5-3 µs of bookkeeping on each, NumPy about 0.5 µs. ``optimizers.operation_tape`` replays a
recorded step with these kernels where one exists and with torch's own kernel everywhere else.

Only operations whose float64 result is fully determined by IEEE 754 are here: +, −, ×, ÷ and negation
are correctly rounded in both libraries, and copies are copies. Not here, on purpose:

* ``sqrt``, ``exp``, ``sin`` …: torch's vectorized kernels (SLEEF) may differ from NumPy's in the last bit
  (measured: torch's AVX-512 ``sqrt`` is not always correctly rounded);
* ``addcmul`` and friends: torch fuses a·b + c into one FMA, NumPy rounds twice;
* reductions (``sum``): the order of the additions is the library's choice.

``pow(base, exponent)`` with a number as exponent follows torch's CPU kernel (``PowKernel.cpp``), which
computes 2 as b·b, 3 as b·b·b, −1 as 1/b, −2 as 1/(b·b), 0 as 1 and 1 as a copy; other exponents go to
torch (0.5 is its ``sqrt``, the rest ``std::pow`` or SLEEF).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch

aten = torch.ops.aten

NumpyKernel = Callable[..., np.ndarray]


def same_array(array: np.ndarray, *ignored: object) -> np.ndarray:
    """The argument itself: ``detach``, ``alias`` and ``x ** 1`` (the tape gives the result the argument's slot)."""
    return array


# torch's pow(tensor, number) for the exponents its CPU kernel computes with products and one division.
POWERS_AS_PRODUCTS: dict[float, NumpyKernel] = {
    0: lambda base, exponent: np.ones_like(base),  # torch fills with 1, even where the base is NaN
    1: same_array,  # torch copies; the tape never writes into a replayed value
    2: lambda base, exponent: base * base,
    3: lambda base, exponent: base * base * base,
    -1: lambda base, exponent: 1.0 / base,
    -2: lambda base, exponent: 1.0 / (base * base),
}


def _select(tensor: np.ndarray, dim: int, index: int) -> np.ndarray:
    """``tensor.select(dim, index)``: the slice at ``index`` along ``dim`` (a view, as in torch)."""
    return tensor[(slice(None),) * (dim % tensor.ndim) + (index,)]


def _select_backward(gradient: np.ndarray, sizes: Sequence[int], dim: int, index: int) -> np.ndarray:
    """The gradient of ``select``: zeros of shape ``sizes`` with ``gradient`` copied in at ``index``."""
    result = np.zeros(sizes)
    result[(slice(None),) * (dim % len(sizes)) + (index,)] = gradient
    return result


# Each operation with its kernel and its number of arguments (a longer call passes alpha=… or the like).
KERNELS: dict[torch._ops.OpOverload, tuple[NumpyKernel, int]] = {
    aten.add.Tensor: (np.add, 2),
    aten.add.Scalar: (np.add, 2),
    aten.sub.Tensor: (np.subtract, 2),
    aten.sub.Scalar: (np.subtract, 2),
    aten.rsub.Scalar: (lambda tensor, number: number - tensor, 2),
    aten.mul.Tensor: (np.multiply, 2),
    aten.mul.Scalar: (np.multiply, 2),
    aten.div.Tensor: (np.true_divide, 2),
    aten.div.Scalar: (np.true_divide, 2),
    aten.neg.default: (np.negative, 1),
    aten.pow.Tensor_Scalar: (None, 2),  # see POWERS_AS_PRODUCTS
    aten.select.int: (_select, 3),
    aten.select_backward.default: (_select_backward, 4),
    aten.detach.default: (same_array, 1),
    aten.alias.default: (same_array, 1),
}


def numpy_kernel(operation: torch._ops.OpOverload, arguments: tuple, keywords: dict) -> NumpyKernel | None:
    """The NumPy kernel giving the same bits as ``operation(*arguments, **keywords)``, or ``None``.

    The caller must also check that every tensor involved is float64; numbers are taken as they are
    (a Python int or float becomes the float64 that torch makes of it).
    """
    if operation not in KERNELS or keywords or len(arguments) != KERNELS[operation][1]:
        return None
    if not all(_plain(argument) for argument in arguments):
        return None  # a bool, a tensor subclass, a huge int or anything unusual: torch's own kernel
    if operation is aten.pow.Tensor_Scalar:
        exponent = arguments[1]
        return POWERS_AS_PRODUCTS.get(exponent) if type(exponent) in (int, float) else None
    return KERNELS[operation][0]


def _plain(argument: object) -> bool:
    """A tensor, a float, a list (of sizes), or an int that float64 holds exactly (NumPy refuses huge ones)."""
    if type(argument) is int:
        return abs(argument) <= 2**53
    return type(argument) in (torch.Tensor, float, list)

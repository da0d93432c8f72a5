"""Record the aten operations of one call of a tensor function, then replay them on new inputs.

Why. An optimizer step on a 2D loss is a forward and a backward pass over tensors of a few elements:
some thirty aten operations, on which torch spends 1.5-3 µs each of Python, dispatcher and autograd
bookkeeping, plus ~40 µs in ``torch.autograd.grad`` itself, while the arithmetic takes nanoseconds.
The operations are the same at every step, only the numbers change. So the runner calls the function
once under a ``TorchDispatchMode`` that writes down every aten operation it reaches (the forward ones
*and* those autograd runs for the backward pass), and later steps replay that list:

.. code-block:: text

    record:  θ₀  ──► select, pow, add, …, mul, select_backward, add ──► L(θ₀), ∇L(θ₀)   (eager)
    replay:  θ_t ──► the same operations, order and constants       ──► L(θ_t), ∇L(θ_t) (~5× faster)

The gradient is still autograd's (the replayed operations *are* its backward pass), never a numerical
approximation. Each operation is replayed as NumPy where ``optimizers.numpy_kernels`` has a kernel
giving the same bits, and as torch's own kernel otherwise, so replay and eager give identical results.

A recording is refused (``record_operations`` returns no tape, and the caller stays eager) when it
could not be replayed faithfully:

* an operation returned a Python number (``.item()``, ``bool(tensor)``, an ``if`` on a value: the path
  recorded may not be the path at other inputs) or drew random numbers;
* an operation wrote into a tensor that other tensors share memory with, or into the input;
* a tensor entered from outside sharing memory with the input (the input leaked through NumPy);
* replaying at the recorded input, or eagerly vs. replayed at a second input ``check_argument``, does
  not give exactly the same results (this also catches values that left torch through ``.tolist()``).

The input's shape is part of the recording (sizes appear in the backward operations): a tape serves
one shape, which suits a run, whose batch of points keeps its shape from the first step to the last.
"""

from __future__ import annotations

import collections
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten, tree_map, tree_unflatten

from optimizers.numpy_kernels import numpy_kernel, same_array

Kernel = Callable[..., Any]

aten = torch.ops.aten
# Operations whose result depends on the shape of their argument, not on its values.
SHAPE_ONLY = frozenset({aten.ones_like.default, aten.zeros_like.default, aten.full_like.default,
                        aten.new_ones.default, aten.new_zeros.default, aten.new_full.default})


class Step(NamedTuple):
    """One replayed operation: ``values[output] = kernel(*fetch(values))``.

    ``fetch`` is an ``operator.itemgetter`` of the input slots: the replay loop costs 0.5-1 µs per
    operation, and reading the inputs with one C call instead of a Python loop saves a third of it.
    """

    kernel: Kernel
    fetch: Callable[[list], Sequence[Any]]
    output: int


@dataclass(frozen=True, eq=False)
class OperationTape:
    """A recorded call, replayed by ``tape(argument)``; see the module docstring.

    ``values`` is what a replay starts from: the constants (numbers, and the tensors that entered from
    outside, as NumPy arrays) in their slots, and ``None`` in the slots of the input (slot 0) and of
    the operations' results. ``outputs`` are the slots of the function's results.
    """

    values: tuple[Any, ...]
    steps: tuple[Step, ...]
    outputs: tuple[int, ...]

    def __call__(self, argument: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The function's results at ``argument`` (same shape and dtype as the recorded one)."""
        values = self._replay(argument)
        return tuple(torch.from_numpy(np.asarray(values[index])) for index in self.outputs)

    def _replay(self, argument: torch.Tensor) -> list[Any]:
        """Every slot after replaying all steps at ``argument``."""
        values = list(self.values)
        values[0] = argument.numpy()
        with np.errstate(all="ignore"):  # overflow and 0/0 give inf and NaN, as in torch, but silently
            for kernel, fetch, output in self.steps:
                values[output] = kernel(*fetch(values))
        return values


def record_operations(
    function: Callable[[torch.Tensor], Sequence[torch.Tensor]], argument: torch.Tensor, check_argument: torch.Tensor
) -> tuple[tuple[torch.Tensor, ...], OperationTape | None]:
    """``function(argument)``, computed eagerly, and its tape (``None`` if it cannot be replayed faithfully).

    ``function`` takes one tensor and returns a tuple of tensors; ``check_argument`` is a second input of
    the same shape, at which the tape must agree exactly with an eager call.
    """
    recorder = _Recorder()
    with recorder:
        results = tuple(function(argument))
    recording = _tape_of(recorder, argument, results)
    if recording is None:
        return results, None
    tape, expected = recording
    try:
        replayed = tape._replay(argument)
        eager, replayed_elsewhere = tuple(function(check_argument)), tape(check_argument)
    except Exception:  # noqa: BLE001 - whatever went wrong in a replay, the caller can still go on eagerly
        return results, None
    faithful = all(
        _same(snapshot, replayed[step.output]) for step, snapshot in zip(tape.steps, expected) if snapshot is not None
    ) and all(_same(left, right) for left, right in zip(eager, replayed_elsewhere, strict=True))
    return results, tape if faithful else None


class _Recorder(TorchDispatchMode):
    """Runs every aten operation as usual and writes down ``(operation, arguments, keywords, result)``.

    Keeping the arguments and results alive also keeps their ``id`` unique while the tape is built.
    ``snapshots`` are copies of the results as they were made (an in-place operation may change them later).
    """

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[torch._ops.OpOverload, tuple, dict, Any]] = []
        self.snapshots: list[Any] = []

    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        # By default torch wraps __torch_dispatch__ in torch._dynamo.disable, and the first call then
        # imports torch._dynamo: 2.5-5 s here, at the app's first chart. Nothing is compiled while recording.
        return False

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        self.calls.append((func, args, kwargs, result))
        self.snapshots.append(tree_map(lambda item: item.clone() if isinstance(item, torch.Tensor) else item, result))
        return result


def _tape_of(
    recorder: _Recorder, argument: torch.Tensor, results: tuple[torch.Tensor, ...]
) -> tuple[OperationTape, list[Any]] | None:
    """The tape of the recorded calls and, per step, the result it must give at ``argument`` (``None`` for
    the steps that unpack several results); ``None`` if a call cannot be replayed faithfully."""
    builder = _TapeBuilder(argument)
    for call, snapshot in zip(recorder.calls, recorder.snapshots):
        if not builder.add(*call, snapshot):
            return None
    return builder.tape(results)


class _TapeBuilder:
    """Turns the recorded calls, one at a time, into slots and steps.

    Two simplifications keep the replay short. A call whose tensor arguments do not depend on the input,
    or that only reads their shape (``ones_like``: autograd's first gradient), gives the same result at
    every replay, so it becomes a constant. And a step whose result nothing uses (the ``sum`` that
    ``torch.autograd.grad`` starts from) is dropped when the tape is finished.
    """

    def __init__(self, argument: torch.Tensor) -> None:
        self.values: list[Any] = [None]
        self.slot_of: dict[int, int] = {id(argument): 0}
        self.varying = {0}  # the slots that depend on the input
        self.steps: list[tuple[Kernel, tuple[int, ...], int, Any]] = []  # kernel, inputs, output, snapshot
        self.input_storage = _storage(argument)
        self.tensors_on_storage = collections.Counter([self.input_storage])  # the input and results so far

    def add(
        self, operation: torch._ops.OpOverload, arguments: tuple, keywords: dict, result: Any, snapshot: Any
    ) -> bool:
        """Adds one recorded call; ``False`` if it cannot be replayed faithfully."""
        if not _replayable(operation, result):
            return False
        in_place = operation._schema.is_mutable
        if in_place and not _writes_a_private_result(operation, arguments, self.slot_of, self.tensors_on_storage):
            return False
        kernel = numpy_kernel(operation, arguments, keywords) if _all_float64(arguments, result) else None
        if kernel is not None:
            inputs = tuple(self._slot(argument) for argument in arguments)
        else:  # torch's kernel, called with the arguments rebuilt from their flattened parts
            leaves, structure = tree_flatten((arguments, keywords))
            inputs = tuple(self._slot(leaf) for leaf in leaves)
            kernel = _torch_kernel(operation, structure, [isinstance(leaf, torch.Tensor) for leaf in leaves], in_place)
        if None in inputs:
            return False
        if not in_place:
            self.tensors_on_storage.update(_storage(element) for element in _elements(result))
        if operation in SHAPE_ONLY or self.varying.isdisjoint(inputs):
            for element, copy in zip(_elements(result), _elements(snapshot)):
                self.slot_of[id(element)] = self._constant(copy.numpy())
        elif kernel is same_array:  # detach, x ** 1: the result's slot is the argument's, no step needed
            self.slot_of[id(result)] = inputs[0]
        elif isinstance(result, torch.Tensor):
            self.slot_of[id(result)] = self._step(kernel, inputs, snapshot)
        else:  # several results: one step makes the tuple, one step per result takes it apart
            whole = self._step(kernel, inputs, snapshot)
            for position, element in enumerate(result):
                self.slot_of[id(element)] = self._step(operator.itemgetter(position), (whole,), None)
        return True

    def tape(self, results: tuple[torch.Tensor, ...]) -> tuple[OperationTape, list[Any]] | None:
        """The finished tape (without the steps nothing uses) and the snapshots of its steps."""
        if not all(isinstance(result, torch.Tensor) and id(result) in self.slot_of for result in results):
            return None  # a result that no recorded operation made
        outputs = tuple(self.slot_of[id(result)] for result in results)
        needed, live = set(outputs), []
        for kernel, inputs, output, snapshot in reversed(self.steps):
            if output in needed:
                needed.update(inputs)
                live.append((Step(kernel, _fetcher(inputs), output), snapshot))
        live.reverse()
        tape = OperationTape(tuple(self.values), tuple(step for step, _ in live), outputs)
        return tape, [snapshot for _, snapshot in live]

    def _constant(self, value: Any) -> int:
        self.values.append(value)
        return len(self.values) - 1

    def _step(self, kernel: Kernel, inputs: tuple[int, ...], snapshot: Any) -> int:
        output = self._constant(None)
        self.steps.append((kernel, inputs, output, snapshot))
        self.varying.add(output)
        return output

    def _slot(self, value: Any) -> int | None:
        """The slot of an argument: its producer's, or a new constant (``None`` if it cannot be one)."""
        if not isinstance(value, torch.Tensor):
            return self._constant(value)
        if id(value) in self.slot_of:
            return self.slot_of[id(value)]
        if _storage(value) == self.input_storage or value.dtype == torch.bfloat16:
            return None  # the input leaked in through NumPy; or a dtype NumPy lacks
        return self._constant(value.detach().clone().numpy())  # from outside: a folded number of a formula


def _replayable(operation: torch._ops.OpOverload, result: Any) -> bool:
    """Whether ``operation`` gives the same kind of result at every replay: deterministic, tensors out."""
    return torch.Tag.nondeterministic_seeded not in operation.tags and all(
        isinstance(element, torch.Tensor) for element in _elements(result)
    )


def _writes_a_private_result(
    operation: torch._ops.OpOverload, arguments: tuple, slot_of: dict[int, int], tensors_on_storage: collections.Counter
) -> bool:
    """Whether an in-place ``operation`` writes only into its first argument, a result of the tape that no
    other tensor shares memory with (autograd does this: ``masked_fill_`` in the backward pass of
    ``maximum``). Replaying it on a copy is then the same as replaying it in place.
    """
    written = [info is not None and info.is_write for info in (a.alias_info for a in operation._schema.arguments)]
    target = arguments[0] if arguments else None
    return (
        written[:1] == [True] and not any(written[1:])
        and isinstance(target, torch.Tensor) and slot_of.get(id(target), 0) != 0
        and tensors_on_storage[_storage(target)] == 1
    )


def _elements(result: Any) -> tuple[Any, ...]:
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def _storage(tensor: torch.Tensor) -> int:
    return tensor.untyped_storage().data_ptr()


def _all_float64(arguments: tuple, result: Any) -> bool:
    tensors = [argument for argument in arguments if isinstance(argument, torch.Tensor)]
    return isinstance(result, torch.Tensor) and all(tensor.dtype == torch.float64 for tensor in (*tensors, result))


def _fetcher(indices: tuple[int, ...]) -> Callable[[list], Sequence[Any]]:
    """``values ↦ (values[i] for i in indices)`` as one C call (for one index a slice, which gives a list)."""
    if len(indices) == 1:
        return operator.itemgetter(slice(indices[0], indices[0] + 1))
    return operator.itemgetter(*indices) if indices else lambda values: ()


def _torch_kernel(operation: torch._ops.OpOverload, structure: Any, is_tensor: list[bool], in_place: bool) -> Kernel:
    """A kernel calling torch's ``operation`` on replayed values (NumPy arrays in, NumPy arrays out).

    An in-place operation gets a copy of its first argument, which may be shared on the NumPy side.
    """

    def kernel(*leaves: Any) -> Any:
        leaves = [torch.from_numpy(np.asarray(leaf)) if tensor else leaf for leaf, tensor in zip(leaves, is_tensor)]
        if in_place:
            leaves[0] = leaves[0].clone()
        arguments, keywords = tree_unflatten(leaves, structure)
        result = operation(*arguments, **keywords)
        return result.numpy() if isinstance(result, torch.Tensor) else tuple(element.numpy() for element in result)

    return kernel


def _same(expected: Any, actual: Any) -> bool:
    """Equal dtype, shape and bits, the signs of zeros included; but any NaN equals any NaN.

    NaN payloads (the sign bit of a NaN, say) do differ between NumPy and torch; a NaN means "undefined"
    whatever its bits, and the runner treats it as the end of a run.
    """
    if isinstance(expected, (tuple, list)):
        return isinstance(actual, tuple) and len(actual) == len(expected) and all(map(_same, expected, actual))
    expected = expected.detach().numpy()
    actual = np.asarray(actual.numpy() if isinstance(actual, torch.Tensor) else actual)
    if expected.dtype != actual.dtype or expected.shape != actual.shape:
        return False
    if expected.dtype.kind == "f":
        undefined = np.isnan(expected)
        if not np.array_equal(undefined, np.isnan(actual)):
            return False
        expected, actual = np.where(undefined, 0.0, expected), np.where(undefined, 0.0, actual)
    return expected.tobytes() == actual.tobytes()

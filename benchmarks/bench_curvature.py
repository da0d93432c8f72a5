"""Our curvature engine against PyHessian 0.1, curvlinops-for-pytorch and hessian-eigenthings (a script, not a test).

Run: ``.venv/bin/python benchmarks/bench_curvature.py [--sizes 5k,20k,70k] [--threads 1]`` after
``pip install --no-deps -r benchmarks/requirements-peers.txt`` (the peers are never imported by the app).

Same model and data for everyone: a tanh MLP 64 → h → h → 10 (h = 48, 112, 230: P ≈ 6k, 21k, 70k),
trained (float32) 100 full-batch Adam steps on 2,000 generated examples (Gaussian inputs, labels of a random teacher
network), cross-entropy. One run of each method, operator setup included, timed in CPU seconds of the process
(``time.process_time``) on one intra-op thread: this machine's 2 cores are shared with other jobs, and wall
clock moved by 2× between identical runs, CPU time much less.
Measured in float64 by default (``--dtype``): in float32 the products' own rounding moves the eigenvalues
by ~5·10⁻⁶ relative at P = 21k (every method alike), so "≤ 10⁻⁶" can only be checked in float64.

Reference ("converged"): our Lanczos on the float64 copy of the model with tol = 10⁻¹⁰ (curvlinops' operator
and hessian-eigenthings' Lanczos, independent code, agree with it to ~10⁻¹⁵: see their rows); the trace's reference
is Hutch++ with 900 products on that copy (± its standard error). Errors of eigenvalues are
max_i |λ_i − λ_i^ref| / |λ_i^ref| in the order each method returns them (PyHessian's order is that in which
deflated power iteration finds them: by magnitude, not necessarily sorted; the table says whether it was).
PyHessian's defaults: power iteration maxIter = 100, tol = 10⁻³; trace maxIter = 100, tol = 10⁻³; density
iter = 100, n_v = 1. Its PyPI density() calls ``torch.eig`` (removed from torch): patched here with ``eigh``.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import sys
import time
from pathlib import Path

import numpy as np
import torch
from scipy.sparse.linalg import eigsh

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.curvature import START_SEED, extreme_eigenpairs  # noqa: E402
from analysis.hessian_operator import HessianOperator  # noqa: E402
from analysis.spectral_lanczos import broadened_density, hutch_plus_plus, lanczos_quadrature  # noqa: E402

HIDDEN = {"5k": 48, "20k": 112, "70k": 230}
EXAMPLES, FEATURES, CLASSES = 2000, 64, 10
TOLERANCE = 1e-6
TRACE_PRODUCTS = 90
REFERENCE_TRACE_PRODUCTS = 900


def loss_fn(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return torch.nn.functional.cross_entropy(outputs, targets)


def problem(hidden: int, dtype: torch.dtype = torch.float32) -> tuple[torch.nn.Module, torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    inputs = torch.randn(EXAMPLES, FEATURES, generator=generator)
    torch.manual_seed(1)
    teacher = torch.nn.Sequential(torch.nn.Linear(FEATURES, 32), torch.nn.Tanh(), torch.nn.Linear(32, CLASSES))
    with torch.no_grad():
        targets = teacher(inputs).argmax(1)
    torch.manual_seed(2)
    model = torch.nn.Sequential(torch.nn.Linear(FEATURES, hidden), torch.nn.Tanh(), torch.nn.Linear(hidden, hidden),
                                torch.nn.Tanh(), torch.nn.Linear(hidden, CLASSES))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    for _ in range(100):
        optimizer.zero_grad()
        loss_fn(model(inputs), targets).backward()
        optimizer.step()
    model.zero_grad(set_to_none=True)
    return model.eval().to(dtype), inputs.to(dtype), targets


def timed(action):
    """(CPU seconds of this process, result): on one thread, the work done, whatever else the machine runs."""
    start = time.process_time()
    result = action()
    return time.process_time() - start, result


def relative_error(values, reference) -> float:
    values, reference = np.asarray(values, dtype=np.float64), np.asarray(reference, dtype=np.float64)
    return float(np.max(np.abs(values - reference[: len(values)]) / np.abs(reference[: len(values)])))


# ----- ours -------------------------------------------------------------------------------------------------------

def ours_eigenvalues(model, inputs, targets, k, tol=TOLERANCE):
    operator = HessianOperator(model, loss_fn, inputs, targets)
    values, _ = extreme_eigenpairs(operator, k, "largest", tol)
    return values, operator.products


def ours_trace(model, inputs, targets):
    operator = HessianOperator(model, loss_fn, inputs, targets)
    return hutch_plus_plus(operator.matmat, operator.size, operator.dtype, 0, TRACE_PRODUCTS)


def ours_density(model, inputs, targets, probes=3, steps=80):
    operator = HessianOperator(model, loss_fn, inputs, targets)
    nodes, weights = lanczos_quadrature(operator.matvec, operator.size, operator.dtype, 0, probes, steps)
    return nodes, weights, broadened_density(nodes, weights)


# ----- PyHessian 0.1 ----------------------------------------------------------------------------------------------

PYHESSIAN: dict = {}


def pyhessian_module():
    if PYHESSIAN:
        return PYHESSIAN["module"], PYHESSIAN["counter"]
    module = importlib.import_module("pyhessian.hessian")  # the package's name "hessian" is also its class
    def eig(matrix, eigenvectors=True):
        """torch.eig's old answer (values as (real, imaginary) columns) for PyPI PyHessian 0.1's density():
        torch.eig now only raises. T is symmetric, so eigh (PyHessian's repository has since moved to eig)."""
        values, vectors = torch.linalg.eigh(matrix)
        return torch.stack([values, torch.zeros_like(values)], dim=1), vectors

    torch.eig = eig
    counted = module.hessian_vector_product
    counter = {"products": 0}

    def counting(gradients, parameters, vector):
        counter["products"] += 1
        return counted(gradients, parameters, vector)

    module.hessian_vector_product = counting
    PYHESSIAN.update(module=module, counter=counter)
    return module, counter


def pyhessian_call(model, inputs, targets, method: str, **keywords):
    module, counter = pyhessian_module()
    counter["products"] = 0
    # A copy: PyHessian sets the model to eval mode and leaves gradients (with their graph) on the parameters.
    # Its random vectors take torch's default dtype: the model's, so a float64 run stays float64.
    default = torch.get_default_dtype()
    torch.set_default_dtype(next(model.parameters()).dtype)
    try:
        computer = module.hessian(copy.deepcopy(model), loss_fn, data=(inputs, targets), cuda=False)
        return getattr(computer, method)(**keywords), counter["products"]
    finally:
        torch.set_default_dtype(default)


# ----- curvlinops-for-pytorch 3.0.1 and hessian-eigenthings 1.0.0a5 ------------------------------------------------

def curvlinops_operator(model, inputs, targets):
    from curvlinops import HessianLinearOperator

    parameters = [p for p in model.parameters() if p.requires_grad]
    return HessianLinearOperator(model, torch.nn.CrossEntropyLoss(), parameters, [(inputs, targets)],
                                 check_deterministic=False)


def curvlinops_eigenvalues(model, inputs, targets, k):
    operator = curvlinops_operator(model, inputs, targets).to_scipy(np.float64)
    start = np.random.default_rng(START_SEED).standard_normal(operator.shape[0])
    return np.sort(eigsh(operator, k=k, which="LA", tol=TOLERANCE / 3, v0=start, return_eigenvectors=False))[::-1]


def curvlinops_trace(model, inputs, targets):
    from curvlinops.trace.meyer2020hutch import hutchpp_trace

    torch.manual_seed(0)
    return float(hutchpp_trace(curvlinops_operator(model, inputs, targets), TRACE_PRODUCTS))


def eigenthings_operator(model, inputs, targets):
    import hessian_eigenthings as eigenthings

    return eigenthings, eigenthings.HessianOperator(model, [(inputs, targets)], eigenthings.supervised_loss(loss_fn))


def eigenthings_eigenvalues(model, inputs, targets, k, steps):
    eigenthings, operator = eigenthings_operator(model, inputs, targets)
    result = eigenthings.lanczos(operator, k=k, which="LA", max_iter=steps, seed=0, reorthogonalize=True)
    return result.eigenvalues.double().numpy(), bool(result.converged.all())


def eigenthings_trace(model, inputs, targets):
    eigenthings, operator = eigenthings_operator(model, inputs, targets)
    result = eigenthings.trace(operator, num_matvecs=TRACE_PRODUCTS, method="hutch++", seed=0)
    return result.estimate, result.stderr


def eigenthings_density(model, inputs, targets):
    eigenthings, operator = eigenthings_operator(model, inputs, targets)
    return eigenthings.spectral_density(operator, num_runs=3, lanczos_steps=80, seed=0)


# ----- the table ---------------------------------------------------------------------------------------------------

def measure(size: str, rows: list[str], peers: bool, dtype: torch.dtype) -> None:
    model, inputs, targets = problem(HIDDEN[size], dtype)
    parameters = sum(p.numel() for p in model.parameters())
    wide = copy.deepcopy(model).double()
    seconds, (reference, _) = timed(lambda: ours_eigenvalues(wide, inputs.double(), targets, 5, tol=1e-10))
    trace_reference = hutch_plus_plus(HessianOperator(wide, loss_fn, inputs.double(), targets).matmat, parameters,
                                      torch.float64, 1, REFERENCE_TRACE_PRODUCTS)
    print(f"{size}: P = {parameters}, reference top-5 {np.array2string(reference, precision=6)} "
          f"({seconds:.1f} s), trace {trace_reference[0]:.4f} ± {trace_reference[1]:.4f}", flush=True)

    def row(task, who, seconds, error, products, note=""):
        rows.append(f"| {size} ({parameters}) | {task} | {who} | {seconds:.2f} | {error} | {products} | {note} |")
        print(rows[-1], flush=True)

    budget = {}
    for k, task in ((1, "top-1"), (5, "top-5")):
        ours_seconds, (values, products) = timed(lambda: ours_eigenvalues(model, inputs, targets, k))
        budget[k] = products
        row(task, "ours (eigsh, tol 1e-6)", ours_seconds, f"{relative_error(values, reference):.1e}", products)
        seconds, ((found, _), products) = timed(lambda: pyhessian_call(model, inputs, targets, "eigenvalues",
                                                                          top_n=k))
        ordered = "sorted" if list(found) == sorted(found, reverse=True) else "not sorted"
        error = relative_error(sorted(found, reverse=True), reference)
        row(task, "PyHessian (default)", seconds, f"{relative_error(found, reference):.1e} (sorted: {error:.1e})",
            products, f"{ordered}; ours {seconds / ours_seconds:.1f}× faster")
        if k == 1:  # what PyHessian's power iteration needs to approach our accuracy
            seconds, ((found, _), products) = timed(lambda: pyhessian_call(model, inputs, targets, "eigenvalues",
                                                                              top_n=1, maxIter=1000, tol=1e-8))
            row(task, "PyHessian (tol 1e-8, maxIter 1000)", seconds, f"{relative_error(found, reference):.1e}",
                products, f"ours {seconds / ours_seconds:.1f}× faster")
        if peers:
            seconds, values = timed(lambda: curvlinops_eigenvalues(model, inputs, targets, k))
            row(task, "curvlinops + eigsh", seconds, f"{relative_error(values, reference):.1e}", "",
                f"ours {seconds / ours_seconds:.1f}× faster")
            seconds, (values, converged) = timed(
                lambda: eigenthings_eigenvalues(model, inputs, targets, k, max(budget[k], 2 * k)))
            row(task, "hessian-eigenthings lanczos", seconds, f"{relative_error(values, reference):.1e}",
                max(budget[k], 2 * k), f"same budget as ours; converged: {converged}; ours "
                f"{seconds / ours_seconds:.1f}× faster")

    exact_trace, reference_error = trace_reference
    ours_seconds, (estimate, error) = timed(lambda: ours_trace(model, inputs, targets))
    row("trace", "ours (Hutch++)", ours_seconds, f"{estimate:.3f} ± {error:.3f} (ref {exact_trace:.3f})",
        TRACE_PRODUCTS)
    seconds, (samples, products) = timed(lambda: pyhessian_call(model, inputs, targets, "trace"))
    spread = np.std(samples, ddof=1) / np.sqrt(len(samples)) if len(samples) > 1 else float("nan")
    row("trace", "PyHessian (default)", seconds, f"{np.mean(samples):.3f} ± {spread:.3f}", products,
        f"ours {seconds / ours_seconds:.1f}× faster")
    if peers:
        seconds, value = timed(lambda: curvlinops_trace(model, inputs, targets))
        row("trace", "curvlinops hutchpp_trace", seconds, f"{value:.3f} (no error bar)", TRACE_PRODUCTS,
            f"ours {seconds / ours_seconds:.1f}× faster")
        seconds, (value, error) = timed(lambda: eigenthings_trace(model, inputs, targets))
        row("trace", "hessian-eigenthings hutch++", seconds, f"{value:.3f} ± {error:.3f}", TRACE_PRODUCTS,
            f"ours {seconds / ours_seconds:.1f}× faster")

    mean_reference = exact_trace / parameters
    ours_seconds, (nodes, weights, (grid, density)) = timed(lambda: ours_density(model, inputs, targets))
    slq_seconds = ours_seconds
    row("density", "ours (SLQ 3×80)", ours_seconds,
        f"∫ = {np.trapezoid(density, grid):.6f}, mean {np.sum(nodes * weights):.2e} (tr/P {mean_reference:.2e})", 240)
    seconds, (nodes, weights, _) = timed(lambda: ours_density(model, inputs, targets, probes=1, steps=100))
    row("density", "ours (SLQ 1×100)", seconds, f"mean {np.sum(nodes * weights):.2e}", 100,
        "PyHessian's budget")
    ours_seconds = seconds
    seconds, ((eigen_lists, weight_lists), products) = timed(lambda: pyhessian_call(model, inputs, targets, "density"))
    mean = float(np.sum(np.array(eigen_lists[0]) * np.array(weight_lists[0])))
    row("density", "PyHessian (1×100)", seconds, f"Σw = {np.sum(weight_lists[0]):.6f}, mean {mean:.2e}", products,
        f"ours (1×100) {seconds / ours_seconds:.1f}× faster")
    if peers:
        seconds, result = timed(lambda: eigenthings_density(model, inputs, targets))
        integral = float(torch.trapezoid(result.density, result.grid))
        row("density", "hessian-eigenthings SLQ 3×80", seconds, f"∫ = {integral:.6f}", 240,
            f"ours (3×80) {seconds / slq_seconds:.1f}× faster")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5k,20k,70k")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64",
                        help="float32 products carry rounding of ~5e-6 relative at P = 21k (measured), above 1e-6")
    parser.add_argument("--no-peers", action="store_true", help="PyHessian only (skip curvlinops, hessian-eigenthings)")
    arguments = parser.parse_args()
    torch.set_num_threads(arguments.threads)
    rows = ["| model (P) | task | method | CPU s | error / value | Hessian-vector products | note |",
            "| --- | --- | --- | --- | --- | --- | --- |"]
    for size in arguments.sizes.split(","):
        measure(size, rows, not arguments.no_peers, getattr(torch, arguments.dtype))
    print(f"\ntorch {torch.__version__}, {arguments.dtype}, {arguments.threads} thread(s), one run each\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()

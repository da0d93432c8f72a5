r"""The batch-size experiment judged: the lecture's summary table, row by row, from a result of
:mod:`experiments.batch_size`.

Each comparison is paired over seeds: the small batch "wins" when the 95 % interval of the per-seed difference
lies above 0. Keskar's slice is read one half-distance outside each solution:

.. math::

    \text{rise}_{\text{small}} = L(-\tfrac12) - L(0), \qquad \text{rise}_{\text{large}} = L(1\tfrac12) - L(1),

on θ(α) = (1 − α) θ_small + α θ_large.
"""

from __future__ import annotations

import math

import numpy as np

from experiments.findings import Finding
from experiments.statistics import mean_interval

OUTSIDE = 0.5  # how far outside each solution (in units of ‖θ_large − θ_small‖) the slice's rise is read


def arm_values(result: dict, block: str, key: str) -> np.ndarray:
    """(seeds, batch sizes) of one end number (``block`` "same_epochs" or "same_updates")."""
    return np.array([[arm[key] for arm in row] for row in result[block]], dtype=float)


def slice_rise(result: dict, which: str = "slice_train") -> tuple[np.ndarray, np.ndarray]:
    """Per seed, the loss's rise ``OUTSIDE`` beyond each solution: L(−½) − L(0) (small), L(1½) − L(1) (large).
    """
    alphas, losses = np.array(result["alphas"]), np.array(result[which], dtype=float)

    def at(alpha: float) -> np.ndarray:
        return losses[:, int(np.argmin(np.abs(alphas - alpha)))]

    return at(-OUTSIDE) - at(0.0), at(1.0 + OUTSIDE) - at(1.0)


def slice_barrier(result: dict) -> np.ndarray:
    """Per seed, how far the training loss between the solutions (0 ≤ α ≤ 1) rises above its higher end."""
    alphas, losses = np.array(result["alphas"]), np.array(result["slice_train"], dtype=float)
    between = losses[:, (alphas >= 0) & (alphas <= 1)]
    return between.max(axis=1) - np.maximum(between[:, 0], between[:, -1])


def _paired(larger: np.ndarray, smaller: np.ndarray) -> tuple[bool, int]:
    """Whether ``larger`` exceeds ``smaller`` over the seeds (the 95 % interval of the paired difference above
    0), and on how many seeds it does."""
    difference = mean_interval(larger - smaller)
    return bool(difference.low > 0), int(np.sum(larger > smaller))


def _text(values: np.ndarray, digits: int = 3) -> str:
    """``mean ± half width``; just the mean (its trailing zeros kept: 1.00) when every seed gave the same."""
    interval = mean_interval(values)
    if interval.count > 1 and interval.half_width == 0:
        return f"{interval.mean:#.{digits}g}".replace("-", "−")
    return interval.text(digits).replace("-", "−")


def _milliseconds(seconds: float) -> str:
    return f"{1000 * seconds:.3g}"


def noise_slope(sizes: list[int], noise: list[float]) -> float:
    """The slope of log E‖g_B − g‖² against log B (−1 for noise ∝ 1/B); NaN with fewer than two sizes."""
    return float(np.polyfit(np.log(sizes), np.log(noise), 1)[0]) if len(sizes) > 1 else math.nan


def _timing_finding(key: str, result: dict, data: str, device: str = "cpu") -> Finding:
    timing = result["timing"][data] if device == "cpu" else result["timing"][device][data]
    sizes, seconds = timing["batch_sizes"], timing["update_seconds"]
    flat = max(size for size, value in zip(sizes, seconds) if value <= 2 * seconds[0])  # the time's flat part
    return Finding(key, {"data": data, "small_batch": str(sizes[0]), "large_batch": f"{sizes[-1]:,}",
                         "small_ms": _milliseconds(seconds[0]), "large_ms": _milliseconds(seconds[-1]),
                         "time_ratio": f"{seconds[-1] / seconds[0]:.3g}", "batch_ratio": f"{sizes[-1] / sizes[0]:,.0f}",
                         "flat_batch": f"{flat:,}", "parameters": f"{timing['parameters']:,}"},
                   seconds[-1] > seconds[0] if device == "cpu" else seconds[-1] <= 2 * seconds[0])


def findings(result: dict) -> tuple[Finding, ...]:
    """The lecture's summary table, row by row, with what was measured (see the module docstring)."""
    settings = result["settings"]
    sizes, small, large = result["batch_sizes"], result["small"], result["large"]
    names = {"small_batch": str(sizes[small]), "large_batch": f"{sizes[large]:,}"}
    rows = [_timing_finding("update_time", result, settings["data"])]
    rows += [_timing_finding("update_time_other", result, data) for data in settings["timing_data"]
             if data != settings["data"]]
    if "cuda" in result["timing"]:  # the lecture's parallel update, measured on the GPU
        rows += [_timing_finding("update_time_gpu", result, data, "cuda")
                 for data in settings["timing_data"]]
    else:
        rows.append(Finding("update_time_gpu_absent"))
    epoch_seconds = result["timing"]["measured_epoch_seconds"][settings["data"]]
    rows.append(Finding("epoch_time", {"smallest_batch": str(sizes[0]), "large_batch": names["large_batch"],
                                       "smallest_seconds": f"{epoch_seconds[0]:.3g}",
                                       "large_ms": _milliseconds(epoch_seconds[-1]),
                                       "updates": f"{math.ceil(result['train_size'] / sizes[0]):,}",
                                       "epochs": str(settings["epochs"])},
                        epoch_seconds[0] > epoch_seconds[-1]))
    noise_sizes = sizes[:-1]
    start = np.array([row["measured"] for row in result["noise_start"]])
    end = np.array([row["measured"] for row in result["noise_end"]])
    signal_start = np.array([row["gradient_squared"] for row in result["noise_start"]])
    signal_end = np.array([row["gradient_squared"] for row in result["noise_end"]])
    mean_start = start.mean(axis=0)
    rows.append(Finding("gradient_noise", {
        "smallest_batch": str(noise_sizes[0]), "largest_batch": str(noise_sizes[-1]),
        "smallest_noise": _text(start[:, 0]), "largest_noise": _text(start[:, -1]),
        "slope": f"{noise_slope(noise_sizes, mean_start):.3f}".replace("-", "−"), "signal": _text(signal_start),
        "start_ratio": _text(start[:, 0] / signal_start), "end_ratio": _text(end[:, 0] / signal_end)},
        bool(np.all(np.diff(mean_start) < 0))))
    for block, key in (("same_epochs", "optimization_epochs"), ("same_updates", "optimization_updates")):
        accuracy, updates = arm_values(result, block, "train_accuracy"), arm_values(result, block, "updates")
        agrees, seeds = _paired(accuracy[:, small], accuracy[:, large])
        best = int(np.argmax(accuracy.mean(axis=0)))
        peaks = ([max(arm["curve"]) for arm in (row[0] for row in result[block])] if block == "same_epochs"
                 else accuracy[:, 0])
        rows.append(Finding(key, names | {
            "smallest_batch": str(sizes[0]), "smallest_accuracy": _text(accuracy[:, 0]),
            "smallest_peak": _text(np.array(peaks)),
            "small_accuracy": _text(accuracy[:, small]), "large_accuracy": _text(accuracy[:, large]),
            "small_updates": f"{updates[0, small]:,.0f}", "large_updates": f"{updates[0, large]:,.0f}",
            "best_batch": f"{sizes[best]:,}", "best_accuracy": _text(accuracy[:, best]),
            "best_low": f"{accuracy[:, best].min():#.3g}",
            "seeds": str(seeds), "seed_count": str(len(accuracy)), "epochs": str(settings["epochs"]),
            "updates": f"{settings['updates']:,}"}, agrees))
    train_accuracy = arm_values(result, "same_updates", "train_accuracy")
    validation = arm_values(result, "same_updates", "validation_accuracy")
    agrees, seeds = _paired(validation[:, small], validation[:, large])
    gap = train_accuracy - validation
    rows.append(Finding("generalization", names | {
        "small_accuracy": _text(validation[:, small]), "large_accuracy": _text(validation[:, large]),
        "small_gap": _text(gap[:, small]), "large_gap": _text(gap[:, large]), "seeds": str(seeds),
        "distance": _text(np.array(result["distance"])), "barrier": f"{slice_barrier(result).max():.2g}",
        "seed_count": str(len(validation)), "updates": f"{settings['updates']:,}"}, agrees))
    for key, column in (("sharpness", "sharpness"), ("flatness", "curvature_trace")):
        values = np.array(result[column])
        agrees, seeds = _paired(values[:, large], values[:, small])
        rows.append(Finding(key, names | {
            "small_value": _text(values[:, small]), "large_value": _text(values[:, large]),
            "seeds": str(seeds), "seed_count": str(len(values)), "limit": f"{2 / settings['learning_rate']:.3g}"},
            agrees))
    rows += _slice_findings(result, names)
    return tuple(rows)


def _slice_findings(result: dict, names: dict) -> list[Finding]:
    """Keskar's slice: the rise of the training loss beside each solution (the lecture's claim), and where the
    validation loss along the slice is lowest (beyond it: ``slice_validation_end`` when at an end of the slice,
    so still falling there)."""
    small_rise, large_rise = slice_rise(result)
    agrees, seeds = _paired(large_rise, small_rise)
    alphas = np.array(result["alphas"])
    train_losses, validation = np.array(result["slice_train"]), np.array(result["slice_validation"]).mean(axis=0)
    at_small, at_large = int(np.argmin(np.abs(alphas))), int(np.argmin(np.abs(alphas - 1)))
    best = int(np.argmin(validation))
    slice_row = Finding("slice", names | {
        "small_rise": _text(small_rise), "large_rise": _text(large_rise), "seeds": str(seeds),
        "small_loss": _text(train_losses[:, at_small]), "large_loss": _text(train_losses[:, at_large]),
        "large_share": f"{100 * np.mean(large_rise / train_losses[:, at_large]):.2g} %",
        "small_falling": str(int(np.sum(small_rise < 0))), "seed_count": str(len(small_rise)),
        "distance": _text(np.array(result["distance"])), "before": f"{-OUTSIDE:g}".replace("-", "−"),
        "after": f"{1 + OUTSIDE:g}"}, agrees)
    key = "slice_validation_end" if best in (0, len(alphas) - 1) else "slice_validation"
    validation_row = Finding(key, names | {
        "alpha": f"{alphas[best]:g}".replace("-", "−"), "loss": f"{validation[best]:.3g}",
        "small_loss": f"{validation[at_small]:.3g}", "large_loss": f"{validation[at_large]:.3g}"})
    return [slice_row, validation_row]

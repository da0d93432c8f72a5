r"""Error bars over seeds: a mean with its Student-t confidence interval.

For n values with mean x̄ and sample standard deviation s,

.. math::

    \bar x \pm t_{n-1,\,1-(1-c)/2}\, \frac{s}{\sqrt n},

the interval that covers the mean with probability c when the values are independent and about normal.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Interval:
    """The mean of ``count`` values and its confidence interval ``mean ± half_width`` (0 for one value)."""

    mean: float
    half_width: float
    count: int

    @property
    def low(self) -> float:
        return self.mean - self.half_width

    @property
    def high(self) -> float:
        return self.mean + self.half_width

    def text(self, digits: int = 3) -> str:
        """``0.532 ± 0.014`` (the interval's half width), or just the mean for one value."""
        if self.count < 2 or not math.isfinite(self.half_width):
            return f"{self.mean:.{digits}g}"
        return f"{self.mean:.{digits}g} ± {self.half_width:.2g}"


def mean_interval(values: Iterable[float], confidence: float = CONFIDENCE) -> Interval:
    """The mean of the finite ``values`` and its Student-t interval (NaN mean when none is finite)."""
    array = np.asarray(list(values), dtype=float)
    array = array[np.isfinite(array)]
    if array.size == 0:
        return Interval(math.nan, math.nan, 0)
    if array.size == 1:
        return Interval(float(array[0]), 0.0, 1)
    spread = float(array.std(ddof=1)) / math.sqrt(array.size)
    quantile = float(stats.t.ppf(0.5 + confidence / 2, array.size - 1))
    return Interval(float(array.mean()), quantile * spread, int(array.size))

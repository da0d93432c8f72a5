"""Surfaces, their atlases and Himmelblau's hand-made derivatives, shared by the inspector and atlas figure tests."""

from __future__ import annotations

import functools

import numpy as np

from analysis.atlas import Atlas, find_critical_points
from surfaces.catalogue import get_surface

SADDLE, HIMMELBLAU, RASTRIGIN = get_surface("saddle"), get_surface("himmelblau"), get_surface("rastrigin")


@functools.cache
def atlas_of(key: str) -> Atlas:
    return find_critical_points(get_surface(key))


def himmelblau_derivatives(x: float, y: float) -> tuple[float, np.ndarray, np.ndarray]:
    """Loss, gradient and Hessian of (x² + y − 11)² + (x + y² − 7)², differentiated by hand."""
    first, second = x**2 + y - 11, x + y**2 - 7
    gradient = np.array([4 * x * first + 2 * second, 2 * first + 4 * y * second])
    hessian = np.array([[12 * x**2 + 4 * y - 42, 4 * x + 4 * y], [4 * x + 4 * y, 12 * y**2 + 4 * x - 26]])
    return first**2 + second**2, gradient, hessian

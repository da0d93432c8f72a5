"""The read-only registry of built-in surfaces, in menu order."""

from __future__ import annotations

import types
from collections.abc import Mapping

from surfaces.base import Surface
from surfaces.benchmarks import BOOTH, HIMMELBLAU, RASTRIGIN, ROSENBROCK, SIX_HUMP_CAMEL
from surfaces.data_surfaces import BIASED_TOY, CLASSIFIER_CE, CLASSIFIER_MSE, FEATURES_NORMALIZED, FEATURES_RAW
from surfaces.lecture_shapes import FLAT_SHARP, LECTURE_TOY, MONKEY_SADDLE, PLATEAU, RAVINE, SADDLE


class UnknownSurfaceError(KeyError, ValueError):
    """A surface key that is not in the catalogue (e.g. a mistyped ``?surface=`` in the URL)."""

    def __str__(self) -> str:
        # KeyError's own __str__ shows the repr of its argument, quotes included.
        return str(self.args[0]) if self.args else ""


SURFACES: Mapping[str, Surface] = types.MappingProxyType({
    surface.key: surface
    for surface in (SADDLE, MONKEY_SADDLE, LECTURE_TOY, RAVINE, ROSENBROCK, FLAT_SHARP, HIMMELBLAU,
                    SIX_HUMP_CAMEL, RASTRIGIN, PLATEAU, BOOTH,
                    CLASSIFIER_MSE, CLASSIFIER_CE, FEATURES_RAW, FEATURES_NORMALIZED, BIASED_TOY)
})


def get_surface(key: str) -> Surface:
    """The built-in surface with this key; raises ``UnknownSurfaceError`` listing the valid keys."""
    try:
        return SURFACES[key]
    except (KeyError, TypeError):
        raise UnknownSurfaceError(f"unknown surface {key!r}; choose one of: {', '.join(SURFACES)}") from None

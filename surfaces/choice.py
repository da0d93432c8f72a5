"""Which surface a page shows, as a small hashable value (good for URLs and cache keys).

A ``SurfaceChoice`` names a built-in surface (and the value of its knob, if it has one) or holds
the text of the user's own formula with its domain. ``resolve_surface`` turns it into a Surface.
"""

from __future__ import annotations

from dataclasses import dataclass

from surfaces.base import Domain, Surface
from surfaces.catalogue import get_surface
from surfaces.formula import compile_formula

OWN_FORMULA_KEY = "own"


@dataclass(frozen=True)
class SurfaceChoice:
    """A built-in ``key`` (with optional ``parameter``), or ``key == "own"`` with ``formula`` and ``domain``."""

    key: str
    parameter: float | None = None
    formula: str | None = None
    domain: tuple[float, float, float, float] = (-3.0, 3.0, -3.0, 3.0)


def own_surface(formula: str, domain: tuple[float, float, float, float]) -> Surface:
    """The user's formula as a Surface; raises ``FormulaError`` or ``ValueError`` with a readable message."""
    x_min, x_max, y_min, y_max = domain
    if not (x_min < x_max and y_min < y_max):
        raise ValueError("the domain needs x min < x max and y min < y max")
    compiled = compile_formula(formula)
    return Surface(
        key=OWN_FORMULA_KEY,
        name="Your formula",
        loss=compiled.loss,
        domain=Domain(x_min, x_max, y_min, y_max),
        starts=(((x_min + x_max) / 2 + 0.31 * (x_max - x_min) / 2, (y_min + y_max) / 2 + 0.27 * (y_max - y_min) / 2),),
        latex=compiled.latex,
        lecture="Your own surface: click anywhere to see its gradient and Hessian, and race optimizers on it.",
        critical_points=(),
    )


def resolve_surface(choice: SurfaceChoice) -> Surface:
    """The Surface a choice names."""
    if choice.key == OWN_FORMULA_KEY:
        return own_surface(choice.formula or "", choice.domain)
    surface = get_surface(choice.key)
    if choice.parameter is not None and surface.parameter is not None:
        surface = surface.with_parameter(choice.parameter)
    return surface

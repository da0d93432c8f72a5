"""Side-by-side panels of one spec, laid out as ``plotly.subplots.make_subplots`` lays them out.

``make_subplots`` builds validated objects (~40 ms for the inspector's two slices); the specs only need
its arithmetic: ``count`` panels share the unit interval, ``spacing`` apart, each

.. math::

    w = \\frac{1 - (n - 1)\\,s}{n} \\text{ wide, panel } k \\text{ on } [k(w + s),\\; k(w + s) + w],

and a panel's title sits centred on its top edge, a little larger than the body text.
"""

from __future__ import annotations

from figures.style import Look


def panel_domains(count: int, spacing: float) -> list[list[float]]:
    """Domains of ``count`` panels along one axis, ``spacing`` apart, first panel at 0."""
    width = (1.0 - spacing * (count - 1)) / count
    return [[column * (width + spacing), column * (width + spacing) + width] for column in range(count)]


def panel_title(text: str, x_domain: list[float], y_domain: list[float], look: Look) -> dict:
    """The title annotation of the panel on ``x_domain`` × ``y_domain`` (paper coordinates)."""
    return {"text": text, "xref": "paper", "yref": "paper", "x": sum(x_domain) / 2, "y": y_domain[1],
            "xanchor": "center", "yanchor": "bottom", "showarrow": False, "font": {"size": look.font_size + 2}}

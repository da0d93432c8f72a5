"""The minimum-ratio experiment's figures: the lecture's scatter, the ratio against the flat band, ‖g‖ in the search.

"scatter": every run at (minimum ratio, training loss), twice (filled: by sign; open: with the flat band),
coloured by its training length, the lecture's 0.5-0.6 shaded. "tolerance": the mean ratio over the runs
(95 % interval) against the band's τ (|λ| ≤ τ·λ_max counted flat), the chosen τ marked. "gradient": ‖g‖ of
every run at each step of the search (step 0: after training), log scale, and the critical-point threshold.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go

from analysis.minimum_ratio import GRADIENT_TOLERANCE
from figures.style import Look, dress, run_colour

VIEWS = ("scatter", "tolerance", "gradient")
KEY = "exp.minimum_ratio.figures"


def _by_epochs(result: dict) -> list[tuple[int, list[dict]]]:
    return [(epochs, [run for run in result["runs"] if run["epochs"] == epochs])
            for epochs in result["settings"]["epochs"]]


def _epochs_name(look: Look, key: str, epochs: int) -> str:
    """The legend's name for a training length: ``key``'s singular form (``<key>_one``) for one epoch."""
    return look.text(f"{KEY}.{key}_one" if epochs == 1 else f"{KEY}.{key}", epochs=epochs)


def _scatter(figure: go.Figure, result: dict, look: Look) -> None:
    low, high = 0.5, 0.6
    figure.add_vrect(x0=low, x1=high, fillcolor="rgba(128,128,128,0.18)", line_width=0,
                     annotation_text=look.text(f"{KEY}.lecture"), annotation_position="top left")
    for index, (epochs, runs) in enumerate(_by_epochs(result)):
        colour = run_colour(index)
        for ratio, symbol, key in (("sign_ratio", "circle", "by_sign"), ("band_ratio", "circle-open", "with_band")):
            figure.add_trace(go.Scatter(
                x=[run[ratio] for run in runs], y=[run["training_loss"] for run in runs], mode="markers",
                name=_epochs_name(look, key, epochs), legendgroup=str(epochs),
                marker={"color": colour, "symbol": symbol, "size": look.marker(9), "line": {"width": look.line(1.5)}},
                customdata=[[run["seed"], run["gradient_norm"], run["negative"], run["flat"], run["positive"]]
                            for run in runs],
                hovertemplate=look.text(f"{KEY}.scatter_hover", ratio="%{x:.3f}", loss="%{y:.4g}",
                                        seed="%{customdata[0]}", norm="%{customdata[1]:.2g}",
                                        negative="%{customdata[2]}", flat="%{customdata[3]}",
                                        positive="%{customdata[4]}") + "<extra></extra>"))
    figure.update_xaxes(title_text=look.text(f"{KEY}.ratio_axis"), range=[0, 1.02])
    figure.update_yaxes(title_text=look.text(f"{KEY}.loss_axis"), type="log")


def _tolerance(figure: go.Figure, result: dict, look: Look) -> None:
    intervals = result["summary"]["tolerance_ratios"]
    figure.add_trace(go.Scatter(
        x=result["tolerances"], y=[interval["mean"] for interval in intervals], mode="lines+markers",
        name=look.text(f"{KEY}.band_mean"), line={"color": run_colour(0), "width": look.line(2)},
        error_y={"type": "data", "array": [interval["half_width"] for interval in intervals], "visible": True},
        hovertemplate=look.text(f"{KEY}.tolerance_hover", tolerance="%{x:.0e}", ratio="%{y:.3f}") + "<extra></extra>"))
    sign = result["summary"]["sign_ratio"]["mean"]
    figure.add_hline(y=sign, line={"color": look.palette.ink, "dash": "dot", "width": look.line(1.5)},
                     annotation_text=look.text(f"{KEY}.sign_line", ratio=f"{sign:.3f}"))
    figure.add_vline(x=result["settings"]["tolerance"], line={"color": run_colour(2), "dash": "dash",
                                                             "width": look.line(1.5)},
                     annotation_text=look.text(f"{KEY}.chosen"))
    figure.add_hrect(y0=0.5, y1=0.6, fillcolor="rgba(128,128,128,0.18)", line_width=0)
    figure.update_xaxes(title_text=look.text(f"{KEY}.tolerance_axis"), type="log")
    figure.update_yaxes(title_text=look.text(f"{KEY}.ratio_axis"), range=[0, 1.02])


def _gradient(figure: go.Figure, result: dict, look: Look) -> None:
    for index, (epochs, runs) in enumerate(_by_epochs(result)):
        for number, run in enumerate(runs):
            figure.add_trace(go.Scatter(
                x=list(range(len(run["search_norms"]))), y=run["search_norms"], mode="lines+markers",
                name=_epochs_name(look, "epochs", epochs), legendgroup=str(epochs), showlegend=number == 0,
                line={"color": run_colour(index), "width": look.line(1)}, marker={"size": look.marker(4)},
                opacity=0.7,
                hovertemplate=look.text(f"{KEY}.gradient_hover", seed=run["seed"], step="%{x}",
                                        norm="%{y:.2g}") + "<extra></extra>"))
    figure.add_hline(y=GRADIENT_TOLERANCE, line={"color": look.palette.ink, "dash": "dot"})
    # On a log axis an annotation's y is log10 of the value (add_hline's own annotation lands at the top).
    figure.add_annotation(x=1, xref="x domain", y=math.log10(GRADIENT_TOLERANCE), yref="y", xanchor="right",
                          yanchor="bottom", showarrow=False, text=look.text(f"{KEY}.threshold"))
    figure.update_xaxes(title_text=look.text(f"{KEY}.step_axis"))
    figure.update_yaxes(title_text=look.text(f"{KEY}.norm_axis"), type="log", exponentformat="power")


DRAWERS = {"scatter": _scatter, "tolerance": _tolerance, "gradient": _gradient}


def experiment_figure(result: dict, view: str, *, look: Look = Look(), height: int = 520) -> go.Figure:
    """The figure ``view`` (one of ``VIEWS``) of a minimum-ratio result."""
    if view not in DRAWERS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    figure = go.Figure()
    DRAWERS[view](figure, result, look)
    figure.update_layout(height=height, margin=look.margin(l=70, r=20, t=40, b=60),
                         legend={"bgcolor": look.palette.legend_background})
    return dress(figure, look)

"""The warm-up experiment's figures: final loss against η with and without warm-up, the loss curves, and the
first updates' ‖Δθ‖ and η/σ, one panel per η, each arm its mean over seeds with the 95 % band.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiments.statistics import mean_interval
from experiments.warm_up import ARMS, runs_of
from figures.seed_bands import band_traces
from figures.style import Look, dress, run_colour

VIEWS = ("final_loss", "loss", "steps", "rate_over_sigma")


def _arm_name(arm: str, look: Look) -> str:
    return look.text(f"exp.warm_up.figure.{arm}")


def experiment_figure(result: dict, view: str, *, look: Look = Look(), height: int = 520) -> go.Figure:
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    if view == "final_loss":
        return _final_loss_figure(result, look, height)
    rates = result["settings"]["learning_rates"]
    figure = make_subplots(rows=1, cols=len(rates), shared_yaxes=True, horizontal_spacing=0.04,
                           subplot_titles=[f"η = {rate:g}" for rate in rates])
    for column, rate in enumerate(rates, start=1):
        for index, arm in enumerate(ARMS):
            runs, name = runs_of(result, rate, arm), _arm_name(arm, look)
            colour, legend = run_colour(index), column == 1
            if view == "loss":
                x = runs[0]["epoch_updates"]
                curves = [[entry["train_loss"] for entry in runs]]
            else:
                x = np.arange(1, len(runs[0]["early"]["step"]) + 1)
                key = "step" if view == "steps" else "rate_over_sigma_median"
                curves = [[entry["early"][key] for entry in runs]]
                if view == "rate_over_sigma":
                    curves.append([entry["early"]["rate_over_sigma_max"] for entry in runs])
            for curve, dash, suffix in zip(curves, ("solid", "dot"), ("", " (max)")):
                for trace in band_traces(x, curve, colour, name + suffix, look, dash=dash, group=arm + suffix,
                                         show_legend=legend, log_axis=True):
                    figure.add_trace(trace, row=1, col=column)
    axis = {"loss": "loss", "steps": "step", "rate_over_sigma": "rate_over_sigma"}[view]
    figure.update_yaxes(type="log", exponentformat="power")
    figure.update_yaxes(title_text=look.text(f"exp.warm_up.figure.{axis}"), row=1, col=1)
    figure.update_xaxes(title_text=look.text("exp.warm_up.figure.update"), tickangle=0)
    # five narrow panels: three upright ticks each (rotated, crowded ones were unreadable on a projector)
    if view == "loss":
        figure.update_xaxes(nticks=3)
    else:
        count = result["settings"]["early_updates"]
        figure.update_xaxes(range=[0, count], tickvals=[0, count // 2, count])
    figure.update_layout(height=height, margin=look.margin(l=70, r=10, t=40, b=50), hovermode="closest",
                         legend={"orientation": "h", "y": 1.08, "yanchor": "bottom", "x": 0})
    return dress(figure, look)


def _final_loss_figure(result: dict, look: Look, height: int) -> go.Figure:
    """Final training loss against η, per arm: every seed (faint) and the mean with its 95 % interval."""
    rates = result["settings"]["learning_rates"]
    figure = go.Figure()
    for index, arm in enumerate(ARMS):
        colour, name = run_colour(index), _arm_name(arm, look)
        intervals = [mean_interval(entry["final_loss"] for entry in runs_of(result, rate, arm)) for rate in rates]
        seeds = [(rate, entry["final_loss"]) for rate in rates for entry in runs_of(result, rate, arm)]
        figure.add_trace(go.Scatter(x=[rate for rate, _ in seeds], y=[loss for _, loss in seeds], mode="markers",
                                    marker={"color": colour, "size": look.marker(6), "opacity": 0.35},
                                    legendgroup=arm, showlegend=False, name=name,
                                    hovertemplate=f"{name}: %{{y:.4g}}<extra></extra>"))
        figure.add_trace(go.Scatter(
            x=rates, y=[interval.mean for interval in intervals], mode="lines+markers", name=name, legendgroup=arm,
            line={"color": colour, "width": look.line(2)}, marker={"size": look.marker(9)},
            error_y={"type": "data", "array": [interval.half_width for interval in intervals], "visible": True},
            hovertemplate=f"{name}: η = %{{x:g}}, %{{y:.4g}}<extra></extra>"))
    figure.update_xaxes(type="log", title_text="η", exponentformat="power")
    figure.update_yaxes(type="log", title_text=look.text("exp.warm_up.figure.final_loss"), exponentformat="power")
    figure.update_layout(height=height, margin=look.margin(l=70, r=20, t=30, b=50), hovermode="closest",
                         legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0})
    return dress(figure, look)

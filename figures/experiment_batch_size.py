"""The batch-size experiment's figures (``experiments.batch_size``): arrays of its result in, a figure out.

Means over the seeds with their 95 % Student-t intervals (error bars, or a band along the slice); the
heavy-tailed gradient noise as a geometric mean with the interval of its logarithms; batch sizes on a
logarithmic axis, the full batch labelled as such.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from experiments.batch_size_findings import arm_values
from figures.seed_bands import band_traces, column_intervals
from figures.style import Look, dress, run_colour

VIEWS = ("slice", "accuracy", "sharpness", "noise", "time")
PREFIX = "exp.batch_size.figure."


def _error_trace(x, values: np.ndarray, name: str, colour: str, look: Look, *, dash: str = "solid",
                 legend: bool = True, group: str = "") -> go.Scatter:
    mean, half = column_intervals(values)
    return go.Scatter(x=list(x), y=mean, error_y={"type": "data", "array": half, "visible": True},
                      mode="lines+markers", name=name, legendgroup=group or name, showlegend=legend,
                      line={"color": colour, "width": look.line(2), "dash": dash}, marker={"size": look.marker(7)},
                      hovertemplate="B = %{x}<br>%{y:.4g}<extra>" + name + "</extra>")


def _geometric_trace(x, values: np.ndarray, name: str, colour: str, look: Look, group: str) -> go.Scatter:
    """Markers at the geometric mean over the seeds (rows of ``values``, positive) with its 95 % interval: the
    Student-t interval of the logarithms, exponentiated (a heavy-tailed spread stays above zero on a log axis)."""
    mean, half = column_intervals(np.log(values))
    centre, low, high = np.exp(mean), np.exp(mean - half), np.exp(mean + half)
    return go.Scatter(x=list(x), y=centre, error_y={"type": "data", "array": high - centre,
                                                    "arrayminus": centre - low, "visible": True},
                      mode="markers", name=name, legendgroup=group,
                      line={"color": colour, "width": look.line(2)}, marker={"size": look.marker(7)},
                      hovertemplate="B = %{x}<br>%{y:.4g}<extra>" + name + "</extra>")


def _batch_axis(figure: go.Figure, result: dict, look: Look, rows: int = 1, cols: int = 1) -> None:
    sizes = result["batch_sizes"]
    labels = [f"{size:,}" for size in sizes[:-1]] + [look.text(PREFIX + "full", size=f"{sizes[-1]:,}")]
    for row in range(1, rows + 1):
        for col in range(1, cols + 1):
            figure.update_xaxes(type="log", tickvals=sizes, ticktext=labels, row=row, col=col)
    figure.update_xaxes(title_text=look.text(PREFIX + "batch_size"), row=rows)


def _slice(result: dict, look: Look) -> go.Figure:
    """Training loss (top) and validation loss (bottom), each on its own linear axis: their levels differ
    sixfold, and the slopes beside each solution are what the picture is for."""
    figure = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08)
    alphas = result["alphas"]
    for index, (key, dash) in enumerate((("slice_train", "solid"), ("slice_validation", "dash"))):
        colour, name = run_colour(index), look.text(PREFIX + key.removeprefix("slice_"))
        for trace in band_traces(alphas, result[key], colour, name, look, dash=dash, group=key,
                                 hover="α = %{x:.2f}, %{y:.4g}"):
            figure.add_trace(trace, row=index + 1, col=1)
        figure.update_yaxes(title_text=name, row=index + 1, col=1)
    sizes = result["batch_sizes"]
    for alpha, size in ((0.0, sizes[result["small"]]), (1.0, sizes[result["large"]])):
        line = {"color": look.palette.ink, "dash": "dot", "width": look.line(1.2)}
        figure.add_vline(x=alpha, line=line, row=1, col=1, annotation_position="top",
                         annotation_text=look.text(PREFIX + "solution", size=f"{size:,}"))
        figure.add_vline(x=alpha, line=line, row=2, col=1)
    figure.update_xaxes(title_text=look.text(PREFIX + "alpha"), row=2, col=1)
    return figure


def _accuracy(result: dict, look: Look) -> go.Figure:
    settings = result["settings"]
    figure = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.05, subplot_titles=(
        look.text(PREFIX + "same_epochs", epochs=settings["epochs"]),
        look.text(PREFIX + "same_updates", updates=f"{settings['updates']:,}")))
    for col, block in enumerate(("same_epochs", "same_updates"), start=1):
        for index, (key, dash) in enumerate((("train_accuracy", "solid"), ("validation_accuracy", "dash"))):
            name = look.text(PREFIX + key.removesuffix("_accuracy"))
            figure.add_trace(_error_trace(result["batch_sizes"], arm_values(result, block, key), name,
                                          run_colour(index), look, dash=dash, legend=col == 1, group=key),
                             row=1, col=col)
    _batch_axis(figure, result, look, cols=2)
    figure.update_yaxes(title_text=look.text(PREFIX + "accuracy"), row=1, col=1)
    return figure


def _sharpness(result: dict, look: Look) -> go.Figure:
    figure = make_subplots(rows=1, cols=2, horizontal_spacing=0.12)
    for col, (key, label) in enumerate((("sharpness", "lambda_max"), ("curvature_trace", "trace")), start=1):
        name = look.text(PREFIX + label)
        figure.add_trace(_error_trace(result["batch_sizes"], np.array(result[key]), name, run_colour(col - 1), look),
                         row=1, col=col)
        figure.update_yaxes(title_text=name, row=1, col=col)
    _batch_axis(figure, result, look, cols=2)
    return figure


def _noise(result: dict, look: Look) -> go.Figure:
    figure = go.Figure()
    sizes = result["batch_sizes"][:-1]
    for index, key in enumerate(("noise_start", "noise_end")):
        rows = result[key]
        colour, name = run_colour(index), look.text(PREFIX + key)
        figure.add_trace(_geometric_trace(sizes, np.array([row["measured"] for row in rows]), name, colour, look,
                                          group=key))
        exact = np.mean([row["exact"] for row in rows], axis=0)
        figure.add_trace(go.Scatter(x=sizes, y=exact, mode="lines", name=look.text(PREFIX + "exact"),
                                    legendgroup=key, showlegend=index == 0,
                                    line={"color": colour, "width": look.line(1.5), "dash": "dot"},
                                    hovertemplate="B = %{x}<br>%{y:.4g}<extra></extra>"))
        signal = float(np.mean([row["gradient_squared"] for row in rows]))
        figure.add_trace(go.Scatter(x=[sizes[0], sizes[-1]], y=[signal, signal], mode="lines",
                                    name=look.text(PREFIX + "signal"), legendgroup=key, showlegend=index == 0,
                                    line={"color": colour, "width": look.line(1), "dash": "dash"},
                                    hovertemplate="‖g‖² = %{y:.4g}<extra></extra>"))
    figure.update_xaxes(type="log", title_text=look.text(PREFIX + "batch_size"))
    figure.update_yaxes(type="log", exponentformat="power", title_text=look.text(PREFIX + "noise"))
    return figure


def epoch_seconds(result: dict, data: str) -> tuple[list[float], bool]:
    """Seconds per epoch on ``data`` and whether they were measured: the training runs' whole epochs where there
    are runs (the experiment's data set), else ⌈N/B⌉ times the median update."""
    measured = result["timing"].get("measured_epoch_seconds", {})
    if data in measured:
        return measured[data], True
    return result["timing"][data]["epoch_seconds"], False


def _time(result: dict, look: Look) -> go.Figure:
    figure = make_subplots(rows=1, cols=2, horizontal_spacing=0.12)
    timing = result["timing"]
    for index, data in enumerate(result["settings"]["timing_data"]):
        sizes, line = timing[data]["batch_sizes"], {"color": run_colour(index), "width": look.line(2)}
        seconds, measured = epoch_seconds(result, data)
        epoch_name = look.text(PREFIX + ("epoch_measured" if measured else "epoch_computed"), data=data)
        for col, values, name, dash in ((1, timing[data]["update_seconds"], data, "solid"),
                                        (2, seconds, epoch_name, "solid" if measured else "dot")):
            figure.add_trace(go.Scatter(
                x=sizes, y=np.array(values) * 1000, mode="lines+markers", name=name, legendgroup=name,
                line=line | {"dash": dash}, marker={"size": look.marker(7)},
                hovertemplate="B = %{x}<br>%{y:.3g} ms<extra>" + name + "</extra>"), row=1, col=col)
    for col, key in enumerate(("update_ms", "epoch_ms"), start=1):
        figure.update_xaxes(type="log", title_text=look.text(PREFIX + "batch_size"), row=1, col=col)
        figure.update_yaxes(type="log", exponentformat="power", title_text=look.text(PREFIX + key), row=1, col=col)
    return figure


BUILDERS = {"slice": _slice, "accuracy": _accuracy, "sharpness": _sharpness, "noise": _noise, "time": _time}


def experiment_figure(result: dict, view: str, *, look: Look = Look(), height: int = 520) -> go.Figure:
    """The figure ``view`` (one of ``VIEWS``) of a batch-size result."""
    if view not in BUILDERS:
        raise ValueError(f"unknown view {view!r}; choose one of {', '.join(VIEWS)}")
    figure = BUILDERS[view](result, look)
    # the legend above the subplot titles, with room for it
    figure.update_layout(height=height, margin=look.margin(l=70, r=20, t=90, b=60), hovermode="closest",
                         legend={"orientation": "h", "y": 1.08, "yanchor": "bottom", "x": 0})
    return dress(figure, look)

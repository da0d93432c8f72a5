"""A 2-D classifier's decision boundary as the network learns (the picture TensorFlow Playground is loved for).

The shade is p(class 1) = softmax(outputs)₁ over the plane of the two input features; the boundary is
its ½ contour, where the two outputs are equal. One frame per saved snapshot, played or scrubbed in the
browser with no server round trip; the training points are drawn over it in their class's colour.
"""

from __future__ import annotations

import plotly.graph_objects as go
import torch

from figures.style import Look, dress
from scenes.lab_pictures import Boundary

CLASS_COLOURS = ("#0072B2", "#E69F00")
SHADE_SCALE = [[0.0, "#9ecae1"], [0.5, "#f7f7f7"], [1.0, "#fdd49e"]]


def _frame_traces(boundary: Boundary, index: int) -> list[go.Contour]:
    return [go.Contour(x=boundary.xs, y=boundary.ys, z=boundary.probability[index], zmin=0, zmax=1,
                       colorscale=SHADE_SCALE, showscale=False, contours={"start": 0.5, "end": 0.5, "size": 1,
                                                                          "coloring": "heatmap"},
                       line={"width": 3, "color": "#333333"}, hovertemplate="p₁ = %{z:.2f}<extra></extra>")]


def boundary_figure(boundary: Boundary, inputs: torch.Tensor, targets: torch.Tensor, *, height: int = 560,
                    look: Look = Look()) -> go.Figure:
    """The last snapshot's boundary, the data, and a slider (with Play) through every snapshot."""
    last = len(boundary.updates) - 1
    figure = go.Figure(_frame_traces(boundary, last))
    points, labels = inputs.numpy(), targets.numpy()
    for label, colour in enumerate(CLASS_COLOURS):
        chosen = labels == label
        figure.add_trace(go.Scatter(x=points[chosen, 0], y=points[chosen, 1], mode="markers",
                                    name=look.text("lab.figures.class", label=label),
                                    marker={"color": colour, "size": look.marker(6), "line": {"color": "white", "width": 0.5}},
                                    hoverinfo="skip"))
    figure.frames = [go.Frame(data=_frame_traces(boundary, index), traces=[0], name=str(index))
                     for index in range(len(boundary.updates))]
    steps = [{"label": str(int(update)), "method": "animate",
              "args": [[str(index)], {"mode": "immediate", "frame": {"duration": 0, "redraw": True},
                                      "transition": {"duration": 0}}]}
             for index, update in enumerate(boundary.updates)]
    figure.update_layout(
        height=height, margin=look.margin(l=50, r=10, t=10, b=40),
        xaxis={"title": "x₁", "range": [float(boundary.xs[0]), float(boundary.xs[-1])], "constrain": "domain"},
        yaxis={"title": "x₂", "range": [float(boundary.ys[0]), float(boundary.ys[-1])], "scaleanchor": "x",
               "constrain": "domain"},
        legend={"orientation": "h", "y": 1.0, "yanchor": "bottom", "x": 0}, uirevision="lab-boundary",
        sliders=[{"active": last, "steps": steps, "currentvalue": {"prefix": look.text("lab.figures.update") + " "},
                  "pad": {"t": 40}, "x": 0.12, "len": 0.88}],
        updatemenus=[{"type": "buttons", "showactive": False, "x": 0, "y": 0, "yanchor": "top", "xanchor": "left",
                      "pad": {"t": 45}, "buttons": [{"label": "▶", "method": "animate", "args": [None, {
                          "frame": {"duration": 120, "redraw": True}, "fromcurrent": False,
                          "transition": {"duration": 0}}]}]}])
    return dress(figure, look)

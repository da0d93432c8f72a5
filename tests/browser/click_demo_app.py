"""A page with three clickable charts, for the browser test of ``components.plotly_click``.

A ``go.Contour``; a chart whose background is a raster image (``layout.images``) with a single
``Scatter`` line, so most of its area holds no trace; and a small 3D surface. Each click is copied
in ``on_click`` into the page's own session state and shown as text the test reads. "Rerun"
reruns the script; unticking "Show the contour" removes that chart and its listener, so ticking it
again draws a new plot element.
"""

from __future__ import annotations

import base64
import io
from functools import partial

import numpy as np
import plotly.graph_objects as go
import streamlit as st
from PIL import Image

from components.plotly_click import clicked_point, plotly_click

CONTOUR_RANGE = {"x": (-3.0, 3.0), "y": (-2.0, 2.0)}
IMAGE_RANGE = {"x": (-1.0, 4.0), "y": (0.5, 5.5)}
SURFACE_RANGE = {"x": (-2.0, 2.0), "y": (-2.0, 2.0)}
CHARTS = ("contour", "image", "surface")


def bowl(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return x**2 + 2.0 * y**2 + np.sin(3.0 * x)


def _grid(ranges: dict, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs = np.linspace(*ranges["x"], size)
    ys = np.linspace(*ranges["y"], size)
    return xs, ys, bowl(*np.meshgrid(xs, ys))


def _fixed_axes(figure: go.Figure, ranges: dict) -> go.Figure:
    figure.update_xaxes(range=list(ranges["x"]), showgrid=False, zeroline=False)
    figure.update_yaxes(range=list(ranges["y"]), showgrid=False, zeroline=False)
    figure.update_layout(height=420, margin={"l": 50, "r": 20, "t": 30, "b": 40}, showlegend=False)
    return figure


def contour_figure() -> go.Figure:
    xs, ys, z = _grid(CONTOUR_RANGE, 120)
    return _fixed_axes(go.Figure(go.Contour(x=xs, y=ys, z=z, colorscale="Viridis", showscale=False)),
                       CONTOUR_RANGE)


def _png_data_uri(z: np.ndarray) -> str:
    """``z`` as a grey-scale PNG, first row at the top (image rows run downwards)."""
    scaled = (255 * (z - z.min()) / (z.max() - z.min())).astype(np.uint8)[::-1]
    buffer = io.BytesIO()
    Image.fromarray(scaled, mode="L").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def image_figure() -> go.Figure:
    _, _, z = _grid(IMAGE_RANGE, 200)
    (x0, x1), (y0, y1) = IMAGE_RANGE["x"], IMAGE_RANGE["y"]
    figure = go.Figure(go.Scatter(x=[x0 + 0.5, x1 - 0.5], y=[y0 + 0.5, y1 - 0.5], mode="lines"))
    figure.add_layout_image(source=_png_data_uri(z), xref="x", yref="y", x=x0, y=y1, sizex=x1 - x0,
                            sizey=y1 - y0, sizing="stretch", layer="below")
    return _fixed_axes(figure, IMAGE_RANGE)


def surface_figure() -> go.Figure:
    xs, ys, z = _grid(SURFACE_RANGE, 21)
    figure = go.Figure(go.Surface(x=xs, y=ys, z=z, colorscale="Viridis", showscale=False))
    figure.update_layout(height=320, margin={"l": 0, "r": 0, "t": 0, "b": 0})  # small: software WebGL
    return figure


def remember_click(chart: str) -> None:
    point = clicked_point(f"{chart}_click")
    st.session_state["last_click"] = (chart, point)
    st.session_state["click_count"] = st.session_state.get("click_count", 0) + 1


def draw_charts(show_contour: bool) -> list[str]:
    """Each chart with its click listener; the charts whose click caused this run."""
    figures = {"contour": contour_figure, "image": image_figure, "surface": surface_figure}
    fresh = []
    for column, chart in zip(st.columns(3), CHARTS):
        if chart == "contour" and not show_contour:
            continue
        with column:
            st.plotly_chart(figures[chart](), key=f"{chart}_chart", config={"doubleClick": False})
            if plotly_click(f"{chart}_chart", key=f"{chart}_click", on_click=partial(remember_click, chart)):
                fresh.append(chart)
    return fresh


def report_line(fresh: list[str]) -> str:
    """One line, so the test never reads half of an updated report."""
    chart, point = st.session_state.get("last_click", (None, None))
    if point is None:
        clicked = "clicked: nothing yet"
    else:
        z = "none" if point.z is None else f"{point.z:.3f}"
        clicked = f"clicked: x={point.x:.3f}, y={point.y:.3f}, z={z}, chart={chart}, source={point.source}"
    return f"{clicked}; count: {st.session_state.get('click_count', 0)}; fresh: {', '.join(fresh) or 'none'}"


def draw_page() -> None:
    st.set_page_config(page_title="plotly_click demo", layout="wide")
    st.button("Rerun", key="rerun")
    show_contour = st.checkbox("Show the contour", value=True, key="show_contour")
    report = st.container(key="click_report")  # above the charts, filled once they are drawn
    fresh = draw_charts(show_contour)
    report.text(report_line(fresh))


if __name__ == "__main__":  # how `streamlit run` executes a script; importing it draws nothing
    draw_page()

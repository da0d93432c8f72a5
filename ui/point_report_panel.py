"""The numbers of a point report, as the lecture writes them: L, g, H, its eigen-decomposition, the verdict."""

from __future__ import annotations

import math

import streamlit as st

from analysis.point_report import EscapeStep, PointReport
from figures.inspector import format_number
from scenes.inspector import Verdict
from surfaces.base import PointKind

VERDICT_BOXES = {
    PointKind.MINIMUM: st.success,
    PointKind.MAXIMUM: st.info,
    PointKind.SADDLE: st.warning,
    PointKind.DEGENERATE: st.info,
    None: st.info,
}


def _number(value: float) -> str:
    return format_number(value).replace("−", "-")


def _matrix(rows: list[list[float]]) -> str:
    return r"\begin{bmatrix}" + r"\\".join(" & ".join(_number(value) for value in row) for row in rows) \
        + r"\end{bmatrix}"


def verdict_box(verdict: Verdict) -> None:
    """The headline, coloured by kind: green minimum, amber saddle, blue otherwise."""
    title = verdict.kind.value.capitalize() if verdict.kind is not None else "Not a critical point"
    VERDICT_BOXES[verdict.kind](f"**{title}.** {verdict.sentence}")


def report_numbers(report: PointReport) -> None:
    """θ′, L, g and ‖g‖, H, λ and u, the condition number."""
    gradient = report.gradient.tolist()
    hessian = report.hessian.tolist()
    values = report.eigenvalues.tolist()
    vectors = report.eigenvectors.T.tolist()
    st.latex(rf"\theta' = ({_number(report.x)},\ {_number(report.y)}) \qquad L(\theta') = {_number(report.loss)}")
    st.latex(rf"g = \nabla L = {_matrix([[value] for value in gradient])} \qquad "
             rf"\lVert g \rVert = {format_number(report.gradient_norm).replace('−', '-')}")
    st.latex(rf"H = {_matrix(hessian)}")
    eigen = r",\quad ".join(
        rf"\lambda_{index + 1} = {_number(value)},\ u_{index + 1} = {_matrix([[vector[0]], [vector[1]]])}"
        for index, (value, vector) in enumerate(zip(values, vectors)))
    st.latex(eigen)
    condition = "∞" if math.isinf(report.condition_number) else format_number(report.condition_number)
    st.caption(f"Condition number |λ|max / |λ|min = {condition}. Blue arrows: the loss curves up along u; "
               "vermillion: it curves down.")


def escape_numbers(escape: EscapeStep) -> None:
    """The escape step and its predicted (Taylor) and actual loss change."""
    x, y = escape.point
    st.markdown(
        f"Escape: a step of length {escape.step:.3g} along u₁ (λ₁ = {format_number(escape.eigenvalue)}) "
        f"lands at ({x:.3f}, {y:.3f})."
    )
    st.latex(rf"\Delta L \approx g^\top u\,s + \tfrac12 \lambda_1 s^2 = {_number(escape.predicted_change)}"
             rf"\qquad \text{{actual: }} {_number(escape.actual_change or 0.0)}")

"""The numbers of a point report, as the lecture writes them: L, g, H, its eigen-decomposition, the verdict."""

from __future__ import annotations

import math

import streamlit as st

from analysis.escape import EscapeStep
from analysis.point_report import PointReport
from figures.numbers import format_number
from scenes.inspector import Verdict, verdict_markdown
from surfaces.base import PointKind
from ui.language import current_language, t

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
    """The headline (title and sentence in the scene's language), coloured by kind: green minimum, amber saddle,
    blue otherwise."""
    VERDICT_BOXES[verdict.kind](verdict_markdown(verdict, current_language()))


def report_numbers(report: PointReport) -> None:
    """θ′, L, g and ‖g‖, H, λ and u, the condition number."""
    gradient = report.gradient.tolist()
    hessian = report.hessian.tolist()
    values = report.eigenvalues.tolist()
    st.latex(rf"\theta' = ({_number(report.x)},\ {_number(report.y)}) \qquad L(\theta') = {_number(report.loss)}")
    st.latex(rf"g = \nabla L = {_matrix([[value] for value in gradient])} \qquad "
             rf"\lVert g \rVert = {format_number(report.gradient_norm).replace('−', '-')}")
    # H and the matrix of its eigenvectors side by side, then the eigenvalues: each narrow enough for the column.
    hessian_column, vectors_column = st.columns(2)
    hessian_column.latex(rf"H = {_matrix(hessian)}")
    vectors_column.latex(rf"[\,u_1\ \ u_2\,] = {_matrix(report.eigenvectors.tolist())}")
    st.latex(r",\qquad ".join(rf"\lambda_{index + 1} = {_number(value)}" for index, value in enumerate(values)))
    condition = "∞" if math.isinf(report.condition_number) else format_number(report.condition_number)
    st.caption(t("point_report.condition", condition=condition))


def escape_numbers(escape: EscapeStep) -> None:
    """The escape step (sized by ``trusted_escape_step``) and its predicted (Taylor) and actual loss change."""
    x, y = escape.point
    st.markdown(t("point_report.escape", step=f"{escape.step:.3g}", eigenvalue=format_number(escape.eigenvalue),
                  x=f"{x:.3f}", y=f"{y:.3f}", reach=f"{escape.reach:.3g}", tolerance=f"{escape.tolerance:.0%}"))
    st.latex(rf"\Delta L \approx g^\top u\,s + \tfrac12 \lambda_1 s^2 = {_number(escape.predicted_change)}")
    st.caption(t("point_report.actual", actual=_number(escape.actual_change or 0.0)))

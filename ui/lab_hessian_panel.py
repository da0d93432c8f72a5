"""The Hessian at the inspected point of a real network, as text: the verdict and the numbers behind it."""

from __future__ import annotations

import streamlit as st

from figures.numbers import format_number
from scenes.network_lab import PointInspection
from ui.language import t

VERDICT_ICONS = {"minimum": "🟢", "saddle": "🟠", "flat": "🟡", "not_critical": "⚪"}


def verdict_line(inspection: PointInspection) -> str:
    """One line: the verdict with ‖g‖ and the extreme eigenvalues (the stage's summary of a click)."""
    report = inspection.report
    return VERDICT_ICONS.get(report.verdict, "") + " " + t(f"lab.verdicts.{report.verdict}", gradient=format_number(report.gradient_norm),
             tolerance=format_number(report.gradient_tolerance), band=format_number(report.flat_band),
             top=format_number(float(report.top_values[0])), bottom=format_number(float(report.bottom_values[0])))


def hessian_numbers(inspection: PointInspection) -> None:
    """L, ‖g‖, P, the extreme eigenvalues, the trace with its error bar and the minimum ratio (the verdict itself
    is on the stage, :func:`verdict_line`)."""
    report = inspection.report
    st.markdown(t("lab.numbers", loss=format_number(report.loss), gradient=format_number(report.gradient_norm),
                  parameters=f"{report.parameter_count:,}",
                  top=", ".join(format_number(float(v)) for v in report.top_values),
                  bottom=", ".join(format_number(float(v)) for v in report.bottom_values),
                  trace=format_number(report.trace), error=format_number(report.trace_error)))
    if report.minimum_ratio is None:
        st.caption(t("lab.ratio_not_exact", parameters=f"{report.parameter_count:,}"))
    else:
        without_flat = report.minimum_ratio_without_flat
        st.markdown(t("lab.ratio", ratio=f"{report.minimum_ratio:.3f}",
                      flat_ratio="—" if without_flat is None else f"{without_flat:.3f}", positive=report.positive_count,
                      negative=report.negative_count, flat=report.flat_count, band=format_number(report.flat_band),
                      tolerance=f"{report.flat_tolerance:g}", parameters=f"{report.parameter_count:,}"))

"""How the app writes a number for a student: in figure labels, the point report and the atlas table alike."""

from __future__ import annotations


def format_number(value: float) -> str:
    """Two decimals, or scientific notation below 0.01 and from 10⁴ on (never 0.0000000000007), with a real minus
    sign: 1.25 → "1.25", −2 → "−2.00", 7e-28 → "7.00e−28", 1234567 → "1.23e+06"."""
    if value != 0 and not 1e-2 <= abs(value) < 1e4:
        text = f"{value:.2e}"
    else:
        text = f"{value:.2f}"
    return text.replace("-", "−")

"""Numbers a text quotes, checked against the numbers a test computed: in every language, as printed."""

from __future__ import annotations

from i18n import LANGUAGES, catalogue


def printed(value: float, decimals: int) -> str:
    """``value`` as the texts print it: ``decimals`` places, a typographic minus (−0.23, not -0.23)."""
    return f"{value:.{decimals}f}".replace("-", "−")


def assert_quoted(keys: tuple[str, ...], *numbers: str) -> None:
    """Every text ``keys`` holds every one of ``numbers``, in every language."""
    missing = {(language, key): [number for number in numbers if number not in catalogue(language)[key]]
               for language in LANGUAGES for key in keys}
    missing = {where: absent for where, absent in missing.items() if absent}
    assert not missing, f"texts that do not quote the computed numbers: {missing}"

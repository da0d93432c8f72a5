"""Every piece of interface text, in one catalogue per language (``en.toml``, ``zh.toml``).

A language's folder (``en/``, ``zh/``) holds more of its catalogue, one file per experiment page
(``en/exp_batch_size.toml``), read with the main file as one catalogue; a key defined twice is an error.

Keys are dotted (``explorer.title``): the TOML tables of a catalogue, flattened. A text may hold
``str.format`` fields (``"diverged at step {step}"``), filled in by ``text(key, language, step=12)``.
This package is pure (no streamlit): figures and scenes take a ``language`` argument and call
``text``; pages call ``ui.language.t``, which reads the language the user picked.

>>> text("language.name", "zh")
'简体中文'
"""

from __future__ import annotations

import functools
import tomllib
import types
from collections.abc import Mapping
from pathlib import Path

LANGUAGES: Mapping[str, str] = types.MappingProxyType({"en": "English", "zh": "简体中文"})
DEFAULT_LANGUAGE = "en"
CATALOGUE_FOLDER = Path(__file__).resolve().parent


def _flatten(table: Mapping, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, key + "."))
        else:
            flat[key] = str(value)
    return flat


@functools.lru_cache(maxsize=len(LANGUAGES))
def catalogue(language: str) -> Mapping[str, str]:
    """All texts of ``language`` by dotted key; raises ``ValueError`` for a language we do not have."""
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; choose one of: {', '.join(LANGUAGES)}")
    flat: dict[str, str] = {}
    for path in (CATALOGUE_FOLDER / f"{language}.toml", *sorted((CATALOGUE_FOLDER / language).glob("*.toml"))):
        with open(path, "rb") as file:
            part = _flatten(tomllib.load(file))
        twice = part.keys() & flat.keys()
        if twice:
            raise ValueError(f"{path.name} defines again: {', '.join(sorted(twice))}")
        flat.update(part)
    return types.MappingProxyType(flat)


def text(key: str, language: str = DEFAULT_LANGUAGE, /, **values: object) -> str:
    """The text of ``key`` in ``language``, its ``{fields}`` filled from ``values``.

    A key missing from the catalogue raises ``KeyError`` (a test checks both catalogues hold the same keys).
    """
    template = catalogue(language)[key]
    return template.format(**values) if values else template

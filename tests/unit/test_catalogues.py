"""The two catalogues (i18n/en.toml, i18n/zh.toml) against each other and against the code that reads them.

Same keys, same ``{fields}``, no empty text; every key read somewhere in the code (a literal key, or a
family built with an f-string such as ``f"surfaces.{key}.name"``, whose members are checked against
their registry); every literal key the code asks for exists, with the fields its call fills in.
"""

from __future__ import annotations

import ast
import re
import string
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from i18n import CATALOGUE_FOLDER, LANGUAGES
from optimizers.schedules import SCHEDULE_KINDS
from optimizers.settings import OptimizerKind
from surfaces.catalogue import SURFACES
from surfaces.choice import OWN_FORMULA_KEY
from ui.start_point import CLICK_MODES

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_FOLDERS = {".venv", ".git", "tests", "__pycache__", "node_modules"}
TEXT_FUNCTIONS = {"t", "text"}  # ui.language.t(key, ...), i18n.text(key, language, ...), Look.text(key, ...)


def _flatten(table: Mapping, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for name, value in table.items():
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{prefix}{name}."))
        else:
            flat[f"{prefix}{name}"] = value
    return flat


@cache
def catalogue(language: str) -> dict[str, object]:
    """The raw catalogue (values not yet turned into strings, so a number or a list would show)."""
    with open(CATALOGUE_FOLDER / f"{language}.toml", "rb") as file:
        return _flatten(tomllib.load(file))


def fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def tables() -> set[str]:
    return {key.split(".")[0] for key in catalogue("en")}


@dataclass(frozen=True)
class TextCall:
    """A call ``t("key", ...)`` / ``text("key", language, ...)`` with a literal key."""

    key: str
    keywords: frozenset[str]
    spreads_keywords: bool
    where: str


@dataclass(frozen=True)
class CodeUse:
    literals: frozenset[str]
    patterns: tuple[tuple[re.Pattern, str], ...]
    calls: tuple[TextCall, ...]


def source_files() -> Iterator[Path]:
    for path in sorted(ROOT.rglob("*.py")):
        if not SKIPPED_FOLDERS & set(path.relative_to(ROOT).parts):
            yield path


def _pattern(node: ast.JoinedStr, table_names: set[str]) -> re.Pattern | None:
    """``f"surfaces.{key}.name"`` → ``^surfaces\\..+\\.name$``, if it starts with a catalogue table's name."""
    first = node.values[0] if node.values else None
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)
            and first.value.split(".")[0] in table_names and "." in first.value):
        return None
    parts = [re.escape(part.value) if isinstance(part, ast.Constant) else ".+" for part in node.values]
    return re.compile("^" + "".join(parts) + "$")


@cache
def code_use() -> CodeUse:
    table_names = tables()
    literals: set[str] = set()
    patterns: list[tuple[re.Pattern, str]] = []
    calls: list[TextCall] = []
    for path in source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            elif isinstance(node, ast.JoinedStr) and (pattern := _pattern(node, table_names)) is not None:
                patterns.append((pattern, where))
            elif isinstance(node, ast.Call) and node.args:
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                key = node.args[0]
                if name in TEXT_FUNCTIONS and isinstance(key, ast.Constant) and isinstance(key.value, str) \
                        and key.value.split(".")[0] in table_names:
                    calls.append(TextCall(
                        key=key.value, keywords=frozenset(k.arg for k in node.keywords if k.arg is not None),
                        spreads_keywords=any(k.arg is None for k in node.keywords), where=where,
                    ))
    return CodeUse(frozenset(literals), tuple(patterns), tuple(calls))


def family(prefix: str) -> set[str]:
    return {key for key in catalogue("en") if key.startswith(prefix)}


# ── The catalogues against each other ──

def test_both_catalogues_hold_exactly_the_same_keys():
    english, chinese = set(catalogue("en")), set(catalogue("zh"))
    assert not english - chinese, f"missing in zh.toml: {sorted(english - chinese)}"
    assert not chinese - english, f"missing in en.toml: {sorted(chinese - english)}"
    assert set(LANGUAGES) == {"en", "zh"}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_text_is_a_non_empty_string(language):
    bad = {key: value for key, value in catalogue(language).items() if not isinstance(value, str) or not value.strip()}
    assert not bad, f"empty or not a string in {language}.toml: {bad}"


def test_every_text_has_the_same_fields_in_both_languages():
    chinese = catalogue("zh")
    different = {key: (sorted(fields(text)), sorted(fields(chinese[key])))
                 for key, text in catalogue("en").items() if key in chinese and fields(text) != fields(chinese[key])}
    assert not different, f"{{fields}} differ between en and zh: {different}"


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_every_text_formats(language):
    for key, text in catalogue(language).items():
        text.format(**{name: "1" for name in fields(text)})  # a stray brace raises here


# ── The catalogues against the code ──

def test_every_key_is_used_in_the_code():
    use = code_use()
    unused = sorted(key for key in catalogue("en")
                    if key not in use.literals and not any(pattern.match(key) for pattern, _ in use.patterns))
    assert not unused, f"keys no code reads (neither a literal nor an f-string family): {unused}"


def test_every_literal_key_the_code_asks_for_exists():
    keys = catalogue("en")
    missing = sorted({f"{call.key} ({call.where})" for call in code_use().calls if call.key not in keys})
    assert not missing, f"the code asks for keys the catalogues lack: {missing}"


def test_every_key_family_built_in_the_code_has_members():
    keys = catalogue("en")
    empty = sorted({where for pattern, where in code_use().patterns if not any(pattern.match(key) for key in keys)})
    assert not empty, f"f-string keys that match no catalogue key: {empty}"


def test_every_call_fills_exactly_the_fields_of_its_text():
    keys = catalogue("en")
    wrong = [f"{call.where}: {call.key} fills {sorted(call.keywords)}, the text has {sorted(fields(keys[call.key]))}"
             for call in code_use().calls
             if call.key in keys and not call.spreads_keywords and set(call.keywords) != fields(keys[call.key])]
    assert not wrong, "\n".join(wrong)


# ── Families whose keys are built from a registry ──

def test_every_surface_has_a_name_and_a_lecture_sentence_and_nothing_else():
    expected = {f"surfaces.{key}.{part}" for key in SURFACES for part in ("name", "lecture")}
    expected |= {f"surfaces.{key}.parameter" for key, surface in SURFACES.items() if surface.parameter is not None}
    expected |= {f"surfaces.{OWN_FORMULA_KEY}.{part}" for part in ("menu", "name", "lecture")}
    present = family("surfaces.")
    assert not expected - present, f"missing surface texts: {sorted(expected - present)}"
    assert not present - expected, f"surface texts without a surface (or an unknown part): {sorted(present - expected)}"


def test_every_update_rule_has_a_label():
    assert family("optimizers.") == {f"optimizers.{kind.value}" for kind in OptimizerKind}


def test_every_schedule_has_a_name():
    assert family("schedules.") == {f"schedules.{kind}" for kind in SCHEDULE_KINDS}


def test_every_click_mode_has_a_label():
    assert family("click.") == {"click.label"} | {f"click.{mode}" for mode in CLICK_MODES}


# ── The checks themselves can fail ──

def test_the_usage_scan_sees_literal_and_built_keys():
    use = code_use()
    assert "explorer.steps" in use.literals
    assert any(pattern.match("surfaces.saddle.name") for pattern, _ in use.patterns)
    assert not any(pattern.match("surfaces.saddle.colour") for pattern, _ in use.patterns
                   if pattern.pattern.startswith("^surfaces"))
    assert "no_such_table.key" not in use.literals
    assert fields("**{label}**: {note}. Try {{braces}}") == {"label", "note"}

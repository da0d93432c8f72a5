"""The experiments' shared parts: error bars, results files, the registry's contract, the README's table."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest
import torch

import i18n
from experiments import registry
from experiments.findings import Finding
from experiments.registry import NAMES, experiment
from experiments.results import (TIMING, differences, jsonable, read_results, reproducible_part, single_thread,
                                 write_results)
from experiments.statistics import mean_interval
from figures.experiment_views import figure_views
from networks.training import TrainingSettings
from optimizers.settings import OptimizerKind, OptimizerSettings
from scenes.experiment_summary import finding_line, finding_why, markdown_table, stored_summary

ROOT = Path(__file__).resolve().parents[2]


def test_the_interval_is_students_t():
    """Two values 0 and 2: mean 1, s = √2, s/√n = 1, and t(0.975, 1 degree of freedom) = 12.7062."""
    interval = mean_interval([0.0, 2.0])
    assert interval.mean == 1.0 and interval.count == 2
    assert interval.half_width == pytest.approx(12.7062047, rel=1e-6)
    assert interval.text() == "1 ± 13"
    assert mean_interval([3.0]).half_width == 0 and mean_interval([3.0]).text() == "3"
    assert math.isnan(mean_interval([math.nan, math.inf]).mean)
    assert mean_interval([1.0, math.nan, 3.0]).count == 2  # the diverged run's NaN is left out, and counted out


def test_results_round_trip_with_provenance(tmp_path):
    settings = OptimizerSettings(OptimizerKind.ADAM, 0.001, betas=(0.9, 0.99))
    result = {"losses": [1.0, math.nan], "runs": (1, 2), TIMING: {"seconds": 3.2}}
    path = write_results("toy", "full", settings, result, 12.34, "python scripts/run_experiment.py toy",
                         path=tmp_path / "toy.json")
    stored = read_results("toy", path)
    assert stored.settings["kind"] == "adam" and stored.settings["betas"] == [0.9, 0.99]
    assert stored.computed["seconds"] == 12.3 and stored.computed["machine"]["threads"] == 1
    assert not differences(reproducible_part(stored.result), reproducible_part(result))
    assert TIMING not in reproducible_part(result)
    assert read_results("toy", tmp_path / "missing.json") is None


def test_differences_name_where_and_respect_the_tolerance():
    assert differences({"a": [1.0, 2.0]}, {"a": [1.0, 2.0 + 1e-12]}, relative=1e-9) == []
    assert differences({"a": [1.0, 2.0]}, {"a": [1.0, 2.1]}) == ["result.a[1]: 2.0 ≠ 2.1"]
    assert differences({"a": 1}, {"b": 1}) and differences([1], [1, 2]) and differences("x", "y")
    assert differences(math.nan, math.nan) == [] and differences(True, 1.0) != []


def test_jsonable_refuses_what_json_cannot_hold():
    with pytest.raises(TypeError, match="cannot store a object"):
        jsonable(object())


def test_single_thread_restores_the_thread_count():
    before = torch.get_num_threads()
    with single_thread():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_the_experiment_budget_lifts_only_the_labs_bounds():
    long = dict(optimizer=OptimizerSettings(OptimizerKind.GD, 0.1, batch_size=1), epochs=10)  # 14,370 updates
    with pytest.raises(ValueError, match="more than 10,000"):
        TrainingSettings(**long)
    assert TrainingSettings(**long, budget="experiment").update_count == 14_370
    with pytest.raises(ValueError, match="budget must be one of"):
        TrainingSettings(budget="unlimited")


def test_a_key_in_two_catalogue_files_is_refused(tmp_path, monkeypatch):
    (tmp_path / "en").mkdir()
    (tmp_path / "en.toml").write_text('[a]\nb = "one"\n', encoding="utf-8")
    (tmp_path / "en" / "more.toml").write_text('[a]\nc = "two"\n', encoding="utf-8")
    monkeypatch.setattr(i18n, "CATALOGUE_FOLDER", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        assert dict(i18n.catalogue("en")) == {"a.b": "one", "a.c": "two"}
        (tmp_path / "en" / "twice.toml").write_text('[a]\nb = "again"\n', encoding="utf-8")
        i18n.catalogue.cache_clear()
        with pytest.raises(ValueError, match="defines again: a.b"):
            i18n.catalogue("en")
    finally:
        i18n.catalogue.cache_clear()


@pytest.mark.parametrize("name", NAMES)
def test_each_experiment_keeps_the_contract(name):
    module = experiment(name)
    assert module.NAME == name and 1 <= module.PART <= 9
    for preset in ("full", "live"):
        settings = module.PRESETS[preset]
        assert dataclasses.is_dataclass(settings) and len(settings.seeds) >= 1
    assert len(module.PRESETS["live"].seeds) <= len(module.PRESETS["full"].seeds)
    assert registry.live_settings(name, 7).seeds[0] == 7
    for language in ("en", "zh"):
        for key in ("title", "claim", "setup"):
            assert i18n.text(f"exp.{name}.{key}", language)
        for view in figure_views(name):
            assert i18n.text(f"exp.{name}.views.{view}", language) and i18n.text(f"exp.{name}.caption.{view}", language)


@pytest.mark.parametrize("name", NAMES)
def test_each_results_file_is_the_full_preset_and_reads_in_both_languages(name):
    """The file was computed from today's full preset; every finding and its 'why' have texts in both languages."""
    module, stored = experiment(name), read_results(name)
    assert stored is not None, f"no results file: run scripts/run_experiment.py {name}"
    assert stored.preset == "full" and not differences(stored.settings, jsonable(module.PRESETS["full"]))
    assert stored.computed["command"] == f"python scripts/run_experiment.py {name}"
    findings = module.findings(stored.result)
    assert findings and all(isinstance(finding, Finding) for finding in findings)
    for finding in findings:
        for language in ("en", "zh"):
            assert i18n.text(f"exp.{name}.claims.{finding.key}", language)
            assert "{" not in finding_line(name, finding, stored.result, language)  # every field filled
            assert "{" not in (finding_why(name, finding, stored.result, language) or "")
            if finding.agrees is not None:  # it could disagree: its why exists, whatever it measured this time
                assert i18n.text(f"exp.{name}.why.{finding.key}", language)
    json.dumps(module.setup_fields(stored.result))
    for language in ("en", "zh"):
        assert "{" not in i18n.text(f"exp.{name}.setup", language, **module.setup_fields(stored.result))


def test_a_result_of_too_few_seeds_shows_its_numbers_without_a_verdict():
    """A live run of one seed cannot tell a 4th-digit difference from noise: ❔, no 'why', whatever the rule said."""
    from experiments.findings import MIN_SEEDS_FOR_VERDICT, UNDECIDED, agreement

    name = NAMES[0]
    result = read_results(name).result
    finding = next(finding for finding in experiment(name).findings(result) if finding.agrees is not None)
    few = {**result, "settings": {**result["settings"], "seeds": list(range(MIN_SEEDS_FOR_VERDICT - 1))}}
    assert agreement(finding, few) == UNDECIDED and agreement(finding, result) == finding.agreement
    line = finding_line(name, finding, few, "en")
    assert line.startswith("❔") and "too few seeds (2)" in line and finding_why(name, finding, few, "en") is None
    beyond = Finding("x", {}, None)
    assert agreement(beyond, few) == "beyond"  # a measurement beyond the lecture has no verdict to withhold


def test_the_readme_table_is_the_one_the_results_files_give():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = markdown_table(stored_summary("en"))
    assert table in readme, "run: python scripts/experiment_table.py --write"
    assert len(table.splitlines()) == 2 + sum(len(experiment(name).findings(read_results(name).result)) for name in NAMES)

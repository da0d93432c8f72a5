"""The Experiments page, run headlessly: each experiment from its results file, a live run, links, languages."""

from __future__ import annotations

import pytest

from experiments.registry import NAMES, experiment, live_job
from experiments.results import read_results
from figures.experiment_views import figure_views
from i18n import text
from scenes.experiment_summary import finding_line, finding_why
from scenes.lab_links import lab_query
from tests.app.conftest import drawn_charts, page_text, run_page

PAGE = "../../pages/experiment.py"
LAB = "../../pages/lab.py"


@pytest.mark.parametrize("name", NAMES)
def test_each_experiment_shows_its_claim_figure_and_measured_findings(name):
    app = run_page(PAGE, {"exp": name})
    words = page_text(app)
    assert text(f"exp.{name}.claim") in words
    result = read_results(name).result
    for finding in experiment(name).findings(result):
        assert finding_line(name, finding, result, "en") in words
        assert (finding_why(name, finding, result, "en") or "") in words
    assert f"python scripts/run_experiment.py {name}" in words  # where the numbers come from
    assert f"exp_{name}_{figure_views(name)[0]}" in drawn_charts(app)
    assert not app.warning and not app.error


@pytest.mark.parametrize("name", NAMES)
def test_every_view_draws(name):
    for view in figure_views(name)[1:]:
        app = run_page(PAGE, {"exp": name, "exp_view": view})
        assert f"exp_{name}_{view}" in drawn_charts(app)
        assert text(f"exp.{name}.caption.{view}") in page_text(app)


@pytest.mark.parametrize("name", NAMES)
def test_every_lab_link_opens_the_same_training_in_the_lab(name, monkeypatch):
    """The Lab, opened with a link's parameters, builds exactly the link's trainings (read before they train),
    but for how many snapshots it keeps (the Lab's own: they record the path, they do not change it)."""
    from dataclasses import replace

    from networks.training import TrainingSettings
    from ui import lab_compute

    asked = []

    def record(trainings, owner, draw):
        asked.append(tuple(trainings))
        return [RuntimeError("recorded, not trained")] * len(trainings)

    monkeypatch.setattr(lab_compute, "training_runs", record)
    links = experiment(name).lab_links(read_results(name).result)
    first_of_each_kind = {link.key: link for link in reversed(links)}.values()  # the others differ in seed only
    for link in first_of_each_kind:
        try:
            query = lab_query(link.settings)
        except ValueError:
            continue  # no link on the page for this one
        run_page(LAB, query)
        snapshots = TrainingSettings().snapshots
        assert asked[-1] == tuple(replace(training, snapshots=snapshots) for training in link.settings.trainings()), link.key


def test_any_run_of_the_scatter_opens_in_the_lab():
    """The minimum-ratio scatter's runs (fifty) are a menu; the button opens the chosen one's training."""
    from scenes.lab_links import lab_url

    name = "minimum_ratio"
    links = experiment(name).lab_links(read_results(name).result)
    app = run_page(PAGE, {"exp": name})
    menu = app.selectbox(key=f"exp_link_{name}")
    assert len(menu.options) == len(links) > len(read_results(name).result["runs"])
    menu.set_value(7).run()
    assert app.get("link_button")[0].proto.url == lab_url(links[7].settings)


def test_the_page_speaks_chinese():
    name = NAMES[0]
    app = run_page(PAGE, {"exp": name, "lang": "zh"})
    assert text(f"exp.{name}.claim", "zh") in page_text(app)
    assert app.title[0].value.endswith(text("experiments.title", "zh"))


def test_a_live_run_starts_from_the_presets_own_seed():
    """Momentum and adaptive rates keeps seed 0 for tuning η: its live run starts at its preset's seed 1, and works."""
    name = "momentum_adaptive"
    app = run_page(PAGE, {"exp": name, "exp_src": "live"})
    assert app.number_input(key="exp_seed").value == experiment(name).PRESETS["live"].seeds[0] == 1
    assert not app.error and "❔" in page_text(app)  # one seed: the numbers, no verdict


def test_the_table_of_all_experiments():
    app = run_page(PAGE, {"exp": "all"})
    words = page_text(app)
    for name in NAMES:
        assert text(f"exp.{name}.title") in words


def test_a_garbage_url_falls_back_with_a_message():
    app = run_page(PAGE, {"exp": "nonsense", "exp_view": "nope", "exp_src": "x"})
    assert app.warning, "the refused parameters are named"
    assert text(f"exp.{NAMES[0]}.claim") in page_text(app)


def test_a_live_run_shows_the_reduced_presets_own_numbers():
    """The cheapest experiment's live preset from seed 3: the page's findings are the ones that run computes."""
    name = "edge_of_stability"  # the cheapest live preset (about 5 s of one core)
    app = run_page(PAGE, {"exp": name, "exp_src": "live", "exp_seed": "3"})
    words = page_text(app)
    result = live_job(name, 3)
    for finding in experiment(name).findings(result):
        assert finding_line(name, finding, result, "en") in words
    assert "seeds 3" in words and "python scripts/run_experiment.py" not in words

"""Downloads made from what a page has already computed: the race as an offline web page, the runs as CSV and JSON.

Nothing here runs an optimizer or builds a figure again: the bytes come from the finished
``go.Figure`` and :class:`optimizers.trajectory.Trajectories`. Pure (no streamlit); ``ui.exports``
wraps these functions in download buttons.

The web page carries plotly.js itself (about 4.8 MB) and the landscape as a ``data:`` URI, so it plays
from a USB stick in a classroom without internet. The CSV has one row per run and valid step:

.. code-block:: text

    run,optimizer,step,x,y,loss,grad_x,grad_y,grad_norm,learning_rate,effective_step_x,effective_step_y

where ``learning_rate`` is ηₜ and ``effective_step_*`` the per-parameter step ηₜ/σ of the update that
leaves θₜ, left empty on a run's last valid step (no update leaves it for another valid point).
Numbers are written with ``repr``, the shortest text that reads back as exactly the same float.
"""

from __future__ import annotations

import csv
import dataclasses
import html
import io
import json
import re
from collections.abc import Sequence

import plotly.graph_objects as go
import plotly.io as pio

from figures.runs import REASON_NAMES, run_note
from figures.spec import FigureSpec
from i18n import DEFAULT_LANGUAGE
from optimizers.settings import OptimizerSettings
from optimizers.trajectory import Trajectories
from surfaces.base import Surface

CSV_COLUMNS = ("run", "optimizer", "step", "x", "y", "loss", "grad_x", "grad_y", "grad_norm", "learning_rate",
               "effective_step_x", "effective_step_y")
JSON_FORMAT = "error-surface-lab/trajectories"
JSON_VERSION = 1
HTML_CONFIG = {"displaylogo": False, "responsive": True}
PAGE_STYLE = "<style>html, body {margin: 0; height: 100%;} body {overflow: hidden;}</style>"


def file_stem(*parts: str) -> str:
    """A safe, readable file name stem from words: ``file_stem("Himmelblau", "race")`` → ``"himmelblau-race"``."""
    words = [re.sub(r"[^0-9a-z]+", "-", part.lower()).strip("-") for part in parts]
    return "-".join(word for word in words if word) or "error-surface-lab"


def race_html(figure: FigureSpec | go.Figure, *, title: str = "Error Surface Lab", language: str = DEFAULT_LANGUAGE) -> bytes:
    """``figure`` (the animated race) as one self-contained HTML page, UTF-8.

    plotly.js is inlined (no CDN) and the landscape is already a ``data:`` URI, so the page needs no
    network. The figure's fixed height is dropped so that it fills the browser window (a slide, a
    projector); the animation waits for ▶. ``title`` names the browser tab, ``language`` the page's
    ``lang`` (for fonts and screen readers).
    """
    # Copies of the figure and its layout: the page's figure is left as it is.
    spec = figure.to_plotly_json() if isinstance(figure, go.Figure) else {**figure, "layout": dict(figure["layout"])}
    spec["layout"].pop("height", None)
    spec["layout"]["autosize"] = True
    page = pio.to_html(spec, config=HTML_CONFIG, auto_play=False, include_plotlyjs=True, full_html=True,
                       default_width="100%", default_height="100vh", validate=False)
    head = f"<title>{html.escape(title)}</title>{PAGE_STYLE}"
    page = page.replace("<head>", f"<head>{head}", 1).replace("<html>", f'<html lang="{html.escape(language)}">', 1)
    return page.encode("utf-8")


def _checked_labels(trajectories: Trajectories, labels: Sequence[str]) -> list[str]:
    labels = [str(label) for label in labels]
    if not 1 <= len(labels) <= trajectories.runs:
        raise ValueError(f"need one label for each of the first runs (1 to {trajectories.runs}), got {len(labels)}")
    return labels


def trajectories_csv(trajectories: Trajectories, labels: Sequence[str]) -> bytes:
    """The first ``len(labels)`` runs, one row per valid step, as UTF-8 CSV with a header (and a BOM, for Excel)."""
    labels = _checked_labels(trajectories, labels)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for run, label in enumerate(labels):
        length = int(trajectories.lengths[run])
        theta, loss = trajectories.theta[run].tolist(), trajectories.loss[run].tolist()
        gradient, norm = trajectories.gradient[run].tolist(), trajectories.gradient_norm[run].tolist()
        rates, effective = trajectories.learning_rate[run].tolist(), trajectories.effective_step[run].tolist()
        for step in range(length):
            update = [repr(rates[step]), repr(effective[step][0]), repr(effective[step][1])] \
                if step < length - 1 else ["", "", ""]
            writer.writerow([run, label, step, repr(theta[step][0]), repr(theta[step][1]), repr(loss[step]),
                             repr(gradient[step][0]), repr(gradient[step][1]), repr(norm[step]), *update])
    return buffer.getvalue().encode("utf-8-sig")


def _settings_record(settings: OptimizerSettings) -> dict:
    record = dataclasses.asdict(settings)
    record["kind"] = settings.kind.value
    return record


def _surface_record(surface: Surface) -> dict:
    return {"key": surface.key, "name": surface.name, "latex": surface.latex,
            "domain": dict(zip(("x_min", "x_max", "y_min", "y_max"), surface.domain.bounds))}


def trajectories_json(trajectories: Trajectories, labels: Sequence[str], *, surface: Surface | None = None,
                      settings: Sequence[OptimizerSettings] | None = None,
                      language: str = DEFAULT_LANGUAGE) -> bytes:
    """The first ``len(labels)`` runs as a UTF-8 JSON document: what was run, where it stopped, and the arrays.

    Each run holds its valid prefix only (n points): ``theta`` (n × 2), ``loss``, ``gradient`` (n × 2),
    ``gradient_norm``, and for the n − 1 updates between them ``learning_rate`` and ``effective_step``
    (n − 1 × 2). ``diverged_at`` is the first invalid step (or null), ``reason`` its name (``"outside"``,
    …) and ``message`` the sentence in ``language``. ``settings[r]`` (torch's names) goes with run r.
    """
    labels = _checked_labels(trajectories, labels)
    if settings is not None and len(settings) < len(labels):
        raise ValueError(f"got {len(settings)} optimizer settings for {len(labels)} runs")
    runs = []
    for run, label in enumerate(labels):
        length = int(trajectories.lengths[run])
        record = {
            "run": run, "label": label, "length": length,
            "diverged_at": trajectories.diverged_at[run],
            "reason": REASON_NAMES.get(trajectories.reasons[run], trajectories.reasons[run] or None),
            "message": run_note(trajectories, run, language),
        }
        if settings is not None:
            record["settings"] = _settings_record(settings[run])
        record.update({
            "theta": trajectories.theta[run, :length].tolist(),
            "loss": trajectories.loss[run, :length].tolist(),
            "gradient": trajectories.gradient[run, :length].tolist(),
            "gradient_norm": trajectories.gradient_norm[run, :length].tolist(),
            "learning_rate": trajectories.learning_rate[run, : length - 1].tolist(),
            "effective_step": trajectories.effective_step[run, : length - 1].tolist(),
        })
        runs.append(record)
    document = {
        "format": JSON_FORMAT, "version": JSON_VERSION,
        "surface": None if surface is None else _surface_record(surface),
        "steps": trajectories.steps,
        "runs": runs,
    }
    return json.dumps(document, ensure_ascii=False, allow_nan=False).encode("utf-8")

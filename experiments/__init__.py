"""The lecture's experiments on real networks, measured: one module per experiment, pure (no Streamlit).

Each experiment module holds ``NAME``, ``PART`` (the lecture's part it belongs to), ``PRESETS`` (frozen
settings with a ``seeds`` field: ``"full"``, computed by ``scripts/run_experiment.py`` into
``experiments/results/<name>.json``, and ``"live"``, small enough for a page to run while a class waits),
``run(settings, progress=None) -> dict`` (a JSON-able result, the same for the same seeds; the key
``"timing"`` holds what depends on the machine), ``findings(result)`` (what was measured beside what the
lecture claims, see :mod:`experiments.findings`) and ``lab_links(result)`` (runs a student can open in the
Network Lab). :mod:`experiments.registry` lists them in the lecture's order.
"""

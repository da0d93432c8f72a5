"""The settings of the network tests' experiments: the page's default runs, and the same runs cut short."""

from __future__ import annotations

from analysis.minimum_ratio import ExperimentSettings

# The first 8 runs of the page's default experiment (16 runs, H = 6, seed 0, 2000 Adam steps).
SETTINGS = ExperimentSettings(runs=8, hidden=6, seed=0, training_steps=2000)


# The same runs with training cut short: clear saddles (some λ < −ρ) and runs without a critical point.
EARLY_SETTINGS = ExperimentSettings(runs=8, hidden=6, seed=0, training_steps=300)

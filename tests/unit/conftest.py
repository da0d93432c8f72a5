"""Fixtures the unit tests share: the network page's two experiments, each computed once per session."""

from __future__ import annotations

import pytest

from analysis.minimum_ratio import run_experiment
from tests.unit.network_settings import EARLY_SETTINGS, SETTINGS


@pytest.fixture(scope="session")
def experiment():
    return run_experiment(SETTINGS)


@pytest.fixture(scope="session")
def early_experiment():
    return run_experiment(EARLY_SETTINGS)

"""Shared fixtures: small simulations run once per test session."""

import pytest

from migrasome.simulation import simulate


@pytest.fixture(scope="session")
def small_run():
    """A 3 h, 12-cell default run (seed 3): enough for fibres, sites, release."""
    return simulate("nrk-fibronectin", cells=12, hours=3, seed=3)


@pytest.fixture(scope="session")
def day_run():
    """A 12 h, 30-cell default run: steady state of formation, release, breakdown."""
    return simulate("nrk-fibronectin", seed=11)

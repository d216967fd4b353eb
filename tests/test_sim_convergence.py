"""The model converges in the time step: read-outs at dt and dt/2 agree within 5 %."""

import numpy as np
import pytest

from migrasome import simulate
from migrasome.scenario import load_preset

READOUTS = ("migrasomes_per_cell", "rf_count_per_cell", "rf_length_per_cell_um",
            "median_diameter_um", "released_fraction")


def readouts(dt):
    out = []
    for seed in (11, 12):
        sc = load_preset("nrk-fibronectin").with_changes(
            **{"run.dt_min": dt, "cells.n_cells": 150, "seed": seed})
        r = simulate(sc)
        s = r.summary()
        out.append([s[k] for k in READOUTS] + [(r.fibers["parent_fiber_id"] >= 0).mean()])
    return dict(zip(READOUTS + ("branch_share",), np.mean(out, axis=0)))


@pytest.fixture(scope="module")
def by_dt():
    return {dt: readouts(dt) for dt in (1.0, 0.5, 0.25)}


@pytest.mark.parametrize("dt", [1.0, 0.5])  # 1 min is what the function presets use
@pytest.mark.parametrize("key", READOUTS + ("branch_share",))
def test_readouts_agree_between_dt_and_half_dt(by_dt, dt, key):
    a, b = by_dt[dt][key], by_dt[dt / 2][key]
    assert a == pytest.approx(b, rel=0.05), (dt, key, a, b)

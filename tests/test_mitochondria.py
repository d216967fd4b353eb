"""Mitocytosis vs mitophagy: the two-gear system of Jiao et al. 2021, and conservation."""

import numpy as np
import pytest

from migrasome.parameters import MitochondriaParams
from migrasome.sim import mitochondria as mt
from migrasome.sim.cargo import Ledger
from migrasome.sim.state import Pool


def _run(dose, hours=8.0, n_cells=60, seed=0, migrasomes_per_cell=3.0):
    """Cells whose attached migrasomes follow their migration (a stand-in for the engine:
    migrasome formation needs migration, Ma 2015; Lu 2020)."""
    rng = np.random.default_rng(seed)
    p = MitochondriaParams(enabled=True, cccp_uM=dose)
    cells = Pool("cell_id", {"x_um": float})
    cells.append(n_cells, x_um=0.0)
    sites = Pool("site_id", {"cell_id": np.int64, "attached": bool, "diameter_um": float})
    mt.add_columns(cells, sites, p)
    led = Ledger()
    motility = 1.0
    dt = 1.0
    hf = []
    for _step in range(int(hours * 60 / dt)):
        # the current set of attached migrasomes is renewed every step, Poisson in motility
        k = rng.poisson(migrasomes_per_cell * motility, n_cells)
        sites.retire(sites["attached"])
        sites.append(int(k.sum()), cell_id=np.repeat(np.arange(n_cells), k), attached=True,
                     diameter_um=1.5)
        # attached migrasomes of the previous step are released, keeping their mitochondria
        motility = mt.step(cells, sites, p, dt, rng, led)[0]
        sites["attached"] = np.zeros(len(sites), bool)
        sites.append(0)
        hf.append(mt.healthy_fraction(cells).mean())
    exported = sum(a["n_mito"].sum() for a in sites.archive) + sites["n_mito"].sum()
    return dict(cells=cells, led=led, exported=exported, hf=np.array(hf), p=p, motility=motility)


@pytest.fixture(scope="module")
def runs():
    return {d: _run(d) for d in (0.0, 2.0, 10.0)}


def test_mitochondria_conserved(runs):
    for _d, r in runs.items():
        c, led, p = r["cells"], r["led"], r["p"]
        made = len(c) * p.n_per_cell + led.get("mito:biogenesis->cell")
        where = (c["mito_healthy"].sum() + c["mito_damaged"].sum() + r["exported"]
                 + c["mito_degraded"].sum())
        assert where == made
        assert r["exported"] == c["mito_exported"].sum() == led.get("mito:cell->migrasome")


def test_mild_stress_raises_mitocytosis_strong_stress_lowers_it(runs):
    e0, e2, e10 = (runs[d]["exported"] for d in (0.0, 2.0, 10.0))
    assert e2 > 2.0 * e0  # mild CCCP: damaged mitochondria are thrown out (Jiao 2021)
    assert e10 < 0.5 * e2  # 10 µM: cells barely migrate, little mitocytosis
    assert runs[10.0]["motility"] < 0.2 < 0.9 < runs[2.0]["motility"]


def test_mitophagy_takes_over_under_strong_stress(runs):
    deg = {d: runs[d]["cells"]["mito_degraded"].sum() for d in runs}
    exp = {d: runs[d]["exported"] for d in runs}
    assert deg[10.0] > 5 * deg[2.0]
    assert deg[10.0] > exp[10.0]  # the second gear
    assert exp[2.0] > deg[2.0]  # mild stress: mitocytosis is the main route


def test_mitocytosis_maintains_quality():
    with_m = _run(2.0, hours=6.0)
    without = _run(2.0, hours=6.0, migrasomes_per_cell=0.0)
    assert with_m["hf"][-1] > without["hf"][-1] + 0.05
    assert 0.0 < without["hf"][-1] < with_m["hf"][-1] <= 1.0


def test_dose_response_shapes():
    p = MitochondriaParams()
    assert mt.motility_factor(0.0, p) == 1.0
    assert mt.mitophagy_rate(10.0, p) > 10 * mt.mitophagy_rate(1.0, p)
    assert mt.damage_rate(2.0, p) > mt.damage_rate(0.0, p)

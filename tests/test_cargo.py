"""Cargo: migracytosis fills migrasomes from their cell; fates after release conserve it."""

import numpy as np
import pytest

from migrasome.codes import Fate
from migrasome.parameters import CargoParams
from migrasome.sim import cargo as cg
from migrasome.sim import field as fl
from migrasome.sim.state import Pool

SPECIES = ["cxcl12"]


def _cells(n, rng, p):
    cells = Pool("cell_id", {"x_um": float, "y_um": float, "radius_um": float,
                             "cell_type": object})
    cells.append(n, x_um=rng.uniform(0, 400, n), y_um=rng.uniform(0, 400, n), radius_um=10.0,
                 cell_type="zebrafish-mesendoderm")
    cg.add_cell_columns(cells, p)
    cg.add_recipient_columns(cells)
    return cells


def _sites(n_cells, per_cell, rng, d_final=None):
    n = n_cells * per_cell
    sites = Pool("site_id", {"cell_id": np.int64, "x_um": float, "y_um": float,
                             "attached": bool, "diameter_um": float, "t_breakdown_min": float,
                             "fate": np.int64})
    d = rng.uniform(0.5, 3.0, n) if d_final is None else np.full(n, d_final)
    sites.append(n, cell_id=np.repeat(np.arange(n_cells), per_cell), x_um=rng.uniform(0, 400, n),
                 y_um=rng.uniform(0, 400, n), attached=True, diameter_um=0.0)
    cg.add_site_columns(sites, SPECIES)
    return sites, d


def _density(cells):
    return np.full((1, len(cells)), 10.0)


def test_rna_fraction_and_vesicle_numbers():
    rng = np.random.default_rng(0)
    p = CargoParams()
    cells = _cells(200, rng, p)
    sites, d = _sites(200, 20, rng, d_final=1.7)
    led = cg.Ledger()
    for k in range(1, 11):  # grow in 10 steps to 1.7 µm
        sites["diameter_um"] = d * k / 10
        cg.fill_attached(sites, cells, p, SPECIES, _density(cells), rng, led)
    has_rna = (sites["mrna_copies"] > 0).mean()
    assert has_rna == pytest.approx(0.30, abs=0.03)  # Zhu 2021: ≈30 %
    # inner vesicles are Poisson in the lumen's volume: mean = density × π d³/6
    volume = np.pi / 6 * 1.7**3
    assert sites["n_vesicles"].mean() == pytest.approx(p.vesicles_per_um3 * volume, rel=0.05)
    assert 1 - np.exp(-p.rna_granules_per_um3 * volume) == pytest.approx(has_rna, abs=0.03)
    # over the range of sizes, 0.8–3 µm, inner vesicles stay within ≈10–300 (Ma 2015)
    sites2, d2 = _sites(200, 10, rng)
    cells2 = _cells(200, rng, p)
    sites2["diameter_um"] = np.clip(d2, 0.8, 2.6)
    cg.fill_attached(sites2, cells2, p, SPECIES, _density(cells2), rng, led)
    q = np.quantile(sites2["n_vesicles"], [0.05, 0.95])
    assert q[0] >= 3 and q[1] <= 320


def _run_life(p, rng, steps=400, dt=1.0):
    """Grow, release and resolve migrasomes; return everything needed for balances."""
    cells = _cells(30, rng, p)
    takers = Pool("recipient_id", {"x_um": float, "y_um": float, "radius_um": float})
    takers.append(40, x_um=rng.uniform(0, 400, 40), y_um=rng.uniform(0, 400, 40), radius_um=8.0)
    cg.add_recipient_columns(takers)
    sites, d = _sites(30, 10, rng)
    f = fl.make_field(SPECIES, 400, 400, 5.0, 60.0, 0.02)
    led = cg.Ledger()
    p0 = cells["protein_au"].sum()
    v0, m0 = cells["n_vesicles"].sum(), cells["mrna_copies"].sum()
    tk = [("recipient", takers), ("cell", cells)]
    mdnp = 0
    for step in range(steps):
        t = step * dt
        grow = min(1.0, t / 30.0)
        sites["diameter_um"] = np.where(sites["attached"], d * grow, sites["diameter_um"])
        cg.fill_attached(sites, cells, p, SPECIES, _density(cells), rng, led)
        cg.replenish(cells, p, dt, rng, led)
        if step == 40:
            sites["attached"] = np.zeros(len(sites), bool)
        # the engine's breakdown: a few migrasomes end by lifetime
        if step == 200:
            sites["t_breakdown_min"] = np.where(rng.random(len(sites)) < 0.3, t,
                                                sites["t_breakdown_min"])
        leak = cg.leak_signal(sites, SPECIES, 0.01, dt, led)
        fl.deposit(f, 0, sites["x_um"], sites["y_um"], leak[0])
        fate = cg.choose_fates(sites, tk, p, t, dt, rng)
        ending = ~sites["settled"] & np.isfinite(sites["t_breakdown_min"]) & \
            (sites["t_breakdown_min"] <= t)
        mask = (fate > 0) | ending
        rel, md = cg.settle(sites, mask, fate, tk, SPECIES, led, t)
        mdnp += md["n_mdnp"].sum()
        fl.deposit(f, 0, sites["x_um"][mask], sites["y_um"][mask], rel[0])
        fl.diffuse_decay(f, dt)
        for _, pool in tk:
            cg.translate(pool, p, dt, rng, led)
    return dict(cells=cells, takers=takers, sites=sites, f=f, led=led, p0=p0, v0=v0, m0=m0,
                mdnp=mdnp)


def test_cargo_conserved_through_all_fates():
    rng = np.random.default_rng(3)
    p = CargoParams(rupture_per_min=0.004, uptake_per_min=0.02, uptake_distance_um=15.0)
    r = _run_life(p, rng)
    s, c, t, led = r["sites"], r["cells"], r["takers"], r["led"]
    live = ~s["settled"]
    fates = np.bincount(s["fate"], minlength=4)
    assert fates[1] > 0 and fates[2] > 0 and fates[3] > 0  # every fate happened
    recv = lambda col: t[col].sum() + c[col].sum()
    # protein
    total = r["p0"] + led.get("protein_au:synthesis->cell")
    where = (c["protein_au"].sum() + s["protein_au"][live].sum()
             + led.get("protein_au:migrasome->medium") + recv("received_protein_au"))
    assert where == pytest.approx(total, rel=1e-12)
    assert led.get("protein_au:cell->migrasome") > 0
    # vesicles: ruptured migrasomes release theirs as MDNPs
    total = r["v0"] + led.get("n_vesicles:synthesis->cell")
    where = (c["n_vesicles"].sum() + s["n_vesicles"][live].sum() + r["mdnp"]
             + led.get("n_vesicles:migrasome->medium") + recv("received_vesicles"))
    assert where == total
    assert r["mdnp"] == led.get("n_vesicles:migrasome->mdnp") > 0
    # mRNA: pending or translated in recipients
    total = r["m0"] + led.get("mrna_copies:synthesis->cell")
    where = (c["mrna_copies"].sum() + s["mrna_copies"][live].sum()
             + led.get("mrna_copies:migrasome->medium") + recv("mrna_pending")
             + recv("mrna_translated"))
    assert where == total
    # signal: everything loaded is in migrasomes, in the field, decayed, or in a taker
    f = r["f"]
    loaded = led.get("cxcl12:cell->migrasome")
    where = (s["signal_cxcl12_au"][live].sum() + f.total()[0] + f.decayed[0]
             + recv("received_signal_au"))
    assert where == pytest.approx(loaded, rel=1e-9)
    assert f.deposited[0] == pytest.approx(led.get("cxcl12:migrasome->field"), rel=1e-12)


def test_uptake_needs_a_cell_nearby_and_translation_is_delayed():
    rng = np.random.default_rng(5)
    p = CargoParams(rupture_per_min=0.0, uptake_per_min=0.05, uptake_distance_um=5.0)
    cells = _cells(1, rng, p)
    cells["x_um"] = np.array([100.0])
    cells["y_um"] = np.array([100.0])
    sites, _ = _sites(1, 400, rng)
    sites["x_um"] = np.where(np.arange(400) < 200, 112.0, 300.0)  # within reach / far away
    sites["y_um"] = np.full(400, 100.0)
    sites["diameter_um"] = np.full(400, 1.7)
    led = cg.Ledger()
    cg.fill_attached(sites, cells, p, SPECIES, _density(cells), rng, led)
    sites["attached"] = np.zeros(400, bool)
    tk = [("cell", cells)]
    pending, prot_t = [], []
    for step in range(600):
        fate = cg.choose_fates(sites, tk, p, float(step), 1.0, rng)
        cg.settle(sites, fate > 0, fate, tk, SPECIES, led, float(step))
        cg.translate(cells, p, 1.0, rng, led)
        pending.append(cells["mrna_pending"][0])
        prot_t.append(cells["mrna_translated"][0])
    up = sites["fate"] == Fate.UPTAKE
    assert up[:200].mean() > 0.99 and not up[200:].any()
    assert cells["received_protein_au"][0] == pytest.approx(sites["protein_au"][:200].sum())
    # mRNA translated with a mean delay of 4 h: after ~6 h most, not all, is protein
    total = cells["mrna_pending"][0] + cells["mrna_translated"][0]
    assert total == sites["mrna_copies"][:200].sum() > 0
    frac_6h = prot_t[360] / (prot_t[360] + pending[360])
    assert 0.6 < frac_6h < 0.95
    assert cells["translated_protein_au"][0] == pytest.approx(
        cells["mrna_translated"][0] * p.protein_au_per_mrna)


def test_cell_pools_are_never_overdrawn():
    rng = np.random.default_rng(7)
    p = CargoParams(cell_vesicle_pool=50, cell_mrna_copies=20, protein_synthesis_per_min=0.0)
    cells = _cells(3, rng, p)
    sites, _ = _sites(3, 30, rng, d_final=3.0)
    sites["diameter_um"] = np.full(len(sites), 3.0)
    led = cg.Ledger()
    cg.fill_attached(sites, cells, p, SPECIES, _density(cells), rng, led)
    assert (cells["n_vesicles"] >= 0).all() and (cells["mrna_copies"] >= 0).all()
    assert sites["n_vesicles"].sum() + cells["n_vesicles"].sum() == 150
    assert (cells["protein_au"] >= 0).all()

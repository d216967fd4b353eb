"""Zebrafish gastrulation (Jiang 2019): mutants make fewer migrasomes at unchanged speed,
deposit less Cxcl12, and their DFCs cluster less; injected WT migrasomes restore clustering
in part. Defect rates follow from clustering through Kupffer's vesicle."""

import multiprocessing as mp
import os
from concurrent.futures import ProcessPoolExecutor

import pytest

from migrasome.readouts import summarize
from migrasome.sim.engine import Simulation
from migrasome.sim.fibers import tetraspanin_level
from migrasome.sim.functions import summarize_functions
from migrasome.simulation import merge_replicates, resolve_scenario

#: Embryos per condition. With 12, the standard error of a mean defect probability is
#: ≈0.07 (per-embryo spread ≈0.25), well inside the tolerances below.
N_EMBRYOS = 12
CONDITIONS = {"wt": [], "mutant": ["tspan4a-mutant"],
              "injected": ["tspan4a-mutant", "migrasome-injection"]}


def _run(args):
    perts, seed = args
    sc = resolve_scenario("zebrafish-gastrula", perturbations=perts, seed=seed)
    return Simulation(sc).run()


@pytest.fixture(scope="module")
def conditions():
    jobs = [(p, s) for p in CONDITIONS.values() for s in range(N_EMBRYOS)]
    workers = min(2, os.cpu_count() or 1)
    if workers > 1 and "fork" in mp.get_all_start_methods():
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("fork")) as ex:
            runs = list(ex.map(_run, jobs))
    else:
        runs = [_run(j) for j in jobs]
    return {k: merge_replicates(runs[i * N_EMBRYOS:(i + 1) * N_EMBRYOS])
            for i, k in enumerate(CONDITIONS)}


def _p(conditions, key, col="p_organ_defect"):
    return float(conditions[key].embryos[col].mean())


def test_mutants_make_3_to_4_times_fewer_migrasomes_at_unchanged_speed(conditions):
    wt, mu = conditions["wt"].embryos, conditions["mutant"].embryos
    ratio = wt["n_migrasomes_formed"].mean() / mu["n_migrasomes_formed"].mean()
    assert 2.7 < ratio < 4.5  # Jiang 2019: 3–4× fewer
    v_wt = summarize(conditions["wt"])["mean_speed_um_per_min"]
    v_mu = summarize(conditions["mutant"])["mean_speed_um_per_min"]
    assert v_wt == pytest.approx(1.1, rel=0.15)  # Jiang 2019: gastrula cells ≈1.1 µm/min
    assert v_mu == pytest.approx(v_wt, rel=0.10)  # cell speed unchanged
    assert mu["cxcl12_loaded_au"].mean() < 0.5 * wt["cxcl12_loaded_au"].mean()
    # in vivo mean diameter ≈1.7 µm (Jiang 2019)
    d = conditions["wt"].migrasomes["max_diameter_um"]
    assert d.mean() == pytest.approx(1.7, rel=0.2)


def test_tspan7_mutant_lowers_tetraspanins_like_tspan4a():
    t4 = resolve_scenario("zebrafish-gastrula", perturbations=["tspan4a-mutant"])
    t7 = resolve_scenario("zebrafish-gastrula", perturbations=["tspan7-mutant"])
    assert tetraspanin_level(t7) == pytest.approx(tetraspanin_level(t4))
    assert tetraspanin_level(t7) < 0.7


def test_dfc_clustering_follows_migrasomes(conditions):
    q = {k: v.embryos["dfc_clustered_fraction"].mean() for k, v in conditions.items()}
    assert q["wt"] > q["injected"] + 0.1
    assert q["injected"] > q["mutant"] + 0.05
    assert (conditions["injected"].embryos["n_injected"] > 0).all()


def test_embryo_table_and_summary(conditions):
    r = conditions["wt"]
    assert len(r.embryos) == N_EMBRYOS and set(r.embryos["replicate"]) == set(range(N_EMBRYOS))
    s = summarize_functions(r)
    assert s["n_embryos"] == N_EMBRYOS
    assert s["organ_defect_ci95_low"] <= s["organ_defect_rate"] <= s["organ_defect_ci95_high"]
    assert {"field_frames", "recipient_frames", "cargo", "field_balance"} <= set(r.tables)


def test_defect_rates_match_jiang_2019(conditions):
    """Jiang 2019: ≈65 % organ defects in mutants (≈30 % laterality), ≈25 % after WT
    migrasome injection, low in wild type. Tolerances: mutants 45–85 %, injected 10–40 %,
    wild type ≤ 15 % (mean model probability over the embryos)."""
    p = {k: _p(conditions, k) for k in conditions}
    assert p["wt"] <= 0.15
    assert 0.45 <= p["mutant"] <= 0.85
    assert 0.10 <= p["injected"] <= 0.40
    lat = _p(conditions, "mutant", "p_laterality_defect")
    assert 0.15 <= lat <= 0.45
    # realised outcomes (Bernoulli draws) go the same way as the probabilities
    n_def = {k: int(v.embryos["organ_defect"].sum()) for k, v in conditions.items()}
    assert n_def["mutant"] > n_def["wt"]

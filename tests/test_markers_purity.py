"""Purity: simulated populations give expected profiles; the estimator recovers mixtures."""

import numpy as np
import pandas as pd
import pytest

from migrasome.markers import (
    ProteinTable,
    estimate_purity,
    expected_profile,
    purity_table,
    reference_profiles,
    score_markers,
    synthetic_table,
)
from migrasome.results import Results
from migrasome.simulation import simulate

#: stated error of the purity estimate on noisy synthetic tables (absolute, protein fraction)
PURITY_MAE = 0.08


@pytest.fixture(scope="module")
def sim():
    return simulate("monocyte-angiogenesis", hours=3, cells=6, seed=1)


@pytest.fixture(scope="module")
def profiles(sim):
    return reference_profiles(sim)


def test_profiles_follow_the_population(sim, profiles):
    p = profiles
    assert (p["cell_body"] == 1).all()
    for g in ("NDST1", "EOGT", "PIGK", "CPQ"):
        assert p.loc[g, "migrasome"] > 5 and p.loc[g, "exosome"] < 0.1
    assert (p.loc[["CD63", "CD9", "CD81", "LAMP1"], "exosome"] >
            10 * p.loc[["CD63", "CD9", "CD81", "LAMP1"], "migrasome"]).all()
    assert p.attrs["population"]["n"] == int(np.isfinite(sim.migrasomes.max_diameter_um).sum())
    # bigger migrasomes have less membrane per protein: membrane markers fall
    # inner vesicles (cargo) carry exosome-type membrane: removing them lowers CD63
    tables = dict(sim.tables)
    tables.pop("cargo")
    nocargo = Results(tables=tables, metadata=sim.metadata)
    p0 = reference_profiles(nocargo)
    assert p0.loc["CD63", "migrasome"] < p.loc["CD63", "migrasome"]
    # bigger migrasomes have less membrane per protein: membrane markers fall
    tables["migrasomes"] = sim.migrasomes.assign(
        max_diameter_um=sim.migrasomes.max_diameter_um * 2)
    big = reference_profiles(Results(tables=tables, metadata=sim.metadata))
    assert big.loc["ITGA5", "migrasome"] < p0.loc["ITGA5", "migrasome"]
    assert big.loc["_cytosol", "migrasome"] > p0.loc["_cytosol", "migrasome"]


def test_expected_profile_mixes_linearly(profiles):
    e = expected_profile(profiles, debris_fraction=0.2, exosome_fraction=0.1)
    want = 0.7 * profiles["migrasome"] + 0.1 * profiles["exosome"] + 0.2
    pd.testing.assert_series_equal(e, want, check_names=False)
    with pytest.raises(ValueError, match="≤ 1"):
        expected_profile(profiles, debris_fraction=0.7, exosome_fraction=0.5)
    with pytest.raises(ValueError, match="debris_fraction"):
        expected_profile(profiles, debris_fraction=-0.1)


@pytest.mark.parametrize("deb,exo", [(0.0, 0.0), (0.3, 0.0), (0.1, 0.3), (0.6, 0.2)])
def test_exact_profiles_recovered(profiles, deb, exo):
    y = np.log2(expected_profile(profiles, debris_fraction=deb, exosome_fraction=exo)) + 1.7
    est = estimate_purity(y, profiles, n_boot=10)
    assert est["purity"] == pytest.approx(1 - deb - exo, abs=0.01)
    assert est["cell_body_fraction"] == pytest.approx(deb, abs=0.01)


def test_noisy_mixtures_within_stated_error(profiles):
    rng = np.random.default_rng(2024)
    errs, within = [], []
    for rep in range(3):
        truth = {f"S{k}": tuple(rng.dirichlet([1.0, 1.0, 1.0])) for k in range(6)}
        df = synthetic_table({"WCL": (0, 0, 1), **truth}, profiles, rng=rng)
        res = score_markers(ProteinTable(df.drop(columns="gene"), df["gene"], None, "plain"),
                            reference="WCL", n_boot=0)
        pur = purity_table(res, profiles, n_boot=40, seed=rep).set_index("sample")
        for s, f in truth.items():
            err = pur.loc[s, "purity"] - f[0]
            errs.append(abs(err))
            within.append(abs(err) <= 3 * pur.loc[s, "purity_se"] + 0.02)
    assert np.mean(errs) < PURITY_MAE
    assert np.mean(within) >= 0.8


def test_purity_needs_a_reference(profiles):
    df = synthetic_table({"A": (1, 0, 0), "B": (0, 0, 1)}, profiles,
                         rng=np.random.default_rng(0), n_background=50)
    res = score_markers(ProteinTable(df.drop(columns="gene"), df["gene"], None, "plain"),
                        n_boot=0)
    with pytest.raises(ValueError, match="lysate reference"):
        purity_table(res, profiles)
    few = estimate_purity(pd.Series({"NDST1": 3.0}), profiles)
    assert np.isnan(few["purity"]) and few["n_markers"] == 1

"""Calls on synthetic tables built from the published marker lists: noise, MNAR, mixtures."""

import numpy as np
import pandas as pd
import pytest

from migrasome.markers import ProteinTable, reference_profiles, score_markers, synthetic_table
from migrasome.simulation import simulate

# (migrasome, exosome, cell_body) protein-mass fractions → the call they must get
CASES = {
    "mig_pure": ((0.9, 0.05, 0.05), "migrasome"),
    "mig_debris": ((0.7, 0.0, 0.3), "migrasome"),
    "mig_exo": ((0.75, 0.25, 0.0), "migrasome"),
    "exo_pure": ((0.05, 0.9, 0.05), "exosome"),
    "exo_debris": ((0.0, 0.7, 0.3), "exosome"),
    "debris": ((0.05, 0.0, 0.95), "cell-body"),
    "debris_exo": ((0.0, 0.05, 0.95), "cell-body"),
}


@pytest.fixture(scope="module")
def profiles():
    return reference_profiles(simulate("monocyte-angiogenesis", hours=3, cells=6, seed=1))


def _table(df):
    return ProteinTable(df.drop(columns="gene"), df["gene"], None, "plain")


def _mix(profiles, seed, with_lysate=True, **kw):
    mixtures = {"WCL": (0.0, 0.0, 1.0)} if with_lysate else {}
    mixtures.update({k: v[0] for k, v in CASES.items()})
    return synthetic_table(mixtures, profiles, rng=np.random.default_rng(seed), **kw)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_calls_against_a_lysate(profiles, seed):
    res = score_markers(_table(_mix(profiles, seed)), reference="WCL", n_boot=100)
    calls = res.calls.set_index("sample")
    assert calls.loc["WCL", "call"] == "reference"
    for name, (_, want) in CASES.items():
        assert calls.loc[name, "call"] == want, (name, calls.loc[name].to_dict())
        assert 0 <= calls.loc[name, "confidence"] <= 1
    assert calls.loc["mig_pure", "confidence"] > 0.9
    assert calls.loc["mig_pure", "p_migrasome"] < 1e-3
    top = calls.loc["mig_pure", "drivers"].split(", ")[0].split()[0]
    assert top in {"NDST1", "EOGT", "PIGK", "CPQ", "TSPAN4", "TSPAN7", "ITGA5", "ITGB1"}


def test_calls_against_the_other_samples(profiles):
    res = score_markers(_table(_mix(profiles, 21)), n_boot=50)
    calls = res.calls.set_index("sample")["call"]
    assert calls["WCL"] == "cell-body"
    assert calls["mig_pure"] == "migrasome" and calls["exo_pure"] == "exosome"


def test_missing_values_stay_missing(profiles):
    df = _mix(profiles, 5, detection_midpoint_quantile=0.35)
    t = _table(df)
    res = score_markers(t, reference="WCL", n_boot=0)
    sc = res.scores.set_index(["sample", "set"])
    # cell-body markers are depleted in a pure migrasome fraction, so mostly not quantified
    row = sc.loc[("mig_pure", "cell_body")]
    assert row["n_observed"] < row["n_present"]
    # the score equals the mean over observed markers only (no zero-filling)
    lr = res.log2_ratio["mig_pure"]
    mig = [g for g in res.log2_ratio.index if res.markers.set_index("symbol").loc[g, "set"]
           == "migrasome"]
    obs = lr[mig].dropna()
    assert sc.loc[("mig_pure", "migrasome"), "n_observed"] == len(obs)
    bg = res.background_log2["mig_pure"]
    assert sc.loc[("mig_pure", "migrasome"), "score_log2"] == pytest.approx(obs.mean() - bg)
    # a higher minimum leaves sets unscored instead of guessing
    strict = score_markers(t, reference="WCL", n_boot=0, min_markers=50)
    assert strict.scores["score_log2"].isna().all()
    assert set(strict.calls["call"]) <= {"unclear", "reference"}


def test_same_seed_same_result_and_counts(profiles):
    t = _table(_mix(profiles, 3))
    a = score_markers(t, reference="WCL", seed=4)
    b = score_markers(t, reference="WCL", seed=4)
    pd.testing.assert_frame_equal(a.calls, b.calls)
    ident = a.identifiers
    assert ident["rows"] == len(t.intensity)
    assert ident["marker_rows"] + ident["other"] + ident["unknown"] == ident["rows"]
    genes = t.genes.copy()
    genes.iloc[[3, 7]] = ["", "%%bad"]
    res = score_markers(ProteinTable(t.intensity, genes, None, "plain"), reference="WCL",
                        n_boot=0)
    assert res.identifiers["unknown"] == 2
    assert res.identifiers["unknown_examples"] == ["row 4: ''", "row 8: '%%bad'"]


def test_refusals(profiles):
    x = pd.DataFrame({"A": [1e6, 2e6, 3e6], "B": [1e6, 1e6, 1e6]})
    t = ProteinTable(x, pd.Series(["ACTB", "GAPDH", "###"]), None, "plain")
    with pytest.raises(ValueError, match="no marker found.*1 unreadable"):
        score_markers(t)
    t2 = _table(_mix(profiles, 1))
    with pytest.raises(ValueError, match="not in the table"):
        score_markers(t2, reference="lysate")
    one = ProteinTable(t2.intensity[["WCL"]], t2.genes, None, "plain")
    with pytest.raises(ValueError, match="one sample"):
        score_markers(one)


def test_mouse_and_zebrafish_symbols_give_the_same_calls(profiles):
    df = _mix(profiles, 31)
    t = _table(df)
    human = score_markers(t, reference="WCL", n_boot=0).calls
    mouse = df["gene"].str.capitalize()
    zf = df["gene"].replace({"TSPAN4": "tspan4a", "ITGB1": "itgb1b", "NDST1": "ndst1a",
                             "CD9": "cd9b", "CD81": "cd81a", "LAMP1": "lamp1a"}).str.lower()
    for genes, sp in ((mouse, "mouse"), (zf, "zebrafish")):
        other = score_markers(ProteinTable(t.intensity, genes, None, "plain"), reference="WCL",
                              species=sp, n_boot=0)
        pd.testing.assert_series_equal(other.calls["call"], human["call"])
        assert other.identifiers["marker_rows"] == score_markers(
            t, reference="WCL", n_boot=0).identifiers["marker_rows"]


def test_a_user_set_is_scored_not_called(profiles, tmp_path):
    from migrasome.markers import load_marker_sets

    p = tmp_path / "extra.tsv"
    pd.DataFrame({"set": ["nucleation", "nucleation"], "symbol": ["BG0001", "BG0002"],
                  "source": ["test", "test"]}).to_csv(p, sep="\t", index=False)
    t = _table(_mix(profiles, 32))
    res = score_markers(t, markers=load_marker_sets(p), reference="WCL", n_boot=0)
    assert "nucleation" in set(res.scores["set"])
    base = score_markers(t, reference="WCL", n_boot=0)
    pd.testing.assert_series_equal(res.calls["call"], base.calls["call"])

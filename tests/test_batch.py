"""Batch analysis: 3 conditions × 3 rendered movies → one table, per-condition statistics."""

import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("skimage")
pytest.importorskip("skan")
pytest.importorskip("tifffile")

from migrasome.batch import analyze_files, condition_of, load_batch, per_cell_counts
from migrasome.batch_stats import adjust_pvalues, condition_stats

CONDITIONS = {"TSPAN4-OE": ["TSPAN4-OE"], "WT": [], "ITGA5-KD": ["ITGA5-KD"]}


@pytest.fixture(scope="module")
def experiment(tmp_path_factory):
    """A folder per condition, three rendered movies in each (160 µm field, 3 h, 5 cells)."""
    from migrasome.imaging import render_movie, write_movie
    from migrasome.scenario import load_preset
    from migrasome.simulation import simulate

    root = tmp_path_factory.mktemp("experiment")
    sc = load_preset("nrk-fibronectin").with_changes(
        **{"run.width_um": 160.0, "run.height_um": 160.0})
    paths, truth = [], {}
    for cond, pert in CONDITIONS.items():
        for seed in (1, 2, 3):
            res = simulate(sc, perturbations=pert, seed=seed, hours=3, cells=5)
            truth.setdefault(cond, []).append(res.summary()["migrasomes_per_cell"])
            mov = render_movie(res, pixel_size_um=0.25, frame_interval_min=30, snr=10,
                               seed=seed)
            paths.append(write_movie(mov, root / cond / f"{cond}_{seed}.ome.tif"))
    return root, paths, truth


@pytest.fixture(scope="module")
def batch(experiment, tmp_path_factory):
    _, paths, _ = experiment
    out = tmp_path_factory.mktemp("results") / "batch"
    return out, analyze_files(paths, out, control="WT")


def test_conditions_from_folders_patterns_and_stems(tmp_path):
    a, b = tmp_path / "WT" / "x_1.tif", tmp_path / "KD" / "x_1.tif"
    assert condition_of([a, b]) == ["WT", "KD"]
    assert condition_of([tmp_path / "WT_01.nd2", tmp_path / "ITGA5-KD_2.nd2"]) == \
        ["WT", "ITGA5-KD"]
    assert condition_of([a], pattern=r"(?P<condition>x)_") == ["x"]
    with pytest.raises(ValueError, match="does not match"):
        condition_of([a], pattern="zzz")
    with pytest.raises(ValueError, match="no condition"):
        condition_of([a], mapping={"other.tif": "WT"})


def test_batch_reproduces_condition_ordering(experiment, batch):
    _, paths, truth = experiment
    out, res = batch
    # the simulated ordering (truth) is what the analysis must recover
    t = {c: np.mean(v) for c, v in truth.items()}
    assert t["TSPAN4-OE"] > t["WT"] > t["ITGA5-KD"]
    pc = res.tables["per_cell"]
    assert set(pc["file"]) == {p.name for p in paths}
    mean = pc.groupby("condition")["n_migrasomes"].mean()
    assert mean["TSPAN4-OE"] > mean["WT"] > mean["ITGA5-KD"]
    st = res.tables["stats"].set_index("condition_a")
    assert set(st["condition_b"]) == {"WT"}
    assert st.loc["TSPAN4-OE", "ratio_of_means"] > 1.5
    assert st.loc["TSPAN4-OE", "significant"]
    assert st.loc["ITGA5-KD", "ratio_of_means"] < 1
    # the written folder is a results folder with the same tables, CSV beside Parquet
    back = load_batch(out)
    pd.testing.assert_frame_equal(back.tables["per_cell"], pc)
    for name in ("migrasomes", "cells", "per_cell", "stats"):
        assert (out / f"{name}.csv").is_file()
    files = pd.read_csv(out / "files.csv")
    assert len(files) == 9 and (out / files["folder"].iloc[0] / "summary.json").is_file()
    assert "file" in back.migrasomes.columns and "condition" in back.migrasomes.columns
    assert json.loads((out / "stats.json").read_text())[0]["condition_b"] == "WT"


def test_report_of_a_batch_folder(batch):
    from typer.testing import CliRunner

    from migrasome.cli import app

    out, _ = batch
    r = CliRunner().invoke(app, ["report", str(out)])
    assert r.exit_code == 0, r.output
    page = (out / "report.html").read_text()
    assert "Mann-Whitney" in page and "TSPAN4-OE" in page
    assert (out / "figures" / "per_condition.png").stat().st_size > 10_000


def test_per_cell_counts_include_cells_without_migrasomes():
    from migrasome.results import Results

    cells = pd.DataFrame({"cell_id": [0, 1, 2], "cell_type": "x", "radius_um": 10.0})
    mig = pd.DataFrame({"migrasome_id": [0, 1, 2, 3], "cell_id": [0, 0, 2, -1],
                        "fiber_id": 0, "x_um": 0.0, "y_um": 0.0, "site_type": "tip",
                        "t_nucleation_min": 0.0, "t_growth_onset_min": 0.0,
                        "t_full_size_min": 0.0, "t_release_min": np.nan,
                        "t_breakdown_min": np.nan, "max_diameter_um": [1.0, 1.2, 0.3, 1.0]})
    pc = per_cell_counts(Results(tables={"cells": cells, "migrasomes": mig}))
    assert pc["n_migrasomes"].tolist() == [2, 0, 0]


def test_mann_whitney_and_corrections():
    rng = np.random.default_rng(0)
    pc = pd.DataFrame({"condition": ["a"] * 40 + ["b"] * 40 + ["c"] * 40,
                       "n_migrasomes": np.concatenate([rng.poisson(6, 40), rng.poisson(2, 40),
                                                       rng.poisson(2, 40)])})
    st = condition_stats(pc).set_index(["condition_a", "condition_b"])
    assert st.loc[("a", "b"), "p_adjusted"] < 1e-6
    assert not st.loc[("b", "c"), "significant"]
    assert (st["p_adjusted"] >= st["p_value"]).all()
    p = np.array([0.01, 0.04, 0.03, 0.5])
    np.testing.assert_allclose(adjust_pvalues(p, method="holm"), [0.04, 0.09, 0.09, 0.5])
    np.testing.assert_allclose(adjust_pvalues(p, method="bh"),
                               [0.04, 0.05333333, 0.05333333, 0.5])
    with pytest.raises(ValueError, match="control"):
        condition_stats(pc, control="zz")


def test_mixed_model_against_the_control():
    pytest.importorskip("statsmodels")
    from migrasome.batch_stats import mixed_model

    rng = np.random.default_rng(1)
    rows = [(c, f"{c}{f}", rng.poisson(max(mu + off, 0.1)))
            for c, mu in (("KD", 2.0), ("WT", 5.0))
            for f, off in enumerate(rng.normal(0, 0.5, 4)) for _ in range(20)]
    mm = mixed_model(pd.DataFrame(rows, columns=["condition", "file", "n_migrasomes"]),
                     control="WT")
    assert mm["reference"] == "WT"
    assert -4 < mm["coefficients"]["KD"] < -2 and mm["p_values"]["KD"] < 1e-3


def test_cli_batch_from_a_quoted_glob(experiment, tmp_path):
    from typer.testing import CliRunner

    from migrasome.cli import app

    root, _, _ = experiment
    out = tmp_path / "res"
    r = CliRunner().invoke(app, ["analyze", str(root / "*" / "*_1.ome.tif"), "--out",
                                 str(out), "--control", "WT", "--quiet"])
    assert r.exit_code == 0, r.output
    res = load_batch(out)
    assert sorted(res.tables["per_cell"]["condition"].unique()) == sorted(CONDITIONS)
    assert len(pd.read_csv(out / "files.csv")) == 3
    r = CliRunner().invoke(app, ["analyze", str(root / "nothing*.tif"), "--out", str(out)])
    assert r.exit_code == 2 and "no file matches" in r.output


def test_corrections_in_one_movie_refresh_the_batch(batch, tmp_path):
    import shutil

    from migrasome.batch import batch_of, refresh_batch
    from migrasome.napari import write_curated
    from migrasome.napari.layers import points_to_tables, results_layers
    from migrasome.results import load_results

    src, res = batch
    out = tmp_path / "batch"
    shutil.copytree(src, out)
    row = pd.read_csv(out / "files.csv").iloc[-1]
    movie = out / row["folder"]
    assert batch_of(movie) == out.resolve()
    one = load_results(movie)
    _, kw, _ = next(t for t in results_layers(one) if t[1]["name"] == "migrasomes")
    pc = res.tables["per_cell"]
    mine = pc[pc["file"] == row["file"]]
    busiest = int(mine.sort_values("n_migrasomes").iloc[-1]["cell_id"])
    assert mine["n_migrasomes"].max() > 0
    ids = set(one.migrasomes.loc[one.migrasomes["cell_id"] == busiest, "migrasome_id"])
    keep = ~kw["features"]["migrasome_id"].isin(ids).to_numpy()
    data = one.migrasome_frames[["frame", "y_um", "x_um"]].to_numpy(float)[keep]
    write_curated(points_to_tables(one, data, kw["features"][keep]), movie)
    new = refresh_batch(out)
    after = new.tables["per_cell"].set_index(["file", "cell_id"])
    assert after.loc[(row["file"], busiest), "n_migrasomes"] == 0
    assert new.metadata["curated"] is True
    assert load_batch(out).tables["per_cell"]["n_migrasomes"].sum() < pc["n_migrasomes"].sum()

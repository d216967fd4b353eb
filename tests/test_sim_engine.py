import numpy as np
import pandas as pd
import pytest

from migrasome import load_results
from migrasome.results import SCHEMA
from migrasome.simulation import simulate


def _same(a, b):
    assert set(a.tables) == set(b.tables)
    for k in a.tables:
        pd.testing.assert_frame_equal(a.tables[k], b.tables[k], check_exact=True, obj=k)


def test_same_seed_gives_identical_tables(small_run):
    _same(small_run, simulate("nrk-fibronectin", cells=12, hours=3, seed=3))


def test_different_seeds_differ(small_run):
    other = simulate("nrk-fibronectin", cells=12, hours=3, seed=4)
    assert not small_run.tracks[["x_um", "y_um"]].equals(other.tracks[["x_um", "y_um"]])


def test_tables_follow_the_schema(small_run):
    for name, cols in SCHEMA.items():
        df = small_run.tables[name]
        for c, d in cols.items():
            assert str(df[c].dtype) == d, (name, c)


def test_every_migrasome_belongs_to_a_fibre_and_cell_that_exist(day_run):
    m, f = day_run.migrasomes, day_run.fibers
    assert m["fiber_id"].isin(f["fiber_id"]).all()
    fc = f.set_index("fiber_id")["cell_id"]
    assert (m["fiber_id"].map(fc).to_numpy() == m["cell_id"].to_numpy()).all()
    assert m["cell_id"].between(0, len(day_run.cells) - 1).all()
    # released exactly when (and only if) the fibre broke
    tb = m["fiber_id"].map(f.set_index("fiber_id")["t_break_min"])
    rel = m["t_release_min"].notna()
    assert (m.loc[rel, "t_release_min"].to_numpy() >= tb[rel].to_numpy() - 1e-9).all()


def test_released_migrasomes_stay_where_they_were_left(day_run):
    mf = day_run.migrasome_frames
    rel = mf[~mf["attached"]]
    spread = rel.groupby("migrasome_id")[["x_um", "y_um"]].agg(np.ptp)
    assert spread.to_numpy().max() == 0.0


def test_attached_migrasomes_are_on_attached_fibres(day_run):
    mf = day_run.migrasome_frames
    ff = day_run.fiber_frames
    m = day_run.migrasomes.set_index("migrasome_id")["fiber_id"]
    att = mf[mf["attached"]].copy()
    att["fiber_id"] = att["migrasome_id"].map(m)
    on = att.merge(ff[["fiber_id", "frame"]], on=["fiber_id", "frame"], how="left",
                   indicator=True)
    assert (on["_merge"] == "both").all()


def test_count_bookkeeping_is_consistent(day_run):
    from migrasome.readouts import counts_over_time

    c = counts_over_time(day_run)
    assert (c[["n_attached", "n_released", "n_fibers"]] >= 0).all().all()
    assert (c["n_attached"] + c["n_released"] == c["n_migrasomes"]).all()
    s = day_run.summary()
    assert 0 <= s["released_fraction"] <= 1


def test_save_and_load_round_trip_exactly(small_run, tmp_path):
    path = small_run.save(tmp_path / "run")
    back = load_results(path)
    _same(small_run, back)
    assert back.metadata["seed"] == 3
    with pytest.raises(FileExistsError):
        small_run.save(path)
    small_run.save(path, overwrite=True)
    (path / "tracks.parquet").unlink()
    with pytest.raises(FileNotFoundError, match="tracks.parquet"):
        load_results(path)
    with pytest.raises(FileNotFoundError, match="not a results folder"):
        load_results(tmp_path)


def test_replicates_are_independent_and_ids_unique():
    r = simulate("nrk-fibronectin", cells=5, hours=2, seed=1, replicates=3)
    assert sorted(r.tracks["replicate"].unique()) == [0, 1, 2]
    assert r.cells["cell_id"].is_unique and r.fibers["fiber_id"].is_unique
    par = r.fibers[r.fibers["parent_fiber_id"] >= 0]
    same_rep = par.merge(r.fibers[["fiber_id", "replicate"]], left_on="parent_fiber_id",
                         right_on="fiber_id", suffixes=("", "_p"))
    assert (same_rep["replicate"] == same_rep["replicate_p"]).all()
    one = simulate("nrk-fibronectin", cells=5, hours=2, seed=2)
    second = r.tracks[r.tracks["replicate"] == 1].drop(columns="replicate")
    np.testing.assert_array_equal(second[["x_um", "y_um"]].to_numpy(),
                                  one.tracks[["x_um", "y_um"]].to_numpy())


def test_progress_is_reported_to_completion():
    seen = []
    simulate("nrk-fibronectin", cells=3, hours=1, progress=lambda k, n: seen.append((k, n)))
    assert seen[-1][0] == seen[-1][1] == 120
    assert [k for k, _ in seen] == sorted(k for k, _ in seen)


def test_no_python_loop_over_entities_in_a_step():
    # the cost of a step grows far slower than the number of cells (vectorised core)
    import time

    from migrasome.sim.engine import Simulation
    from migrasome.simulation import resolve_scenario

    def per_step(n):
        side = float(np.sqrt(n) * 150)
        sc = resolve_scenario("nrk-fibronectin", cells=n).with_changes(
            **{"run.width_um": side, "run.height_um": side})
        sim = Simulation(sc)
        for _ in range(60):
            sim.step()
        t = time.perf_counter()
        for _ in range(20):
            sim.step()
        return (time.perf_counter() - t) / 20

    small, big = per_step(20), per_step(2000)
    assert big < 20 * small  # 100× the cells, far less than 100× the time


def test_merged_replicates_keep_ids_meaningful_across_tables():
    from migrasome.simulation import simulate as run

    res = run("nrk-fibronectin", cells=8, hours=3, seed=4, replicates=3)
    m, s = res.migrasomes, res.sites
    assert len(m) > 10 and set(m["replicate"]) == {0, 1, 2}
    assert m["migrasome_id"].is_unique and s["site_id"].is_unique
    # a migrasome id still names the site it grew at, in the same replicate
    j = m.merge(s, left_on="migrasome_id", right_on="site_id", suffixes=("", "_site"))
    assert len(j) == len(m)
    assert (j["replicate"] == j["replicate_site"]).all()
    assert np.array_equal(j["x_um"], j["x_um_site"])
    # a parent fibre id names a fibre of the same replicate
    f = res.fibers
    kids = f[f["parent_fiber_id"] >= 0]
    par = kids.merge(f, left_on="parent_fiber_id", right_on="fiber_id", suffixes=("", "_p"))
    assert len(par) == len(kids) and (par["replicate"] == par["replicate_p"]).all()

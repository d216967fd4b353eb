import numpy as np
import pytest

from migrasome.sim.state import Pool


def make_pool():
    p = Pool("fiber_id", {"x": float, "flag": bool, "cell_id": np.int64})
    p.append(4, x=[1.0, 2.0, 3.0, 4.0], cell_id=[0, 0, 1, 1])
    return p


def test_append_fills_defaults_and_ids_increase():
    p = make_pool()
    ids = p.append(2)
    assert list(ids) == [4, 5]
    assert np.isnan(p["x"][-1]) and not p["flag"][-1]
    p2 = Pool("site_id", {"fiber_id": np.int64, "n": np.int64})
    p2.append(1)
    assert p2["fiber_id"][0] == -1 and p2["n"][0] == 0


def test_retire_keeps_every_row_once_and_index_of_finds_active():
    p = make_pool()
    p.retire(np.array([False, True, False, True]))
    assert list(p.ids) == [0, 2]
    assert list(p.index_of(np.array([0, 1, 2, 3, 9]))) == [0, -1, 1, -1, -1]
    df = p.to_frame()
    assert list(df["fiber_id"]) == [0, 1, 2, 3]
    assert list(df["x"]) == [1.0, 2.0, 3.0, 4.0]


def test_added_column_keeps_its_fill_for_new_and_archived_rows():
    p = make_pool()
    p.retire(np.array([True, False, False, False]))
    p.add_column("cargo", float, 0.0)
    p.append(1, x=9.0)
    assert p["cargo"].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert p.to_frame()["cargo"].tolist() == [0.0] * 5


def test_shape_and_name_errors():
    p = make_pool()
    with pytest.raises(ValueError, match="shape"):
        p["x"] = np.zeros(3)
    with pytest.raises(KeyError, match="unknown columns"):
        p.append(1, nope=1)


def test_many_appends_and_retires_match_a_plain_model():
    """Growth, compaction and shrinking keep creation order, ids and the id → row map."""
    rng = np.random.default_rng(1)
    p = Pool("site_id", {"v": float, "cell_id": np.int64, "flag": bool})
    alive: list[tuple[int, float]] = []  # (id, v) of active rows, in creation order
    done: dict[int, float] = {}
    for step in range(300):
        k = int(rng.integers(0, 60 if step < 150 else 5))
        vals = rng.random(k)
        ids = p.append(k, v=vals, cell_id=7)
        alive += list(zip(ids.tolist(), vals.tolist()))
        mask = rng.random(len(p)) < (0.05 if step < 150 else 0.3)
        for (i, v), m in zip(alive, mask):
            if m:
                done[i] = v
        alive = [a for a, m in zip(alive, mask) if not m]
        p.retire(mask)
        assert p.ids.tolist() == [i for i, _ in alive]
        assert p["v"].tolist() == [v for _, v in alive]
    probe = np.arange(-1, p.next_id + 3)
    want = {i: r for r, (i, _) in enumerate(alive)}
    assert p.index_of(probe).tolist() == [want.get(int(i), -1) for i in probe]
    df = p.to_frame()
    assert df["site_id"].tolist() == list(range(p.next_id))
    every = {**done, **dict(alive)}
    assert np.array_equal(df["v"].to_numpy(), [every[i] for i in range(p.next_id)])
    assert (df["cell_id"] == 7).all() and not df["flag"].any()


def test_buffers_grow_by_doubling_and_shrink_when_mostly_empty():
    p = Pool("fiber_id", {"x": float})
    caps = set()
    for _ in range(100):
        p.append(100, x=1.0)
        caps.add(len(p._buf["x"]))
    assert len(caps) <= 11  # doubling: a handful of reallocations for 10,000 rows
    keep = np.zeros(len(p), bool)
    keep[-10:] = True
    p.retire(~keep)
    assert len(p._buf["x"]) <= 64 and p.ids.tolist() == list(range(9990, 10000))
    assert p.index_of(np.array([9995])).tolist() == [5]


def test_views_write_through_and_pickle_round_trip():
    import pickle

    p = make_pool()
    p["x"][1] = 20.0  # a column is a view of the pool's storage, as an array was before
    p.retire(np.array([True, False, False, False]))
    q = pickle.loads(pickle.dumps(p))
    assert q["x"].tolist() == [20.0, 3.0, 4.0] and q.archive[0]["x"].tolist() == [1.0]
    q.append(3, x=1.5)
    assert q.ids.tolist() == [1, 2, 3, 4, 5, 6]
    assert q.index_of(np.array([6, 0])).tolist() == [5, -1]
    assert "flag" in q.cols and "nope" not in q.cols
    with pytest.raises(ValueError, match="shape"):
        q.append(2, x=[1.0, 2.0, 3.0])
    assert len(q) == 6


def test_spooled_archive_reads_back_with_later_columns_filled(tmp_path):
    p = make_pool()
    p.spool(tmp_path / "f", chunk_rows=1)
    p.retire(np.array([True, False, True, False]))
    assert len(p.spooled) == 1 and p._na == 0
    p.add_column("cargo", float, 0.5)
    p.retire(np.array([True, False]))
    assert len(p.spooled) == 2
    df = p.to_frame()
    assert df["fiber_id"].tolist() == [0, 1, 2, 3] and df["x"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert df["cargo"].tolist() == [0.5] * 4
    assert list(p.to_frame(columns=["x"]).columns) == ["fiber_id", "x"]
    assert sorted(np.concatenate([a["fiber_id"] for a in p.archive]).tolist()) == [0, 1, 2]


def tables_digest(res) -> str:
    import hashlib

    import pandas as pd

    h = hashlib.sha256()
    for name in sorted(res.tables):
        df = res.tables[name]
        h.update(name.encode())
        h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
        h.update(",".join(df.columns).encode())
    return h.hexdigest()


# bit-identical tables with the pre-sized pool: tests/test_digest.py pins every table of the
# default run and of runs with the function modules, across this change of storage


def _scenario():
    from migrasome.simulation import resolve_scenario

    return resolve_scenario("nrk-fibronectin", cells=12, hours=2, seed=4).with_changes(
        **{"cargo.enabled": True})


def test_checkpointed_interrupted_run_resumes_to_identical_tables(tmp_path):
    from migrasome.sim.engine import Simulation

    ref = tables_digest(Simulation(_scenario()).run())

    def interrupt(k, n):
        if k >= 160:
            raise KeyboardInterrupt

    sim = Simulation(_scenario())
    with pytest.raises(KeyboardInterrupt):
        sim.run(progress=interrupt, checkpoint=tmp_path / "ck", checkpoint_every_min=30)
    back = Simulation.restore(tmp_path / "ck")
    assert back.steps_done == 120 and back.t_min == pytest.approx(60.0)
    assert tables_digest(back.run()) == ref


def test_streamed_frames_and_their_checkpoints_give_identical_tables(tmp_path):
    from migrasome.sim.engine import Simulation

    ref = Simulation(_scenario()).run()
    sim = Simulation(_scenario())
    sim.recorder.chunk_rows = 100  # many small files
    sim.sites.spool(tmp_path / "spool" / "sites", chunk_rows=5)
    res = sim.run(spool_dir=tmp_path / "spool", checkpoint=tmp_path / "ck",
                  checkpoint_every_min=45)
    assert len(sim.recorder.files["tracks"]) > 3 and not sim.recorder.chunks["tracks"]
    assert len(sim.sites.spooled) > 3 and len(sim.fibers.spooled) == 0
    assert sum(len(a["site_id"]) for a in sim.sites.archive) == sim.sites.next_id - len(
        sim.sites)
    assert tables_digest(res) == tables_digest(ref)
    with pytest.raises(ValueError, match="spool_dir"):
        Simulation.restore(tmp_path / "ck")
    back = Simulation.restore(tmp_path / "ck", spool_dir=tmp_path / "spool2")
    assert back.steps_done == 180
    assert tables_digest(back.run()) == tables_digest(ref)
    with pytest.raises(FileNotFoundError, match="not a checkpoint"):
        Simulation.restore(tmp_path)


def test_cli_resume_continues_a_checkpoint(tmp_path):
    from typer.testing import CliRunner

    from migrasome.cli import app
    from migrasome.results import load_results
    from migrasome.sim.engine import Simulation
    from migrasome.simulation import resolve_scenario

    args = ["simulate", "--cells", "8", "--hours", "1.5", "--seed", "2", "--no-figures", "-q"]
    r = CliRunner().invoke(app, args + ["--out", str(tmp_path / "a"), "--checkpoint-every",
                                        "20"])
    assert r.exit_code == 0, r.output
    assert not (tmp_path / "a.checkpoint").exists()  # removed once the run completed

    def interrupt(k, n):
        if k >= 100:
            raise KeyboardInterrupt

    sim = Simulation(resolve_scenario("nrk-fibronectin", cells=8, hours=1.5, seed=2))
    with pytest.raises(KeyboardInterrupt):
        sim.run(progress=interrupt, checkpoint=tmp_path / "ck", checkpoint_every_min=20)
    r = CliRunner().invoke(app, ["simulate", "--resume", str(tmp_path / "ck"), "--out",
                                 str(tmp_path / "b"), "--no-figures", "-q"])
    assert r.exit_code == 0, r.output
    a, b = load_results(tmp_path / "a"), load_results(tmp_path / "b")
    assert tables_digest(a) == tables_digest(b)
    r = CliRunner().invoke(app, ["simulate", "--resume", str(tmp_path), "--out",
                                 str(tmp_path / "c"), "-q"])
    assert r.exit_code == 2 and "not a checkpoint" in r.output
    r = CliRunner().invoke(app, args + ["--out", str(tmp_path / "d"), "--checkpoint-every",
                                        "0"])
    assert r.exit_code == 2 and "must be > 0" in r.output


def test_large_runs_stream_through_a_temporary_folder_to_the_same_tables(monkeypatch):
    import importlib

    simulate_mod = importlib.import_module("migrasome.simulation")  # the module, not the function

    small = simulate_mod.simulate("nrk-fibronectin", cells=30, hours=3, seed=7)
    monkeypatch.setattr(simulate_mod, "STREAM_ABOVE_ROWS", 0)
    seen = []
    real = simulate_mod.stream_folder

    def spy(sim):
        ctx = real(sim)
        seen.append(type(ctx).__name__)
        return ctx

    monkeypatch.setattr(simulate_mod, "stream_folder", spy)
    streamed = simulate_mod.simulate("nrk-fibronectin", cells=30, hours=3, seed=7)
    assert seen == ["TemporaryDirectory"]
    assert tables_digest(streamed) == tables_digest(small)


# -- memory flat in simulated time ---------------------------------------------------------


def _dense_focus_answers(ops, shape, lifetime):
    """The answers of a plain grid of bins (the reference for the focus table)."""
    owner, t_laid = np.full(shape, -1, np.int64), np.full(shape, -np.inf)
    out = []
    for rows, cols, ids, t, qr, qc, qids in ops:
        owner[rows, cols] = ids
        t_laid[rows, cols] = t
        out.append((owner[qr, qc] == qids) & (t - t_laid[qr, qc] <= lifetime))
    return out


def test_focus_table_answers_as_a_grid_of_bins(monkeypatch):
    from migrasome.sim import foci

    monkeypatch.setattr(foci, "_DENSE_MAX_BYTES", 0)  # the table, on a small dish
    rng = np.random.default_rng(3)
    grid = foci.FocusGrid.empty(240.0, 180.0, 3.0, lifetime_min=10.0)
    assert grid._dense is None
    ops = []
    for k in range(400):
        n = int(rng.integers(0, 300))  # many repeats of a bin within one laying
        rows, cols = rng.integers(0, grid.shape[0], n), rng.integers(0, grid.shape[1], n)
        qr, qc = rng.integers(0, grid.shape[0], 200), rng.integers(0, grid.shape[1], 200)
        ops.append((rows, cols, rng.integers(0, 5, n), 0.5 * (k + 1), qr, qc,
                    rng.integers(0, 5, 200)))
    want = _dense_focus_answers(ops, grid.shape, 10.0)
    sizes = set()
    for (rows, cols, ids, t, qr, qc, qids), w in zip(ops, want):
        grid.lay(rows, cols, ids, t_min=t)
        x, y = (qc + 0.5) * grid.bin_um, (qr + 0.5) * grid.bin_um
        assert np.array_equal(grid.covers(x, y, qids, t_min=t), w)
        sizes.add(grid._keys.size)
    assert len(sizes) > 2 and any(w.any() for w in want)  # rebuilt, and answers of both kinds
    assert len(grid) < grid.shape[0] * grid.shape[1]  # expired foci were dropped


def test_a_run_keeping_foci_in_the_table_has_the_tables_of_one_with_the_grid(monkeypatch):
    from migrasome import simulate
    from migrasome.sim import foci

    grid = simulate("nrk-fibronectin", cells=30, hours=2, seed=11)
    monkeypatch.setattr(foci, "_DENSE_MAX_BYTES", 0)
    table = simulate("nrk-fibronectin", cells=30, hours=2, seed=11)
    assert tables_digest(table) == tables_digest(grid)


def test_streamed_results_are_read_from_their_files_when_used(tmp_path):
    import gc
    import pickle

    from migrasome.results import TableStore, load_results
    from migrasome.sim.engine import Simulation

    eager = Simulation(_scenario()).run()
    sim = Simulation(_scenario())
    sim.recorder.chunk_rows = 300
    res = sim.run(spool_dir=tmp_path / "spool")
    store = res.tables
    assert isinstance(store, TableStore) and sorted(store) == sorted(eager.tables)
    on_disk = [n for n in store if not store.is_loaded(n)]
    assert {"tracks", "fiber_frames", "migrasome_frames", "sites", "migrasomes"} <= set(on_disk)
    folder = store.path("tracks").parent
    assert "tracks=" in repr(res) and not store.is_loaded("tracks")  # counted, not read
    for n in eager.tables:
        assert res.n_rows(n) == len(eager.tables[n])
    pd_cols = ["cell_id", "x_um"]
    assert store.read("tracks", pd_cols).equals(eager.tracks[pd_cols])
    assert not store.is_loaded("tracks")
    res.save(tmp_path / "saved")  # files copied as they are
    assert tables_digest(load_results(tmp_path / "saved")) == tables_digest(eager)
    assert not store.is_loaded("migrasome_frames")
    assert tables_digest(pickle.loads(pickle.dumps(res))) == tables_digest(eager)
    assert tables_digest(res) == tables_digest(eager)  # now read
    for n in eager.tables:
        assert list(res.tables[n].dtypes) == list(eager.tables[n].dtypes), n
        assert res.tables[n] is res.tables[n]  # read once, then kept
    del res, store
    gc.collect()
    assert not folder.exists()  # the files go with the results


def _held_by_design(sim) -> int:
    """Bytes of the active rows (which may still grow in number) and, when streaming, of
    the one chunk of frames and of retired rows being filled."""
    pools = [getattr(sim, name) for name in ("cells", "fibers", "sites")]
    held = sum(v.nbytes for p in pools for v in [*p._buf.values(), p._row])
    if sim.recorder.spool_dir is not None:
        held += sum(v.nbytes for parts in sim.recorder.chunks.values() for p in parts
                    for v in p.values())
        held += sum(v.nbytes for p in pools for v in p._arch.values())
    return held


def _traced_by_hour(sim, *, spool=None):
    """tracemalloc's current memory (bytes) at the end of each simulated hour of a run,
    less what ``_held_by_design``."""
    import tracemalloc

    if spool is not None:
        sim.recorder.chunk_rows = 2000
        sim.recorder.spool(spool)
        for name in sim._SPOOLED_POOLS:
            getattr(sim, name).spool(spool / name, chunk_rows=500)
    per_hour = int(round(60 / sim.dt_min))
    out = []
    tracemalloc.start()
    try:
        sim.record()
        for k in range(1, sim.n_steps + 1):
            sim.step()
            if k % sim.record_every == 0:
                sim.record()
                if spool is not None:  # at most one chunk of frames is held
                    assert sim.recorder._buffered < sim.recorder.chunk_rows
                    assert sim.sites._na <= 500 and sim.fibers._na <= 500
            if k % per_hour == 0:
                out.append(tracemalloc.get_traced_memory()[0] - _held_by_design(sim))
    finally:
        tracemalloc.stop()
    return out


def test_a_streamed_run_holds_no_more_memory_late_than_midway(tmp_path):
    from migrasome.sim.engine import Simulation
    from migrasome.simulation import resolve_scenario

    sc = resolve_scenario("nrk-fibronectin", cells=20, hours=6, seed=2)
    kept = _traced_by_hour(Simulation(sc))
    streamed = _traced_by_hour(Simulation(sc), spool=tmp_path / "spool")
    # from hour 3 to hour 6: kept in memory, frames and retired rows grow with time (by
    # 0.8 MB here); streamed, what is held besides the active rows and the chunks being
    # filled stays (0.04 MB more)
    grown_kept, grown_streamed = kept[5] - kept[2], streamed[5] - streamed[2]
    assert grown_kept > 0.5e6 and kept[5] > 1.8 * kept[2]
    assert grown_streamed < 0.15 * grown_kept


def test_a_streamed_run_is_estimated_by_its_cells_not_its_hours():
    from migrasome.simulation import estimate_cost, resolve_scenario, streams

    big = resolve_scenario("nrk-fibronectin", cells=100_000, hours=12)
    longer = big.with_changes(**{"run.hours": 48})
    assert streams(big) and streams(longer)
    mem = estimate_cost(big)["memory_bytes"]
    assert mem < 4e9 and estimate_cost(longer)["memory_bytes"] == mem
    # replicates are merged in memory: by the hour
    assert estimate_cost(big, replicates=2)["memory_bytes"] > 10 * mem
    small = resolve_scenario("nrk-fibronectin", cells=30, hours=12)
    assert not streams(small)
    assert estimate_cost(small.with_changes(**{"run.hours": 24}))["memory_bytes"] > \
        estimate_cost(small)["memory_bytes"]

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

"""Sweeps: the same tables locally and on a Dask cluster, resumption, failures, specs."""

import numpy as np
import pandas as pd
import pytest

import migrasome
from migrasome.sweeps import SweepError, load_spec, load_sweep, plan_runs
from migrasome.sweeps import runner as sweep_runner

SCREEN = {
    "name": "screen",
    "set": {"cells.n_cells": 4, "run.hours": 1.5},
    "seeds": 3,
    "per_cell": True,
    "perturbations": {"sets": ["TSPAN4-KD", "SMS2-KD", "ITGA5-KD"],
                      "doses": {"fibronectin": [1, 5, 10, 50]}},
}


def _comparable(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=["elapsed_s"], errors="ignore").reset_index(drop=True)


@pytest.fixture(scope="module")
def screen_serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("sweeps") / "serial"
    done = migrasome.sweep(SCREEN, out, workers=1)
    return out, done


def test_screen_plan_is_sets_by_doses_by_seeds(screen_serial):
    out, done = screen_serial
    assert (done.n_runs, done.n_run_now, done.n_failed) == (36, 36, 0)
    s = load_sweep(out)
    assert s["run_id"].tolist() == list(range(36))
    assert (s.groupby(["perturbation_set", "dose.fibronectin"]).size() == 3).all()
    assert set(s["perturbations"]) >= {"TSPAN4-KD+fibronectin:1", "ITGA5-KD+fibronectin:50"}
    assert s["migrasomes_formed_per_cell"].sum() > 0  # the runs did produce migrasomes
    cells = load_sweep(out, "cells")
    assert len(cells) == 36 * 4 and cells.groupby("run_id").size().eq(4).all()


def test_dask_local_cluster_gives_identical_tables(screen_serial, tmp_path):
    distributed = pytest.importorskip("distributed")
    out, _ = screen_serial
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        # the address, as `migrasome sweep --scheduler ADDRESS` passes it
        done = migrasome.sweep(SCREEN, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert done.n_run_now == 36 and done.n_failed == 0
    for table in ("summary", "cells"):
        pd.testing.assert_frame_equal(_comparable(load_sweep(tmp_path / "dask", table)),
                                      _comparable(load_sweep(out, table)))


def test_local_processes_give_identical_tables(screen_serial, tmp_path):
    out, _ = screen_serial
    spec = dict(SCREEN, perturbations={"sets": ["TSPAN4-KD"], "doses": {"fibronectin": [1, 10]}})
    done = migrasome.sweep(spec, tmp_path / "procs", workers=2)
    assert done.n_run_now == 6
    mine = _comparable(load_sweep(tmp_path / "procs"))
    ref = _comparable(load_sweep(out))
    cols = [c for c in mine.columns if c not in ("run_id", "point")]
    ref = mine[["perturbations", "seed"]].merge(ref[cols], on=["perturbations", "seed"])
    pd.testing.assert_frame_equal(mine[cols], ref[cols])


def test_interrupted_sweep_resumes_without_rerunning_finished_runs(screen_serial, tmp_path,
                                                                   monkeypatch):
    out_ref, _ = screen_serial
    out = tmp_path / "resumed"

    def stop_after_ten(done, total, run):
        if done == 10:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        migrasome.sweep(SCREEN, out, workers=1, progress=stop_after_ten)
    first = load_sweep(out)
    assert first["run_id"].tolist() == list(range(10))
    stamps = {p: p.stat().st_mtime_ns for p in (out / "summary").glob("run=*/part.parquet")}

    calls = []
    real = sweep_runner.run_one
    monkeypatch.setattr(sweep_runner, "run_one", lambda t: calls.append(t["run_id"]) or real(t))
    done = migrasome.sweep(SCREEN, out, workers=1)
    assert sorted(calls) == list(range(10, 36))
    assert (done.n_skipped, done.n_run_now) == (10, 26)
    assert all(p.stat().st_mtime_ns == t for p, t in stamps.items())
    for table in ("summary", "cells"):
        pd.testing.assert_frame_equal(_comparable(load_sweep(out, table)),
                                      _comparable(load_sweep(out_ref, table)))
    again = migrasome.sweep(SCREEN, out, workers=1)
    assert again.n_run_now == 0 and again.n_skipped == 36


def test_failed_run_is_recorded_and_the_sweep_goes_on(tmp_path):
    spec = {"set": {"cells.n_cells": 2, "run.hours": 0.5},
            "parameters": {"cells.persistence_min": [40.0, -5.0]}}
    done = migrasome.sweep(spec, tmp_path / "f", workers=1)
    s = load_sweep(tmp_path / "f")
    assert done.n_failed == 1 and s["status"].tolist() == ["ok", "failed"]
    assert "persistence_min" in s.loc[1, "error"] and np.isnan(s.loc[1, "mean_speed_um_per_min"])
    assert s.loc[0, "mean_speed_um_per_min"] > 0
    assert migrasome.sweep(spec, tmp_path / "f", workers=1).n_run_now == 0
    assert migrasome.sweep(spec, tmp_path / "f", workers=1, retry_failed=True).n_run_now == 1


def test_another_spec_in_the_same_folder_is_refused(tmp_path):
    spec = {"set": {"cells.n_cells": 2, "run.hours": 0.25}}
    migrasome.sweep(spec, tmp_path / "s", workers=1)
    with pytest.raises(SweepError, match="another sweep"):
        migrasome.sweep(dict(spec, seeds=2), tmp_path / "s", workers=1)


@pytest.mark.parametrize("bad, match", [
    ({"desing": "grid"}, "unknown keys"),
    ({"design": "random"}, "design 'random' is not allowed"),
    ({"perturbations": {"sets": ["TSPAN9-KD"]}}, "unknown perturbation"),
    ({"parameters": {"cells.nope": [1, 2]}}, "unknown scenario field 'cells.nope'"),
    ({"design": "lhs", "parameters": {"cells.persistence_min": [80, 20]}}, "low < high"),
    ({"design": "lhs", "parameters": {"cells.cell_type": [1, 2]}}, "not numeric"),
    ({"seeds": 0}, "seeds = 0"),
    ({"perturbations": {"doses": {"TSPAN4-KD": [1]}}}, "takes no dose"),
])
def test_spec_errors_name_the_field_and_what_is_allowed(bad, match):
    with pytest.raises(SweepError, match=match):
        load_spec(bad)


def test_space_filling_designs_stay_in_range_and_stratify():
    spec = load_spec({"design": "lhs", "samples": 10, "parameters": {
        "cells.persistence_min": [20.0, 80.0],
        "fibers.break_time_min": {"low": 50.0, "high": 500.0, "log": True},
        "fibers.max_depth": [1, 6]}})
    plan = plan_runs(spec)
    p = plan["param.cells.persistence_min"].to_numpy()
    assert len(plan) == 10 and p.min() >= 20 and p.max() <= 80
    assert sorted(np.floor((p - 20) / 6).astype(int)) == list(range(10))  # one per stratum
    b = np.log(plan["param.fibers.break_time_min"].to_numpy())
    assert sorted(np.floor((b - np.log(50)) / (np.log(10) / 10)).astype(int)) == list(range(10))
    assert plan["param.fibers.max_depth"].dtype.kind == "i"
    sob = plan_runs(load_spec({"design": "sobol", "samples": 8, "design_seed": 3,
                               "parameters": {"cells.persistence_min": [20.0, 80.0]}}))
    assert sob["param.cells.persistence_min"].between(20, 80).all()


def test_morris_ranks_the_parameter_that_drives_the_readout(tmp_path):
    pytest.importorskip("SALib")
    spec = {"design": "morris", "samples": 3, "readout": "mean_speed_um_per_min",
            "set": {"cells.n_cells": 6, "run.hours": 0.5},
            "parameters": {"cells.speed_um_per_min": [0.5, 2.0],
                           "cells.turn_narrowing_min": [30.0, 90.0]}}
    done = migrasome.sweep(spec, tmp_path / "m", workers=1)
    assert done.n_runs == 9 and done.n_failed == 0
    from migrasome.sweeps import sweep_report

    page = sweep_report(tmp_path / "m")
    sens = pd.read_csv(page.parent / "sensitivity.csv")
    assert sens["parameter"].iloc[0] == "cells.speed_um_per_min"
    assert sens["mu_star"].iloc[0] > 5 * sens["mu_star"].iloc[1]


def test_report_ranks_knockdowns_and_draws_dose_responses(screen_serial):
    from migrasome.sweeps import sweep_report

    out, _ = screen_serial
    page = sweep_report(out, readout="mean_speed_um_per_min")
    files = {p.name for p in page.parent.iterdir()}
    assert {"index.html", "dose_response.csv", "dose_fibronectin.png"} <= files
    dr = pd.read_csv(page.parent / "dose_response.csv")
    assert len(dr) == 12 and (dr["n_seeds"] == 3).all()
    assert (dr["ci_low"] <= dr["mean"]).all() and (dr["mean"] <= dr["ci_high"]).all()
    with pytest.raises(ValueError, match="not a summary column"):
        sweep_report(out, readout="nope")


def test_knockdown_effects_rank_by_effect_size():
    from migrasome.sweeps.report import knockdown_effects, mean_ci

    rng = np.random.default_rng(0)
    rows = []
    for pset, mu in (("none", 10.0), ("weak", 9.0), ("strong", 2.0), ("up", 14.0)):
        for dose in (1.0, 10.0):
            for seed in range(4):
                rows.append({"perturbation_set": pset, "dose.fibronectin": dose, "seed": seed,
                             "y": mu * (1 + 0.02 * rng.standard_normal())})
    eff = knockdown_effects(pd.DataFrame(rows), "y")
    assert eff["perturbation_set"].tolist() == ["strong", "up", "weak"]
    assert eff.loc[0, "ratio"] == pytest.approx(0.2, rel=0.05)
    m, lo, hi, n = mean_ci(pd.Series([1.0, 2.0, 3.0]))
    assert (m, n) == (2.0, 3) and hi - m == pytest.approx(4.302653 / np.sqrt(3), rel=1e-5)


def test_sweep_function_is_not_shadowed_by_its_package(tmp_path):
    import types

    import migrasome.sweeps as pkg

    assert isinstance(pkg, types.ModuleType) and migrasome.sweep is pkg.sweep
    done = migrasome.sweep({"set": {"cells.n_cells": 2, "run.hours": 0.25}},
                           tmp_path / "c", workers=1)
    assert done.n_runs == 1


def test_cli_sweep_runs_and_rejects_bad_specs(tmp_path):
    from typer.testing import CliRunner

    from migrasome.cli import app

    spec = tmp_path / "s.toml"
    spec.write_text('seeds = 2\n[set]\n"cells.n_cells" = 2\n"run.hours" = 0.25\n'
                    '[perturbations]\nsets = ["none", "TSPAN4-KO"]\n')
    r = CliRunner().invoke(app, ["sweep", str(spec), "--out", str(tmp_path / "o"),
                                 "--workers", "1", "-q"])
    assert r.exit_code == 0, r.output
    assert len(load_sweep(tmp_path / "o")) == 4 and (tmp_path / "o/report/index.html").is_file()
    r = CliRunner().invoke(app, ["sweep", str(spec), "--out", str(tmp_path / "o"), "-q",
                                 "--workers", "1"])
    assert r.exit_code == 0 and "4 finished before" in r.output
    spec.write_text('design = "lhs"\n')
    r = CliRunner().invoke(app, ["sweep", str(spec), "--out", str(tmp_path / "p")])
    assert r.exit_code == 2 and "needs [parameters]" in r.output

"""Running a sweep: every unfinished run, in local processes or on a Dask cluster.

One loop serves every executor: it keeps a few runs in flight, writes each result as it
arrives (so results never pile up in memory) and reports progress run by run. A run that
raises is recorded with its error and the sweep goes on.
"""

from __future__ import annotations

import concurrent.futures as cf
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .dataset import finished_runs, load_sweep, open_folder, write_run
from .design import PARAM_PREFIX, plan_runs
from .spec import SweepError, load_spec

__all__ = ["sweep", "run_one", "SweepOutcome", "scenario_of"]


@dataclass
class SweepOutcome:
    """What a call of ``sweep`` did; the runs themselves are in the folder ``out``."""

    out: Path
    n_runs: int
    n_run_now: int
    n_skipped: int
    n_failed: int

    def summary(self) -> pd.DataFrame:
        """The summary table of every finished run (read from ``out``)."""
        return load_sweep(self.out, "summary")


def _py(v):
    return v.item() if isinstance(v, np.generic) else v


def scenario_of(task: dict):
    """The resolved Scenario of one planned run (``task``: a plan row plus the spec's
    ``preset`` and ``fixed``)."""
    from ..perturbations import apply_perturbations
    from ..scenario import load_preset

    changes = dict(task["fixed"])
    changes.update({k[len(PARAM_PREFIX):]: _py(v) for k, v in task.items()
                    if k.startswith(PARAM_PREFIX)})
    changes["seed"] = int(task["seed"])
    sc = load_preset(task["preset"]).with_changes(**changes)
    names = [p for p in str(task["perturbations"]).split("+") if p]
    return apply_perturbations(sc, names) if names else sc


def per_cell_table(res) -> pd.DataFrame:
    """One row per cell: its type, size, intrinsic speed, mean speed and the migrasomes and
    RFs it made."""
    from ..results import MIN_MIGRASOME_DIAMETER_UM

    cells = res.cells[["cell_id", "cell_type", "radius_um"]].copy()
    mig = res.migrasomes
    made = mig[mig["max_diameter_um"] >= MIN_MIGRASOME_DIAMETER_UM].groupby("cell_id").size()
    cells["migrasomes_formed"] = cells["cell_id"].map(made).fillna(0).astype(np.int64)
    cells["rfs_formed"] = cells["cell_id"].map(
        res.fibers.groupby("cell_id").size()).fillna(0).astype(np.int64)
    cells["mean_speed_um_per_min"] = cells["cell_id"].map(
        res.tracks.groupby("cell_id")["speed_um_per_min"].mean())
    return cells


def run_one(task: dict) -> dict:
    """Simulate one planned run and return its read-outs (never raises: a failure comes
    back as ``status = "failed"`` with the error)."""
    from ..sim.functions import summarize_functions
    from ..simulation import simulate

    t0 = time.perf_counter()
    try:
        res = simulate(scenario_of(task))
        readouts = {k: float(v) for k, v in res.summary().items()}
        readouts.update({k: float(v) for k, v in summarize_functions(res).items()
                         if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)})
        cells = per_cell_table(res) if task.get("per_cell") else None
        return {"status": "ok", "error": "", "readouts": readouts, "cells": cells,
                "elapsed_s": time.perf_counter() - t0}
    except Exception as e:
        return {"status": "failed", "error": f"{type(e).__name__}: {e}", "readouts": {},
                "cells": None, "elapsed_s": time.perf_counter() - t0,
                "traceback": traceback.format_exc(limit=8)}


def _tables_of(row: dict, result: dict) -> dict[str, pd.DataFrame]:
    run_cols = {k: v for k, v in row.items() if k not in ("fixed", "preset", "per_cell")}
    summ = dict(run_cols)
    summ.update(status=result["status"], error=result["error"],
                elapsed_s=float(result["elapsed_s"]))
    summ.update(result["readouts"])
    out = {"summary": pd.DataFrame([summ])}
    if result.get("cells") is not None:
        cells = result["cells"]
        for k, v in reversed(list(run_cols.items())):
            cells.insert(0, k, v)
        out["cells"] = cells
    return out


# -- executors: the same submit / wait for one loop -------------------------------------------


class _Serial:
    def submit(self, fn, arg):
        f: cf.Future = cf.Future()
        f.set_result(fn(arg))
        return f

    def wait_some(self, futures):
        return list(futures)

    def close(self):
        pass


class _Processes:
    def __init__(self, workers: int):
        import multiprocessing as mp

        self.pool = cf.ProcessPoolExecutor(max_workers=workers,
                                           mp_context=mp.get_context("spawn"))

    def submit(self, fn, arg):
        return self.pool.submit(fn, arg)

    def wait_some(self, futures):
        return list(cf.wait(list(futures), return_when=cf.FIRST_COMPLETED).done)

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)


class _Dask:
    def __init__(self, scheduler):
        from ..extras import require

        require("sweep", "distributed")
        import distributed

        self._own = not isinstance(scheduler, distributed.Client)
        self.client = distributed.Client(scheduler) if self._own else scheduler
        self._wait = distributed.wait

    def submit(self, fn, arg):
        return self.client.submit(fn, arg, pure=False)

    def wait_some(self, futures):
        return list(self._wait(list(futures), return_when="FIRST_COMPLETED").done)

    def close(self):
        if self._own:
            self.client.close()


def _executor(scheduler, workers: int):
    if scheduler is not None:
        return _Dask(scheduler)
    return _Serial() if workers <= 1 else _Processes(workers)


def sweep(spec, out, *, scheduler=None, workers: int | None = None,
          retry_failed: bool = False,
          progress: Callable[[int, int, dict], None] | None = None) -> SweepOutcome:
    """Run a sweep into folder ``out``, resuming whatever an earlier call left unfinished.

    Parameters
    ----------
    spec : path, dict or SweepSpec
        The sweep (see ``migrasome.sweeps.spec`` for the TOML form).
    out : path
        The sweep folder: one Parquet partition per run (``load_sweep`` reads it).
    scheduler : str or distributed.Client, optional
        Address of a running Dask scheduler (or a client): runs go to its workers. Default:
        local processes.
    workers : int, optional
        Local processes (default: the CPU count; 1 runs in this process).
    retry_failed : bool
        Run again the runs recorded as failed (default: keep them as they are).
    progress : callable, optional
        ``progress(done, total, run)`` after each run (``run``: its row and ``status``).

    Returns
    -------
    SweepOutcome
        Counts of runs planned, run now, skipped (finished before) and failed.

    Examples
    --------
    >>> import migrasome
    >>> spec = {"set": {"cells.n_cells": 4, "run.hours": 0.5}, "seeds": 2,
    ...         "perturbations": {"sets": ["none", "TSPAN4-KD"]}}
    >>> done = migrasome.sweep(spec, "tspan4-screen", workers=1)   # doctest: +SKIP
    >>> done.summary().groupby("perturbation_set")["migrasomes_per_cell"].mean()  # doctest: +SKIP
    """
    import os

    spec = load_spec(spec)
    if workers is not None and workers < 1:
        raise SweepError(f"workers must be ≥ 1, got {workers}")
    workers = workers or os.cpu_count() or 1
    plan = plan_runs(spec)
    out = open_folder(out, spec, plan)
    finished = finished_runs(out)
    if retry_failed and finished:
        s = load_sweep(out, "summary")
        finished -= set(s.loc[s["status"] != "ok", "run_id"].astype(int))
    base = {"preset": spec.preset, "fixed": spec.fixed, "per_cell": spec.per_cell}
    todo = [dict(r, **base) for r in plan.to_dict("records") if r["run_id"] not in finished]
    n_total, n_done, n_failed = len(plan), len(plan) - len(todo), 0
    skipped = n_done
    ex = _executor(scheduler, workers)
    window = max(2, 2 * (workers if scheduler is None else _dask_workers(ex)))
    inflight: dict = {}
    queue = iter(todo)
    try:
        while True:
            while len(inflight) < window:
                row = next(queue, None)
                if row is None:
                    break
                inflight[ex.submit(run_one, row)] = row
            if not inflight:
                break
            for fut in ex.wait_some(inflight):
                row = inflight.pop(fut)
                try:
                    result = fut.result()
                except Exception as e:
                    result = {"status": "failed", "error": f"{type(e).__name__}: {e}",
                              "readouts": {}, "cells": None, "elapsed_s": float("nan")}
                write_run(out, row["run_id"], _tables_of(row, result))
                n_done += 1
                n_failed += result["status"] != "ok"
                if progress is not None:
                    progress(n_done, n_total, {**row, "status": result["status"],
                                               "error": result["error"]})
    finally:
        ex.close()
    return SweepOutcome(out=Path(out), n_runs=n_total, n_run_now=n_done - skipped,
                        n_skipped=skipped, n_failed=n_failed)


def _dask_workers(ex) -> int:
    try:
        return max(1, len(ex.client.scheduler_info().get("workers", {})))
    except Exception:
        return 1

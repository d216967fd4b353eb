"""The sweep folder: one Parquet partition per run and table, written run by run.

Layout::

    OUT/sweep.json                       the spec and its digest
    OUT/plan.parquet                     every planned run (run_id, seed, parameters)
    OUT/summary/run=00012/part.parquet   one row: the run's parameters, status, read-outs
    OUT/cells/run=00012/part.parquet     per-cell rows of that run (``per_cell = true``)

Each partition is written under a temporary name and moved into place when complete, and
the summary partition last, so a run counts as finished exactly when its summary partition
exists: an interrupted sweep resumes with the runs that have none.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from ..results import atomic_dir
from .spec import SweepError, SweepSpec

__all__ = ["open_folder", "finished_runs", "write_run", "load_sweep", "TABLES"]

TABLES = ("summary", "cells")
_PART = "part.parquet"


def _partition(out: Path, table: str, run_id: int) -> Path:
    return out / table / f"run={int(run_id):05d}"


def open_folder(out: str | Path, spec: SweepSpec, plan: pd.DataFrame) -> Path:
    """Create the sweep folder, or check that an existing one holds the same spec.

    Raises
    ------
    SweepError
        If ``out`` holds a sweep of another spec, or is a folder that is not a sweep.
    """
    out = Path(out)
    meta = out / "sweep.json"
    if meta.is_file():
        old = json.loads(meta.read_text())
        if old.get("digest") != spec.digest:
            raise SweepError(f"{out} holds another sweep (spec digest {old.get('digest')}, "
                             f"this spec {spec.digest}); choose another --out or delete it")
        return out
    if out.exists() and any(out.iterdir()):
        raise SweepError(f"{out} exists and is not a sweep folder; choose another --out")
    with atomic_dir(out, overwrite=True) as tmp:
        plan.to_parquet(tmp / "plan.parquet", index=False)
        (tmp / "sweep.json").write_text(json.dumps(
            {"digest": spec.digest, "n_runs": len(plan), "spec": json.loads(spec.to_json())},
            indent=2))
    return out


def finished_runs(out: str | Path) -> set[int]:
    """Run ids whose summary partition is complete (succeeded or failed)."""
    folder = Path(out) / "summary"
    if not folder.is_dir():
        return set()
    return {int(p.name.split("=", 1)[1]) for p in folder.glob("run=*")
            if (p / _PART).is_file()}


def write_run(out: str | Path, run_id: int, tables: dict[str, pd.DataFrame]) -> None:
    """Write the tables of one run, each as its own partition, the summary last."""
    out = Path(out)
    for name in sorted(tables, key=lambda n: n == "summary"):
        with atomic_dir(_partition(out, name, run_id), overwrite=True) as tmp:
            tables[name].to_parquet(tmp / _PART, index=False)


def load_sweep(out: str | Path, table: str = "summary") -> pd.DataFrame:
    """One table of a sweep folder, all finished runs, sorted by ``run_id``.

    Parameters
    ----------
    out : path
        A folder written by ``migrasome.sweep``.
    table : {"summary", "cells"}

    Returns
    -------
    DataFrame
        Summary: one row per run (``run_id``, ``seed``, ``perturbation_set``,
        ``perturbations``, ``dose.NAME``, ``param.PATH``, ``status``, ``error``, the
        read-outs); cells: one row per cell and run with the same run columns.

    Examples
    --------
    >>> df = load_sweep("my-sweep")                               # doctest: +SKIP
    >>> df.groupby("perturbation_set")["migrasomes_per_cell"].mean()  # doctest: +SKIP
    """
    out = Path(out)
    if not (out / "sweep.json").is_file():
        raise FileNotFoundError(f"{out} is not a sweep folder: no sweep.json in it")
    if table not in TABLES:
        raise ValueError(f"table {table!r} is not a sweep table; choose one of {TABLES}")
    files = sorted((out / table).glob(f"run=*/{_PART}"))
    if not files:
        return pd.DataFrame()
    df = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    keys = ["run_id"] + (["cell_id"] if "cell_id" in df.columns else [])
    return df.sort_values(keys, kind="stable").reset_index(drop=True)

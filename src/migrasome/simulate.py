"""`simulate`: the one call that runs a scenario (a preset name, a TOML path or a Scenario)."""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np
import pandas as pd

from .perturbations import apply_perturbations
from .results import Results
from .scenario import Scenario, ScenarioError, load_preset

__all__ = ["simulate", "resolve_scenario", "merge_replicates"]

#: Id columns made unique across replicates when their tables are concatenated.
ID_COLUMNS = ("cell_id", "fiber_id", "parent_fiber_id", "migrasome_id", "site_id")


def resolve_scenario(scenario: str | Scenario = "nrk-fibronectin", *,
                     perturbations: Iterable[str] = (), seed: int | None = None,
                     hours: float | None = None, cells: int | None = None) -> Scenario:
    """The scenario with overrides and perturbations applied (validated)."""
    sc = scenario if isinstance(scenario, Scenario) else load_preset(str(scenario))
    changes = {}
    if seed is not None:
        changes["seed"] = seed
    if hours is not None:
        changes["run.hours"] = hours
    if cells is not None:
        changes["cells.n_cells"] = cells
    if changes:
        sc = sc.with_changes(**changes)
    perturbations = list(perturbations)
    if perturbations:
        sc = apply_perturbations(sc, perturbations)
    return sc


def simulate(scenario: str | Scenario = "nrk-fibronectin", *,
             perturbations: Iterable[str] = (), seed: int | None = None,
             hours: float | None = None, cells: int | None = None,
             replicates: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> Results:
    """Run a scenario and return its Results.

    Parameters
    ----------
    scenario : str or Scenario
        A preset name (``migrasome.list_presets()``), a path to a TOML scenario, or a
        Scenario.
    perturbations : list of str
        Names from ``migrasome.list_perturbations()``, applied in order; ``NAME:DOSE`` for
        those that take a dose.
    seed, hours, cells : optional
        Overrides of ``seed``, ``run.hours`` and ``cells.n_cells``.
    replicates : int, optional
        Independent runs with seeds ``seed, seed+1, …``; their tables are concatenated with
        a ``replicate`` column and ids made unique. Default: one, or for a scenario that
        scores embryos, ``signalling.embryo.n_embryos``.
    progress : callable, optional
        Called as ``progress(steps_done, steps_total)`` over all replicates.

    Returns
    -------
    Results
    """
    from .sim.engine import Simulation

    sc = resolve_scenario(scenario, perturbations=perturbations, seed=seed, hours=hours,
                          cells=cells)
    if replicates is None:
        replicates = default_replicates(sc)
    if not isinstance(replicates, (int, np.integer)) or replicates < 1:
        raise ScenarioError(f"replicates must be an integer ≥ 1, got {replicates!r}")
    runs = []
    for r in range(replicates):
        sim = Simulation(sc.with_changes(seed=sc.seed + r) if r else sc)
        done = r * sim.n_steps
        cb = None if progress is None else (
            lambda k, n, done=done: progress(done + k, n * replicates))
        with stream_folder(sim) as spool:
            runs.append(sim.run(progress=cb, spool_dir=spool))
    if replicates == 1:
        return runs[0]
    return merge_replicates(runs)


#: Runs expected to record more frame rows than this stream them through a temporary folder
#: (same tables; the memory held for frames stays flat during the run).
STREAM_ABOVE_ROWS = 2_000_000


def stream_folder(sim):
    """A context giving a temporary folder for a large run's streamed frames and retired
    rows (removed on exit), or None for a small run."""
    import contextlib
    import tempfile

    frames = sim.n_steps // sim.record_every + 1
    # ≈ 1 track + ~8 RF segments + ~3 migrasomes per cell and frame at steady state
    if sim.scenario.cells.n_cells * frames * 12 < STREAM_ABOVE_ROWS:
        return contextlib.nullcontext(None)
    return tempfile.TemporaryDirectory(prefix="migrasome-frames-")


def default_replicates(scenario: Scenario) -> int:
    """One run, or one per embryo for a scenario that scores embryos."""
    emb = scenario.signalling.embryo
    return int(emb.n_embryos) if (scenario.signalling.enabled and emb.enabled) else 1


def merge_replicates(runs: list[Results]) -> Results:
    """Concatenate the tables of independent runs with a ``replicate`` column."""
    names = sorted(set().union(*(r.tables for r in runs)))
    offsets = {c: 0 for c in ID_COLUMNS}
    parts: dict[str, list[pd.DataFrame]] = {n: [] for n in names}
    for i, run in enumerate(runs):
        top = dict(offsets)
        for n in names:
            df = run.tables.get(n)
            if df is None:
                continue
            df = df.copy()
            for c in ID_COLUMNS:
                if c in df.columns:
                    base = "fiber_id" if c == "parent_fiber_id" else c
                    v = df[c].to_numpy()
                    df[c] = np.where(v >= 0, v + offsets[base], v)
                    if c == base and len(df):
                        top[c] = max(top[c], int(df[c].max()) + 1)
            df.insert(0, "replicate", i)
            parts[n].append(df)
        offsets = top
    meta = dict(runs[0].metadata)
    meta["replicates"] = len(runs)
    meta["seeds"] = [r.metadata.get("seed") for r in runs]
    return Results(tables={n: pd.concat(p, ignore_index=True) for n, p in parts.items()},
                   metadata=meta)

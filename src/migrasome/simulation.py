"""`simulate`: the one call that runs a scenario (a preset name, a TOML path or a Scenario)."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from .perturbations import apply_perturbations
from .results import Results
from .scenario import Scenario, ScenarioError, load_preset

__all__ = ["simulate", "resolve_scenario", "merge_replicates"]

#: Id columns made unique across replicates, each with the id space it belongs to: a
#: migrasome is the site it grew at (migrasome id = site id), a parent is a fibre. A
#: ``taker_id`` names a cell or a recipient, as its ``taker_kind`` says.
ID_SPACES = {"cell_id": "cell_id", "fiber_id": "fiber_id", "parent_fiber_id": "fiber_id",
             "site_id": "site_id", "migrasome_id": "site_id", "recipient_id": "recipient_id"}
TAKER_SPACES = {"cell": "cell_id", "recipient": "recipient_id"}


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
        runs.append(sim.run(progress=cb))
    if replicates == 1:
        return runs[0]
    return merge_replicates(runs)


def default_replicates(scenario: Scenario) -> int:
    """One run, or one per embryo for a scenario that scores embryos."""
    emb = scenario.signalling.embryo
    return int(emb.n_embryos) if (scenario.signalling.enabled and emb.enabled) else 1


def merge_replicates(runs: list[Results]) -> Results:
    """Concatenate the tables of independent runs with a ``replicate`` column.

    Ids are shifted per replicate so that they stay unique and keep their meaning across
    tables (``ID_SPACES``): a migrasome id still names its site, a parent its fibre.

    Parameters
    ----------
    runs : list of Results
        Runs of the same scenario (different seeds).

    Returns
    -------
    Results
        One table per name, ``replicate`` (0, 1, ...) first; metadata of the first run with
        ``replicates`` and ``seeds``.
    """
    names = sorted(set().union(*(r.tables for r in runs)))
    spaces = sorted(set(ID_SPACES.values()))
    offsets = dict.fromkeys(spaces, 0)
    parts: dict[str, list[pd.DataFrame]] = {n: [] for n in names}
    for i, run in enumerate(runs):
        top = dict(offsets)
        for n in names:
            df = run.tables.get(n)
            if df is None:
                continue
            df = df.copy()
            for c, space in ID_SPACES.items():
                if c in df.columns:
                    v = df[c].to_numpy()
                    df[c] = np.where(v >= 0, v + offsets[space], v)
                    if len(df):
                        top[space] = max(top[space], int(v.max()) + 1 + offsets[space])
            if "taker_id" in df.columns and "taker_kind" in df.columns:
                v = df["taker_id"].to_numpy()
                shift = df["taker_kind"].map(
                    {k: offsets[sp] for k, sp in TAKER_SPACES.items()}).fillna(0)
                df["taker_id"] = np.where(v >= 0, v + shift.to_numpy(np.int64), v)
            df.insert(0, "replicate", i)
            parts[n].append(df)
        offsets = top
    meta = dict(runs[0].metadata)
    meta["replicates"] = len(runs)
    meta["seeds"] = [r.metadata.get("seed") for r in runs]
    return Results(tables={n: pd.concat(p, ignore_index=True) for n, p in parts.items()},
                   metadata=meta)

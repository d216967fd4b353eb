"""`simulate`: the one call that runs a scenario (a preset name, a TOML path or a Scenario)."""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from .errors import MigrasomeWarning
from .perturbations import apply_perturbations
from .results import Results
from .scenario import Scenario, ScenarioError, load_preset

__all__ = ["simulate", "resolve_scenario", "merge_replicates", "estimate_cost", "check_cost",
           "CostWarning"]

#: Memory a run holds per cell and simulated hour (recorded frames and archived rows), bytes:
#: measured, 1,000 NRK cells × 6 h (peak RSS 320 MB over 117 MB for the interpreter).
BYTES_PER_CELL_HOUR = 34_000
#: Baseline memory of the interpreter and the package, bytes (measured as above).
BASE_BYTES = 120_000_000
#: Memory a run that streams its frames (``stream_folder``) holds per cell, bytes, whatever
#: its length: measured, 10,000 NRK cells × 12 h streamed (peak RSS 407 MB, flat over the
#: second half of the run), rounded up.
BYTES_PER_CELL_STREAMED = 30_000
#: CPU time per cell and step, s, and per step, s (measured with
#: ``benchmarks/bench_simulate.py`` on 2 cores, rounded up).
SECONDS_PER_CELL_STEP = 15e-6
SECONDS_PER_STEP = 3e-3


class CostWarning(MigrasomeWarning):
    """A run that will take long, or use much of the machine's memory."""

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
    changes: dict[str, float | int] = {}
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
    if isinstance(replicates, bool) or not isinstance(replicates, (int, np.integer)) \
            or replicates < 1:
        raise ScenarioError(f"replicates must be an integer ≥ 1, got {replicates!r}")
    check_cost(sc, replicates=int(replicates))
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


def estimate_cost(scenario: Scenario, *, replicates: int = 1) -> dict[str, float]:
    """Memory and time a run will take, from measured per-cell costs.

    Parameters
    ----------
    scenario : Scenario
    replicates : int
        Runs one after the other (memory: all replicates' tables are kept).

    Returns
    -------
    dict
        ``memory_bytes`` (peak, estimated), ``seconds`` (CPU, estimated),
        ``cell_area_fraction`` (summed cell area over the dish area).

    Notes
    -----
    A single run that streams its frames (see ``streams``) holds memory per cell, not per
    cell and hour; replicates are merged in memory, so they are estimated by the hour.
    """
    cells, hours = scenario.cells.n_cells, scenario.run.hours
    steps = hours * 60.0 / scenario.run.dt_min
    dish = scenario.run.width_um * scenario.run.height_um
    if replicates == 1 and streams(scenario):
        memory = float(BASE_BYTES + BYTES_PER_CELL_STREAMED * cells)
    else:
        memory = BASE_BYTES + BYTES_PER_CELL_HOUR * cells * hours * replicates
    return {
        "memory_bytes": memory,
        "seconds": replicates * steps * (SECONDS_PER_STEP + SECONDS_PER_CELL_STEP * cells),
        "cell_area_fraction": cells * np.pi * scenario.cells.radius_um**2 / dish,
    }


def available_memory_bytes() -> float:
    """Memory the machine can give a new run now (Linux: MemAvailable), or NaN."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return float("nan")


def check_cost(scenario: Scenario, *, replicates: int = 1) -> dict[str, float]:
    """Refuse a run that cannot fit in memory; warn about long runs, runs that need much of
    the memory, and dishes more than fully covered by cells.

    Returns
    -------
    dict
        :func:`estimate_cost` with ``available_bytes``.

    Raises
    ------
    ScenarioError
        If the estimated peak memory exceeds what the machine has available.
    """
    cost = estimate_cost(scenario, replicates=replicates)
    avail = available_memory_bytes()
    cost["available_bytes"] = avail
    mem, gib = cost["memory_bytes"], 2.0**30
    if np.isfinite(avail) and mem > avail:
        raise ScenarioError(
            f"{scenario.cells.n_cells} cells × {scenario.run.hours:g} h × {replicates} "
            f"run(s) need ≈{mem / gib:.1f} GiB, more than the {avail / gib:.1f} GiB "
            "available: use fewer cells, fewer hours or a longer run.record_every_min")
    if np.isfinite(avail) and mem > 0.5 * avail:
        warnings.warn(f"this run needs ≈{mem / gib:.1f} GiB of the {avail / gib:.1f} GiB "
                      "available", CostWarning, stacklevel=2)
    if cost["seconds"] > 600:
        warnings.warn(f"this run will take ≈{cost['seconds'] / 60:.0f} min", CostWarning,
                      stacklevel=2)
    if cost["cell_area_fraction"] > 1:
        warnings.warn(
            f"{scenario.cells.n_cells} cells of radius {scenario.cells.radius_um:g} µm cover "
            f"{100 * cost['cell_area_fraction']:.0f} % of the {scenario.run.width_um:g}×"
            f"{scenario.run.height_um:g} µm dish; cells do not exclude each other in this "
            "model, so such a dish is unphysically crowded", CostWarning, stacklevel=2)
    return cost


#: Runs expected to record more frame rows than this stream them through a temporary folder
#: (same tables; the memory held for frames stays flat during the run).
STREAM_ABOVE_ROWS = 2_000_000


def streams(scenario: Scenario) -> bool:
    """Whether a run of ``scenario`` streams its frames (more than ``STREAM_ABOVE_ROWS``
    frame rows expected).

    Examples
    --------
    >>> streams(resolve_scenario("nrk-fibronectin"))
    False
    >>> streams(resolve_scenario("nrk-fibronectin", cells=10_000))
    True
    """
    run = scenario.run
    record_every = max(1, int(round(run.record_every_min / run.dt_min)))
    frames = int(round(run.hours * 60 / run.dt_min)) // record_every + 1
    # ≈ 1 track + ~8 RF segments + ~3 migrasomes per cell and frame at steady state
    return scenario.cells.n_cells * frames * 12 >= STREAM_ABOVE_ROWS


def stream_folder(sim):
    """A context giving a temporary folder for a large run's streamed frames and retired
    rows (removed on exit), or None for a small run. The Results of a streamed run keep
    their tables in a folder of their own, so this one may go when the run ends."""
    import contextlib
    import tempfile

    if not streams(sim.scenario):
        return contextlib.nullcontext(None)
    return tempfile.TemporaryDirectory(prefix="migrasome-frames-")


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

"""Calibration: fit the ``fitted`` parameters to training observations.

The objective is the vector of standardised residuals ``(predicted − value) / sd`` over the
training observations, with ``sd`` a quarter of each observation's acceptance range (the
range spans about ±2 sd). Every evaluation runs the same seeds (common random numbers), so
the objective is a deterministic function of the parameters and finite differences are
meaningful once their step is larger than the granularity of the stochastic read-outs.
``scipy.optimize.least_squares`` (trust-region reflective, bounded) fits the parameters in
log space; their uncertainty comes from the Jacobian at the optimum, ``cov = (JᵀJ)⁻¹``
scaled by the reduced χ².

A spec (TOML) names what to fit::

    [calibration]
    observations = "training"          # the shipped training set, or a CSV path
    seeds = [101, 202]
    cells = 150
    max_evaluations = 60
    [parameters]                       # path = [lower, upper]; start: the current value
    "fibers.adhesion_density_per_um2" = [0.004, 0.04]
    "l929-fibronectin/fibers.adhesion_density_per_um2" = [0.004, 0.04]

A plain path changes the default that presets inherit (a preset that sets the parameter
itself keeps its own value); ``preset/path`` fits that preset's own value.

The budget ``max_evaluations`` counts every simulated parameter set, the finite-difference
Jacobian's included (n + 1 per iteration for n parameters); the Jacobian's points run in one
pool of processes.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .observations import load_observations, predict, run_conditions_batch
from .parameters import ScenarioError, get_path, sources_table
from .scenario import Scenario

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["CalibrationSpec", "Fit", "calibrate", "load_spec", "fitted_parameters"]


@dataclass
class CalibrationSpec:
    """What to fit, to which observations, with which runs.

    Parameters
    ----------
    parameters : dict of str to (float, float)
        Scenario path → (lower, upper) bound; all > 0 (fitted in log space).
    observations : str
        ``"training"`` (the shipped training set) or a CSV path (a user's measurements).
    seeds : list of int
        Seeds of every evaluation (common random numbers).
    cells : int
        Cells per run.
    hours : float, optional
        Simulated time per run (default: each preset's).
    max_evaluations : int
        Budget of simulated parameter sets, the Jacobian's points included.
    diff_step : float
        Finite-difference step in log parameters (0.05: a 5 % change of the parameter).
    start : dict of str to float
        Start values (default: the values of the condition's preset).
    ids : list of str, optional
        Fit only these observations of the set (e.g. the embryo ones for an embryo
        preset's parameters); default: all of them.
    """

    parameters: dict[str, tuple[float, float]]
    observations: str = "training"
    seeds: list[int] = field(default_factory=lambda: [101, 202])
    cells: int = 150
    hours: float | None = None
    max_evaluations: int = 60
    diff_step: float = 0.05
    start: dict[str, float] = field(default_factory=dict)
    ids: list[str] | None = None

    def __post_init__(self) -> None:
        if not self.parameters:
            raise ScenarioError("a calibration spec needs at least one [parameters] entry")
        for path, b in self.parameters.items():
            if len(b) != 2 or not 0 < float(b[0]) < float(b[1]) or not all(
                    math.isfinite(float(v)) for v in b):
                raise ScenarioError(f"bounds of {path!r} must be [lower, upper] with "
                                    f"0 < lower < upper, got {b!r}")
            current_value(path)  # names a preset (if scoped) and a field
        if not self.seeds or self.cells < 1 or self.max_evaluations < 2:
            raise ScenarioError("seeds must be non-empty, cells ≥ 1, max_evaluations ≥ 2")


#: A fitted value counts as identified by its observations when its sd in log space is at
#: most this (a factor e^0.5 ≈ 1.65 at 1 sd); a reporting convention, not a model parameter.
IDENTIFIED_SD_LOG = 0.5


def current_value(path: str) -> float:
    """The shipped value of a spec's parameter: ``path`` of the default scenario, or
    ``preset/path`` of a preset that sets its own (see :func:`~migrasome.observations.changes_for`).

    Raises
    ------
    ScenarioError
        If the preset or the field does not exist.
    """
    from .scenario import load_preset

    preset, _, field_path = path.rpartition("/")
    sc = load_preset(preset) if preset else Scenario()
    return float(get_path(sc.model_dump(mode="json"), field_path))


def load_spec(path: str | Path) -> CalibrationSpec:
    """Read a calibration spec from TOML (see the module docstring).

    Raises
    ------
    ScenarioError
        Naming the file and what is wrong.
    """
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(f"calibration spec {path} does not exist") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ScenarioError(f"calibration spec {path} is not readable TOML: {e}") from None
    cal = dict(data.get("calibration", {}))
    unknown = (set(cal) - {"observations", "seeds", "cells", "hours", "max_evaluations",
                           "diff_step", "ids"}) \
        | (set(data) - {"calibration", "parameters", "start"})
    if unknown:
        raise ScenarioError(f"calibration spec {path}: unknown keys {sorted(unknown)}")
    params = {k: tuple(v) for k, v in data.get("parameters", {}).items()}
    return CalibrationSpec(parameters=params, start=dict(data.get("start", {})), **cal)


def fitted_parameters() -> pd.DataFrame:
    """The scenario parameters whose status is ``fitted``, with the observations each was
    fitted to."""
    rows = [r for r in sources_table(Scenario()) if r["status"] == "fitted"]
    return pd.DataFrame(rows)[["path", "value", "bounds", "fitted_to", "source"]]


@dataclass
class Fit:
    """The result of :func:`calibrate`.

    Attributes
    ----------
    values : dict of str to float
        Fitted parameter values.
    sd : dict of str to float
        Their standard deviations (from the Jacobian; NaN where not identifiable).
    interval : dict of str to (float, float)
        The ±1 sd interval in log space (≈68 %), clipped to the bounds.
    identified : dict of str to bool
        Whether the training observations pin the value down: its sd in log space is at most
        ``IDENTIFIED_SD_LOG`` (within a factor ≈1.65 at 1 sd).
    jacobian : DataFrame
        d(standardised residual)/d(ln parameter) at the fit, observations × parameters.
    table : DataFrame
        Every observation fitted, with its prediction at the fitted values.
    cost : float
        ½ Σ residual² at the optimum.
    evaluations : int
        Objective evaluations used.
    message : str
        The optimiser's message.
    """

    values: dict[str, float]
    sd: dict[str, float]
    table: pd.DataFrame
    cost: float
    evaluations: int
    message: str
    interval: dict[str, tuple[float, float]] = field(default_factory=dict)
    identified: dict[str, bool] = field(default_factory=dict)
    jacobian: pd.DataFrame | None = None

    def to_toml(self) -> str:
        """The fitted values as ``[fitted]`` and their sd as ``[sd]`` TOML tables."""
        import tomli_w

        return tomli_w.dumps({"fitted": dict(self.values),
                              "sd": {k: (v if math.isfinite(v) else -1.0)
                                     for k, v in self.sd.items()},
                              "interval": {k: list(v) for k, v in self.interval.items()},
                              "identified": dict(self.identified)})


def calibrate(spec: CalibrationSpec, *, workers: int = 1,
              progress: Callable[[float, float], None] | None = None) -> Fit:
    """Fit ``spec.parameters`` to the spec's observations.

    Parameters
    ----------
    spec : CalibrationSpec
    workers : int
        Processes per evaluation (conditions × seeds run in parallel).
    progress : callable, optional
        ``progress(evaluations_done, max_evaluations)``.

    Returns
    -------
    Fit

    Raises
    ------
    ScenarioError
        If the observations cannot be read or name unknown conditions.
    """
    from scipy.optimize import least_squares

    obs = (load_observations(which="training") if spec.observations == "training"
           else load_observations(spec.observations))
    if spec.ids is not None:
        missing = sorted(set(spec.ids) - set(obs["id"]))
        if missing:
            raise ScenarioError(f"calibration ids {missing} are not in the observations "
                                f"(known: {sorted(obs['id'])})")
        obs = obs[obs["id"].isin(spec.ids)].reset_index(drop=True)
    if not len(obs):
        raise ScenarioError("no observations to fit")
    paths = list(spec.parameters)
    lo = np.log([spec.parameters[p][0] for p in paths])
    hi = np.log([spec.parameters[p][1] for p in paths])
    x0 = np.log([float(spec.start.get(p, current_value(p))) for p in paths])
    x0 = np.clip(x0, lo + 1e-9, hi - 1e-9)
    sd = ((obs["high"] - obs["low"]) / 4).to_numpy(float)
    sd = np.where(sd > 0, sd, np.maximum(np.abs(obs["value"].to_numpy(float)) * 0.1, 1e-3))
    conds = list(obs["condition"]) + [c for c in obs["control"] if c]
    fixed = {} if spec.hours is None else {"run.hours": float(spec.hours)}
    target = obs["value"].to_numpy(float)
    n = len(paths)
    done: dict[bytes, tuple[np.ndarray, pd.DataFrame]] = {}

    def changes_of(x):
        return {p: float(np.exp(v)) for p, v in zip(paths, x)}

    def evaluate(xs: list[np.ndarray]) -> list[np.ndarray]:
        # every point of a batch runs in one pool; points seen before are not rerun
        todo = [x for x in xs if x.tobytes() not in done]
        changes = [{**fixed, **changes_of(x)} for x in todo]
        before = len(done)

        def runs_done(k: int, total: int) -> None:
            # progress in evaluations, a fraction at a time as the batch's runs finish
            if progress is not None:
                progress(min(before + len(todo) * k / total, spec.max_evaluations),
                         spec.max_evaluations)

        for x, ch, runs in zip(todo, changes, run_conditions_batch(
                conds, spec.seeds, changes, cells=spec.cells, workers=workers,
                progress=runs_done)):
            table = predict(obs, seeds=spec.seeds, cells=spec.cells, changes=ch, runs=runs)
            pred = table["predicted"].to_numpy(float)
            done[x.tobytes()] = (np.where(np.isfinite(pred), (pred - target) / sd, 1e3), table)
        return [done[x.tobytes()][0] for x in xs]

    def residuals(x):
        return evaluate([np.asarray(x, float)])[0]

    def jacobian(x):
        # forward differences in log space (a relative step in the parameter), stepping
        # inward at an upper bound
        x = np.asarray(x, float)
        h = np.full(n, spec.diff_step)
        h = np.where(x + h > hi, -h, h)
        points = [x.copy() for _ in range(n)]
        for i in range(n):
            points[i][i] += h[i]
        f0, *fs = evaluate([x, *points])
        return np.column_stack([(f - f0) / h[i] for i, f in enumerate(fs)])

    # the budget counts every simulation of the parameters, the Jacobian's included
    max_nfev = max(1, spec.max_evaluations // (n + 1))
    # stop once the cost or the step changes by < 0.1 %: with finite cells and seeds the
    # objective is not smooth below that, so finer steps would only spend the budget
    sol = least_squares(residuals, x0, jac=jacobian, bounds=(lo, hi), max_nfev=max_nfev,
                        x_scale=1.0, ftol=1e-3, xtol=1e-3, gtol=1e-6)
    values = changes_of(sol.x)
    # residuals are in units of each observation's own sd, so (JᵀJ)⁻¹ is the covariance;
    # with more observations than parameters a misfit beyond that sd widens it (reduced χ²)
    dof = len(obs) - len(paths)
    s2 = max(2 * sol.cost / dof, 1.0) if dof > 0 else 1.0
    try:
        cov = np.linalg.inv(sol.jac.T @ sol.jac) * s2
        sd_log = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        sd_log = np.full(len(paths), np.nan)
    sd_vals = {p: float(values[p] * sd_log[i]) if np.isfinite(sd_log[i]) and
               np.abs(sol.jac[:, i]).sum() > 0 else math.nan for i, p in enumerate(paths)}
    interval = {p: (float(max(np.exp(lo[i]), values[p] * np.exp(-sd_log[i]))),
                    float(min(np.exp(hi[i]), values[p] * np.exp(sd_log[i]))))
                if math.isfinite(sd_vals[p]) else (float(np.exp(lo[i])), float(np.exp(hi[i])))
                for i, p in enumerate(paths)}
    identified = {p: bool(math.isfinite(sd_vals[p]) and sd_log[i] <= IDENTIFIED_SD_LOG)
                  for i, p in enumerate(paths)}
    evaluate([np.asarray(sol.x, float)])
    table = done[np.asarray(sol.x, float).tobytes()][1]
    return Fit(values=values, sd=sd_vals, table=table, cost=float(sol.cost),
               evaluations=len(done), message=str(sol.message), interval=interval,
               identified=identified,
               jacobian=pd.DataFrame(sol.jac, index=list(obs["id"]), columns=paths))


def fit_report(fit: Fit, spec: CalibrationSpec) -> str:
    """Markdown: fitted values with uncertainty, and each observation at the fit."""
    from .observations import report_markdown

    lines = ["# Calibration", "", f"{fit.evaluations} evaluations; cost {fit.cost:.4g}; "
             f"{fit.message}", "",
             "| parameter | fitted | sd | ±1 sd (log), in bounds | identified | bounds |",
             "|---|---|---|---|---|---|"]
    for p, v in fit.values.items():
        b = spec.parameters[p]
        a, z = fit.interval.get(p, (math.nan, math.nan))
        ok = "yes" if fit.identified.get(p) else "no"
        lines.append(f"| {p} | {v:.4g} | {fit.sd[p]:.2g} | {a:.3g}–{z:.3g} | {ok} | "
                     f"{b[0]:g}–{b[1]:g} |")
    settings: dict[str, Any] = {"seeds": spec.seeds, "cells": spec.cells}
    body = report_markdown(fit.table, title="Observations at the fit",
                           settings=f"runs: {settings}")
    return "\n".join(lines) + "\n\n" + body.replace("# Observations", "## Observations", 1)

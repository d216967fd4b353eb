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

from .observations import load_observations, predict, run_conditions
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
        Budget of objective evaluations.
    diff_step : float
        Relative finite-difference step (in log parameters).
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
            get_path(Scenario().model_dump(mode="json"), path)  # names a field
        if not self.seeds or self.cells < 1 or self.max_evaluations < 2:
            raise ScenarioError("seeds must be non-empty, cells ≥ 1, max_evaluations ≥ 2")


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

    def to_toml(self) -> str:
        """The fitted values as ``[fitted]`` and their sd as ``[sd]`` TOML tables."""
        import tomli_w

        return tomli_w.dumps({"fitted": dict(self.values),
                              "sd": {k: (v if math.isfinite(v) else -1.0)
                                     for k, v in self.sd.items()}})


def calibrate(spec: CalibrationSpec, *, workers: int = 1,
              progress: Callable[[int, int], None] | None = None) -> Fit:
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
    base = Scenario().model_dump(mode="json")
    x0 = np.log([float(spec.start.get(p, get_path(base, p))) for p in paths])
    x0 = np.clip(x0, lo + 1e-9, hi - 1e-9)
    sd = ((obs["high"] - obs["low"]) / 4).to_numpy(float)
    sd = np.where(sd > 0, sd, np.maximum(np.abs(obs["value"].to_numpy(float)) * 0.1, 1e-3))
    count = {"n": 0}
    conds = list(obs["condition"]) + [c for c in obs["control"] if c]

    fixed = {} if spec.hours is None else {"run.hours": float(spec.hours)}

    def changes_of(x):
        return {p: float(np.exp(v)) for p, v in zip(paths, x)}

    def residuals(x):
        ch = {**fixed, **changes_of(x)}
        runs = run_conditions(conds, spec.seeds, cells=spec.cells, changes=ch,
                              workers=workers)
        table = predict(obs, seeds=spec.seeds, cells=spec.cells, changes=ch, runs=runs)
        count["n"] += 1
        if progress is not None:
            progress(min(count["n"], spec.max_evaluations), spec.max_evaluations)
        pred = table["predicted"].to_numpy(float)
        return np.where(np.isfinite(pred), (pred - obs["value"].to_numpy(float)) / sd, 1e3)

    sol = least_squares(residuals, x0, bounds=(lo, hi), diff_step=spec.diff_step,
                        max_nfev=spec.max_evaluations, x_scale=1.0)
    values = changes_of(sol.x)
    dof = max(len(obs) - len(paths), 1)
    s2 = max(2 * sol.cost / dof, 1.0)  # an unexplained misfit widens the intervals
    try:
        cov = np.linalg.inv(sol.jac.T @ sol.jac) * s2
        sd_log = np.sqrt(np.clip(np.diag(cov), 0, None))
    except np.linalg.LinAlgError:
        sd_log = np.full(len(paths), np.nan)
    sd_vals = {p: float(values[p] * sd_log[i]) if np.isfinite(sd_log[i]) and
               np.abs(sol.jac[:, i]).sum() > 0 else math.nan for i, p in enumerate(paths)}
    table = predict(obs, seeds=spec.seeds, cells=spec.cells, changes={**fixed, **values})
    return Fit(values=values, sd=sd_vals, table=table, cost=float(sol.cost),
               evaluations=count["n"], message=str(sol.message))


def fit_report(fit: Fit, spec: CalibrationSpec) -> str:
    """Markdown: fitted values with uncertainty, and each observation at the fit."""
    from .observations import report_markdown

    lines = ["# Calibration", "", f"{fit.evaluations} evaluations; cost {fit.cost:.4g}; "
             f"{fit.message}", "", "| parameter | fitted | sd | bounds |", "|---|---|---|---|"]
    for p, v in fit.values.items():
        b = spec.parameters[p]
        lines.append(f"| {p} | {v:.4g} | {fit.sd[p]:.2g} | {b[0]:g}–{b[1]:g} |")
    settings: dict[str, Any] = {"seeds": spec.seeds, "cells": spec.cells}
    body = report_markdown(fit.table, title="Observations at the fit",
                           settings=f"runs: {settings}")
    return "\n".join(lines) + "\n\n" + body.replace("# Observations", "## Observations", 1)

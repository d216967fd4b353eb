"""The runs of a sweep: design points × perturbation sets × doses × seeds, as a table."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pandas as pd

from .spec import Range, SweepSpec

__all__ = ["plan_runs", "design_points", "salib_problem", "PARAM_PREFIX", "DOSE_PREFIX"]

#: Column prefixes of the run table: swept scenario paths and dose axes.
PARAM_PREFIX = "param."
DOSE_PREFIX = "dose."


def salib_problem(spec: SweepSpec) -> dict:
    """The SALib problem of the ranges (log ranges in log space)."""
    names = list(spec.ranges)
    bounds = [[np.log(r.low), np.log(r.high)] if r.log else [r.low, r.high]
              for r in spec.ranges.values()]
    return {"num_vars": len(names), "names": names, "bounds": bounds}


def _unit_to_values(u: np.ndarray, ranges: dict[str, Range]) -> np.ndarray:
    out = np.empty_like(u, dtype=float)
    for j, r in enumerate(ranges.values()):
        if r.log:
            out[:, j] = np.exp(np.log(r.low) + u[:, j] * (np.log(r.high) - np.log(r.low)))
        else:
            out[:, j] = r.low + u[:, j] * (r.high - r.low)
    return out


def _from_problem_space(x: np.ndarray, ranges: dict[str, Range]) -> np.ndarray:
    out = np.array(x, dtype=float)
    for j, r in enumerate(ranges.values()):
        if r.log:
            out[:, j] = np.exp(out[:, j])
    return out


def design_points(spec: SweepSpec) -> pd.DataFrame:
    """One row per design point: the swept parameter values (columns ``param.PATH``).

    ``grid`` is the full product of the listed values; ``lhs`` and ``sobol`` are
    space-filling samples of the ranges (``scipy.stats.qmc``, scrambled, seeded with
    ``design_seed``); ``morris`` and ``saltelli`` are SALib's samples for Morris elementary
    effects and Sobol indices (needs the ``sweep`` extra).
    """
    if spec.design == "grid":
        if not spec.grid:
            return pd.DataFrame(index=range(1))
        combos = list(itertools.product(*spec.grid.values()))
        return pd.DataFrame(combos, columns=[PARAM_PREFIX + p for p in spec.grid])
    d = len(spec.ranges)
    if spec.design in ("lhs", "sobol"):
        from scipy.stats import qmc

        if spec.design == "lhs":
            eng = qmc.LatinHypercube(d=d, seed=spec.design_seed)
        else:
            eng = qmc.Sobol(d=d, scramble=True, seed=spec.design_seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Sobol balance wants 2^m points; any n works
            x = _unit_to_values(eng.random(spec.samples), spec.ranges)
    else:
        from ..extras import require

        require("sweep", "SALib")
        from SALib.sample import morris as morris_sample
        from SALib.sample import sobol as sobol_sample

        prob = salib_problem(spec)
        if spec.design == "morris":
            x = morris_sample.sample(prob, spec.samples, num_levels=4, seed=spec.design_seed)
        else:
            x = sobol_sample.sample(prob, spec.samples, calc_second_order=False,
                                    seed=spec.design_seed)
        x = _from_problem_space(x, spec.ranges)
    df = pd.DataFrame(x, columns=[PARAM_PREFIX + p for p in spec.ranges])
    for p, r in spec.ranges.items():
        if r.integer:
            df[PARAM_PREFIX + p] = np.round(df[PARAM_PREFIX + p]).astype(np.int64)
    return df


def plan_runs(spec: SweepSpec) -> pd.DataFrame:
    """Every run of the sweep, in a fixed order, one row each.

    Returns
    -------
    DataFrame
        ``run_id`` (0, 1, …), ``point`` (design point), ``seed``, ``perturbation_set``
        (``"none"`` for the control, else names joined by ``+``), ``perturbations`` (every
        perturbation applied, doses included, joined by ``+``), ``dose.NAME`` per dose
        axis, ``param.PATH`` per swept parameter.

    Examples
    --------
    >>> from migrasome.sweeps.spec import load_spec
    >>> s = load_spec({"seeds": 2, "perturbations": {"sets": ["none", "TSPAN4-KD"],
    ...                "doses": {"fibronectin": [1, 10]}}})
    >>> len(plan_runs(s))
    8
    """
    points = design_points(spec)
    dose_axes = list(spec.doses)
    dose_combos = list(itertools.product(*spec.doses.values())) if dose_axes else [()]
    rows: list[dict] = []
    # one record per design point, also when no parameter is swept (no columns)
    records = points.to_dict("records") if len(points.columns) else [{}] * len(points)
    for p, point in enumerate(records):
        for pset in spec.perturbation_sets:
            for combo in dose_combos:
                applied = list(pset) + [f"{n}:{_fmt(d)}" for n, d in zip(dose_axes, combo)]
                for seed in spec.seeds:
                    row = {"run_id": len(rows), "point": p, "seed": int(seed),
                           "perturbation_set": "+".join(pset) or "none",
                           "perturbations": "+".join(applied)}
                    row.update({DOSE_PREFIX + n: float(d) for n, d in zip(dose_axes, combo)})
                    row.update(point)
                    rows.append(row)
    return pd.DataFrame(rows)


def _fmt(d: float) -> str:
    return f"{d:g}"

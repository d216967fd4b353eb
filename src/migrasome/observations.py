"""Published observations as data, and the model's predictions of them.

``data/observations.csv`` holds one row per published observation: the condition (a preset
and perturbations, ``preset+PERT+PERT:DOSE``), the read-out, its value with an acceptance
range (the figure's reading error, fig≈ ±20 %, or the range the text gives), the source, and
which set it belongs to: ``training`` (used to fit the parameters whose status is
``fitted``; each names its observations) or ``validation`` (never used to fit).
:func:`predict` runs the model on any set of observations over several seeds — paired
seeds for a condition and its control (common random numbers) — and says which pass.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .parameters import ScenarioError

__all__ = ["load_observations", "predict", "parse_condition", "run_condition",
           "COLUMNS", "VALIDATION_SEEDS"]

COLUMNS = ("id", "set", "condition", "control", "readout", "kind", "value", "low", "high",
           "source", "where", "note")
#: Seeds the validation uses: none of them was used while any parameter was chosen.
VALIDATION_SEEDS = (303, 404, 505)


def load_observations(path: str | Path | None = None, *,
                      which: str | None = None) -> pd.DataFrame:
    """The observations table (the shipped one, or a user's CSV of the same columns).

    Parameters
    ----------
    path : path-like, optional
        A CSV with ``COLUMNS`` (``note`` optional); default: the shipped table.
    which : {"training", "validation"}, optional
        Keep only that set.

    Returns
    -------
    DataFrame
        One row per observation.

    Raises
    ------
    ScenarioError
        Naming the file and what is wrong (missing columns, unknown set or kind, a range
        that does not contain its value, duplicate ids).

    Examples
    --------
    >>> obs = load_observations(which="validation")
    >>> bool((obs["set"] == "validation").all())
    True
    """
    if path is None:
        src = resources.files("migrasome") / "data" / "observations.csv"
        name = "the shipped observations"
        with resources.as_file(src) as f:
            df = pd.read_csv(f, dtype={"control": str, "note": str}, keep_default_na=False)
    else:
        name = str(path)
        try:
            df = pd.read_csv(path, dtype={"control": str, "note": str}, keep_default_na=False)
        except (OSError, pd.errors.ParserError, UnicodeDecodeError) as e:
            raise ScenarioError(f"cannot read observations {name}: {e}") from None
    if "note" not in df.columns:
        df["note"] = ""
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ScenarioError(f"observations {name} lack columns {missing}; "
                            f"required: {list(COLUMNS)}")
    for c in ("value", "low", "high"):
        df[c] = pd.to_numeric(df[c], errors="coerce")
    bad = df[~df["set"].isin(["training", "validation"])]
    if len(bad):
        raise ScenarioError(f"observations {name}: set {bad['set'].iloc[0]!r} of "
                            f"{bad['id'].iloc[0]!r}: must be 'training' or 'validation'")
    bad = df[~df["kind"].isin(["value", "ratio"])]
    if len(bad):
        raise ScenarioError(f"observations {name}: kind {bad['kind'].iloc[0]!r} of "
                            f"{bad['id'].iloc[0]!r}: must be 'value' or 'ratio'")
    bad = df[~((df["low"] <= df["value"]) & (df["value"] <= df["high"]))]
    if len(bad):
        raise ScenarioError(f"observations {name}: {bad['id'].iloc[0]!r} needs finite "
                            "numbers with low ≤ value ≤ high")
    bad = df[(df["kind"] == "ratio") & (df["control"].str.strip() == "")]
    if len(bad):
        raise ScenarioError(f"observations {name}: ratio {bad['id'].iloc[0]!r} needs a "
                            "control condition")
    if df["id"].duplicated().any():
        raise ScenarioError(f"observations {name}: duplicate id "
                            f"{df['id'][df['id'].duplicated()].iloc[0]!r}")
    if which is not None:
        df = df[df["set"] == which]
    return df.reset_index(drop=True)


def parse_condition(spec: str) -> tuple[str, tuple[str, ...]]:
    """``"preset+PERT+PERT:DOSE"`` → ``(preset, (PERT, PERT:DOSE))``."""
    preset, *perts = [p.strip() for p in spec.split("+")]
    if not preset:
        raise ScenarioError(f"condition {spec!r}: needs a preset first, e.g. "
                            "'nrk-fibronectin+ITGA5-KD'")
    return preset, tuple(perts)


def changes_for(preset: str, changes: dict) -> dict:
    """The parameter changes that apply to ``preset``.

    A plain path (``"fibers.adhesion_density_per_um2"``) changes the default every preset
    inherits, so it leaves alone a preset that sets that parameter itself; a path scoped to a
    preset (``"l929-fibronectin/fibers.adhesion_density_per_um2"``) changes that preset's
    own value and nothing else.

    Examples
    --------
    >>> changes_for("l929-fibronectin", {"fibers.adhesion_density_per_um2": 0.02,
    ...                                  "l929-fibronectin/fibers.adhesion_density_per_um2": 0.03})
    {'fibers.adhesion_density_per_um2': 0.03}
    """
    own = _preset_paths(preset)
    out = {k: v for k, v in changes.items() if "/" not in k
           and not any(o == k or o.startswith(k + ".") for o in own)}
    out.update({k.split("/", 1)[1]: v for k, v in changes.items()
                if "/" in k and k.split("/", 1)[0] == preset})
    return out


@cache
def _preset_paths(preset: str) -> frozenset[str]:
    """The dotted paths a shipped preset's TOML sets itself."""
    from .scenario import PRESET_DIR

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    f = PRESET_DIR / f"{preset}.toml"
    if not f.is_file():
        return frozenset()

    def walk(d: dict, prefix: str):
        for k, v in d.items():
            if isinstance(v, dict):
                yield from walk(v, f"{prefix}{k}.")
            else:
                yield f"{prefix}{k}"
    return frozenset(walk(tomllib.loads(f.read_text(encoding="utf-8")), ""))


def run_condition(condition: str, seed: int, *, cells: int | None = None,
                  embryos: int | None = None, changes: dict | None = None) -> dict:
    """The read-outs (summary and function read-outs) of one condition and seed.

    Parameters
    ----------
    condition : str
        ``preset+PERT+…``.
    seed : int
    cells : int, optional
        Cells per run (default: the preset's); embryo presets keep theirs.
    embryos : int, optional
        Replicates of an embryo preset (default: the preset's).
    changes : dict, optional
        Parameter changes ``{path: value}`` applied before the perturbations (calibration);
        see :func:`changes_for`.

    Returns
    -------
    dict
        Read-out name → value.
    """
    from .sim.functions import summarize_functions
    from .simulation import default_replicates, resolve_scenario, simulate

    preset, perts = parse_condition(condition)
    sc = resolve_scenario(preset, seed=seed)
    if changes:
        sc = sc.with_changes(**changes_for(preset, changes))
    embryo = default_replicates(sc) > 1
    if cells is not None and not embryo:
        sc = sc.with_changes(**{"cells.n_cells": cells})
    res = simulate(sc, perturbations=list(perts),
                   replicates=embryos if (embryo and embryos) else None)
    out = res.summary().to_dict()
    out.update(summarize_functions(res))
    return out


def _job(args):
    condition, seed, cells, embryos, changes = args
    return run_condition(condition, seed, cells=cells, embryos=embryos, changes=changes)


def run_conditions(conditions: Iterable[str], seeds: Iterable[int], *, cells=None,
                   embryos=None, changes=None, workers: int = 1,
                   progress: Callable[[int, int], None] | None = None) -> dict:
    """``{(condition, seed): read-outs}`` for every pair, in processes if ``workers > 1``."""
    return run_conditions_batch(conditions, seeds, [changes], cells=cells, embryos=embryos,
                                workers=workers, progress=progress)[0]


def run_conditions_batch(conditions: Iterable[str], seeds: Iterable[int],
                         changes_list: Sequence[dict | None], *, cells=None, embryos=None,
                         workers: int = 1,
                         progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """:func:`run_conditions` for several parameter sets at once, in one pool of processes.

    Returns one ``{(condition, seed): read-outs}`` per entry of ``changes_list``. Running
    the sets together (for example the points of a finite-difference Jacobian) keeps every
    worker busy to the end instead of waiting at the end of each set.
    """
    keys = [(c, int(s)) for c in dict.fromkeys(conditions) for s in seeds]
    jobs = [(i, key, (key[0], key[1], cells, embryos, ch))
            for i, ch in enumerate(changes_list) for key in keys]
    out: list[dict] = [{} for _ in changes_list]
    if workers > 1 and len(jobs) > 1:
        with ProcessPoolExecutor(workers) as ex:
            results = ex.map(_job, [j for _, _, j in jobs])
            for k, ((i, key, _), r) in enumerate(zip(jobs, results), 1):
                out[i][key] = r
                if progress:
                    progress(k, len(jobs))
    else:
        for k, (i, key, job) in enumerate(jobs, 1):
            out[i][key] = _job(job)
            if progress:
                progress(k, len(jobs))
    return out


def _t95(n: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.975, n - 1)) if n > 1 else math.nan


def predict(observations: pd.DataFrame, *, seeds: Iterable[int] = VALIDATION_SEEDS,
            cells: int | None = 150, embryos: int | None = None, changes: dict | None = None,
            workers: int = 1, progress: Callable[[int, int], None] | None = None,
            runs: dict | None = None) -> pd.DataFrame:
    """The model's prediction of each observation, over seeds, and whether it passes.

    Parameters
    ----------
    observations : DataFrame
        From :func:`load_observations`.
    seeds : iterable of int
        One paired run of condition and control per seed.
    cells : int, optional
        Cells per run (150: the seed-to-seed spread of migrasomes per cell is ≈5 %).
    embryos : int, optional
        Embryos per embryo-preset run (default: the preset's).
    changes : dict, optional
        Parameter changes applied to every condition.
    workers : int
        Processes to run conditions in.
    progress : callable, optional
        ``progress(done, total)`` over runs.
    runs : dict, optional
        Read-outs already computed (``run_conditions``'s output), reused.

    Returns
    -------
    DataFrame
        The observations with ``predicted`` (mean over seeds), ``ci_low``, ``ci_high``
        (95 % t-interval of the mean), ``per_seed`` (list), ``n_seeds``, ``passed``
        (predicted mean inside [low, high]).
    """
    seeds = [int(s) for s in seeds]
    conds = list(observations["condition"]) + [c for c in observations["control"] if c]
    todo = [c for c in dict.fromkeys(conds) if runs is None
            or any((c, s) not in runs for s in seeds)]
    got = dict(runs or {})
    got.update(run_conditions(todo, seeds, cells=cells, embryos=embryos, changes=changes,
                              workers=workers, progress=progress))
    rows = []
    for _, ob in observations.iterrows():
        vals = []
        for s in seeds:
            v = got[(ob["condition"], s)].get(ob["readout"], np.nan)
            if ob["kind"] == "ratio":
                c = got[(ob["control"], s)].get(ob["readout"], np.nan)
                v = v / c if c else np.nan
            vals.append(float(v))
        v = np.asarray(vals)
        n = int(np.isfinite(v).sum())
        mean = float(np.nanmean(v)) if n else np.nan
        half = _t95(n) * float(np.nanstd(v, ddof=1)) / math.sqrt(n) if n > 1 else np.nan
        row = ob.to_dict()
        row.update(predicted=mean, ci_low=mean - half, ci_high=mean + half, per_seed=vals,
                   n_seeds=n, passed=bool(n and ob["low"] <= mean <= ob["high"]))
        rows.append(row)
    return pd.DataFrame(rows)


def report_markdown(table: pd.DataFrame, *, title: str, settings: str) -> str:
    """A predicted-vs-observed table as Markdown (for ``docs/``)."""
    lines = [f"# {title}", "", settings, "",
             "| id | condition | read-out | observed (range) | predicted (95 % CI) | pass |",
             "|---|---|---|---|---|---|"]
    for _, r in table.iterrows():
        what = r["readout"] + (" (ratio to " + r["control"] + ")" if r["kind"] == "ratio"
                               else "")
        lines.append(f"| {r['id']} | {r['condition']} | {what} | {r['value']:g} "
                     f"({r['low']:g}–{r['high']:g}) | {r['predicted']:.3g} "
                     f"({r['ci_low']:.3g}–{r['ci_high']:.3g}) | "
                     f"{'yes' if r['passed'] else '**no**'} |")
    n, k = len(table), int(table["passed"].sum())
    lines += ["", f"{k} of {n} pass ({100 * k / max(n, 1):.0f} %)."]
    return "\n".join(lines) + "\n"

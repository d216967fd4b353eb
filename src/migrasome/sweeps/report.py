"""The sweep report: dose–responses, ranked knockdown effects, heatmaps, sensitivity.

Everything is computed from the summary table of the sweep folder (one row per run), over
the runs that succeeded; intervals are over seeds (t-interval of the mean, 95 %).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..results import atomic_dir
from .dataset import load_sweep
from .design import DOSE_PREFIX, PARAM_PREFIX, salib_problem
from .spec import SweepSpec

__all__ = ["sweep_report", "dose_response", "knockdown_effects", "sensitivity", "mean_ci"]


def mean_ci(values: pd.Series, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and its t-interval ``(mean, low, high, n)`` (NaN interval for n < 2)."""
    from scipy import stats

    v = pd.to_numeric(values, errors="coerce").dropna().to_numpy(float)
    n = len(v)
    if n == 0:
        return np.nan, np.nan, np.nan, 0
    m = float(v.mean())
    if n < 2:
        return m, np.nan, np.nan, n
    half = stats.t.ppf(0.5 + level / 2, n - 1) * v.std(ddof=1) / np.sqrt(n)
    return m, m - half, m + half, n


def _axes(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c.startswith((DOSE_PREFIX, PARAM_PREFIX))]


def _summarize(df: pd.DataFrame, keys: list[str], readout: str) -> pd.DataFrame:
    rows = []
    for k, g in df.groupby(keys, sort=True, dropna=False):
        k = k if isinstance(k, tuple) else (k,)
        m, lo, hi, n = mean_ci(g[readout])
        rows.append(dict(zip(keys, k), mean=m, ci_low=lo, ci_high=hi, n_seeds=n))
    return pd.DataFrame(rows)


def dose_response(df: pd.DataFrame, readout: str) -> pd.DataFrame:
    """Mean read-out with its interval over seeds for every perturbation set and dose
    combination (and grid point); one row each."""
    keys = ["perturbation_set"] + _axes(df)
    return _summarize(df, keys, readout) if len(df) else pd.DataFrame()


def knockdown_effects(df: pd.DataFrame, readout: str, control: str = "none") -> pd.DataFrame:
    """Each perturbation set against the control, ranked by the size of its effect.

    The effect is computed within each condition (doses and parameters equal) and then
    averaged: ``ratio`` (mean / control mean), ``difference``, Cohen's ``d`` (pooled SD over
    seeds) and Welch's ``p_value``. Empty when there is no control set.
    """
    from scipy import stats

    if control not in set(df.get("perturbation_set", [])):
        return pd.DataFrame()
    cond = _axes(df)
    rows = []
    for pset, g in df[df["perturbation_set"] != control].groupby("perturbation_set"):
        parts = []
        for key, gg in (g.groupby(cond, dropna=False) if cond else [((), g)]):
            key = key if isinstance(key, tuple) else (key,)
            c = df[df["perturbation_set"] == control]
            for col, v in zip(cond, key):
                c = c[c[col] == v]
            a = pd.to_numeric(gg[readout], errors="coerce").dropna().to_numpy(float)
            b = pd.to_numeric(c[readout], errors="coerce").dropna().to_numpy(float)
            if len(a) == 0 or len(b) == 0:
                continue
            sd = np.sqrt((a.var(ddof=1) + b.var(ddof=1)) / 2) if min(len(a), len(b)) > 1 \
                else np.nan
            d = (a.mean() - b.mean()) / sd if sd and sd > 0 else np.nan
            p = stats.ttest_ind(a, b, equal_var=False).pvalue if min(len(a), len(b)) > 1 \
                and (a.std() > 0 or b.std() > 0) else np.nan
            parts.append((a.mean(), b.mean(), d, p))
        if not parts:
            continue
        m, cm, d, p = (np.nanmean([x[i] for x in parts]) if not all(
            np.isnan(x[i]) for x in parts) else np.nan for i in range(4))
        rows.append({"perturbation_set": pset, "mean": m, "control_mean": cm,
                     "difference": m - cm, "ratio": m / cm if cm else np.nan,
                     "cohens_d": d, "p_value": p, "n_conditions": len(parts)})
    out = pd.DataFrame(rows)
    if len(out):
        size = out["cohens_d"].abs().fillna(out["difference"].abs())
        out = out.iloc[np.argsort(-size.to_numpy(), kind="stable")].reset_index(drop=True)
        out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out


def sensitivity(df: pd.DataFrame, spec: SweepSpec, readout: str) -> pd.DataFrame:
    """Sensitivity of the read-out to each swept parameter (mean over seeds per point).

    ``morris``: SALib's elementary effects (``mu_star``, ``sigma``); ``saltelli``: SALib's
    Sobol indices (``S1``, ``ST`` with confidence halves); other designs: Spearman's rank
    correlation. Computed on the control set (or the first set) at the first dose.
    """
    params = [c for c in df.columns if c.startswith(PARAM_PREFIX)]
    if not params or not len(df):
        return pd.DataFrame()
    sub = df[df["perturbation_set"] == df["perturbation_set"].iloc[0]]
    if "none" in set(df["perturbation_set"]):
        sub = df[df["perturbation_set"] == "none"]
    for c in [c for c in df.columns if c.startswith(DOSE_PREFIX)]:
        sub = sub[sub[c] == sub[c].iloc[0]]
    y = sub.groupby("point")[readout].mean()
    x = sub.groupby("point")[params].first()
    names = [p[len(PARAM_PREFIX):] for p in params]
    if spec.design in ("morris", "saltelli"):
        from ..extras import require

        require("sweep", "SALib")
        prob = salib_problem(spec)
        n_points = int(df["point"].max()) + 1
        if len(y) < n_points or y.isna().any():
            return pd.DataFrame({"parameter": names, "note": "incomplete sweep: not computed"})
        xs = x.to_numpy(float).copy()
        for j, r in enumerate(spec.ranges.values()):
            if r.log:
                xs[:, j] = np.log(xs[:, j])
        if spec.design == "morris":
            from SALib.analyze import morris

            si = morris.analyze(prob, xs, y.to_numpy(float), num_levels=4,
                                seed=spec.design_seed)
            out = pd.DataFrame({"parameter": names, "mu_star": si["mu_star"],
                                "mu_star_conf": si["mu_star_conf"], "sigma": si["sigma"]})
            key = "mu_star"
        else:
            from SALib.analyze import sobol

            si = sobol.analyze(prob, y.to_numpy(float), calc_second_order=False,
                               seed=spec.design_seed)
            out = pd.DataFrame({"parameter": names, "S1": si["S1"], "S1_conf": si["S1_conf"],
                                "ST": si["ST"], "ST_conf": si["ST_conf"]})
            key = "ST"
    else:
        from scipy import stats

        rho = [stats.spearmanr(x[p], y).statistic if x[p].nunique() > 1 and y.nunique() > 1
               else np.nan for p in params]
        out = pd.DataFrame({"parameter": names, "spearman_rho": rho})
        key = "spearman_rho"
    order = np.argsort(-np.abs(out[key].to_numpy(float)), kind="stable")
    return out.iloc[order].reset_index(drop=True)


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _fig_dose(dr: pd.DataFrame, dose: str, readout: str, path: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    others = [c for c in _axes(dr) if c != dose]
    for key, g in dr.groupby(["perturbation_set"] + others, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        g = g.sort_values(dose)
        label = " · ".join([str(key[0])] + [f"{c.split('.')[-1]}={v:g}"
                                             for c, v in zip(others, key[1:])])
        ax.plot(g[dose], g["mean"], "o-", label=label)
        ax.fill_between(g[dose], g["ci_low"], g["ci_high"], alpha=0.2)
    if (dr[dose] > 0).all() and dr[dose].max() / max(dr[dose].min(), 1e-12) > 20:
        ax.set_xscale("log")
    ax.set(xlabel=dose[len(DOSE_PREFIX):] + " dose", ylabel=readout)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fig_effects(eff: pd.DataFrame, readout: str, path: Path) -> None:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 0.4 * len(eff) + 1.4))
    ax.barh(eff["perturbation_set"][::-1], eff["ratio"][::-1], color="C0")
    ax.axvline(1.0, color="k", lw=0.8)
    ax.set(xlabel=f"{readout} relative to control", title="knockdown screen (ranked)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fig_heatmap(dr: pd.DataFrame, a: str, b: str, pset: str, readout: str, path: Path):
    plt = _plt()
    g = dr[dr["perturbation_set"] == pset].pivot_table(index=a, columns=b, values="mean")
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    im = ax.imshow(g.to_numpy(float), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(g.shape[1]), [f"{v:g}" for v in g.columns], fontsize=7)
    ax.set_yticks(range(g.shape[0]), [f"{v:g}" for v in g.index], fontsize=7)
    ax.set(xlabel=b.split(".", 1)[1], ylabel=a.split(".", 1)[1], title=pset)
    fig.colorbar(im, ax=ax, label=readout)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def sweep_report(out, *, readout: str | None = None, figures: bool = True) -> Path:
    """Write ``OUT/report/``: CSV tables, figures and ``index.html`` of a sweep folder.

    Parameters
    ----------
    out : path
        A sweep folder.
    readout : str, optional
        Summary column to plot and rank (default: the spec's ``readout``).
    figures : bool
        Draw PNG figures (else tables only).

    Returns
    -------
    Path
        The report's ``index.html``.

    Examples
    --------
    >>> from migrasome.sweeps import sweep_report
    >>> sweep_report("tspan4-screen")                              # doctest: +SKIP
    """
    out = Path(out)
    df = load_sweep(out, "summary")
    spec = SweepSpec.from_json(json.dumps(json.loads((out / "sweep.json").read_text())["spec"]))
    readout = readout or spec.readout
    ok = df[df["status"] == "ok"] if len(df) else df
    if len(ok) and readout not in ok.columns:
        raise ValueError(f"readout {readout!r} is not a summary column; choose one of "
                         f"{[c for c in ok.columns if ok[c].dtype.kind == 'f']}")
    failed = df[df["status"] != "ok"] if len(df) else df
    dr = dose_response(ok, readout) if len(ok) else pd.DataFrame()
    eff = knockdown_effects(ok, readout) if len(ok) else pd.DataFrame()
    sens = sensitivity(ok, spec, readout) if len(ok) else pd.DataFrame()
    with atomic_dir(out / "report", overwrite=True) as tmp:
        figs = []
        for name, t in (("dose_response", dr), ("knockdown_effects", eff),
                        ("sensitivity", sens)):
            if len(t):
                t.to_csv(tmp / f"{name}.csv", index=False)
        if len(failed):
            failed[["run_id", "perturbations", "seed", "error"]].to_csv(
                tmp / "failed_runs.csv", index=False)
        if figures and len(dr):
            for dose in [c for c in dr.columns if c.startswith(DOSE_PREFIX)]:
                figs.append(f"dose_{dose[len(DOSE_PREFIX):]}.png")
                _fig_dose(dr, dose, readout, tmp / figs[-1])
            if len(eff):
                figs.append("knockdown_effects.png")
                _fig_effects(eff, readout, tmp / figs[-1])
            axes = [c for c in _axes(dr) if dr[c].nunique() > 1]
            if spec.design == "grid" and len(axes) == 2:
                for i, pset in enumerate(dr["perturbation_set"].unique()[:6]):
                    figs.append(f"heatmap_{i}.png")
                    _fig_heatmap(dr, axes[0], axes[1], pset, readout, tmp / figs[-1])
        (tmp / "index.html").write_text(_html(spec, df, failed, eff, sens, figs, readout))
    return out / "report" / "index.html"


def _html(spec, df, failed, eff, sens, figs, readout) -> str:
    def table(t: pd.DataFrame) -> str:
        return t.to_html(index=False, float_format=lambda v: f"{v:.4g}", border=0)

    parts = [f"<h1>sweep {html.escape(spec.name)}</h1>",
             f"<p>{len(df)} runs finished, {len(failed)} failed · design {spec.design} · "
             f"preset {html.escape(spec.preset)} · read-out <b>{html.escape(readout)}</b> · "
             f"intervals: 95 % over {len(spec.seeds)} seeds</p>"]
    if len(eff):
        parts += ["<h2>knockdown screen, ranked by effect size</h2>", table(eff)]
    if len(sens):
        parts += ["<h2>sensitivity</h2>", table(sens)]
    parts += [f'<img src="{html.escape(f)}" style="max-width:48%">' for f in figs]
    if len(failed):
        parts += ["<h2>failed runs</h2>",
                  table(failed[["run_id", "perturbations", "seed", "error"]])]
    return "<!doctype html><meta charset='utf-8'><title>sweep report</title>" + "".join(parts)

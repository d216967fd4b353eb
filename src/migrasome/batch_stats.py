"""Per-condition statistics and figures of a batch: migrasomes per cell, as papers show them.

Each cell is one point (its migrasome count); conditions are compared with the two-sided
Mann–Whitney U test (counts are not normal and have many zeros), p-values corrected for the
number of comparisons (Holm 1979, Scand J Stat 6:65, by default; or Benjamini–Hochberg 1995).
Cells of one movie are not independent, so when statsmodels is installed a linear mixed
model ``n_migrasomes ~ condition + (1 | file)`` is fitted as well, the movie a random effect.
"""

from __future__ import annotations

import html
import itertools
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["condition_stats", "adjust_pvalues", "mixed_model", "batch_figures", "batch_html"]


def adjust_pvalues(p, *, method: str = "holm") -> np.ndarray:
    """Multiple-testing corrected p-values.

    Parameters
    ----------
    p : array-like of float
    method : {"holm", "bh", "bonferroni", "none"}

    Returns
    -------
    ndarray
        Same order as ``p``, each ≤ 1.

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03]).round(3).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p, float)
    m = p.size
    if m == 0 or method == "none":
        return p.copy()
    if method == "bonferroni":
        return np.minimum(p * m, 1.0)
    order = np.argsort(p)
    ps = p[order]
    if method == "holm":
        adj = np.maximum.accumulate(ps * (m - np.arange(m)))
    elif method == "bh":
        adj = np.minimum.accumulate((ps * m / np.arange(1, m + 1))[::-1])[::-1]
    else:
        raise ValueError(f"method={method!r}: use 'holm', 'bh', 'bonferroni' or 'none'")
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out


def condition_stats(per_cell: pd.DataFrame, *, control: str | None = None,
                    value: str = "n_migrasomes", method: str = "holm",
                    alpha: float = 0.05) -> pd.DataFrame:
    """Compare conditions cell by cell (Mann–Whitney U, corrected).

    Parameters
    ----------
    per_cell : DataFrame
        ``condition`` and ``value`` columns, one row per cell.
    control : str, optional
        Test each condition against this one; default every pair.
    method : str
        See :func:`adjust_pvalues`.

    Returns
    -------
    DataFrame
        One row per comparison: ``condition_a, condition_b, n_cells_a, n_cells_b,
        mean_a, mean_b, median_a, median_b, ratio_of_means`` (a / b), ``u_statistic,
        p_value, p_adjusted, significant``.

    Raises
    ------
    ValueError
        An unknown ``control``.
    """
    from scipy.stats import mannwhitneyu

    conds = sorted(per_cell["condition"].unique())
    if control is not None and control not in conds:
        raise ValueError(f"control={control!r} is not one of the conditions {conds}")
    pairs = ([(c, control) for c in conds if c != control] if control is not None
             else list(itertools.combinations(conds, 2)))
    vals = {c: per_cell.loc[per_cell["condition"] == c, value].to_numpy(float) for c in conds}
    rows = []
    for a, b in pairs:
        x, y = vals[a], vals[b]
        if len(x) and len(y) and np.ptp(np.concatenate([x, y])) > 0:
            u, p = mannwhitneyu(x, y, alternative="two-sided")
        else:
            u, p = np.nan, 1.0
        rows.append({"condition_a": a, "condition_b": b, "n_cells_a": len(x),
                     "n_cells_b": len(y), "mean_a": _mean(x), "mean_b": _mean(y),
                     "median_a": _median(x), "median_b": _median(y),
                     "ratio_of_means": _mean(x) / _mean(y) if _mean(y) > 0 else np.nan,
                     "u_statistic": float(u), "p_value": float(p)})
    out = pd.DataFrame(rows, columns=["condition_a", "condition_b", "n_cells_a", "n_cells_b",
                                      "mean_a", "mean_b", "median_a", "median_b",
                                      "ratio_of_means", "u_statistic", "p_value"])
    out["p_adjusted"] = adjust_pvalues(out["p_value"].to_numpy(), method=method)
    out["significant"] = out["p_adjusted"] < alpha
    out["test"] = f"Mann-Whitney U, two-sided, {method}-corrected"
    return out


def _mean(v) -> float:
    return float(np.mean(v)) if len(v) else np.nan


def _median(v) -> float:
    return float(np.median(v)) if len(v) else np.nan


def mixed_model(per_cell: pd.DataFrame, *, control: str | None = None,
                value: str = "n_migrasomes") -> dict | None:
    """``value ~ condition + (1 | file)`` by REML, if statsmodels is installed.

    Returns
    -------
    dict or None
        ``formula``, ``reference`` (the baseline condition), ``coefficients`` and
        ``p_values`` per condition term (against ``control``, default the first condition
        in sorted order); None when statsmodels is missing, there is only
        one condition or movie, or the fit fails.
    """
    try:
        import statsmodels.formula.api as smf
    except ImportError:
        return None
    df = per_cell[["condition", "file", value]].copy()
    if df["condition"].nunique() < 2 or df["file"].nunique() < 3:
        return None
    df[value] = df[value].astype(float)
    try:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = control if control is not None else sorted(df["condition"].unique())[0]
            term = f"C(condition, Treatment(reference={ref!r}))"
            fit = smf.mixedlm(f"{value} ~ {term}", df, groups=df["file"]).fit(reml=True)
    except Exception:  # singular or non-converging fits: report no model rather than fail
        return None
    sd = float(df[value].std()) or 1.0
    if not (np.isfinite(fit.llf) and np.all(np.isfinite(fit.bse))
            and float(np.max(fit.bse)) < 100 * sd):
        return None  # a degenerate fit (e.g. no between-movie variance) says nothing
    terms = [t for t in fit.params.index if t.startswith("C(condition")]
    return {"formula": f"{value} ~ condition + (1 | file)", "reference": ref,
            "coefficients": {t.split("[T.")[-1][:-1]: float(fit.params[t]) for t in terms},
            "p_values": {t.split("[T.")[-1][:-1]: float(fit.pvalues[t]) for t in terms}}


def _stars(p: float) -> str:
    return "****" if p < 1e-4 else "***" if p < 1e-3 else "**" if p < 1e-2 else \
        "*" if p < 0.05 else "ns"


def batch_figures(batch, folder: str | Path, *, seed: int = 0) -> list[Path]:
    """Migrasomes per cell per condition: every cell a point, mean ± SEM, test stars.

    Also the per-movie means (a point per movie) so replicate variation shows. Writes
    ``per_condition.png`` into ``folder``; returns the paths.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    pc = batch.tables["per_cell"]
    st = batch.tables.get("stats", pd.DataFrame())
    conds = sorted(pc["condition"].unique())
    ctrl = batch.metadata.get("control")
    if ctrl in conds:  # the control first, as figures show it
        conds = [ctrl] + [c for c in conds if c != ctrl]
    rng = np.random.default_rng(seed)  # jitter only: same figure every time
    fig, axes = plt.subplots(1, 2, figsize=(3 + 1.6 * len(conds), 4.2), dpi=110)
    ax = axes[0]
    for i, c in enumerate(conds):
        v = pc.loc[pc["condition"] == c, "n_migrasomes"].to_numpy(float)
        ax.scatter(i + rng.uniform(-0.18, 0.18, v.size), v, s=10, alpha=0.6, lw=0)
        if v.size:
            sem = v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0.0
            ax.errorbar(i, v.mean(), yerr=sem, color="k", capsize=6, lw=1.5, marker="_",
                        ms=22)
    top = float(pc["n_migrasomes"].max() or 1)
    for k, r in enumerate(st.itertuples()):
        a, b = conds.index(r.condition_a), conds.index(r.condition_b)
        y = top * (1.08 + 0.09 * k)
        ax.plot([a, a, b, b], [y, y * 1.02, y * 1.02, y], color="0.3", lw=0.8)
        ax.text((a + b) / 2, y * 1.03, _stars(r.p_adjusted), ha="center", fontsize=8)
    ax.set_xticks(range(len(conds)), conds, rotation=20)
    ax.set_ylabel("migrasomes per cell")
    ax.set_title("per cell (Mann–Whitney, corrected)", fontsize=9)
    ax = axes[1]
    per_file = pc.groupby(["condition", "file"])["n_migrasomes"].mean().reset_index()
    for i, c in enumerate(conds):
        v = per_file.loc[per_file["condition"] == c, "n_migrasomes"].to_numpy(float)
        ax.scatter(np.full(v.size, i), v, s=28, color="tab:blue", alpha=0.8)
        if v.size:
            ax.plot([i - 0.2, i + 0.2], [v.mean()] * 2, color="k", lw=1.5)
    ax.set_xticks(range(len(conds)), conds, rotation=20)
    ax.set_ylabel("mean migrasomes per cell, per movie")
    ax.set_title("per movie", fontsize=9)
    fig.tight_layout()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "per_condition.png"
    fig.savefig(path)
    plt.close(fig)
    return [path]


def batch_html(batch) -> str:
    """The statistics table (and mixed model, if fitted) as HTML for the report."""
    st = batch.tables.get("stats")
    if st is None:
        return ""
    cols = ["condition_a", "condition_b", "n_cells_a", "n_cells_b", "mean_a", "mean_b",
            "ratio_of_means", "p_value", "p_adjusted", "significant"]
    head = "".join(f"<th>{c}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td>{_cell(r[c])}</td>" for c in cols) + "</tr>"
                   for _, r in st.iterrows())
    test = html.escape(str(st["test"].iloc[0])) if len(st) else ""
    mm = batch.metadata.get("mixed_model")
    extra = ""
    if mm:
        extra = (f"<p>Mixed model {html.escape(mm['formula'])}, reference "
                 f"{html.escape(mm['reference'])}: " + ", ".join(
                     f"{html.escape(k)} {v:+.3g} (p = {mm['p_values'][k]:.3g})"
                     for k, v in mm["coefficients"].items()) + "</p>")
    return (f"<h2>Conditions</h2><p>{test}; one point per cell.</p>"
            f"<table><tr>{head}</tr>{body}</table>{extra}")


def _cell(v) -> str:
    if isinstance(v, (float, np.floating)):
        return "–" if not np.isfinite(v) else f"{v:.3g}"
    return html.escape(str(v))

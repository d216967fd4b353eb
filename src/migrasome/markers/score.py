"""Marker scores, enrichment tests and per-sample calls on a protein abundance table.

The steps, in proteomics conventions:

1. log2 of the intensities, missing stays missing (NaN; nothing is zero-filled or imputed),
   each sample centred on its median over all quantified proteins;
2. per protein, a log2 ratio to the declared reference sample (e.g. the whole-cell lysate)
   or, without one, to the median of the other samples;
3. per sample and marker set, the score is the mean log2 ratio of the set's *observed*
   markers minus the median log2 ratio of the background (proteins in no set), with the
   number of markers it used; a set with fewer than ``min_markers`` observed gets NaN;
4. the enrichment test is a one-sided Mann–Whitney U of the set's log2 ratios against the
   background's (AUC = U / (n_set·n_background)), Benjamini–Hochberg over all tests;
5. the call: ``cell-body`` unless the best vesicle set (migrasome or exosome) beats the
   cell-body set by ``delta_log2`` (default 3, an 8-fold margin); then the better vesicle
   set. Its confidence is the share of bootstrap resamples of the markers (a seeded
   Generator) that give the same call. The call says which markers are enriched; the
   protein-mass make-up of a fraction is what :mod:`.purity` estimates.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import mannwhitneyu

from .ids import map_identifiers, marker_lookup
from .io import ProteinTable
from .sets import SETS, load_marker_sets, set_members

__all__ = ["MarkerScores", "score_markers", "CALLS"]

CALLS = ("migrasome", "exosome", "cell-body", "reference", "unclear")
_LABEL = {"migrasome": "migrasome", "exosome": "exosome", "cell_body": "cell-body"}
_MIN_BACKGROUND = 20


@dataclass
class MarkerScores:
    """What :func:`score_markers` found.

    Attributes
    ----------
    calls : DataFrame, one row per sample
        ``sample, call, confidence, margin_log2, drivers`` and per set ``score_<set>``,
        ``p_<set>``, ``n_<set>`` (observed markers).
    scores : DataFrame, one row per sample × set
        ``score_log2, n_markers, n_present, n_observed, n_sample_only, auc, p_value,
        q_value, percentile``.
    marker_log2 : DataFrame, markers × samples
        Median-centred log2 abundance of each marker found (NaN = not quantified).
    log2_ratio : DataFrame, markers × samples
        Log2 ratio to the reference (NaN where either side is missing).
    background_log2 : Series, per sample
        Median log2 ratio of the proteins in no set (NaN if fewer than 20).
    markers : DataFrame
        The marker table used, with ``found`` (the table has it) and ``matched_by``.
    identifiers : dict
        Counts: rows, marker rows, other, unknown, ambiguous, duplicate marker rows; and
        ``unknown_examples`` (a few unreadable identifiers, with their row).
    reference : str or None
    params : dict
    """

    calls: pd.DataFrame
    scores: pd.DataFrame
    marker_log2: pd.DataFrame
    log2_ratio: pd.DataFrame
    markers: pd.DataFrame
    identifiers: dict
    reference: str | None
    background_log2: pd.Series = field(default_factory=pd.Series)
    params: dict = field(default_factory=dict)


def _bh(p: np.ndarray) -> np.ndarray:
    q = np.full_like(p, np.nan, dtype=float)
    ok = np.isfinite(p)
    if ok.any():
        pv = p[ok]
        order = np.argsort(pv)
        ranked = pv[order] * len(pv) / np.arange(1, len(pv) + 1)
        ranked = np.minimum.accumulate(ranked[::-1])[::-1]
        out = np.empty_like(pv)
        out[order] = np.minimum(ranked, 1.0)
        q[ok] = out
    return q


def _pick_rows(mapped: pd.DataFrame, x: pd.DataFrame) -> tuple[pd.Series, int]:
    """One row per marker: the one quantified in most samples, then the most abundant."""
    rows = mapped[mapped["status"] == "marker"].copy()
    rows["n_obs"] = x.loc[rows.index].notna().sum(axis=1)
    rows["med"] = x.loc[rows.index].median(axis=1)
    rows = rows.sort_values(["n_obs", "med"], ascending=False)
    best = rows.drop_duplicates("marker")
    return pd.Series(best.index, index=best["marker"]), len(rows) - len(best)


def _ratios(x: np.ndarray, ref: int | None) -> np.ndarray:
    if ref is not None:
        return x - x[:, [ref]]
    out = np.empty_like(x)
    with warnings.catch_warnings():  # all-NaN rows: the ratio is NaN, as it should be
        warnings.simplefilter("ignore", RuntimeWarning)
        for j in range(x.shape[1]):
            out[:, j] = x[:, j] - np.nanmedian(np.delete(x, j, axis=1), axis=1)
    return out


def _decide(s: dict[str, float], delta: float) -> str:
    ves = {k: v for k, v in s.items() if k in ("migrasome", "exosome") and np.isfinite(v)}
    if not ves:
        return "unclear"
    best = max(ves, key=lambda k: ves[k])
    cell = s.get("cell_body", np.nan)
    cell = cell if np.isfinite(cell) else 0.0
    return _LABEL[best] if ves[best] - cell >= delta else "cell-body"


def score_markers(table: ProteinTable, *, markers: pd.DataFrame | None = None,
                  reference: str | None = None, species: str = "all",
                  min_markers: int = 2, delta_log2: float = 3.0, n_boot: int = 200,
                  seed: int = 0, n_drivers: int = 3) -> MarkerScores:
    """Score every sample of a protein table with the marker sets and call its fraction.

    Parameters
    ----------
    table : ProteinTable
        From :func:`migrasome.markers.read_protein_table`.
    markers : DataFrame, optional
        From :func:`load_marker_sets` (default: the shipped sets).
    reference : str, optional
        Sample to compare against (e.g. a whole-cell lysate). Default: each sample against
        the median of the others (needs ≥ 2 samples).
    species : str
        ``all`` or one of human, mouse, rat, zebrafish (ortholog names accepted).
    min_markers : int
        A set needs this many observed markers in a sample to be scored.
    delta_log2 : float
        Log2 margin by which a vesicle set must beat the cell-body set.
    n_boot : int
        Bootstrap resamples of the markers for the confidence.
    seed : int
        Seeds the Generator of the bootstrap.
    n_drivers : int
        How many top markers to name per call.

    Returns
    -------
    MarkerScores

    Raises
    ------
    ValueError
        No marker of any set is in the table; the reference is not a sample; one sample
        and no reference.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from migrasome.markers import ProteinTable, score_markers
    >>> genes = ["NDST1", "EOGT", "PIGK", "CPQ", "CD63", "CD9", "CD81", "LAMP1", "LMNA",
    ...          "H4C1", "GOLGA2"] + [f"G{i}" for i in range(40)]
    >>> lysate = np.full(len(genes), 1e7)
    >>> mig = lysate.copy(); mig[:4] *= 16; mig[4:8] /= 4; mig[8:11] /= 16
    >>> t = ProteinTable(pd.DataFrame({"WCL": lysate, "F1": mig}), pd.Series(genes), None,
    ...                  "plain")
    >>> score_markers(t, reference="WCL").calls.set_index("sample").loc["F1", "call"]
    'migrasome'
    """
    if min_markers < 1:
        raise ValueError(f"min_markers must be ≥ 1, got {min_markers}")
    markers = load_marker_sets() if markers is None else markers
    members = set_members(markers)
    samples = table.samples
    if reference is not None and reference not in samples:
        raise ValueError(f"reference sample {reference!r} is not in the table; samples: "
                         f"{', '.join(samples)}")
    if reference is None and len(samples) < 2:
        raise ValueError("one sample only: name a reference sample (e.g. the whole-cell "
                         "lysate) or give at least two samples")
    lookup = marker_lookup(markers["symbol"].unique(), species=species)
    mapped = map_identifiers(table.genes, table.accessions, lookup=lookup)
    mapped.index = table.intensity.index
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.log2(table.intensity.where(table.intensity > 0))
    x = x - x.median(axis=0)
    chosen, n_dup = _pick_rows(mapped, x)
    scored = {s for v in members.values() for s in v}
    if not set(chosen.index) & scored:
        n_other = int((mapped.status == "other").sum())
        n_unknown = int((mapped.status == "unknown").sum())
        raise ValueError(
            f"no marker found: none of the {len(mapped)} proteins maps to a marker of the "
            f"sets {', '.join(sorted(members))} (identifiers: {n_other} well-formed, "
            f"{n_unknown} unreadable); is the "
            "gene-name or protein-id column present, and is --species right?")
    ident = {"rows": int(len(mapped)),
             "marker_rows": int((mapped.status == "marker").sum()),
             "other": int((mapped.status == "other").sum()),
             "unknown": int((mapped.status == "unknown").sum()),
             "ambiguous_groups": int(mapped.ambiguous.sum()),
             "duplicate_marker_rows": int(n_dup),
             "unknown_examples": _examples(table, mapped.status == "unknown")}
    ref = samples.index(reference) if reference is not None else None
    xv = x.to_numpy(float)
    lr = _ratios(xv, ref)
    bg_rows = np.flatnonzero((mapped.status != "marker").to_numpy())
    pos = {m: table.intensity.index.get_loc(r) for m, r in chosen.items()}
    rng = np.random.default_rng(seed)

    score_rows, call_rows, bg_all = [], [], {}
    for j, sname in enumerate(samples):
        col, xcol = lr[:, j], xv[:, j]
        fin = np.isfinite(col)
        bg_fin = bg_rows[fin[bg_rows]]
        bg_all[sname] = float(np.median(col[bg_fin])) if len(bg_fin) >= _MIN_BACKGROUND \
            else np.nan
        per, obs_vals, obs_names = {}, {}, {}
        rank = pd.Series(xcol).rank(pct=True).to_numpy()
        for sname_set, syms in members.items():
            rows = np.array([pos[s] for s in syms if s in pos], int)
            in_set = np.zeros(len(col), bool)
            in_set[rows] = True
            bg = bg_rows[fin[bg_rows]] if fin[bg_rows].sum() >= _MIN_BACKGROUND else \
                np.flatnonzero(fin & ~in_set)
            ok = rows[fin[rows]] if len(rows) else rows
            bg_med = float(np.median(col[bg])) if len(bg) else np.nan
            n_obs = len(ok)
            only = int(np.sum(np.isfinite(xcol[rows]) & ~fin[rows])) if len(rows) else 0
            if n_obs >= min_markers and np.isfinite(bg_med):
                sc = float(np.mean(col[ok]) - bg_med)
            else:
                sc = np.nan
            if n_obs >= 1 and len(bg) >= 1 and (ref is None or j != ref):
                u, p = mannwhitneyu(col[ok], col[bg], alternative="greater")
                auc = float(u) / (n_obs * len(bg))
            else:
                p, auc = np.nan, np.nan
            pct = float(np.nanmean(rank[rows])) if len(rows) and np.isfinite(
                xcol[rows]).any() else np.nan
            per[sname_set] = sc
            obs_vals[sname_set] = col[ok] - bg_med if n_obs else np.array([])
            obs_names[sname_set] = [table.intensity.index[i] for i in ok]
            score_rows.append({"sample": sname, "set": sname_set, "score_log2": sc,
                               "n_markers": len(syms), "n_present": len(rows),
                               "n_observed": n_obs, "n_sample_only": only, "auc": auc,
                               "p_value": float(p), "percentile": pct})
        call_rows.append(_call_row(sname, j == ref, per, obs_vals, obs_names, chosen,
                                   delta_log2, n_boot, min_markers, n_drivers, rng))
    scores = pd.DataFrame(score_rows)
    scores["q_value"] = _bh(scores["p_value"].to_numpy(float))
    calls = pd.DataFrame(call_rows)
    for s in members:
        sub = scores[scores["set"] == s].set_index("sample")
        calls[f"score_{s}"] = calls["sample"].map(sub["score_log2"])
        calls[f"p_{s}"] = calls["sample"].map(sub["p_value"])
        calls[f"n_{s}"] = calls["sample"].map(sub["n_observed"]).astype(int)
    order = [m for s in members for m in members[s] if m in pos]
    idx = [pos[m] for m in order]
    marker_log2 = pd.DataFrame(xv[idx], index=order, columns=samples)
    log2_ratio = pd.DataFrame(lr[idx], index=order, columns=samples)
    used = markers.copy()
    used["found"] = used["symbol"].isin(pos)
    hits = mapped.loc[chosen.values].set_index("marker")["matched_by"]
    used["matched_by"] = used["symbol"].map(hits).fillna("")
    return MarkerScores(calls, scores, marker_log2, log2_ratio, used, ident, reference,
                        pd.Series(bg_all), {"min_markers": min_markers, "delta_log2": delta_log2,
                         "n_boot": n_boot, "seed": seed, "species": species,
                         "normalisation": "median-centred log2"})


def _examples(table: ProteinTable, mask: pd.Series, n: int = 5) -> list[str]:
    """A few of the identifiers that could not be read, as the file gives them."""
    idx = np.flatnonzero(mask.to_numpy())[:n]
    out = []
    for i in idx:
        g = table.genes.iloc[i] if table.genes is not None else None
        a = table.accessions.iloc[i] if table.accessions is not None else None
        out.append(f"row {i + 1}: {g!r}" + (f" / {a!r}" if a is not None else ""))
    return out


def _call_row(sample, is_ref, per, obs_vals, obs_names, chosen, delta, n_boot, min_markers,
              n_drivers, rng) -> dict:
    row = {"sample": sample}
    if is_ref:
        return {**row, "call": "reference", "confidence": np.nan, "margin_log2": np.nan,
                "drivers": ""}
    call = _decide(per, delta)
    core = {k: v for k, v in per.items() if k in SETS}
    fin = sorted((v for v in core.values() if np.isfinite(v)), reverse=True)
    margin = fin[0] - fin[1] if len(fin) >= 2 else np.nan
    conf = np.nan
    if call != "unclear" and n_boot > 0:
        boot = {}
        for k in core:
            v = obs_vals.get(k, np.array([]))
            if len(v) >= min_markers:
                idx = rng.integers(0, len(v), size=(n_boot, len(v)))
                boot[k] = v[idx].mean(axis=1)
            else:
                boot[k] = np.full(n_boot, np.nan)
        same = [_decide({k: boot[k][b] for k in boot}, delta) == call for b in range(n_boot)]
        conf = float(np.mean(same))
    key = {"migrasome": "migrasome", "exosome": "exosome", "cell-body": "cell_body"}.get(call)
    drivers = ""
    if key and len(obs_vals.get(key, [])):
        names = {r: m for m, r in chosen.items()}
        v = obs_vals[key]
        top = np.argsort(-v)[:n_drivers]
        drivers = ", ".join(f"{names[obs_names[key][i]]} {v[i]:+.1f}" for i in top)
    return {**row, "call": call, "confidence": conf, "margin_log2": margin,
            "drivers": drivers}

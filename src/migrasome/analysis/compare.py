"""Score an analysis against the truth: detection, size and per-cell counts.

Per frame, detected migrasomes are matched one-to-one to true ones by minimum total distance
(Hungarian assignment) within a tolerance of ``max(0.5 µm, d_true / 2)``: a detection counts
when its centre falls within the true migrasome.  True migrasomes visible in a frame are the
truth ``migrasome_frames`` rows of diameter ≥ 0.5 µm (MODEL.md §4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

__all__ = ["check_same_movie", "match_frames", "compare_results"]


def match_frames(detected: pd.DataFrame, truth: pd.DataFrame, *,
                 tolerance_um: float | None = None) -> pd.DataFrame:
    """Match detections to truth frame by frame.

    Parameters
    ----------
    detected, truth : DataFrame
        ``migrasome_frames``-like: ``frame, x_um, y_um, diameter_um``.  Truth rows are
        those to be found (e.g. diameter ≥ 0.5 µm).
    tolerance_um : float, optional
        Largest centre distance of a match (µm); default ``max(0.5, d_true / 2)``.

    Returns
    -------
    DataFrame
        One row per match: ``frame, i_detected, i_truth`` (positional row numbers in the
        inputs), ``distance_um, d_detected_um, d_true_um``.
    """
    out = []
    dfr = detected["frame"].to_numpy()
    tfr = truth["frame"].to_numpy()
    dxy = detected[["x_um", "y_um"]].to_numpy(float)
    txy = truth[["x_um", "y_um"]].to_numpy(float)
    dd = detected["diameter_um"].to_numpy(float)
    td = truth["diameter_um"].to_numpy(float)
    for f in np.intersect1d(np.unique(dfr), np.unique(tfr)):
        i = np.flatnonzero(dfr == f)
        j = np.flatnonzero(tfr == f)
        dist = np.hypot(dxy[i, None, 0] - txy[None, j, 0], dxy[i, None, 1] - txy[None, j, 1])
        tol = (np.full(len(j), tolerance_um) if tolerance_um is not None
               else np.maximum(0.5, td[j] / 2))
        ok = dist <= tol[None, :]
        if not ok.any():
            continue
        big = 1e6
        a, b = linear_sum_assignment(np.where(ok, dist, big))
        keep = ok[a, b]
        a, b = i[a[keep]], j[b[keep]]
        out.append(pd.DataFrame({"frame": f, "i_detected": a, "i_truth": b,
                                 "distance_um": np.hypot(*(dxy[a] - txy[b]).T),
                                 "d_detected_um": dd[a], "d_true_um": td[b]}))
    if not out:
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
            ("frame", "int64"), ("i_detected", "int64"), ("i_truth", "int64"),
            ("distance_um", "float64"), ("d_detected_um", "float64"),
            ("d_true_um", "float64"))})
    return pd.concat(out, ignore_index=True)


def _match_cells(detected, truth) -> dict[int, int]:
    """Detected cell id → true cell id, by the mean distance between their tracks."""
    dt, tt = detected.tracks, truth.tracks
    if dt.empty or tt.empty:
        return {}
    m = dt.merge(tt, on="frame", suffixes=("_d", "_t"))
    if m.empty:
        return {}
    m["dist"] = np.hypot(m["x_um_d"] - m["x_um_t"], m["y_um_d"] - m["y_um_t"])
    mean = m.groupby(["cell_id_d", "cell_id_t"])["dist"].mean().unstack()
    cost = mean.to_numpy()
    radius = truth.cells.set_index("cell_id")["radius_um"].reindex(mean.columns)
    lim = np.nan_to_num(radius.to_numpy(float), nan=10.0)[None, :]
    ok = np.isfinite(cost) & (cost <= lim)
    a, b = linear_sum_assignment(np.where(ok, cost, 1e9))
    keep = ok[a, b]
    return {int(mean.index[i]): int(mean.columns[j]) for i, j in zip(a[keep], b[keep])}


def check_same_movie(detected, truth) -> None:
    """Refuse to score detections against the truth of another movie, or swapped inputs.

    Parameters
    ----------
    detected, truth : Results
        An analysis of a movie, and the truth written beside that movie.

    Raises
    ------
    ValueError
        Naming what differs.
    """
    dmeta, tmeta = detected.metadata or {}, truth.metadata or {}
    if tmeta.get("source") == "analysis" and dmeta.get("source") != "analysis":
        raise ValueError("the detections and the truth are swapped: give the analysis folder "
                         "first, then the truth folder (<movie>.truth)")
    if tmeta.get("source") == "analysis":
        raise ValueError("the truth is an analysis folder, not the truth of a movie "
                         "(<movie>.truth, written by `migrasome render`)")
    for key in ("width_um", "height_um"):
        a, b = dmeta.get(key), tmeta.get(key)
        px = float(dmeta.get("pixel_size_um") or 0.0)
        if a is not None and b is not None and abs(float(a) - float(b)) > max(2 * px, 1e-6):
            raise ValueError(f"the analysis covers {dmeta.get('width_um'):g}×"
                             f"{dmeta.get('height_um'):g} µm but the truth "
                             f"{tmeta.get('width_um'):g}×{tmeta.get('height_um'):g} µm: "
                             "they describe different movies")
    n_det, frames = dmeta.get("n_frames"), tmeta.get("sim_frames")
    if n_det is not None and frames is not None and int(n_det) != len(frames):
        raise ValueError(f"the analysis has {n_det} frames but the truth {len(frames)}: "
                         "they describe different movies")


def compare_results(detected, truth, *, min_diameter_um: float = 0.8,
                    tolerance_um: float | None = None) -> pd.Series:
    """Score detected migrasomes against the truth.

    Parameters
    ----------
    detected : Results
        From ``analyze_movie`` (or any Results with ``migrasome_frames``).
    truth : Results
        Ground truth in the same (image µm) coordinates and frame numbers.
    min_diameter_um : float
        Size from which migrasomes are scored: true ones of at least this diameter are to be
        found (recall); detections measured at least this large must be real (precision).
        Matches involving smaller ones on either side count neither way.
    tolerance_um : float, optional
        Match distance (µm); default ``max(0.5, d_true / 2)``.

    Returns
    -------
    Series
        ``precision, recall, f1``; ``n_true, n_detected, n_matched`` (sightings over all
        frames); ``median_diameter_error`` (median of ``|d_det − d_true| / d_true`` over
        matches), ``median_diameter_bias`` (signed), ``median_position_error_um``;
        ``per_cell_count_error``: Σ|n_det − n_true| / Σ n_true over the true cells that have
        migrasomes, of the mean count per frame.  ``n_true`` counts true migrasomes of at
        least ``min_diameter_um`` by their true cell; ``n_det`` counts, by the cell the
        analysis gave them (through the matched cell tracks; a missed cell gets none), the
        detections that are real ones of that size or false ones measured that large — the
        same sightings precision and recall are made of, so a size measured a hair under
        the cut-off does not count as a miss.  NaN when no cell could be matched.
        ``n_cells_true, n_cells_matched``.

    Raises
    ------
    ValueError
        If the two are swapped (the truth given as the detections) or describe different
        movies (field of view or number of frames differ).
    """
    check_same_movie(detected, truth)
    dm = detected.migrasome_frames.reset_index(drop=True)
    tm = truth.migrasome_frames.reset_index(drop=True)
    tm = tm[tm["diameter_um"] > 0].reset_index(drop=True)
    frames = np.union1d(dm["frame"].unique(), tm["frame"].unique())
    m = match_frames(dm, tm, tolerance_um=tolerance_um)
    t_big = tm["diameter_um"].to_numpy() >= min_diameter_um
    d_big = dm["diameter_um"].to_numpy() >= min_diameter_um
    matched_t = np.zeros(len(tm), bool)
    matched_t[m["i_truth"].to_numpy()] = True
    matched_d = np.zeros(len(dm), bool)
    matched_d[m["i_detected"].to_numpy()] = True
    tp = int(t_big[m["i_truth"].to_numpy()].sum())
    fn = int((t_big & ~matched_t).sum())
    # a detection is false when it matches no true migrasome at all
    fp = int((d_big & ~matched_d).sum())
    precision = tp / (tp + fp) if tp + fp else np.nan
    recall = tp / (tp + fn) if tp + fn else np.nan
    f1 = (2 * precision * recall / (precision + recall)
          if tp and np.isfinite(precision) and np.isfinite(recall) else 0.0)
    big = m[m["d_true_um"] >= min_diameter_um]
    rel = (big["d_detected_um"] - big["d_true_um"]) / big["d_true_um"]
    out = {
        "precision": precision, "recall": recall, "f1": f1,
        "n_true": int(t_big.sum()), "n_detected": int(d_big.sum()), "n_matched": tp,
        "median_diameter_error": float(np.median(np.abs(rel))) if len(rel) else np.nan,
        "median_diameter_bias": float(np.median(rel)) if len(rel) else np.nan,
        "median_position_error_um": float(big["distance_um"].median()) if len(big) else np.nan,
    }
    counted = (d_big & ~matched_d)
    counted[m["i_detected"].to_numpy()[t_big[m["i_truth"].to_numpy()]]] = True
    out.update(_count_error(detected, truth, dm[counted], tm[t_big], len(frames)))
    return pd.Series(out, name="scores")


def _count_error(detected, truth, dm, tm, n_frames) -> dict:
    """Per-cell error of the mean number of migrasomes per frame (rows given are counted)."""
    tcells = truth.cells["cell_id"].to_numpy() if len(truth.cells) else np.zeros(0, int)
    res = {"per_cell_count_error": np.nan, "n_cells_true": int(len(tcells)),
           "n_cells_matched": 0}
    if not len(tcells) or n_frames == 0:
        return res
    cmap = _match_cells(detected, truth)
    res["n_cells_matched"] = len(cmap)
    if not cmap:
        return res
    t_cell = _cell_column(tm, truth)
    d_cell = _cell_column(dm, detected).map(lambda c: cmap.get(int(c), -1) if c >= 0 else -1)
    nt = tm.assign(c=t_cell).groupby("c").size() / n_frames
    nd = dm.assign(c=d_cell).groupby("c").size() / n_frames
    cells = [c for c in tcells if c in nt.index]
    nt = nt.reindex(cells, fill_value=0.0)
    nd = nd.reindex(cells, fill_value=0.0)
    if nt.sum() > 0:
        res["per_cell_count_error"] = float(np.abs(nd - nt).sum() / nt.sum())
    return res


def _cell_column(frames: pd.DataFrame, results) -> pd.Series:
    """Cell id of each migrasome sighting (from the migrasomes table, else from the row)."""
    mig = results.migrasomes.set_index("migrasome_id")["cell_id"]
    if len(mig) == 0 and "cell_id" in frames.columns:
        return frames["cell_id"].fillna(-1).astype(int)
    return frames["migrasome_id"].map(mig).fillna(-1).astype(int)

"""Results tables as napari layer data, and corrected points back into the tables.

Nothing here imports napari: these are the plain conversions the reader and the widgets
use, so they are testable without a display. World coordinates are (frame, y µm, x µm);
an image pixel (i, j) is centred at ((i + ½)·px, (j + ½)·px) µm as in the tables, so image
and label layers carry ``scale=(1, px, px)`` and ``translate=(0, px/2, px/2)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..results import Results

__all__ = ["results_layers", "points_to_tables", "cell_labels", "ATTACHED_COLORS"]

#: Point colours: migrasomes still on their RF, and released ones.
ATTACHED_COLORS = {True: "#2ecc40", False: "#f012be"}


def _grid(results: Results) -> tuple[float, int, int]:
    m = results.metadata
    px = float(m.get("pixel_size_um") or 0.5)
    return px, int(round(float(m.get("height_um", 100.0)) / px)), \
        int(round(float(m.get("width_um", 100.0)) / px))


def cell_labels(results: Results, *, max_pixels: int = 2**26) -> tuple[np.ndarray, float]:
    """Cells as filled disks (their radius, at their track position), (T, Y, X) int32.

    The analysis keeps cell centroids and radii, not outlines, so the disks are what the
    tables say; the grid is coarsened (pixel returned) to stay under ``max_pixels``.
    """
    px, ny, nx = _grid(results)
    tr = results.tracks
    n_t = int(max(results.metadata.get("n_frames", 0) or 0,
                  (tr["frame"].max() + 1) if len(tr) else 1))
    f = 1
    while n_t * (ny // f) * (nx // f) > max_pixels:
        f += 1
    px, ny, nx = px * f, max(1, ny // f), max(1, nx // f)
    lab = np.zeros((n_t, ny, nx), np.int32)
    radius = results.cells.set_index("cell_id")["radius_um"]
    yy, xx = np.mgrid[0:ny, 0:nx]
    for t, g in tr.groupby("frame"):
        for cid, x, y in zip(g["cell_id"], g["x_um"], g["y_um"]):
            r = float(radius.get(cid, 5.0))
            i0, i1 = int(max(0, (y - r) / px)), int(min(ny, (y + r) / px + 1))
            j0, j1 = int(max(0, (x - r) / px)), int(min(nx, (x + r) / px + 1))
            sub = ((yy[i0:i1, j0:j1] + 0.5) * px - y) ** 2 + \
                ((xx[i0:i1, j0:j1] + 0.5) * px - x) ** 2 <= r * r
            lab[int(t), i0:i1, j0:j1][sub] = int(cid) + 1
    return lab, px


def results_layers(results: Results, *, folder: str | None = None) -> list[tuple]:
    """napari layer data tuples for an analysis: cells, RFs, migrasomes, tracks.

    Returns
    -------
    list of (data, kwargs, layer_type)
        ``cells`` (labels), ``RFs`` (shapes: one path per RF segment and frame),
        ``migrasomes`` (points sized by diameter, coloured attached/released, with the
        table's columns as features and ``row`` = its row in ``migrasome_frames``),
        ``migrasome tracks`` and ``cell tracks`` (tracks). ``metadata`` of the points layer
        holds ``results_dir`` for saving corrections.
    """
    out: list[tuple[Any, dict[str, object], str]] = []
    lab, lpx = cell_labels(results)
    out.append((lab, {"name": "cells", "scale": (1, lpx, lpx),
                      "translate": (0, lpx / 2, lpx / 2), "opacity": 0.3}, "labels"))
    ff = results.fiber_frames
    if len(ff):
        t = ff["frame"].to_numpy(float)
        lines = np.stack([np.stack([t, ff["y0_um"], ff["x0_um"]], 1),
                          np.stack([t, ff["y1_um"], ff["x1_um"]], 1)], axis=1)
        out.append((list(lines), {"name": "RFs", "shape_type": "path", "edge_color": "cyan",
                                  "edge_width": 0.3,
                                  "features": ff[["fiber_id", "length_um"]].reset_index(
                                      drop=True)}, "shapes"))
    mf = results.migrasome_frames.reset_index(drop=True)
    feats = mf[["migrasome_id", "diameter_um", "attached"]].copy()
    feats["row"] = np.arange(len(mf))
    feats["curated"] = mf["curated"].to_numpy(bool) if "curated" in mf else False
    pts = mf[["frame", "y_um", "x_um"]].to_numpy(float)
    colors = [ATTACHED_COLORS[bool(a)] for a in mf["attached"]]
    out.append((pts, {"name": "migrasomes", "size": mf["diameter_um"].to_numpy(float),
                      "features": feats, "face_color": colors or "#2ecc40",
                      "border_color": "white", "border_width": 0.05,
                      "feature_defaults": {"migrasome_id": -1, "diameter_um": 1.0,
                                           "attached": True, "row": -1, "curated": True},
                      "metadata": {"results_dir": folder}}, "points"))
    if len(mf):
        out.append((mf[["migrasome_id", "frame", "y_um", "x_um"]].to_numpy(float),
                    {"name": "migrasome tracks", "tail_length": 5}, "tracks"))
    tr = results.tracks
    if len(tr):
        out.append((tr[["cell_id", "frame", "y_um", "x_um"]].to_numpy(float),
                    {"name": "cell tracks", "tail_length": 10}, "tracks"))
    return out


def points_to_tables(results: Results, data: np.ndarray, features: pd.DataFrame,
                     sizes: np.ndarray | None = None, *, tol_um: float = 1e-3) -> Results:
    """The Results with ``migrasome_frames`` and ``migrasomes`` as the points now say.

    Points removed in the layer drop their rows; points added (``row`` −1) become new
    migrasomes (new ids, the nearest cell of that frame); moved points take their new
    position. Edited rows and every migrasome they belong to get ``curated=True``;
    per-migrasome position, largest diameter and sighting times are recomputed; metadata
    gets ``curated: true``.

    Parameters
    ----------
    results : Results
    data : ndarray, shape (N, 3)
        (frame, y µm, x µm) of each point.
    features : DataFrame
        ``row``, ``migrasome_id``, ``diameter_um``, ``attached`` per point.
    sizes : ndarray, shape (N,), optional
        Point sizes (diameters, µm) if edited in the layer.
    """
    mf0 = results.migrasome_frames.reset_index(drop=True)
    dt = float(results.metadata.get("frame_interval_min", 1.0) or 1.0)
    data = np.asarray(data, float).reshape(-1, 3)
    feats = features.reset_index(drop=True)
    rows = feats["row"].to_numpy(int)
    d = (np.asarray(sizes, float) if sizes is not None else
         feats["diameter_um"].to_numpy(float))
    new = pd.DataFrame({"frame": np.rint(data[:, 0]).astype("int64"), "y_um": data[:, 1],
                        "x_um": data[:, 2], "diameter_um": d,
                        "attached": feats["attached"].to_numpy(bool)})
    new["t_min"] = new["frame"] * dt
    old = mf0.iloc[np.clip(rows, 0, None)].reset_index(drop=True) if len(mf0) else None
    kept = rows >= 0
    ids = np.where(kept, mf0["migrasome_id"].to_numpy()[np.clip(rows, 0, None)]
                   if len(mf0) else -1, -1).astype("int64")
    next_id = int(max(mf0["migrasome_id"].max() if len(mf0) else -1,
                      results.migrasomes["migrasome_id"].max()
                      if len(results.migrasomes) else -1)) + 1
    ids[~kept] = np.arange(next_id, next_id + int((~kept).sum()))
    new["migrasome_id"] = ids
    moved = np.zeros(len(new), bool)
    if old is not None and kept.any():
        o = old[kept]
        moved[kept] = ((np.abs(o["x_um"].to_numpy() - new.loc[kept, "x_um"]) > tol_um)
                       | (np.abs(o["y_um"].to_numpy() - new.loc[kept, "y_um"]) > tol_um)
                       | (np.abs(o["diameter_um"].to_numpy() - new.loc[kept, "diameter_um"])
                          > tol_um)
                       | (o["frame"].to_numpy() != new.loc[kept, "frame"])).to_numpy()
    prev = mf0["curated"].to_numpy(bool)[np.clip(rows, 0, None)] if "curated" in mf0 \
        else np.zeros(len(new), bool)
    new["curated"] = moved | ~kept | (prev & kept)
    extra = [c for c in mf0.columns if c not in new.columns]
    for c in extra:  # other columns of kept rows are carried over
        new[c] = mf0[c].to_numpy()[np.clip(rows, 0, None)] if len(mf0) else np.nan
    deleted = sorted(set(range(len(mf0))) - set(rows[kept].tolist()))
    touched = set(new.loc[new["curated"], "migrasome_id"]) | set(
        mf0.loc[deleted, "migrasome_id"]) if len(mf0) else set()
    mf = new.sort_values(["migrasome_id", "frame"]).reset_index(drop=True)
    mig = _migrasomes(results, mf, touched, dt)
    tables = dict(results.tables, migrasome_frames=mf, migrasomes=mig)
    meta = dict(results.metadata, curated=True,
                n_curated_edits=int(new["curated"].sum() + len(deleted)))
    return Results(tables=tables, metadata=meta)


def _migrasomes(results: Results, mf: pd.DataFrame, touched: set, dt: float) -> pd.DataFrame:
    mig0 = results.migrasomes.set_index("migrasome_id")
    g = mf.groupby("migrasome_id")
    agg = pd.DataFrame({"x_um": g["x_um"].mean(), "y_um": g["y_um"].mean(),
                        "max_diameter_um": g["diameter_um"].max(),
                        "first": g["t_min"].min(), "last": g["t_min"].max()})
    out = mig0.reindex(agg.index)
    new = out["cell_id"].isna() if "cell_id" in out else pd.Series(True, index=agg.index)
    for c in ("x_um", "y_um", "max_diameter_um"):
        out[c] = agg[c]
    if new.any():  # added in the viewer: the nearest cell, no fibre, seen from first sighting
        out.loc[new, "cell_id"] = [_nearest_cell(results, mf[mf["migrasome_id"] == i])
                                   for i in out.index[new]]
        out.loc[new, "fiber_id"] = -1
        out.loc[new, "site_type"] = "tip"
        for c in ("t_nucleation_min", "t_growth_onset_min", "t_full_size_min"):
            out.loc[new, c] = agg.loc[new, "first"]
        for c in ("t_release_min", "t_breakdown_min"):
            out.loc[new, c] = np.nan
    out["curated"] = out.index.isin(list(touched))
    return out.reset_index().rename(columns={"index": "migrasome_id"})


def _nearest_cell(results: Results, rows: pd.DataFrame) -> int:
    tr = results.tracks
    if not len(tr) or not len(rows):
        return -1
    r = rows.iloc[0]
    at = tr[tr["frame"] == r["frame"]]
    if not len(at):
        return -1
    d2 = (at["x_um"] - r["x_um"]) ** 2 + (at["y_um"] - r["y_um"]) ** 2
    return int(at["cell_id"].to_numpy()[int(np.argmin(d2.to_numpy()))])

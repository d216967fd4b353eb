"""Per-frame detections → the schema tables (cells, tracks, fibers, fiber_frames,
migrasomes, migrasome_frames).

Cells are linked by centroid, RF branches by their distal end (the adhesion, fixed on the
substrate) and migrasomes by position; then each track is summarised: first sighting,
growth to full size, release (its fibre no longer reaches a cell) and breakdown (it is no
longer seen before the movie ends).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..results import Results
from .tracking import link

__all__ = ["build_results"]


def _stack(per_frame: list[dict], key: str, dt: float) -> pd.DataFrame:
    parts = []
    for t, d in enumerate(per_frame):
        df = d[key]
        if len(df):
            df = df.copy()
            df.insert(0, "frame", t)
            df.insert(1, "t_min", t * dt)
            parts.append(df)
    if not parts:
        return pd.DataFrame({"frame": pd.Series(dtype="int64"),
                             "t_min": pd.Series(dtype="float64")})
    return pd.concat(parts, ignore_index=True)


def _without_fragments(cf: pd.DataFrame, *, n_frames: int, min_frames: int
                       ) -> tuple[pd.DataFrame, dict[tuple[int, int], int]]:
    """Cell tracks without the pieces split off a neighbour for a frame or two.

    A body tracked for fewer than ``min_frames`` frames of a longer movie, touching in
    each of them (centroids closer than the two equivalent radii plus 2 µm) a larger body
    of a cell tracked longer, is a piece of that cell cut off by the segmentation (a lobe,
    an overlap): a cell does not appear for a frame and vanish.  (Two cells seen apart
    for a frame or two and merged by the segmentation otherwise stay two: the piece
    is as large as the rest.)  Its rows are dropped and
    its ``(frame, label)`` is given to that cell (the returned map) for the migrasomes and
    fibres seen on it.  The cell ids are renumbered 0, 1, ... in order.
    """
    merged: dict[tuple[int, int], int] = {}
    if min_frames <= 1 or n_frames <= min_frames or not len(cf):
        return cf, merged
    short = (cf.groupby("cell_id")["frame"].transform("size") < min_frames).to_numpy()
    if not short.any() or short.all():
        return cf, merged
    cols = ["frame", "cell_id", "x_um", "y_um", "radius_um"]
    pairs = cf.loc[short, cols + ["label"]].reset_index().merge(
        cf.loc[~short, cols], on="frame", suffixes=("", "_h"))
    d = np.hypot(pairs["x_um_h"] - pairs["x_um"], pairs["y_um_h"] - pairs["y_um"])
    # touching, and larger: a piece cut off is smaller than the rest of its cell
    pairs = pairs.assign(d=d)[(d < pairs["radius_um_h"] + pairs["radius_um"] + 2.0)
                              & (pairs["radius_um_h"] > pairs["radius_um"])]
    host = pairs.sort_values("d", kind="stable").groupby("index").first()
    n_rows = cf.loc[short].groupby("cell_id").size()
    n_host = host.groupby("cell_id").size().reindex(n_rows.index, fill_value=0)
    pieces = n_host.index[n_host.to_numpy() == n_rows.to_numpy()]
    host = host[host["cell_id"].isin(pieces)]
    if not len(host):
        return cf, merged
    cf = cf.drop(index=host.index)
    ids, new = np.unique(cf["cell_id"].to_numpy(), return_inverse=True)
    cf["cell_id"] = new.astype(np.int64)
    renum = dict(zip(ids.tolist(), range(len(ids))))
    merged = {(int(f), int(lab)): renum[int(h)] for f, lab, h in
              zip(host["frame"], host["label"], host["cell_id_h"])}
    return cf, merged


def _group_mode(keys: pd.Series, values: pd.Series, valid: pd.Series) -> pd.Series:
    """Most frequent valid value per key (ties: the smallest value), indexed by key."""
    d = pd.DataFrame({"k": keys[valid].to_numpy(), "v": values[valid].to_numpy()})
    if not len(d):
        return pd.Series(dtype=values.dtype)
    n = d.groupby(["k", "v"]).size().reset_index(name="n")
    n = n.sort_values(["k", "n", "v"], ascending=[True, False, True], kind="stable")
    return n.drop_duplicates("k").set_index("k")["v"]


def _sustained_from(df: pd.DataFrame, key: str, flag: np.ndarray) -> pd.Series:
    """Per key (rows sorted by key, then time): the first ``t_min`` from which ``flag``
    stays True to the key's last row; NaN where its last row is False."""
    pos = df.groupby(key).cumcount().to_numpy()
    last_false = pd.Series(np.where(flag, -1, pos)).groupby(df[key].to_numpy()).max()
    last_flag = pd.Series(flag).groupby(df[key].to_numpy()).last()
    k = df[key].map(last_false + 1).to_numpy()
    t = df.loc[pos == k].groupby(key)["t_min"].first()
    return t.where(last_flag.reindex(t.index).to_numpy())


def _growth_onset(mf: pd.DataFrame, t_full: pd.Series, t_first: pd.Series, *, d0: float
                  ) -> pd.Series:
    """When each swelling began to grow: its growth (a line through the diameters from the
    first sighting to full size) extrapolated back to the diameter ``d0`` it grew from.

    A swelling is seen from about 0.5 µm, later than it began; with fewer than two
    sightings before full size, or no growth seen, the onset is the first sighting.  Never
    later than the first sighting; ``d0 = 0`` gives the first sighting.
    """
    if d0 <= 0 or not len(mf):
        return t_first.astype(float)
    tf = mf["migrasome_id"].map(t_full).to_numpy(float)
    t = mf["t_min"].to_numpy(float)
    d = mf["diameter_um"].to_numpy(float)
    use = t <= tf  # NaN full size: never reached, no row used
    k = mf["migrasome_id"].to_numpy()[use]
    tt, dd = t[use], d[use]
    agg = pd.DataFrame({"k": k, "n": 1.0, "t": tt, "d": dd, "tt": tt * tt, "td": tt * dd}
                       ).groupby("k").sum()
    var = agg["tt"] - agg["t"] ** 2 / agg["n"]
    slope = (agg["td"] - agg["t"] * agg["d"] / agg["n"]) / var.where(var > 1e-12)
    mean_t, mean_d = agg["t"] / agg["n"], agg["d"] / agg["n"]
    t0 = mean_t + (d0 - mean_d) / slope.where(slope > 0)
    t0 = t0.where(agg["n"] >= 2).reindex(t_first.index)
    return np.minimum(t0.fillna(t_first), t_first).astype(float)


def build_results(per_frame: list[dict], *, frame_interval_min: float, options: Any,
                  metadata: dict) -> Results:
    """Link the per-frame tables of ``analyze_frame`` and summarise them.

    Parameters
    ----------
    per_frame : list of dict
        One ``analyze_frame`` output per frame, in order.
    frame_interval_min : float
    options : Options
    metadata : dict
        Stored with the Results.

    Returns
    -------
    Results
    """
    dt = float(frame_interval_min)
    n_frames = len(per_frame)
    t_end = (n_frames - 1) * dt
    o = options
    bd_after = float(getattr(o, "breakdown_after_frames", 1.0))

    # -- cells and tracks ------------------------------------------------------------------
    cf = _stack(per_frame, "cells", dt)
    if len(cf):
        cf = link(cf, search_range=o.cell_search_um, memory=1, track_column="cell_id")
    else:
        cf["cell_id"] = pd.Series(dtype="int64")
        for c in ("label", "x_um", "y_um", "radius_um"):
            cf[c] = pd.Series(dtype="float64")
    cf, merged = _without_fragments(cf, n_frames=n_frames,
                                    min_frames=int(getattr(o, "cell_min_frames", 0)))
    cf = cf.sort_values(["cell_id", "frame"], kind="stable").reset_index(drop=True)
    g = cf.groupby("cell_id")
    dx, dy, dtt = g["x_um"].diff(), g["y_um"].diff(), g["t_min"].diff()
    speed = np.hypot(dx, dy) / dtt
    pol = np.arctan2(dy, dx)
    tracks = pd.DataFrame({
        "cell_id": cf["cell_id"], "frame": cf["frame"], "t_min": cf["t_min"],
        "x_um": cf["x_um"], "y_um": cf["y_um"],
        # each sighting takes the motion towards the next one when it has no previous one
        "polarity_rad": pol.fillna(pol.groupby(cf["cell_id"]).bfill()),
        "speed_um_per_min": speed.fillna(speed.groupby(cf["cell_id"]).bfill()),
        "rear_width_um": np.nan, "area_um2": cf.get("area_um2", np.nan)})
    cells = pd.DataFrame({"cell_id": g.size().index.to_numpy(np.int64),
                          "cell_type": "detected",
                          "radius_um": g["radius_um"].median().to_numpy(float),
                          "n_frames": g.size().to_numpy(np.int64)})
    cell_of = {(int(f), int(lab)): int(c) for f, lab, c in
               zip(cf["frame"], cf["label"], cf["cell_id"])}
    cell_of.update(merged)

    # -- fibres ----------------------------------------------------------------------------
    bf = _stack(per_frame, "branches", dt)
    if len(bf):
        bf = link(bf, search_range=o.fiber_search_um, memory=1,
                  pos_columns=("x0_um", "y0_um"), track_column="fiber_id")
        bf["cell_id"] = [cell_of.get((int(f), int(lab)), -1)
                         for f, lab in zip(bf["frame"], bf["cell_label"])]
    else:
        for c in ("fiber_id", "cell_id", "branch"):
            bf[c] = pd.Series(dtype="int64")
        for c in ("x0_um", "y0_um", "x1_um", "y1_um", "length_um"):
            bf[c] = pd.Series(dtype="float64")
        bf["attached"] = pd.Series(dtype="bool")
    bf = bf.sort_values(["fiber_id", "frame"], kind="stable").reset_index(drop=True)
    fiber_frames = bf[["fiber_id", "frame", "t_min", "x0_um", "y0_um", "x1_um", "y1_um",
                       "length_um", "attached"]].copy()
    fiber_frames["cell_id"] = bf["cell_id"].astype("int64")
    gb = bf.groupby("fiber_id")
    att_any = gb["attached"].any()
    t_first, t_last = gb["t_min"].first(), gb["t_min"].last()
    # broken: from when it is no longer attached for good; unseen before the end: gone
    t_break = _sustained_from(bf, "fiber_id", ~bf["attached"].to_numpy(bool))
    t_break = t_break.reindex(t_first.index).where(att_any)
    gone = t_break.isna() & (t_last < t_end - 1e-9)
    t_break = t_break.where(~gone, t_last + dt)
    cid = _group_mode(bf["fiber_id"], bf["cell_id"], bf["attached"].astype(bool))
    fibers = pd.DataFrame({
        "fiber_id": t_first.index.to_numpy(np.int64),
        "cell_id": cid.reindex(t_first.index).fillna(-1).to_numpy(np.int64),
        "anchor_x_um": gb["x0_um"].median().to_numpy(float),
        "anchor_y_um": gb["y0_um"].median().to_numpy(float),
        "t_form_min": t_first.to_numpy(float), "t_break_min": t_break.to_numpy(float),
        "length_um": gb["length_um"].last().to_numpy(float)})
    fibers.insert(2, "parent_fiber_id", np.full(len(fibers), -1, np.int64))
    fiber_of = {(int(f), int(b)): int(i) for f, b, i in
                zip(bf["frame"], bf["branch"], bf["fiber_id"])}

    # -- migrasomes ------------------------------------------------------------------------
    mf = _stack(per_frame, "migrasomes", dt)
    if len(mf):
        mf = link(mf, search_range=o.link_search_um, memory=o.link_memory,
                  track_column="migrasome_id")
        mf["cell_id"] = [cell_of.get((int(f), int(lab)), -1)
                         for f, lab in zip(mf["frame"], mf["cell_label"])]
        mf["fiber_id"] = [fiber_of.get((int(f), int(b)), -1)
                          for f, b in zip(mf["frame"], mf["branch"])]
    else:
        for c in ("migrasome_id", "cell_id", "fiber_id"):
            mf[c] = pd.Series(dtype="int64")
        for c in ("x_um", "y_um", "diameter_um", "snr", "roundness", "probability"):
            mf[c] = pd.Series(dtype="float64")
        mf["attached"] = pd.Series(dtype="bool")
        mf["under_cell"] = pd.Series(dtype="bool")
        mf["site_type"] = pd.Series(dtype="object")
    if metadata.get("z_mode") == "3d" and "z_um" not in mf.columns:  # none found in 3-D
        mf["z_um"] = pd.Series(np.nan, index=mf.index, dtype="float64")
    mf = mf.sort_values(["migrasome_id", "frame"], kind="stable").reset_index(drop=True)
    # a faint fibre missed in one frame between two frames that show it attached: attached
    ga = mf.groupby("migrasome_id")["attached"]
    prev = ga.shift(1, fill_value=False).astype(bool)
    nxt = ga.shift(-1, fill_value=False).astype(bool)
    mf["attached"] = mf["attached"].astype(bool) | (prev & nxt)
    d_free = float(getattr(o, "free_min_diameter_um", 0.0))
    if len(mf) and "under_cell" in mf and getattr(o, "under_needs_rf", False):
        # migrasomes grow on RFs: a swelling seen only over cells that never show one (a
        # nuclear body, a vesicle inside a cell that is not migrating) is not a migrasome
        rf_cells = fiber_frames.loc[fiber_frames["attached"].astype(bool), "cell_id"].unique()
        lone = (mf["under_cell"].astype(bool) & ~mf["attached"].astype(bool)
                & ~mf["cell_id"].isin(rf_cells))
        only = lone.groupby(mf["migrasome_id"]).transform("all").to_numpy(bool)
        mf = mf[~only].reset_index(drop=True)
        mf["migrasome_id"] = pd.factorize(mf["migrasome_id"])[0].astype(np.int64)
    if d_free > 0 and len(mf):
        # a small swelling never seen on an RF nor over a cell is a punctum (a vesicle,
        # debris), not a migrasome; a large free one is kept (released before it was seen)
        ga = mf.groupby("migrasome_id")
        seen = ga["attached"].transform("any")
        if "under_cell" in mf:
            seen |= ga["under_cell"].transform("any").astype(bool)
        keep = (seen | (ga["diameter_um"].transform("max") >= d_free)).to_numpy(bool)
        mf = mf[keep].reset_index(drop=True)
        mf["migrasome_id"] = pd.factorize(mf["migrasome_id"])[0].astype(np.int64)
    for c, v in (("under_cell", False), ("probability", np.nan)):
        if c not in mf.columns:
            mf[c] = v
    mf["under_cell"] = mf["under_cell"].astype(bool)
    in_3d = "z_um" in mf.columns  # measured in z-stacks: each migrasome's centre height
    migrasome_frames = mf[["migrasome_id", "frame", "t_min", "x_um", "y_um"]
                          + ["z_um"] * in_3d + ["diameter_um",
                           "attached", "cell_id", "fiber_id", "snr", "roundness",
                           "under_cell", "probability"]].copy()
    if "diameter_projection_um" in mf.columns:  # 3-D: the projection's 2-D size, for checks
        migrasome_frames["diameter_projection_um"] = mf["diameter_projection_um"].to_numpy()
    # a 3-sighting running median tames single-frame size errors in the growth read-outs
    smooth = mf.groupby("migrasome_id")["diameter_um"].transform(
        lambda s: s.rolling(3, center=True, min_periods=1).median())
    mf["d_smooth"] = smooth
    g = mf.groupby("migrasome_id")
    t_first, t_last = g["t_min"].first(), g["t_min"].last()
    dmax = g["d_smooth"].max()
    # full size as the simulation defines it: the membrane area (∝ d²) at a fraction of its
    # plateau
    frac = float(np.sqrt(getattr(o, "full_size_fraction", 0.81)))
    reached = mf["d_smooth"].to_numpy() >= frac * mf["migrasome_id"].map(dmax).to_numpy()
    t_full = mf.loc[reached].groupby("migrasome_id")["t_min"].first()
    att = mf["attached"].to_numpy(bool)
    # under a cell body its RF cannot be seen: those sightings say nothing of a release
    vis = ~mf["under_cell"].to_numpy(bool)
    mv = mf[vis]
    t_rel = _sustained_from(mv, "migrasome_id", ~att[vis]).where(g["attached"].any())
    # off its fibre in the last sighting or two only: a faint RF missed, not yet a release
    k_rel = int(getattr(o, "release_min_sightings", 1))
    if k_rel > 1 and len(mv):
        n_off = (mv["t_min"].to_numpy() >= mv["migrasome_id"].map(t_rel).to_numpy()).astype(
            int)
        n_off = pd.Series(n_off).groupby(mv["migrasome_id"].to_numpy()).sum()
        t_rel = t_rel.where(n_off.reindex(t_rel.index).to_numpy() >= k_rel)
    # it broke down between its last sighting and the next frame: the middle of that
    # interval is the unbiased guess
    t_bd = (t_last + bd_after * dt).where(t_last < t_end - 1e-9)
    # cell and fibre from the sightings on an RF (or the first sighting if never on one)
    first = g.cumcount().to_numpy() == 0
    never = ~mf["migrasome_id"].map(g["attached"].any()).to_numpy(bool)
    on = pd.Series(att | (first & never))
    cid = _group_mode(mf["migrasome_id"], mf["cell_id"], on & (mf["cell_id"] >= 0))
    fid = _group_mode(mf["migrasome_id"], mf["fiber_id"], on & (mf["fiber_id"] >= 0))
    site = _group_mode(mf["migrasome_id"], mf["site_type"], mf["site_type"].fillna("") != "")
    ids = t_first.index
    t_onset = _growth_onset(mf, t_full, t_first, d0=float(getattr(o, "onset_diameter_um", 0.0)))
    # seen from the first frame on (it began before the movie: left-censored), or already
    # at full size when first seen (its growth was not seen): onset unknown
    t_onset = t_onset.where((t_onset > 1e-9) & (t_first > 1e-9)
                            & ~(t_full.reindex(ids) <= t_first))
    migrasomes = pd.DataFrame({
        "migrasome_id": ids.to_numpy(np.int64),
        "cell_id": cid.reindex(ids).fillna(-1).to_numpy(np.int64),
        "fiber_id": fid.reindex(ids).fillna(-1).to_numpy(np.int64),
        "x_um": g["x_um"].median().to_numpy(float), "y_um": g["y_um"].median().to_numpy(float),
        "site_type": site.reindex(ids).fillna("unknown").to_numpy(object),
        # seen from the first frame on: it began before the movie (left-censored, NaN)
        "t_nucleation_min": t_onset.to_numpy(float),
        "t_growth_onset_min": t_onset.to_numpy(float),
        "t_full_size_min": t_full.reindex(ids).to_numpy(float),
        "t_release_min": t_rel.reindex(ids).to_numpy(float),
        "t_breakdown_min": t_bd.to_numpy(float), "max_diameter_um": dmax.to_numpy(float),
        "n_frames": g.size().to_numpy(np.int64),
        "under_cell": g["under_cell"].mean().to_numpy(float) > 0.5})
    if in_3d:
        migrasomes.insert(5, "z_um", g["z_um"].median().to_numpy(float))
    meta = dict(metadata)
    meta["n_frames"] = n_frames
    meta["noise_sigma"] = [float(d["noise"]) for d in per_frame]
    return Results(tables={"cells": cells, "tracks": tracks, "fibers": fibers,
                           "fiber_frames": fiber_frames, "migrasomes": migrasomes,
                           "migrasome_frames": migrasome_frames}, metadata=meta)

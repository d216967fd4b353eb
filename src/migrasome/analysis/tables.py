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
from .tracking import first_time_sustained, link

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


def _mode(s: pd.Series):
    s = s.dropna()
    return s.value_counts().index[0] if len(s) else np.nan


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

    # -- cells and tracks ------------------------------------------------------------------
    cf = _stack(per_frame, "cells", dt)
    if len(cf):
        cf["cell_id"] = link(cf, search_range=o.cell_search_um, memory=1)
    else:
        cf["cell_id"] = pd.Series(dtype="int64")
        for c in ("label", "x_um", "y_um", "radius_um"):
            cf[c] = pd.Series(dtype="float64")
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

    # -- fibres ----------------------------------------------------------------------------
    bf = _stack(per_frame, "branches", dt)
    if len(bf):
        bf["fiber_id"] = link(bf, search_range=o.fiber_search_um, memory=1,
                              pos_columns=("x0_um", "y0_um"))
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
    rows = []
    for fid, d in gb:
        att = d["attached"].to_numpy(bool)
        t = d["t_min"].to_numpy(float)
        t_break = np.nan
        if att.any():
            t_break = first_time_sustained(t, ~att) if not att[-1] else np.nan
        if np.isnan(t_break) and t[-1] < t_end - 1e-9:
            t_break = t[-1] + dt
        cid = _mode(d.loc[d["attached"], "cell_id"]) if att.any() else -1
        rows.append((fid, -1 if pd.isna(cid) else int(cid), float(d["x0_um"].median()),
                     float(d["y0_um"].median()), float(t[0]), t_break,
                     float(d["length_um"].iloc[-1])))
    fibers = pd.DataFrame(rows, columns=["fiber_id", "cell_id", "anchor_x_um", "anchor_y_um",
                                         "t_form_min", "t_break_min", "length_um"])
    fibers.insert(2, "parent_fiber_id", np.full(len(fibers), -1, np.int64))
    fiber_of = {(int(f), int(b)): int(i) for f, b, i in
                zip(bf["frame"], bf["branch"], bf["fiber_id"])}

    # -- migrasomes ------------------------------------------------------------------------
    mf = _stack(per_frame, "migrasomes", dt)
    if len(mf):
        mf["migrasome_id"] = link(mf, search_range=o.link_search_um, memory=o.link_memory)
        mf["cell_id"] = [cell_of.get((int(f), int(lab)), -1)
                         for f, lab in zip(mf["frame"], mf["cell_label"])]
        mf["fiber_id"] = [fiber_of.get((int(f), int(b)), -1)
                          for f, b in zip(mf["frame"], mf["branch"])]
    else:
        for c in ("migrasome_id", "cell_id", "fiber_id"):
            mf[c] = pd.Series(dtype="int64")
        for c in ("x_um", "y_um", "diameter_um", "snr", "roundness"):
            mf[c] = pd.Series(dtype="float64")
        mf["attached"] = pd.Series(dtype="bool")
        mf["site_type"] = pd.Series(dtype="object")
    mf = mf.sort_values(["migrasome_id", "frame"], kind="stable").reset_index(drop=True)
    # a faint fibre missed in one frame between two frames that show it attached: attached
    ga = mf.groupby("migrasome_id")["attached"]
    prev = ga.shift(1, fill_value=False).astype(bool)
    nxt = ga.shift(-1, fill_value=False).astype(bool)
    mf["attached"] = mf["attached"].astype(bool) | (prev & nxt)
    migrasome_frames = mf[["migrasome_id", "frame", "t_min", "x_um", "y_um", "diameter_um",
                           "attached", "cell_id", "fiber_id", "snr", "roundness"]].copy()
    # a 3-sighting running median tames single-frame size errors in the growth read-outs
    smooth = mf.groupby("migrasome_id")["diameter_um"].transform(
        lambda s: s.rolling(3, center=True, min_periods=1).median())
    mf["d_smooth"] = smooth
    rows = []
    for mid, d in mf.groupby("migrasome_id"):
        t = d["t_min"].to_numpy(float)
        att = d["attached"].to_numpy(bool)
        ds = d["d_smooth"].to_numpy(float)
        dmax = float(ds.max())
        t_full = float(t[np.argmax(ds >= 0.9 * dmax)])
        t_rel = first_time_sustained(t, ~att) if att.any() else np.nan
        t_bd = t[-1] + dt if t[-1] < t_end - 1e-9 else np.nan
        on = d[d["attached"]] if att.any() else d.iloc[:1]
        cid = _mode(on["cell_id"][on["cell_id"] >= 0])
        fid = _mode(on["fiber_id"][on["fiber_id"] >= 0])
        site = _mode(d["site_type"][d["site_type"] != ""])
        rows.append((mid, -1 if pd.isna(cid) else int(cid), -1 if pd.isna(fid) else int(fid),
                     float(d["x_um"].median()), float(d["y_um"].median()),
                     "unknown" if pd.isna(site) else site, float(t[0]), float(t[0]), t_full,
                     t_rel, t_bd, dmax, len(d)))
    migrasomes = pd.DataFrame(rows, columns=[
        "migrasome_id", "cell_id", "fiber_id", "x_um", "y_um", "site_type", "t_nucleation_min",
        "t_growth_onset_min", "t_full_size_min", "t_release_min", "t_breakdown_min",
        "max_diameter_um", "n_frames"])
    meta = dict(metadata)
    meta["n_frames"] = n_frames
    meta["noise_sigma"] = [float(d["noise"]) for d in per_frame]
    return Results(tables={"cells": cells, "tracks": tracks, "fibers": fibers,
                           "fiber_frames": fiber_frames, "migrasomes": migrasomes,
                           "migrasome_frames": migrasome_frames}, metadata=meta)

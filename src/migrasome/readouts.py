"""Read-outs from Results tables, as experimentalists report them (MODEL.md §8).

These functions read only the schema tables, so they give the same numbers for a simulation
(truth) and for an analysed movie (measurement).

Snapshot read-outs (per cell, per 100 µm RF, RF number and length) are averaged over the
recorded frames of the second half of the run: that is what counting on a fixed sample or a
still frame gives once the culture has reached its steady state.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import MIN_MIGRASOME_DIAMETER_UM

__all__ = ["summarize", "counts_over_time", "steady_frames", "counted_migrasomes",
           "SUMMARY_LABELS"]

#: Labels (with units) of the read-outs of :func:`summarize`, for tables people read.
SUMMARY_LABELS = {
    "n_cells": "cells",
    "migrasomes_per_cell": "migrasomes per cell (snapshot)",
    "attached_migrasomes_per_cell": "  of which on RFs",
    "migrasomes_formed_per_cell": "migrasomes formed per cell",
    "median_diameter_um": "median diameter (µm)",
    "median_growth_min": "median growth time (min)",
    "median_nucleation_to_full_min": "median α5 punctum to full size (min)",
    "median_lifetime_min": "median lifetime (min)",
    "rf_count_per_cell": "RFs per cell",
    "rf_length_per_cell_um": "RF length per cell (µm)",
    "migrasomes_per_100um_rf": "migrasomes per 100 µm RF",
    "released_fraction": "fraction released",
    "mean_speed_um_per_min": "mean speed (µm/min)",
}


def steady_frames(frames: pd.Series) -> np.ndarray:
    """The recorded frames in the second half of the run.

    Parameters
    ----------
    frames : Series of int
        Frame numbers (repeats allowed).

    Returns
    -------
    ndarray of int, shape (n_steady,)
        The unique frames ≥ first + (last − first) / 2, sorted.

    Examples
    --------
    >>> import pandas as pd
    >>> steady_frames(pd.Series([0, 1, 2, 3, 4, 4])).tolist()
    [2, 3, 4]
    """
    f = np.unique(np.asarray(frames))
    if f.size == 0:
        return f
    return f[f >= f.min() + (f.max() - f.min()) / 2]


def counts_over_time(results) -> pd.DataFrame:
    """Per recorded frame: migrasomes (attached, released), attached RFs and their length.

    Migrasomes are counted from 0.5 µm (``MIN_MIGRASOME_DIAMETER_UM``) and only when made by
    a cell of the run (``cell_id ≥ 0``).

    Parameters
    ----------
    results : Results
        Simulated or measured results (``tracks``, ``fiber_frames``, ``migrasome_frames``).

    Returns
    -------
    DataFrame
        One row per frame; columns ``frame, t_min`` (min), ``n_migrasomes, n_attached,
        n_released, n_fibers`` (counts) and ``fiber_length_um`` (total attached RF length, µm).

    Examples
    --------
    >>> from migrasome.imaging.scene import synthetic_results
    >>> counts = counts_over_time(synthetic_results())
    >>> counts[["frame", "n_migrasomes", "n_fibers"]].iloc[0].tolist()
    [0, 9, 9]
    """
    mf = results.migrasome_frames
    ff = results.fiber_frames
    tr = results.tracks
    frames = np.unique(np.concatenate([tr["frame"].to_numpy(), mf["frame"].to_numpy(),
                                       ff["frame"].to_numpy()]).astype(np.int64))
    out = pd.DataFrame({"frame": frames})
    times = pd.concat([tr[["frame", "t_min"]], mf[["frame", "t_min"]], ff[["frame", "t_min"]]])
    out["t_min"] = out["frame"].map(times.groupby("frame")["t_min"].first())
    big = mf[mf["diameter_um"] >= MIN_MIGRASOME_DIAMETER_UM]
    if "cell_id" in big.columns:  # made by no cell of the run (e.g. injected): not counted
        big = big[big["cell_id"] >= 0]
    g = big.groupby("frame")
    out["n_migrasomes"] = out["frame"].map(g.size()).fillna(0).astype(int)
    out["n_attached"] = out["frame"].map(g["attached"].sum()).fillna(0).astype(int)
    out["n_released"] = out["n_migrasomes"] - out["n_attached"]
    att = ff[ff["attached"]]
    ga = att.groupby("frame")
    out["n_fibers"] = out["frame"].map(ga.size()).fillna(0).astype(int)
    out["fiber_length_um"] = out["frame"].map(ga["length_um"].sum()).fillna(0.0)
    return out


def summarize(results) -> pd.Series:
    """The headline read-outs of a Results.

    Parameters
    ----------
    results : Results
        Simulated or measured results (the schema tables).

    Returns
    -------
    Series
        ``n_cells``; ``migrasomes_per_cell`` (migrasomes ≥ 0.5 µm present per cell in a
        snapshot, on RFs or released, as counted in an image of the dish);
        ``attached_migrasomes_per_cell`` (still on its RFs);
        ``migrasomes_per_100um_rf`` (attached ones per 100 µm of RF);
        ``migrasomes_formed_per_cell`` (all that reached 0.5 µm during the run);
        ``median_diameter_um`` (µm, of the largest size each reached);
        ``median_growth_min`` (min, growth onset to full size);
        ``median_nucleation_to_full_min`` (min, integrin-α5 punctum to full size);
        ``median_lifetime_min`` (min, growth onset to breakdown, among those that broke down);
        ``rf_count_per_cell`` and
        ``rf_length_per_cell_um`` (µm; attached RFs, snapshot); ``released_fraction`` (of the
        migrasomes formed, the fraction released by RF breakage); ``mean_speed_um_per_min``
        (µm/min). Snapshot values are means over the second half of the recorded frames.

    Examples
    --------
    >>> from migrasome.imaging.scene import synthetic_results
    >>> s = summarize(synthetic_results(n_cells=3, fibers_per_cell=3))
    >>> s[["n_cells", "migrasomes_per_cell", "median_diameter_um"]].tolist()
    [3.0, 3.0, 1.2]
    """
    cells = results.cells
    n_cells = max(len(cells), 1)
    counts = counts_over_time(results)
    steady = counts[counts["frame"].isin(steady_frames(counts["frame"]))]
    mig = counted_migrasomes(results)
    growth = mig["t_full_size_min"] - mig["t_growth_onset_min"]
    puncta = mig["t_full_size_min"] - mig["t_nucleation_min"]
    life = mig["t_breakdown_min"] - mig["t_growth_onset_min"]
    rf_len = steady["fiber_length_um"].mean() if len(steady) else 0.0
    present = steady["n_migrasomes"].mean() if len(steady) else 0.0
    attached = steady["n_attached"].mean() if len(steady) else 0.0
    tr = results.tracks
    s = {
        "n_cells": float(len(cells)),
        "migrasomes_per_cell": present / n_cells,
        "attached_migrasomes_per_cell": attached / n_cells,
        "migrasomes_per_100um_rf": 100.0 * attached / rf_len if rf_len > 0 else np.nan,
        "migrasomes_formed_per_cell": len(mig) / n_cells,
        "median_diameter_um": float(mig["max_diameter_um"].median()) if len(mig) else np.nan,
        "median_growth_min": float(growth.median()) if growth.notna().any() else np.nan,
        "median_nucleation_to_full_min": (float(puncta.median()) if puncta.notna().any()
                                          else np.nan),
        "median_lifetime_min": float(life.median()) if life.notna().any() else np.nan,
        "rf_count_per_cell": (steady["n_fibers"].mean() / n_cells) if len(steady) else 0.0,
        "rf_length_per_cell_um": rf_len / n_cells,
        "released_fraction": float(mig["t_release_min"].notna().mean()) if len(mig) else np.nan,
        "mean_speed_um_per_min": float(tr["speed_um_per_min"].mean()) if len(tr) else np.nan,
    }
    return pd.Series(s, name="summary")


def counted_migrasomes(results) -> pd.DataFrame:
    """The migrasomes the read-outs count.

    Made by a cell (not injected) and at least ``MIN_MIGRASOME_DIAMETER_UM`` at their
    largest.

    Parameters
    ----------
    results : Results

    Returns
    -------
    DataFrame
        Rows of ``results.migrasomes``.
    """
    mig = results.migrasomes
    return mig[(mig["max_diameter_um"] >= MIN_MIGRASOME_DIAMETER_UM) & (mig["cell_id"] >= 0)]

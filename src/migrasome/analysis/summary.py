"""The read-outs of an analysed movie, as one row (the schema's read-outs plus sizes)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..results import MIN_MIGRASOME_DIAMETER_UM

__all__ = ["summarize_analysis"]


def summarize_analysis(results) -> pd.Series:
    """Migrasomes per cell and per 100 µm RF, diameter distribution, lifetimes.

    The schema read-outs of :meth:`Results.summary` (``migrasome.readouts.summarize``) plus
    ``n_migrasomes`` (tracks reaching 0.5 µm), ``diameter_p10_um … diameter_p90_um`` (of the
    largest size each reached), ``median_observed_lifetime_min`` (first to last sighting plus
    one frame, all tracks), ``median_migrasomes_per_frame``, ``n_frames``.

    Returns
    -------
    Series
    """
    s = results.summary()
    mig = results.migrasomes
    mig = mig[mig["max_diameter_um"] >= MIN_MIGRASOME_DIAMETER_UM]
    d = mig["max_diameter_um"].to_numpy(float)
    q = np.percentile(d, [10, 25, 50, 75, 90]) if d.size else np.full(5, np.nan)
    dt = float(results.metadata.get("frame_interval_min", 1.0) or 1.0)
    mf = results.migrasome_frames
    g = mf.groupby("migrasome_id")["t_min"]
    life = (g.max() - g.min() + dt) if len(mf) else pd.Series(dtype=float)
    per_frame = mf.groupby("frame").size() if len(mf) else pd.Series(dtype=float)
    extra = {
        "n_frames": float(results.metadata.get("n_frames", mf["frame"].nunique())),
        "n_migrasomes": float(len(mig)),
        "median_migrasomes_per_frame": float(per_frame.median()) if len(per_frame) else 0.0,
        "diameter_p10_um": q[0], "diameter_p25_um": q[1], "diameter_p50_um": q[2],
        "diameter_p75_um": q[3], "diameter_p90_um": q[4],
        "median_observed_lifetime_min": float(life.median()) if len(life) else np.nan,
    }
    return pd.concat([s, pd.Series(extra)]).rename("summary")

"""Small hand-made scenes shared by the imaging tests (no tests here)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from migrasome import Results


def migrasome_scene(diameters, *, spacing_um=6.0, n_frames=1, width_um=None,
                    offset=(0.037, 0.011), frame_interval_min=1.0, boundary="periodic"):
    """Migrasomes only, in a row across the middle of a square domain."""
    d = np.asarray(diameters, float)
    n = d.size
    W = width_um or spacing_um * n
    xs = (np.arange(n) + 0.5) * spacing_um + offset[0]
    ids, fr = np.meshgrid(np.arange(n), np.arange(n_frames), indexing="ij")
    mf = pd.DataFrame({
        "migrasome_id": ids.ravel(), "frame": fr.ravel(),
        "t_min": fr.ravel() * frame_interval_min,
        "x_um": xs[ids.ravel()], "y_um": W / 2 + offset[1],
        "diameter_um": d[ids.ravel()], "attached": True})
    meta = {"width_um": W, "height_um": W, "frame_interval_min": frame_interval_min,
            "boundary": boundary}
    return Results(tables={"migrasome_frames": mf}, metadata=meta)


def line_scene(segments, *, width_um=40.0):
    """RF segments (x0, y0, x1, y1) in one frame."""
    seg = np.asarray(segments, float).reshape(-1, 4)
    ff = pd.DataFrame({
        "fiber_id": np.arange(len(seg)), "frame": 0, "t_min": 0.0,
        "x0_um": seg[:, 0], "y0_um": seg[:, 1], "x1_um": seg[:, 2], "y1_um": seg[:, 3],
        "length_um": np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1]),
        "attached": True})
    meta = {"width_um": width_um, "height_um": width_um, "frame_interval_min": 1.0,
            "boundary": "periodic"}
    return Results(tables={"fiber_frames": ff}, metadata=meta)


def radial_fwhm_diameter(img, x_um, y_um, px, reach_um):
    """Diameter at half maximum of the outer flank of the radial profile (µm)."""
    yy, xx = np.mgrid[: img.shape[0], : img.shape[1]]
    rr = np.hypot((xx + 0.5) * px - x_um, (yy + 0.5) * px - y_um)
    sel = rr < reach_um
    w, r = img[sel].astype(float), rr[sel]
    bins = np.arange(0, reach_um + px / 2, px / 2)
    idx = np.digitize(r, bins)
    prof = np.array([w[idx == k].mean() if np.any(idx == k) else np.nan
                     for k in range(1, len(bins))])
    c = (bins[:-1] + bins[1:]) / 2
    k = int(np.nanargmax(prof))
    half = prof[k] / 2
    j = k + int(np.argmax(prof[k:] < half))
    return 2 * float(np.interp(half, [prof[j], prof[j - 1]], [c[j], c[j - 1]]))

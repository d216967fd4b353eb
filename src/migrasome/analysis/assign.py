"""Which fibre and which cell a migrasome belongs to, in one frame.

A migrasome sits on an RF when the RF skeleton passes within its radius plus ``reach_um``;
it is *attached* when that RF's skeleton still touches a cell body, and it belongs to that
cell.  Otherwise (released, or on a fibre cut from its cell) it is given the nearest cell
body, measured from the body's edge.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

__all__ = ["assign_frame"]


def assign_frame(migrasomes: pd.DataFrame, *, branches: pd.DataFrame, points: np.ndarray,
                 cells: pd.DataFrame, reach_um: float = 0.8) -> pd.DataFrame:
    """Attach each migrasome of a frame to a fibre branch and a cell body.

    Parameters
    ----------
    migrasomes : DataFrame
        ``x_um, y_um, diameter_um`` (one frame).
    branches : DataFrame
        From ``fiber_graph``: ``attached, cell_label`` per branch (row = branch index).
    points : ndarray, shape (n, 4)
        Skeleton pixels ``x_um, y_um, branch, is_tip`` from ``fiber_graph``.
    cells : DataFrame
        ``label, x_um, y_um, radius_um`` of the cell bodies of the frame.
    reach_um : float
        Gap allowed between a migrasome's rim and the skeleton (µm).

    Returns
    -------
    DataFrame
        Same rows: ``branch`` (-1: none), ``attached`` (bool), ``cell_label`` (0: no cell),
        ``site_type`` ("tip", "branch", or "" when not on a fibre).
    """
    n = len(migrasomes)
    out = pd.DataFrame({"branch": np.full(n, -1, np.int64), "attached": np.zeros(n, bool),
                        "cell_label": np.zeros(n, np.int64), "site_type": np.full(n, "", object)},
                       index=migrasomes.index)
    if n == 0:
        return out
    xy = migrasomes[["x_um", "y_um"]].to_numpy(float)
    reach = migrasomes["diameter_um"].to_numpy(float) / 2 + reach_um
    if len(points):
        tree = cKDTree(points[:, :2])
        d, k = tree.query(xy)
        on = d <= reach
        b = points[k, 2].astype(np.int64)
        out.loc[on, "branch"] = b[on]
        att = branches["attached"].to_numpy(bool)
        lab = branches["cell_label"].to_numpy(np.int64)
        out.loc[on, "attached"] = att[b[on]]
        out.loc[on, "cell_label"] = lab[b[on]]
        tips = points[points[:, 3] > 0, :2]
        if len(tips):
            dt, _ = cKDTree(tips).query(xy)
            is_tip = dt <= reach
        else:
            is_tip = np.zeros(n, bool)
        out.loc[on, "site_type"] = np.where(is_tip[on], "tip", "branch")
    free = out["cell_label"].to_numpy() == 0
    if free.any() and len(cells):
        cxy = cells[["x_um", "y_um"]].to_numpy(float)
        d = np.hypot(xy[free, None, 0] - cxy[None, :, 0], xy[free, None, 1] - cxy[None, :, 1])
        d = d - cells["radius_um"].to_numpy(float)[None, :]
        out.loc[free, "cell_label"] = cells["label"].to_numpy(np.int64)[np.argmin(d, axis=1)]
    return out

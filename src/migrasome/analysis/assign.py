"""Which fibre and which cell a migrasome belongs to, in one frame.

RF skeleton pieces and migrasomes form a graph: a piece and a migrasome are joined when the
piece comes within the migrasome's radius plus ``reach_um`` (the ridge search leaves a
margin around each migrasome, so a fibre through one shows as two pieces ending at its rim).
Whatever this graph connects to a piece that touches a cell body is *attached* to that cell:
a migrasome at a branch point, and the fibre beyond it, stay attached; a migrasome whose
fibres are gone, or cut from the cell, is released and given the nearest cell body, measured
from the body's edge.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

__all__ = ["assign_frame"]


def assign_frame(migrasomes: pd.DataFrame, *, branches: pd.DataFrame, points: np.ndarray,
                 cells: pd.DataFrame, reach_um: float = 1.2
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Attach each migrasome of a frame to a fibre branch and a cell body.

    Parameters
    ----------
    migrasomes : DataFrame
        ``x_um, y_um, diameter_um`` (one frame).
    branches : DataFrame
        From ``fiber_graph``: ``component, attached, cell_label`` per branch (row = index).
    points : ndarray, shape (n, 4)
        Skeleton pixels ``x_um, y_um, branch, is_tip`` from ``fiber_graph``.
    cells : DataFrame
        ``label, x_um, y_um, radius_um`` of the cell bodies of the frame.
    reach_um : float
        Gap allowed between a migrasome's rim and a skeleton piece (µm).

    Returns
    -------
    migrasomes : DataFrame
        Same rows: ``branch`` (nearest branch, -1: none), ``attached`` (bool),
        ``cell_label`` (0: no cell), ``site_type`` ("tip", "branch", or "" off fibres).
    branches : DataFrame
        A copy with ``attached`` and ``cell_label`` updated through the migrasomes.
    """
    n = len(migrasomes)
    out = pd.DataFrame({"branch": np.full(n, -1, np.int64), "attached": np.zeros(n, bool),
                        "cell_label": np.zeros(n, np.int64), "site_type": np.full(n, "", object)},
                       index=migrasomes.index)
    branches = branches.copy()
    xy = migrasomes[["x_um", "y_um"]].to_numpy(float).reshape(-1, 2)
    reach = migrasomes["diameter_um"].to_numpy(float) / 2 + reach_um
    if len(points) and n:
        bpt = points[:, 2].astype(np.int64)
        comp_of_branch = branches["component"].to_numpy(np.int64)
        tree = cKDTree(points[:, :2])
        d, k = tree.query(xy)
        on = d <= reach
        out.loc[on, "branch"] = bpt[k[on]]
        tips = points[points[:, 3] > 0, :2]
        dt = cKDTree(tips).query(xy)[0] if len(tips) else np.full(n, np.inf)
        out.loc[on, "site_type"] = np.where(dt[on] <= reach[on], "tip", "branch")
        # graph: nodes = components (0..C-1), migrasomes (C..C+n-1)
        comps, cinv = np.unique(comp_of_branch, return_inverse=True)
        C = len(comps)
        near = tree.query_ball_point(xy, reach)
        mi = np.repeat(np.arange(n), [len(v) for v in near])
        pj = np.concatenate([np.asarray(v, np.int64) for v in near]) if len(mi) else \
            np.zeros(0, np.int64)
        ci = cinv[bpt[pj]]
        g = coo_matrix((np.ones(len(mi)), (ci, C + mi)), shape=(C + n, C + n))
        _, grp = connected_components(g, directed=False)
        # a group is attached to the cell of any directly attached component in it
        lab_c = np.zeros(C, np.int64)
        att = branches["attached"].to_numpy(bool)
        lab_c[cinv[att]] = branches["cell_label"].to_numpy(np.int64)[att]
        grp_cell = np.zeros(grp.max() + 1, np.int64)
        has = lab_c > 0
        grp_cell[grp[:C][has]] = lab_c[has]
        m_cell = grp_cell[grp[C:]]
        out["attached"] = m_cell > 0
        out["cell_label"] = m_cell
        c_cell = grp_cell[grp[:C]]
        branches["cell_label"] = c_cell[cinv]
        branches["attached"] = c_cell[cinv] > 0
    free = out["cell_label"].to_numpy() == 0
    if free.any() and len(cells):
        cxy = cells[["x_um", "y_um"]].to_numpy(float)
        d = np.hypot(xy[free, None, 0] - cxy[None, :, 0], xy[free, None, 1] - cxy[None, :, 1])
        d = d - cells["radius_um"].to_numpy(float)[None, :]
        out.loc[free, "cell_label"] = cells["label"].to_numpy(np.int64)[np.argmin(d, axis=1)]
    return out, branches

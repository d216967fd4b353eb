"""Frame-to-frame linking (Hungarian assignment with gaps) and per-track read-outs.

Features are a tidy table with a ``frame`` column and positions in µm (trackpy's layout);
``link`` returns a copy with a ``track`` column, the input untouched.  Each frame is solved
as a linear assignment between the tracks alive (seen within ``memory`` frames) and the new
features, split into independent sub-problems (connected components of the gating graph),
so cost grows with crowding, not with the field size.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

__all__ = ["link", "first_time_sustained"]


def _assign(prev_xy: np.ndarray, new_xy: np.ndarray, search_range: float):
    """Pairs (i_prev, j_new) of a minimum total-distance matching within ``search_range``."""
    if len(prev_xy) == 0 or len(new_xy) == 0:
        return np.zeros(0, int), np.zeros(0, int)
    d = cKDTree(prev_xy).sparse_distance_matrix(cKDTree(new_xy), search_range,
                                                output_type="coo_matrix")
    if d.nnz == 0:
        return np.zeros(0, int), np.zeros(0, int)
    n_p, n_n = len(prev_xy), len(new_xy)
    # distances of exactly 0 vanish from a sparse matrix: keep them as tiny positives
    rows, cols, vals = d.row, d.col, np.maximum(d.data, 1e-9)
    g = coo_matrix((np.ones_like(vals), (rows, cols + n_p)), shape=(n_p + n_n,) * 2)
    _, comp = connected_components(g, directed=False)
    ci = comp[rows]
    out_i, out_j = [], []
    order = np.argsort(ci, kind="stable")
    rows, cols, vals, ci = rows[order], cols[order], vals[order], ci[order]
    starts = np.flatnonzero(np.r_[True, ci[1:] != ci[:-1]])
    ends = np.r_[starts[1:], len(ci)]
    for a, b in zip(starts, ends):
        r, c, v = rows[a:b], cols[a:b], vals[a:b]
        if b - a == 1:
            out_i.append(r)
            out_j.append(c)
            continue
        ur, ir = np.unique(r, return_inverse=True)
        uc, ic = np.unique(c, return_inverse=True)
        big = 10.0 * search_range + 1.0
        m = np.full((len(ur), len(uc)), big)
        m[ir, ic] = v
        i, j = linear_sum_assignment(m)
        ok = m[i, j] < big
        out_i.append(ur[i[ok]])
        out_j.append(uc[j[ok]])
    return np.concatenate(out_i), np.concatenate(out_j)


def link(features: pd.DataFrame, *, search_range: float, memory: int = 0,
         pos_columns: tuple[str, str] = ("x_um", "y_um"), t_column: str = "frame",
         track_column: str = "track") -> pd.DataFrame:
    """Link features frame to frame into tracks (trackpy's convention).

    Each frame's features are assigned to the tracks still alive by minimising the **sum of
    Euclidean displacements** (not of their squares: one long jump costs the same as two
    half-length ones, so a crowd does not pull a track onto its neighbour) over pairs closer
    than ``search_range``; a feature left over starts a new track.

    Parameters
    ----------
    features : DataFrame
        One row per feature with ``t_column`` (int) and ``pos_columns`` (µm).  Not modified.
    search_range : float
        Largest displacement between two sightings of one object (µm).
    memory : int
        Frames an object may go unseen and still be linked (gaps of up to ``memory``).
    pos_columns, t_column : str
        Column names of the positions and of the frame number.
    track_column : str
        Name of the column added.

    Returns
    -------
    DataFrame
        A copy of ``features`` (same index and row order) with ``track_column`` (int64):
        0, 1, … in order of first appearance.

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"frame": [0, 0, 1, 1], "x_um": [0.0, 5.0, 5.2, 0.1],
    ...                   "y_um": [0.0, 0.0, 0.0, 0.0]})
    >>> link(f, search_range=1.0)["track"].tolist()
    [0, 1, 1, 0]
    """
    for c in (t_column, *pos_columns):
        if c not in features.columns:
            raise ValueError(f"features lack the column {c!r}; have {list(features.columns)}")
    if track_column in features.columns:
        raise ValueError(f"features already have a {track_column!r} column")
    out = features.copy()
    out[track_column] = _link_ids(features[t_column].to_numpy(),
                                  features[list(pos_columns)].to_numpy(float),
                                  search_range=search_range, memory=memory)
    return out


def _link_ids(t: np.ndarray, xy: np.ndarray, *, search_range: float, memory: int
              ) -> np.ndarray:
    """Track id per row (see :func:`link`)."""
    n = len(t)
    ids = np.full(n, -1, np.int64)
    if n == 0:
        return ids
    order = np.argsort(t, kind="stable")
    frames, starts = np.unique(t[order], return_index=True)
    ends = np.r_[starts[1:], n]
    act_xy = np.zeros((0, 2))
    act_last = np.zeros(0, np.int64)
    act_id = np.zeros(0, np.int64)
    next_id = 0
    for fr, a, b in zip(frames, starts, ends):
        rows = order[a:b]
        alive = act_last >= fr - 1 - memory
        act_xy, act_last, act_id = act_xy[alive], act_last[alive], act_id[alive]
        i, j = _assign(act_xy, xy[rows], search_range)
        new_ids = np.full(len(rows), -1, np.int64)
        new_ids[j] = act_id[i]
        fresh = new_ids < 0
        new_ids[fresh] = np.arange(next_id, next_id + fresh.sum())
        next_id += int(fresh.sum())
        ids[rows] = new_ids
        act_xy[i] = xy[rows[j]]
        act_last[i] = fr
        act_xy = np.vstack([act_xy, xy[rows[fresh]]])
        act_last = np.r_[act_last, np.full(fresh.sum(), fr)]
        act_id = np.r_[act_id, new_ids[fresh]]
    return ids


def first_time_sustained(times: np.ndarray, flag: np.ndarray) -> float:
    """First time from which ``flag`` stays True to the end of the series; NaN if never.

    ``times`` sorted ascending, shape (n,); ``flag`` bool, shape (n,).
    """
    flag = np.asarray(flag, bool)
    if flag.size == 0 or not flag[-1]:
        return np.nan
    last_false = np.flatnonzero(~flag)
    k = last_false[-1] + 1 if last_false.size else 0
    return float(np.asarray(times)[k])

"""A skeleton's branch graph (tips, junctions, branches between them) with NumPy and SciPy.

The same read-out as skan's ``Skeleton`` + ``summarize`` for what the fibre analysis needs,
without its per-process JIT compilation (several seconds for every new process: the
compiled classes cannot be cached).  Nodes are skeleton pixels; a junction is a pixel with
three or more skeleton neighbours (a cluster of touching junction pixels is one junction,
its pixels joined); a branch is a run of non-junction pixels, walked in order, with the
junction pixels it touches at its ends.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import ndimage as ndi
from scipy.sparse import csr_matrix

__all__ = ["SkeletonGraph", "skeleton_graph"]

_EIGHT = np.ones((3, 3), bool)
_STEPS = [(-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1)]


@dataclass
class SkeletonGraph:
    """Branch graph of a 2-D skeleton.

    Attributes
    ----------
    coordinates : ndarray of int, shape (n, 2)
        (row, col) of every skeleton pixel (node ids are row numbers).
    degrees : ndarray of int, shape (n,)
        Skeleton neighbours of each pixel (1 a tip, ≥ 3 a junction).
    paths : csr_matrix, shape (n_branches, n)
        Row b lists the nodes of branch b, in order along it.
    summary : DataFrame
        One row per branch: ``skeleton_id`` (connected component), ``branch_distance``
        (length along it, in ``spacing`` units), ``node_id_src, node_id_dst``,
        ``image_coord_src_0, image_coord_src_1, image_coord_dst_0, image_coord_dst_1``.
    """

    coordinates: np.ndarray
    degrees: np.ndarray
    paths: csr_matrix
    summary: pd.DataFrame


def _walk(start, members: set, junction_at) -> list:
    """Pixels of a branch in order from ``start``, preferring edge neighbours to corners."""
    path, seen, cur = [start], {start}, start
    while True:
        nxt = None
        for dr, dc in _STEPS:
            p = (cur[0] + dr, cur[1] + dc)
            if p in members and p not in seen:
                nxt = p
                break
        if nxt is None:
            return path
        path.append(nxt)
        seen.add(nxt)
        cur = nxt


def skeleton_graph(skel: np.ndarray, *, spacing: float = 1.0) -> SkeletonGraph:
    """The branch graph of a boolean skeleton image (8-connected), lengths × ``spacing``.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.zeros((9, 9), bool); s[4, 1:8] = True; s[1:4, 4] = True
    >>> g = skeleton_graph(s)
    >>> len(g.summary), int((g.degrees == 1).sum())
    (3, 3)
    """
    skel = np.asarray(skel, bool)
    coords = np.argwhere(skel)
    n = len(coords)
    index = np.full(skel.shape, -1, np.int64)
    index[coords[:, 0], coords[:, 1]] = np.arange(n)
    nb = ndi.convolve(skel.astype(np.int32), _EIGHT.astype(np.int32), mode="constant") - 1
    deg = nb[coords[:, 0], coords[:, 1]] if n else np.zeros(0, np.int64)
    comp_img, _ = ndi.label(skel, structure=_EIGHT)
    junction = np.zeros(skel.shape, bool)
    junction[coords[deg >= 3, 0], coords[deg >= 3, 1]] = True
    seg_img, n_seg = ndi.label(skel & ~junction, structure=_EIGHT)
    jlab, _ = ndi.label(junction, structure=_EIGHT)
    shape = skel.shape

    def junction_neighbours(p):
        out = []
        for dr, dc in _STEPS:
            q = (p[0] + dr, p[1] + dc)
            if 0 <= q[0] < shape[0] and 0 <= q[1] < shape[1] and junction[q]:
                out.append(q)
        return out

    rows: list = []
    cols_: list = []
    recs: list = []
    objs = ndi.find_objects(seg_img)
    for s in range(1, n_seg + 1):
        sl = objs[s - 1]
        rr, cc = np.nonzero(seg_img[sl] == s)
        pix = [(int(r + sl[0].start), int(c + sl[1].start)) for r, c in zip(rr, cc)]
        members = set(pix)
        # ends: pixels with at most one neighbour inside the run
        inner = {p: sum((p[0] + dr, p[1] + dc) in members for dr, dc in _STEPS) for p in pix}
        ends = [p for p in pix if inner[p] <= 1] or [pix[0]]
        path = _walk(ends[0], members, junction)
        if len(path) < len(pix):  # a staircase the greedy walk cut short: order by distance
            path = sorted(pix, key=lambda p: (p[0] - ends[0][0]) ** 2 + (p[1] - ends[0][1]) ** 2)
        single = len(path) == 1  # one pixel: a whisker off a junction, or a dot
        for end, where in ((path[0], 0),) if single else ((path[0], 0), (path[-1], -1)):
            j = junction_neighbours(end)
            if j:
                if where == 0:
                    path.insert(0, j[0])
                else:
                    path.append(j[0])
        p = np.asarray(path)
        dist = float(np.hypot(*np.diff(p, axis=0).T).sum()) * spacing if len(p) > 1 else 0.0
        ids = index[p[:, 0], p[:, 1]]
        b = len(recs)
        rows += [b] * len(ids)
        cols_ += list(ids)
        recs.append((int(comp_img[p[0][0], p[0][1]]) - 1, dist, ids[0], ids[-1], *p[0], *p[-1]))
    # junction clusters joined directly (no run between): a branch of their own, tiny
    summary = pd.DataFrame(recs, columns=["skeleton_id", "branch_distance", "node_id_src",
                                          "node_id_dst", "image_coord_src_0",
                                          "image_coord_src_1", "image_coord_dst_0",
                                          "image_coord_dst_1"])
    if len(summary):
        # component ids 0..C-1 over the branches present
        summary["skeleton_id"] = pd.factorize(summary["skeleton_id"], sort=True)[0]
    paths = csr_matrix((np.ones(len(rows)), (rows, cols_)), shape=(len(recs), n))
    # csr sorts indices; keep the walked order (callers only use membership)
    return SkeletonGraph(coords, deg, paths, summary)

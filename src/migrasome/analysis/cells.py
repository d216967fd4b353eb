"""Cell bodies: large bright objects, found on a coarse grid.

A cell body is wider than anything else in a migrasome movie (≥ 10 µm against ≤ 3 µm for a
migrasome and ≤ 0.3 µm for a fibre), so a grey opening wider than a migrasome leaves only cell
bodies and background; a threshold between the two and a size filter give the bodies.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import ndimage as ndi

from .preprocess import block_reduce_mean, upsample_to

__all__ = ["segment_cells", "cell_properties", "CellDepth"]

#: Brightness step (natural log) between two parts of a body mask that are told apart as
#: plateaus; learned on the training families' scenes (``benchmarks/bench_cells.py``).
OVERLAP_STEP = 0.16


def _disk(radius: float) -> np.ndarray:
    r = max(1, int(round(radius)))
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    return x * x + y * y <= radius * radius + 0.5


def segment_cells(frame: np.ndarray, *, pixel_size_um: float, background: np.ndarray | float,
                  noise: float, min_area_um2: float = 40.0, opening_um: float = 4.0,
                  threshold: float | None = None, grid_um: float = 0.8,
                  neck_um: float = 2.0, overlap_step: float = OVERLAP_STEP) -> np.ndarray:
    """Label the cell bodies of one frame.

    Parameters
    ----------
    frame : ndarray, shape (Y, X)
    pixel_size_um : float
    background : ndarray or float
        Background level (see ``background_estimate``): full size (Y, X), or already on
        the coarse grid of ``grid_um``.
    noise : float
        Pixel noise σ (intensity units).
    min_area_um2 : float
        Smallest cell body kept (µm²).
    opening_um : float
        Diameter of the grey opening: objects narrower than this are not cell bodies
        (must exceed the largest migrasome, 3 µm).
    threshold : float, optional
        Intensity above background that a cell body exceeds on the coarse grid.  Default:
        Otsu's threshold of the opened coarse image's lower Otsu class (so that dim bodies
        beside bright ones count), and at least 5 noise σ of the grid.
    grid_um : float
        Pixel size of the coarse grid the work is done on (µm).
    neck_um : float
        Touching or overlapping cells are split where the body narrows: a watershed of the
        distance to the edge from its maxima that stand at least this much (µm of inscribed
        radius) above the neck between them; 0 does not split.
    overlap_step : float
        Overlapping cells are split where their light adds up: the body is cut into
        plateaus of even brightness (adjacent parts across whose boundary the brightness
        steps by less than this, in natural log, are one plateau), and a plateau brighter than
        two others it touches, by about their sum, is their overlap: each of the two gets
        a marker of its own and the overlap is shared between them; two plateaus side by
        side are two bodies.  0 does not look.

    Returns
    -------
    ndarray of int32, shape (Y, X)
        0 for background, 1..n for cell bodies.
    """
    f = max(1, int(round(grid_um / pixel_size_um)))
    img = block_reduce_mean(np.asarray(frame, np.float32), f) - _on_grid(background, f,
                                                                          np.shape(frame))
    size = _disk(opening_um / 2 / (f * pixel_size_um))
    opened = ndi.grey_opening(img, footprint=size, mode="nearest")
    floor = 5.0 * noise / f
    if threshold is None:
        from skimage.filters import threshold_otsu

        threshold = floor
        if np.ptp(opened) > 0:
            t1 = float(threshold_otsu(opened))
            # bright and dim bodies in one field: Otsu splits bright from dim; a second Otsu
            # on the lower class separates the dim bodies from the background (the noise
            # floor keeps it off the background itself)
            low = opened[opened < t1]
            t2 = float(threshold_otsu(low)) if low.size > 16 and np.ptp(low) > 0 else t1
            threshold = max(floor, min(t1, t2))
    mask = opened > threshold
    mask = ndi.binary_fill_holes(mask)
    lab, n = _split_touching(mask, f * pixel_size_um, neck_um=neck_um,
                             level=opened if overlap_step > 0 else None,
                             step=overlap_step, floor=threshold)
    if n:
        area = np.bincount(lab.ravel(), minlength=n + 1) * (f * pixel_size_um) ** 2
        keep = area >= min_area_um2
        keep[0] = False
        new = np.zeros(n + 1, np.int32)
        new[keep] = np.arange(1, keep.sum() + 1)
        lab = new[lab]
    return upsample_to(lab.astype(np.int32), np.shape(frame), f, order=0)


def _split_touching(mask: np.ndarray, grid_um: float, *, neck_um: float,
                    level: np.ndarray | None = None, step: float = 0.0,
                    floor: float = 0.0) -> tuple[np.ndarray, int]:
    """Label a body mask, splitting bodies joined by a neck or seen overlapping (see
    ``segment_cells``)."""
    if neck_um <= 0 or not mask.any():
        return ndi.label(mask)
    from skimage.morphology import h_maxima
    from skimage.segmentation import watershed

    dist = ndi.gaussian_filter(ndi.distance_transform_edt(mask) * grid_um, 1.0)
    seeds = mask
    if level is not None and step > 0:
        seeds = _without_overlaps(mask, level, step=step, floor=floor,
                                  min_px=(neck_um / grid_um) ** 2)
    if seeds is mask:
        markers, n = ndi.label(h_maxima(dist, neck_um) & mask, structure=np.ones((3, 3)))
    else:
        # the bodies' own parts (overlaps cut out), each split at its necks
        own = ndi.gaussian_filter(ndi.distance_transform_edt(seeds) * grid_um, 1.0)
        peaks = h_maxima(own, neck_um) & seeds
        # a part left on its own by the cut is a body when it is as wide as a neck is deep
        # (its inscribed radius at least ``neck_um``), and has a marker even when its
        # maximum stands less than that above 0
        parts, k = ndi.label(seeds)  # 4-connected: the cuts are one pixel wide
        if k:
            idx = np.arange(1, k + 1)
            top = np.asarray(ndi.maximum(own, parts, idx))
            at = ndi.maximum_position(own, parts, idx)
            for j in np.flatnonzero(top >= neck_um):
                peaks[at[j]] = True
            peaks &= (top >= neck_um)[np.maximum(parts - 1, 0)] & (parts > 0)
        markers, n = ndi.label(peaks, structure=np.ones((3, 3)))
        # flooded over the parts' own depth: an overlap (depth 0) is shared by its bodies
        # as they reach it, in the middle
        dist = own
    if n < 2:
        return ndi.label(mask)
    lab = watershed(-dist, markers, mask=mask)
    # bodies without a marker of their own (none of their maxima stood out) keep a label
    rest, m = ndi.label(mask & (lab == 0))
    lab = np.where(rest > 0, rest + n, lab)
    return lab.astype(np.int32), int(n + m)


def _plateaus(level: np.ndarray, mask: np.ndarray, step: float) -> np.ndarray:
    """Parts of ``mask`` of even brightness: superpixels (a watershed of the brightness
    gradient) joined where the log-brightness steps by less than ``step`` across their
    common boundary (from one pixel before it to two after: a blurred step is spread over
    that; a slow ramp across a body steps by little there, however far it goes)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components
    from skimage.segmentation import watershed

    lv = np.log(level)
    grad = ndi.gaussian_gradient_magnitude(lv, 1.0)
    grad[~mask] = 0
    seeds, _ = ndi.label((grad <= ndi.minimum_filter(grad, size=3)) & mask)
    sp = watershed(grad, seeds, mask=mask)
    n = int(sp.max())
    if n < 2:
        return sp
    lo_, hi_, dif = [], [], []
    pad = np.pad(lv, 2, mode="edge")
    Y, X = sp.shape
    for axis in (0, 1):
        a = sp[:-1, :] if axis == 0 else sp[:, :-1]
        b = sp[1:, :] if axis == 0 else sp[:, 1:]
        m = (a != b) & (a > 0) & (b > 0)
        r, c = np.nonzero(m)
        # the pair (r, c) | (r, c) + 1 along the axis: lv one before vs two after
        if axis == 0:
            before, after = pad[r + 1, c + 2], pad[r + 4, c + 2]
        else:
            before, after = pad[r + 2, c + 1], pad[r + 2, c + 4]
        lo_.append(np.minimum(a[m], b[m]))
        hi_.append(np.maximum(a[m], b[m]))
        dif.append(np.abs(after - before))
    lo, hi, d = np.concatenate(lo_), np.concatenate(hi_), np.concatenate(dif)
    if not len(lo):
        return sp
    key = lo.astype(np.int64) * (n + 1) + hi
    uk, inv = np.unique(key, return_inverse=True)
    med = np.asarray(ndi.median(d, inv, np.arange(len(uk))))
    join = med < step
    u, v = uk[join] // (n + 1), uk[join] % (n + 1)
    g = coo_matrix((np.ones(len(u)), (u, v)), shape=(n + 1, n + 1))
    _, comp = connected_components(g, directed=False)
    out = comp[sp] + 1
    out[sp == 0] = 0
    return out


def _without_overlaps(mask: np.ndarray, level: np.ndarray, *, step: float, floor: float,
                      min_px: float) -> np.ndarray:
    """``mask`` cut into the bodies' own parts: without their overlaps (plateaus, see
    ``_plateaus``, brighter than two plateaus they touch by about the sum of those two:
    the light of two bodies adds up) and without the line where two plateaus of other
    brightness meet.  ``mask`` itself (the same object) when there is nothing to cut."""
    lv = np.maximum(ndi.gaussian_filter(np.asarray(level, np.float64), 1.0),
                    max(float(floor), 1e-12))
    pl = _plateaus(lv, mask, step)
    ids, inv = np.unique(pl, return_inverse=True)
    pl = inv.reshape(pl.shape)  # 0 = background stays 0 (mask has pixels outside)
    n = len(ids) - 1
    if n < 2:
        return mask
    size = np.bincount(pl.ravel(), minlength=n + 1)
    med = ndi.median(lv, pl, np.arange(n + 1))
    med = np.asarray(med, float)
    contact = np.zeros((n + 1, n + 1), np.int64)
    for a, b in ((pl[:, :-1], pl[:, 1:]), (pl[:-1, :], pl[1:, :])):
        m = a != b
        np.add.at(contact, (a[m], b[m]), 1)
    contact = contact + contact.T
    over = np.zeros(n + 1, bool)
    for r in range(1, n + 1):
        if size[r] < min_px:
            continue
        # plateaus it touches along more than a corner, dimmer than it
        low = [q for q in np.flatnonzero(contact[r] >= 2) if q > 0 and med[q] < med[r]
               and size[q] >= min_px]
        if len(low) < 2:
            continue
        # the pair whose light adds up closest to its own
        miss = min(abs(np.log(med[a] + med[b]) - np.log(med[r]))
                   for i, a in enumerate(low) for b in low[i + 1:])
        over[r] = miss < step
    # two bodies seen side by side at different brightness: cut along where they meet
    keep = ~over[pl] & (pl > 0)
    edge = np.zeros(mask.shape, bool)
    for sa, sb in (((slice(None), slice(None, -1)), (slice(None), slice(1, None))),
                   ((slice(None, -1), slice(None)), (slice(1, None), slice(None)))):
        edge[sa] |= (pl[sa] != pl[sb]) & keep[sa] & keep[sb]
    if not (over.any() or edge.any()):
        return mask
    return mask & ~over[pl] & ~edge


def _on_grid(background, f: int, shape: tuple) -> np.ndarray | float:
    """A background given at full size or on the grid of factor ``f``, on that grid."""
    b = np.asarray(background, np.float32)
    if b.ndim == 0:
        return float(b)
    return block_reduce_mean(b, f) if b.shape == tuple(shape) and f > 1 else b


def cell_properties(labels: np.ndarray, *, pixel_size_um: float, stride: int = 1
                    ) -> pd.DataFrame:
    """Centroid and size of each labelled cell body.

    Parameters
    ----------
    labels : ndarray of int, shape (Y, X)
    pixel_size_um : float
    stride : int
        Measure on every ``stride``-th row and column (labels made on a coarse grid of that
        many pixels lose nothing).

    Returns
    -------
    DataFrame
        ``label, x_um, y_um, area_um2, radius_um`` (radius of the disk of equal area).
    """
    n = int(labels.max()) if labels.size else 0
    if n == 0:
        return pd.DataFrame({c: pd.Series(dtype=float)
                             for c in ("label", "x_um", "y_um", "area_um2", "radius_um")})
    idx = np.arange(1, n + 1)
    s = max(1, int(stride))
    sub = labels[::s, ::s]
    cnt = np.maximum(ndi.sum_labels(np.ones_like(sub, np.float32), sub, idx), 1e-9)
    rows, cols = np.indices(sub.shape, dtype=np.float32)
    cy = ndi.sum_labels(rows, sub, idx) / cnt * s + (s - 1) / 2
    cx = ndi.sum_labels(cols, sub, idx) / cnt * s + (s - 1) / 2
    area = cnt * (s * pixel_size_um) ** 2
    return pd.DataFrame({"label": idx, "x_um": (cx + 0.5) * pixel_size_um,
                         "y_um": (cy + 0.5) * pixel_size_um, "area_um2": area,
                         "radius_um": np.sqrt(area / np.pi)})


class CellDepth:
    """Signed distance into the cell bodies (µm; negative outside), where it is asked for.

    The values of ``distance_transform_edt(inside) − distance_transform_edt(~inside)`` on a
    grid of every ``stride``-th pixel, without computing them everywhere: the nearest pixel
    of the other kind is always one on its edge (a step towards the point from any other
    one gets closer), so a k-d tree of the edge pixels gives the same distances at a few
    thousand points for a fraction of the cost of two full distance transforms.

    Parameters
    ----------
    inside : ndarray of bool, shape (Y, X)
        Cell-body pixels (at least one); some pixels must lie outside.
    pixel_size_um : float
    stride : int
        Grid of the distances (full-resolution pixel (i, j) takes the value of grid
        pixel (i // stride, j // stride)).

    Examples
    --------
    >>> import numpy as np
    >>> m = np.zeros((9, 9), bool); m[2:7, 2:7] = True
    >>> d = CellDepth(m, pixel_size_um=0.5)
    >>> d[np.array([4, 0]), np.array([4, 0])].tolist()  # centre; a corner 2√2 px away
    [1.5, -1.4142135623730951]
    """

    def __init__(self, inside: np.ndarray, *, pixel_size_um: float, stride: int = 1) -> None:
        from scipy.spatial import cKDTree

        self.g = max(1, int(stride))
        sub = np.asarray(inside, bool)[:: self.g, :: self.g]
        if sub.all() or not sub.any():
            raise ValueError("CellDepth needs pixels both inside and outside the cells")
        self.sub, self.step = sub, self.g * float(pixel_size_um)
        ring = np.ones((3, 3), bool)
        edge_in = np.argwhere(sub & ndi.binary_dilation(~sub, ring))
        edge_out = np.argwhere(~sub & ndi.binary_dilation(sub, ring))
        self._to_out, self._to_in = cKDTree(edge_out), cKDTree(edge_in)

    def __getitem__(self, index: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        r = np.asarray(index[0]) // self.g
        c = np.asarray(index[1]) // self.g
        pts = np.c_[r.ravel(), c.ravel()]
        ins = self.sub[pts[:, 0], pts[:, 1]]
        d = np.empty(len(pts))
        if ins.any():
            d[ins] = self._to_out.query(pts[ins])[0]
        if (~ins).any():
            d[~ins] = -self._to_in.query(pts[~ins])[0]
        return (d * self.step).reshape(r.shape)

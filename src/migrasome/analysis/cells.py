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


def _disk(radius: float) -> np.ndarray:
    r = max(1, int(round(radius)))
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    return x * x + y * y <= radius * radius + 0.5


def segment_cells(frame: np.ndarray, *, pixel_size_um: float, background: np.ndarray | float,
                  noise: float, min_area_um2: float = 40.0, opening_um: float = 4.0,
                  threshold: float | None = None, grid_um: float = 0.8,
                  neck_um: float = 2.0) -> np.ndarray:
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
    lab, n = _split_touching(mask, f * pixel_size_um, neck_um=neck_um)
    if n:
        area = np.bincount(lab.ravel(), minlength=n + 1) * (f * pixel_size_um) ** 2
        keep = area >= min_area_um2
        keep[0] = False
        new = np.zeros(n + 1, np.int32)
        new[keep] = np.arange(1, keep.sum() + 1)
        lab = new[lab]
    return upsample_to(lab.astype(np.int32), np.shape(frame), f, order=0)


def _split_touching(mask: np.ndarray, grid_um: float, *, neck_um: float
                    ) -> tuple[np.ndarray, int]:
    """Label a body mask, splitting bodies joined by a neck (see ``segment_cells``)."""
    if neck_um <= 0 or not mask.any():
        return ndi.label(mask)
    from skimage.morphology import h_maxima
    from skimage.segmentation import watershed

    dist = ndi.gaussian_filter(ndi.distance_transform_edt(mask) * grid_um, 1.0)
    markers, n = ndi.label(h_maxima(dist, neck_um) & mask, structure=np.ones((3, 3)))
    if n < 2:
        return ndi.label(mask)
    lab = watershed(-dist, markers, mask=mask)
    # bodies without a marker of their own (none of their maxima stood out) keep a label
    rest, m = ndi.label(mask & (lab == 0))
    lab = np.where(rest > 0, rest + n, lab)
    return lab.astype(np.int32), int(n + m)


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

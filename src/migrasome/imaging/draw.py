"""Vectorised drawing of cells, retraction fibres and migrasomes onto a pixel grid.

Every function adds expected photons (floats) to a :class:`Canvas` for all objects of one
frame at once: the objects' pixels are gathered into flat index arrays and summed with one
``numpy.bincount`` — no Python loop over objects.

Coordinates are image µm: pixel (row i, column j) has its centre at
``((j + 0.5) px, (i + 0.5) px)``. With ``wrap=True`` pixel indices wrap around (a field of
view covering the whole periodic domain); otherwise pixels outside the image are dropped
(see :class:`Canvas`).
"""

from __future__ import annotations

import numpy as np

from .optics import ShellProfile

__all__ = ["Canvas", "add_cells", "add_lines", "add_migrasomes"]

#: Largest number of (object, pixel) pairs handled in one batch (memory bound).
_BATCH = 4_000_000


class Canvas:
    """Collects (pixel, photons) pairs and sums them into an image in one pass.

    Parameters
    ----------
    ny, nx : int
        Image shape, pixels.
    wrap : bool
        Wrap pixel indices around (periodic field of view) instead of dropping them.

    Examples
    --------
    >>> import numpy as np
    >>> c = Canvas(4, 4)
    >>> c.add(np.array([0, 0, 9]), np.array([1, 1, 0]), np.array([2.0, 3.0, 7.0]))
    >>> img = c.image()
    >>> float(img[0, 1]), float(img.sum())  # the pixel in row 9 is outside: dropped
    (5.0, 5.0)
    """

    def __init__(self, ny: int, nx: int, wrap: bool = False) -> None:
        self.ny, self.nx, self.wrap = ny, nx, wrap
        self._idx: list[np.ndarray] = []
        self._val: list[np.ndarray] = []

    def add(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        """Add photons at pixels (dropped outside the image unless ``wrap``).

        Parameters
        ----------
        rows, cols : ndarray of int, shape (n,)
            Pixel indices.
        values : ndarray, shape (n,)
            Expected photons at each.
        """
        ny, nx = self.ny, self.nx
        rows, cols = rows.astype(np.int32, copy=False), cols.astype(np.int32, copy=False)
        if self.wrap:
            if rows.min() < 0 or rows.max() >= ny:
                rows = np.mod(rows, ny)
            if cols.min() < 0 or cols.max() >= nx:
                cols = np.mod(cols, nx)
        else:
            ok = (rows >= 0) & (rows < ny) & (cols >= 0) & (cols < nx)
            rows, cols, values = rows[ok], cols[ok], values[ok]
        self._idx.append(rows * nx + cols)
        self._val.append(values)

    def image(self) -> np.ndarray:
        """The summed image.

        Returns
        -------
        ndarray, shape (ny, nx)
            Expected photons per pixel, float64.
        """
        n = self.ny * self.nx
        if not self._idx:
            return np.zeros((self.ny, self.nx))
        idx = np.concatenate(self._idx) if len(self._idx) > 1 else self._idx[0]
        val = np.concatenate(self._val) if len(self._val) > 1 else self._val[0]
        return np.bincount(idx, weights=val, minlength=n).reshape(self.ny, self.nx)


def _boxes(ci: np.ndarray, cj: np.ndarray, half: np.ndarray
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pixels of square boxes of half-width ``half`` around pixel (ci, cj) per object.

    Returns (object index, row, col), each flat over all boxes.
    """
    side = 2 * half + 1
    n = side * side
    obj = np.repeat(np.arange(ci.size, dtype=np.int32), n)
    start = np.cumsum(n) - n
    local = np.arange(obj.size, dtype=np.int32) - np.repeat(start, n).astype(np.int32)
    s = side[obj]
    rows = ci[obj] - half[obj] + local // s
    cols = cj[obj] - half[obj] + local % s
    return obj, rows, cols


def add_cells(img: Canvas, x_um: np.ndarray, y_um: np.ndarray, polarity_rad: np.ndarray,
              radius_um: np.ndarray, photons_per_um2: float, pixel_size_um: float, *,
              aspect: np.ndarray | float = 1.3, edge_um: float = 1.0, dome: float = 1.0
              ) -> None:
    """Cell bodies: filled ellipses elongated along their polarity, brighter in the middle.

    Parameters
    ----------
    img : Canvas
        Collects expected photons per pixel.
    x_um, y_um : ndarray, shape (n_cells,)
        Centres, image µm.
    polarity_rad : ndarray, shape (n_cells,)
        Direction of motion, rad (the ellipse's major axis).
    radius_um : ndarray, shape (n_cells,)
        Radius of the equal-area disk, µm.
    photons_per_um2 : float
        Brightness of the thin edge of the cell, photons per µm² of footprint.
    pixel_size_um : float
        Pixel size, µm.
    aspect : float or ndarray, shape (n_cells,)
        Major/minor axis ratio (area kept at π r²). 1.3: assumed, a polarised fibroblast.
    edge_um : float
        Width of the linear ramp at the rim (the lamella thins out), µm; assumed 1 µm.
    dome : float
        Extra brightness at the centre relative to the edge, profile ``sqrt(1 - q²)``
        (assumed: the body thickens towards the nucleus, and a membrane label projects more
        membrane there).
    """
    n = np.size(x_um)
    if n == 0 or photons_per_um2 == 0:
        return
    px = pixel_size_um
    asp = np.broadcast_to(np.asarray(aspect, float), (n,))
    r = np.asarray(radius_um, float)
    a, b = r * np.sqrt(asp), r / np.sqrt(asp)
    half = np.ceil((a + edge_um) / px).astype(np.int64) + 1
    ci = np.floor(np.asarray(y_um) / px).astype(np.int64)
    cj = np.floor(np.asarray(x_um) / px).astype(np.int64)
    cos, sin = np.cos(polarity_rad), np.sin(polarity_rad)
    # batches of whole cells so the flat arrays stay bounded
    cum = np.cumsum((2 * half + 1) ** 2)
    lo = 0
    while lo < n:
        done = cum[lo - 1] if lo else 0
        hi = max(lo + 1, int(np.searchsorted(cum, done + _BATCH, side="right")))
        sl = slice(lo, hi)
        lo = hi
        obj, rows, cols = _boxes(ci[sl], cj[sl], half[sl])
        obj += sl.start
        dx = (cols + 0.5) * px - x_um[obj]
        dy = (rows + 0.5) * px - y_um[obj]
        along = dx * cos[obj] + dy * sin[obj]
        across = -dx * sin[obj] + dy * cos[obj]
        q = np.sqrt((along / a[obj]) ** 2 + (across / b[obj]) ** 2)
        sd = (q - 1.0) * np.sqrt(a[obj] * b[obj])  # approximate signed distance to the rim
        cover = np.clip(0.5 - sd / edge_um, 0.0, 1.0)
        val = cover * (1.0 + dome * np.sqrt(np.clip(1.0 - q * q, 0.0, None)))
        keep = val > 0
        img.add(rows[keep], cols[keep], val[keep] * (photons_per_um2 * px * px))


def add_lines(img: Canvas, x0_um: np.ndarray, y0_um: np.ndarray, x1_um: np.ndarray,
              y1_um: np.ndarray, photons_per_um: float | np.ndarray, pixel_size_um: float
              ) -> None:
    """Thin lines (RFs) as points every ``px / 2`` splatted bilinearly (mass exact).

    Parameters
    ----------
    img : Canvas
        Collects expected photons per pixel.
    x0_um, y0_um, x1_um, y1_um : ndarray, shape (n_lines,)
        End points, image µm (already unwrapped: the segment is the straight one between).
    photons_per_um : float or ndarray, shape (n_lines,)
        Photons per µm of line.
    pixel_size_um : float
        Pixel size, µm.

    Notes
    -----
    The image is unblurred: blur it with the PSF afterwards. Bilinear weights of points
    spaced ``px / 2`` sum to a constant along the line (no beading); splatting adds a small
    blur (variance ≤ px²/4 per axis, px²/6 on average), standing in for the pixel's area.

    Examples
    --------
    >>> import numpy as np
    >>> c = Canvas(20, 20)
    >>> add_lines(c, np.array([2.0]), np.array([5.0]), np.array([8.0]), np.array([5.0]),
    ...           100.0, 0.5)
    >>> round(float(c.image().sum()), 6)  # 6 µm at 100 photons/µm
    600.0
    """
    n = np.size(x0_um)
    if n == 0:
        return
    px = pixel_size_um
    dx, dy = x1_um - x0_um, y1_um - y0_um
    length = np.hypot(dx, dy)
    k = np.maximum(1, np.ceil(length / (px / 2.0)).astype(np.int64))
    seg = np.repeat(np.arange(n), k)
    start = np.cumsum(k) - k
    frac = (np.arange(seg.size) - start[seg] + 0.5) / k[seg]
    w = np.broadcast_to(np.asarray(photons_per_um, float), (n,))
    mass = (w * length / k)[seg]
    # continuous pixel coordinates: pixel centres at integers
    pc = (x0_um[seg] + frac * dx[seg]) / px - 0.5
    pr = (y0_um[seg] + frac * dy[seg]) / px - 0.5
    c0, r0 = np.floor(pc).astype(np.int64), np.floor(pr).astype(np.int64)
    fc, fr = pc - c0, pr - r0
    rows = np.concatenate([r0, r0, r0 + 1, r0 + 1])
    cols = np.concatenate([c0, c0 + 1, c0, c0 + 1])
    vals = np.concatenate([(1 - fr) * (1 - fc), (1 - fr) * fc, fr * (1 - fc), fr * fc])
    img.add(rows, cols, vals * np.tile(mass, 4))


def add_migrasomes(img: Canvas, x_um: np.ndarray, y_um: np.ndarray,
                   diameter_um: np.ndarray, photons: np.ndarray, profile: ShellProfile,
                   pixel_size_um: float) -> None:
    """Migrasomes as projected, blurred spherical shells (already PSF-blurred).

    Parameters
    ----------
    img : Canvas
        Collects expected photons per pixel.
    x_um, y_um : ndarray, shape (n_migrasomes,)
        Centres, image µm.
    diameter_um : ndarray, shape (n_migrasomes,)
        True diameters, µm.
    photons : ndarray, shape (n_migrasomes,)
        Photons each would give with its whole shell in focus; the optical section keeps
        ``profile.detected_fraction(d)`` of them.
    profile : ShellProfile
        Built with the PSF sigma combined with the pixel box (``px / sqrt(12)``).
    pixel_size_um : float
        Pixel size, µm.

    Notes
    -----
    The profile is sampled at pixel centres and each migrasome's pixels are rescaled so their
    sum is exactly its detected photons (including pixels that fall outside the image).
    """
    n = np.size(x_um)
    if n == 0:
        return
    px = pixel_size_um
    d = np.asarray(diameter_um, float)
    reach = np.minimum(d / 2.0 + 4.0 * profile.sigma_um, profile.reach_um)
    half = np.ceil(reach / px).astype(np.int64) + 1
    pc, pr = np.asarray(x_um) / px - 0.5, np.asarray(y_um) / px - 0.5
    ci, cj = np.rint(pr).astype(np.int64), np.rint(pc).astype(np.int64)
    per = max(1, _BATCH // (2 * int(half.max()) + 1) ** 2)
    for lo in range(0, n, per):
        sl = slice(lo, min(n, lo + per))
        obj, rows, cols = _boxes(ci[sl], cj[sl], half[sl])
        obj += lo
        r = px * np.hypot(cols - pc[obj], rows - pr[obj])
        val = profile.density(d[obj], r) * (px * px)
        total = np.bincount(obj - lo, weights=val, minlength=sl.stop - lo)
        want = np.asarray(photons, float)[sl] * profile.detected_fraction(d[sl])
        scale = np.divide(want, total, out=np.zeros_like(want), where=total > 0)
        img.add(rows, cols, val * scale[obj - lo])

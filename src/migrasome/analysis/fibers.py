"""Retraction fibres (RFs): a ridge filter, a skeleton and its branch graph.

The frame is averaged on a grid of about 0.3 µm (an RF is a line about as wide as the PSF),
filtered with oriented, elongated line detectors (an RF is faint per pixel but long, so the
filter averages along it), thresholded with hysteresis in units of the filter's noise, and
skeletonised; :mod:`.skeleton` turns the skeleton
into branches between tips (degree 1) and junctions (degree ≥ 3).  Puncta are taken out
before the filter, migrasomes are left out of the ridge search (their rims are not fibres)
and their disks then join the pieces of RF that reach them, so the skeleton runs through
them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import fft as sfft
from scipy import ndimage as ndi

from .cells import _on_grid
from .preprocess import block_reduce_mean
from .skeleton import skeleton_graph

#: The edge test looks at line pixels within this of a cell body (µm): the fringe beside
#: a bright body lies there, and farther out a neighbouring fibre or migrasome on one side
#: of an RF would fail it. Fitted: 2 against 3 and everywhere (training families' RF
#: pixel F1 0.780, 0.776, 0.779 and length 0.63, 0.62, 0.58 of the truth, with
#: ``half_block``, ratio 1.5, thresholds 3.0 / 4.0).
EDGE_NEAR_UM = 2.0

__all__ = ["ridge_filter", "fiber_mask", "fiber_graph", "paint_disks", "window_mean",
           "hessian_largest_eigenvalue"]

BRANCH_COLUMNS = ("branch", "component", "x0_um", "y0_um", "x1_um", "y1_um", "length_um",
                  "tip", "attached", "cell_label")


def _line_kernels(sigma_across: float, sigma_along: float, n_angles: int) -> np.ndarray:
    """Zero-mean oriented line detectors, shape (n_angles, K, K), unit L2 norm each.

    ``−∂²/∂v² G(v; σ_across) · G(u; σ_along)`` with ``u`` along the line at angle θ.
    """
    h = int(np.ceil(3 * max(sigma_across, sigma_along)))
    y, x = np.mgrid[-h:h + 1, -h:h + 1].astype(float)
    out = []
    for th in np.linspace(0, np.pi, n_angles, endpoint=False):
        u = x * np.cos(th) + y * np.sin(th)
        v = -x * np.sin(th) + y * np.cos(th)
        sa, sv = sigma_along, sigma_across
        k = (1 / sv**2 - v**2 / sv**4) * np.exp(-v**2 / (2 * sv**2) - u**2 / (2 * sa**2))
        k -= k.mean()
        out.append(k / np.sqrt((k**2).sum()))
    return np.stack(out)


@lru_cache(maxsize=8)
def _kernel_ffts(sigma_across: float, sigma_along: float, n_angles: int,
                 shape: tuple[int, int]) -> np.ndarray:
    """FFTs of the flipped kernels for a padded image of ``shape`` (cached per shape)."""
    k = _line_kernels(sigma_across, sigma_along, n_angles)
    # single precision: the frame is float32, and the products are then complex64 (the
    # inverse transforms, most of the filter's time, run in single precision too)
    return np.stack([sfft.rfft2(kk[::-1, ::-1], s=shape) for kk in k]).astype(np.complex64)


def ridge_filter(image: np.ndarray, *, sigma_across_px: float, sigma_along_px: float,
                 n_angles: int = 8, robust: bool = True, suppress_points: bool = False,
                 noise_mask: np.ndarray | None = None) -> np.ndarray:
    """Bright-line strength: the best of oriented, elongated second-derivative filters.

    Each filter has unit L2 norm, so on white noise of σ = 1 every orientation's output has
    σ = 1: the response is a z-score of "a line through this pixel" against pixel noise.
    When the noise is correlated (the measured robust σ of one orientation's output exceeds
    1) the response is divided by that σ.

    Parameters
    ----------
    image : ndarray, shape (Y, X), float
        Divided by its pixel-noise σ for a z-score.
    sigma_across_px, sigma_along_px : float
        Width of the line profile matched and length averaged along it (px).
    n_angles : int
        Orientations over 180°.
    robust : bool
        Divide by the filter's own robust σ when it exceeds 1 (correlated noise); not for a
        field filled with filaments (their response would be taken for noise).
    suppress_points : bool
        Subtract the mean positive response over the orientations: a punctum (debris, a
        small vesicle) lights every orientation alike and its star of responses goes,
        a line lights a few and stays.
    noise_mask : ndarray of bool, shape (Y, X), optional
        Where the robust σ is measured (e.g. outside cell bodies, whose edges and texture
        are not noise); everywhere when None.

    Returns
    -------
    ndarray, shape (Y, X), float32
    """
    img = np.asarray(image, np.float32)
    h = int(np.ceil(3 * max(sigma_across_px, sigma_along_px)))
    ny, nx = img.shape
    shape = (sfft.next_fast_len(ny + 2 * h, real=True), sfft.next_fast_len(nx + 2 * h, real=True))
    K = _kernel_ffts(round(float(sigma_across_px), 4), round(float(sigma_along_px), 4),
                     int(n_angles), shape)
    F = sfft.rfft2(np.pad(img, h, mode="reflect"), s=shape)
    best = np.full((ny, nx), -np.inf, np.float32)
    total = np.zeros((ny, nx), np.float32) if suppress_points else None
    scale = 1.0
    for k, Kk in enumerate(K):
        r = sfft.irfft2(F * Kk, s=shape)[2 * h:2 * h + ny, 2 * h:2 * h + nx]
        if k == 0 and robust:
            # real cameras and denoised images have correlated noise: the filter's own robust
            # σ (≥ the white-noise 1) keeps the z-score honest; fibres are too sparse to move it
            sub = r[::2, ::2] if noise_mask is None else r[noise_mask][::4]
            if sub.size > 16:
                med = float(np.median(sub))
                scale = max(1.0, 1.4826 * float(np.median(np.abs(sub - med))))
        np.maximum(best, r, out=best)
        if total is not None:
            total += np.maximum(r, 0)
    if total is not None:
        best -= total / len(K)
    if scale > 1.0:
        best /= scale
    return best


def fiber_mask(frame: np.ndarray, *, pixel_size_um: float, background, cells: np.ndarray,
               noise: float, frames_averaged: np.ndarray | None = None,
               migrasomes: pd.DataFrame | None = None, grid_um: float = 0.3,
               sigma_um: float = 0.2, length_um: float = 1.0, low: float = 3.0,
               high: float = 5.0, min_length_um: float = 1.5, robust: bool = True,
               n_angles: int = 16, suppress_points: bool = True, bridge: bool = True,
               puncta_z: float = 4.0, cell_margin_um: float = 0.6,
               flat_bodies: bool = True, half_block: bool = False,
               edge_ratio: float = 0.0) -> tuple[np.ndarray, int]:
    """RF pixels on a coarse grid.

    Parameters
    ----------
    frame : ndarray, shape (Y, X)
    pixel_size_um : float
    background : ndarray or float
        Full size (Y, X), or already on the working grid.
    cells : ndarray of int, shape (Y, X)
        Cell-body labels; RFs are looked for outside them.
    noise : float
        Pixel-noise σ of the frame.
    frames_averaged : ndarray, shape (Y, X), optional
        When ``frame`` is a mean of frames: how many each pixel averages (its noise is
        ``noise / √n``).
    migrasomes : DataFrame, optional
        ``x_um, y_um, diameter_um``: their disks (plus 0.3 µm) are left out of the ridge
        search (a round rim is not a fibre; best subtract their fitted model first).
    grid_um : float
        Working pixel size (µm); the frame is block-averaged to about this.
    sigma_um, length_um : float
        Width of the line profile and length averaged along it (µm).
    low, high : float
        Hysteresis thresholds (z-scores of the line filter).
    min_length_um : float
        Connected pieces with fewer pixels than this length are dropped.
    robust : bool
        See ``ridge_filter``.
    n_angles, suppress_points : int, bool
        See ``ridge_filter``.
    bridge : bool
        An RF runs through the migrasomes it carries: their (blanked) disks are added to
        the mask wherever a piece of RF reaches them, so the pieces on either side stay one
        fibre and its length counts the stretch through them.
    puncta_z : float
        Puncta (both Hessian curvatures high: debris, small vesicles, crossings) above this
        many robust σ are set to the background before the line filter; 0 keeps them.
    cell_margin_um : float
        Cell bodies, dilated by this, are left out (their rims are bright lines).
    flat_bodies : bool
        Take the bright texture out of the cell bodies (clipped to the image smoothed
        over 1 µm) before the line filter: the filter reaches a few µm, and a body's
        texture (puncta, nucleoli, holes) would light it just outside the body as a fringe
        of short lines along its rim.
    half_block : bool
        Also filter the grid of blocks shifted by half a block and keep, for each block,
        the strongest response of it and the four shifted blocks it overlaps: a line
        between two block rows is split over both and keeps about a third of its response
        on one grid, while it runs along one row of the other. The noise's maximum over
        both grids is higher: use higher thresholds (3.0 / 4.0).
    edge_ratio : float
        Line pixels within ``EDGE_NEAR_UM`` of a cell body whose two sides (1 µm away
        along the line's normal) differ by more than this many times the line's height
        above them are dropped: the slope beside a bright body (a rim, the halo of an
        overexposed nucleus, which the long oblique filters reach), not an RF, which has
        background on both sides; 0 does not look.

    Returns
    -------
    mask : ndarray of bool, shape (ceil(Y / f), ceil(X / f))
    f : int
        The grid factor (working pixel = ``f`` frame pixels).
    """
    from skimage.filters import apply_hysteresis_threshold

    f = max(1, int(round(grid_um / pixel_size_um)))
    g = f * pixel_size_um
    frame = np.asarray(frame, np.float32)
    # on the first grid; smooth, so the shifted grid takes it as it is
    bg = np.asarray(_on_grid(background, f, np.shape(frame)), np.float32)

    def line_strength(off: int):
        # the frame's blocks from pixel (off, off) on, through the line filter
        img = block_reduce_mean(frame[off:, off:], f)
        img = img - (bg if bg.ndim == 0 else bg[: img.shape[0], : img.shape[1]])
        img /= max(noise / f, 1e-12)
        if frames_averaged is not None:
            img *= np.sqrt(block_reduce_mean(np.asarray(frames_averaged,
                                                        np.float32)[off:, off:], f))
        body = cells[off::f, off::f] > 0 if f > 1 else cells > 0
        body = body[: img.shape[0], : img.shape[1]]
        cc = ndi.binary_dilation(body, iterations=max(1, int(round(cell_margin_um / g))))
        if flat_bodies and cc.any():
            img = _flat_bodies(img, cc, g)
        if puncta_z:
            img = _without_puncta(img, g, ~cc, puncta_z)
        r = ridge_filter(img, sigma_across_px=max(0.6, sigma_um / g),
                         sigma_along_px=max(1.0, length_um / g), robust=robust,
                         n_angles=n_angles, suppress_points=suppress_points,
                         noise_mask=~cc if cc.mean() < 0.8 else None)
        r[cc] = 0
        if edge_ratio > 0 and body.any():
            near = ~cc & (ndi.distance_transform_edt(~body) * g <= EDGE_NEAR_UM)
            r[_edge_sides(img, (r >= low) & near, g) > edge_ratio] = 0
        return r, cc

    ridge, cell_c = line_strength(0)
    if half_block and f >= 2:
        # the blocks half a block on: a line between two block rows of the first grid runs
        # along one row of this one; each of its blocks overlaps four of the first grid's
        half, _ = line_strength(f // 2)
        h2 = np.full((ridge.shape[0] + 1, ridge.shape[1] + 1), -np.inf, np.float32)
        h2[1:1 + half.shape[0], 1:1 + half.shape[1]] = half
        near4 = np.maximum(np.maximum(h2[:-1, :-1], h2[:-1, 1:]),
                           np.maximum(h2[1:, :-1], h2[1:, 1:]))
        np.maximum(ridge, near4[: ridge.shape[0], : ridge.shape[1]], out=ridge)
        ridge[cell_c] = 0
    blank = np.zeros(ridge.shape, bool)
    if migrasomes is not None and len(migrasomes):
        paint_disks(blank, migrasomes, g, extra_um=0.3)
        ridge[blank] = 0
    mask = apply_hysteresis_threshold(ridge, low, high)
    if bridge and blank.any():
        mask = _without_glow_bridges(mask, blank, min_length_um / g)
        # an RF runs through the migrasomes it carries: their disks join its pieces (and
        # count in its length) wherever a piece reaches them
        disks, nd = ndi.label(blank)
        near = ndi.binary_dilation(mask, iterations=1) & blank
        hit = np.zeros(nd + 1, bool)
        hit[np.unique(disks[near])] = True
        hit[0] = False
        mask |= hit[disks]
    lab, n = ndi.label(mask, structure=np.ones((3, 3)))
    if n:
        # pieces are judged by their own RF pixels, not by the disks that join them
        size = np.bincount(lab[~blank].ravel(), minlength=n + 1)
        ok = size >= min_length_um / g
        ok[0] = False
        mask = ok[lab]
    return mask, f


def _without_glow_bridges(mask: np.ndarray, blank: np.ndarray, min_px: float) -> np.ndarray:
    """``mask`` without the pieces too short to be an RF on their own that touch two or
    more migrasome disks: the glow between neighbouring migrasomes, which would chain a
    migrasome whose fibre is gone to its neighbour's."""
    raw, nr = ndi.label(mask, structure=np.ones((3, 3)))
    short = np.bincount(raw.ravel(), minlength=nr + 1) < min_px
    short[0] = False
    if not short.any():
        return mask
    disks, _ = ndi.label(blank)
    grown = ndi.grey_dilation(np.where(short[raw], raw, 0), size=(3, 3))
    touch = (grown > 0) & (disks > 0)
    pairs = np.unique(np.c_[grown[touch], disks[touch]], axis=0)
    n_disks = np.bincount(pairs[:, 0], minlength=nr + 1) if len(pairs) else np.zeros(nr + 1, int)
    drop = short & (n_disks >= 2)
    return mask & ~drop[raw]


def window_mean(clean: np.ndarray, labels: np.ndarray,
                 earlier: Sequence[tuple[np.ndarray, np.ndarray]]
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Mean of ``clean`` and the earlier frames, each off its own cell bodies; the count.

    A pixel under a cell in an earlier frame takes that frame out of its mean (a moving
    cell is not smeared over the fibres it left), so the count varies.
    """
    total = clean.astype(np.float32, copy=True)
    n = np.ones(clean.shape, np.float32)
    for img, lab in earlier:
        if np.shape(img) != clean.shape or np.shape(lab) != clean.shape:
            raise ValueError(f"an earlier frame of shape {np.shape(img)} (labels "
                             f"{np.shape(lab)}) does not match the frame {clean.shape}")
        ok = np.asarray(lab) == 0
        total += np.where(ok, np.asarray(img, np.float32), 0.0)
        n += ok
    return total / n, n


def _edge_sides(img: np.ndarray, where: np.ndarray, grid_um: float) -> np.ndarray:
    """How much one side of a line outshines the other, in units of the line's height
    above their mean, at the pixels ``where`` (0 elsewhere).

    The line's normal is the Hessian's most curved direction (0.3 µm scale); the sides
    are the image smoothed over 0.4 µm, 1 µm away along it. A thin RF has background on
    both sides (near 0); a line traced on the slope beside a bright body (its rim, the
    halo of an overexposed nucleus) has the body on one side.
    """
    out = np.zeros(img.shape, np.float32)
    rr, cc = np.nonzero(where)
    if not rr.size:
        return out
    a = np.asarray(img, np.float32)
    s0 = 0.3 / grid_um
    sm = ndi.gaussian_filter(a, s0)
    h00 = ndi.gaussian_filter(a, s0, order=(2, 0))[rr, cc]
    h11 = ndi.gaussian_filter(a, s0, order=(0, 2))[rr, cc]
    h01 = ndi.gaussian_filter(a, s0, order=(1, 1))[rr, cc]
    lam = (h00 + h11) / 2 - np.sqrt(h01**2 + ((h00 - h11) / 2) ** 2)
    # eigenvector of the smaller eigenvalue: the normal of a bright line
    ny, nx = h01, lam - h00
    bad = np.hypot(ny, nx) < 1e-9
    ny, nx = np.where(bad, lam - h11, ny), np.where(bad, h01, nx)
    norm = np.maximum(np.hypot(ny, nx), 1e-12)
    ny, nx = ny / norm, nx / norm
    side = ndi.gaussian_filter(a, 0.4 / grid_um)
    d = 1.0 / grid_um
    s1 = ndi.map_coordinates(side, [rr + d * ny, cc + d * nx], order=1, mode="nearest")
    s2 = ndi.map_coordinates(side, [rr - d * ny, cc - d * nx], order=1, mode="nearest")
    height = sm[rr, cc] - (s1 + s2) / 2
    out[rr, cc] = np.abs(s1 - s2) / np.maximum(height, 1e-6)
    return out


def _flat_bodies(img: np.ndarray, bodies: np.ndarray, grid_um: float) -> np.ndarray:
    """``img`` with the pixels of ``bodies`` no brighter than the image smoothed over
    1 µm (a Gaussian σ): the bright texture goes (puncta, nucleoli, the ridges between
    dark holes), the edge stays as it was seen (a replaced body would make a step at the
    edge of ``bodies``, which the line filter takes for a rim of fibre)."""
    sm = ndi.gaussian_filter(np.asarray(img, np.float32), 1.0 / grid_um)
    out = img.copy()
    out[bodies] = np.minimum(img[bodies], sm[bodies])
    return out


def _without_puncta(img: np.ndarray, grid_um: float, where: np.ndarray,
                    z: float) -> np.ndarray:
    """``img`` with its puncta (curved both ways: debris, vesicles, crossings) set to 0.

    A punctum lights an oriented line detector pointed at it from every side (a star of
    short false fibres); a line is curved across only.  The smaller of the two Hessian
    curvatures, in robust-σ units of its own distribution over ``where``, above ``z``
    marks a punctum (where ``where`` is True); 0.4 µm around it is set to the background
    (0), which an RF running through it bridges (the line detector averages along it).
    """
    both = -hessian_largest_eigenvalue(img, sigma=1.0)
    ref = both[where] if where.sum() > 16 else both.ravel()
    med = float(np.median(ref))
    mad = 1.4826 * float(np.median(np.abs(ref - med))) or 1.0
    # only off the bodies: a hole cut in a body's edge would leave a comb of short lines
    spot = ((both - med) / mad > z) & where
    if not spot.any():
        return img
    spot = ndi.binary_dilation(spot, iterations=max(1, int(round(0.4 / grid_um))))
    out = img.copy()
    out[spot] = 0.0
    return out


def hessian_largest_eigenvalue(img: np.ndarray, *, sigma: float) -> np.ndarray:
    """The larger eigenvalue of the Hessian of ``img`` smoothed with a Gaussian of ``sigma``
    px, shape of ``img``.

    The computation of scikit-image's ``hessian_matrix(img, sigma, order="rc",
    use_gaussian_derivatives=False)`` and ``hessian_matrix_eigvals`` (constant zero
    border, finite differences of the smoothed image), without importing
    ``skimage.feature``, which imports ``scipy.stats`` (0.45 s per process).
    """
    img = np.asarray(img)
    img = img.astype(img.dtype if img.dtype.kind == "f" else np.float64, copy=False)
    g = ndi.gaussian_filter(img, sigma, mode="constant", cval=0.0, truncate=4.0)
    d0, d1 = np.gradient(g)
    h00 = np.gradient(d0, axis=0)
    h01 = np.gradient(d0, axis=1)
    h11 = np.gradient(d1, axis=1)
    return (h00 + h11) / 2 + np.sqrt(h01**2 + ((h00 - h11) / 2) ** 2)


def paint_disks(mask: np.ndarray, mig: pd.DataFrame, grid_um: float, *,
                extra_um: float = 0.0) -> None:
    """Set to True, in place, the pixels of a grid of spacing ``grid_um`` inside migrasomes.

    ``mig`` has ``x_um, y_um, diameter_um``; each disk is enlarged by ``extra_um``.
    """
    if len(mig) == 0:
        return
    r = (mig["diameter_um"].to_numpy() / 2 + extra_um) / grid_um
    h = int(np.ceil(r.max())) + 1
    dy, dx = np.mgrid[-h:h + 1, -h:h + 1]
    yc = mig["y_um"].to_numpy() / grid_um - 0.5
    xc = mig["x_um"].to_numpy() / grid_um - 0.5
    rows = np.rint(yc).astype(int)[:, None, None] + dy[None]
    cols = np.rint(xc).astype(int)[:, None, None] + dx[None]
    inside = (rows - yc[:, None, None]) ** 2 + (cols - xc[:, None, None]) ** 2 \
        <= (r[:, None, None] + 0.5) ** 2
    inside &= (rows >= 0) & (rows < mask.shape[0]) & (cols >= 0) & (cols < mask.shape[1])
    mask[rows[inside], cols[inside]] = True


def fiber_graph(mask: np.ndarray, *, pixel_size_um: float, f: int, cells: np.ndarray,
                min_length_um: float = 1.0, spur_um: float = 1.0, attach_um: float = 1.2,
                rim_um: float = 0.0) -> tuple[pd.DataFrame, np.ndarray]:
    """Branches of the skeleton of an RF mask, in frame µm.

    Parameters
    ----------
    mask : ndarray of bool, shape (Yc, Xc)
        On the coarse grid of ``fiber_mask``.
    pixel_size_um : float
        Of the full-resolution frame.
    f : int
        Grid factor of ``mask``.
    cells : ndarray of int, shape (Y, X)
        Cell-body labels (full resolution).
    min_length_um : float
        Skeleton components shorter than this in total are dropped.
    spur_um : float
        Branches from a junction to a free tip shorter than this are pruned (spurs).
    attach_um : float
        A component within this of a cell body is that cell's; a free proximal end within
        it is extended to the body's edge (``length_um`` counts from the edge).
    rim_um : float
        Branches that stay within this of a cell body all along are dropped (its rim);
        0 keeps them.

    Returns
    -------
    branches : DataFrame
        One row per branch: ``branch`` (index), ``component``, ``x0_um, y0_um`` (distal end:
        the tip, or the end farther from the cell), ``x1_um, y1_um`` (proximal end),
        ``length_um`` (along the skeleton, from the cell's edge), ``tip`` (the distal end is a
        free tip), ``attached`` (its component touches a cell body), ``cell_label`` (that cell, 0 if
        none).
    points : ndarray, shape (n, 4)
        Skeleton pixels as ``x_um, y_um, branch, is_tip`` (for nearest-fibre queries).
    """
    from skimage.morphology import skeletonize

    empty = (pd.DataFrame({c: pd.Series(dtype=float) for c in BRANCH_COLUMNS}),
             np.zeros((0, 4)))
    skel = skeletonize(mask)
    if skel.sum() < 2:
        return empty
    sk = skeleton_graph(skel, spacing=f * pixel_size_um)
    br = sk.summary
    if not len(br):
        return empty
    comp = br["skeleton_id"].to_numpy()
    total = np.bincount(comp, weights=br["branch_distance"].to_numpy())
    keep_comp = total >= min_length_um
    keep = keep_comp[comp]
    deg = sk.degrees
    src, dst = br["node_id_src"].to_numpy(), br["node_id_dst"].to_numpy()
    # spurs: short branches from a junction to a free end (skeletonisation whiskers, a
    # fibre's width at a bend); a real RF branch is longer
    d_src, d_dst = deg[src], deg[dst]
    spur = (br["branch_distance"].to_numpy() < spur_um) & (
        ((d_src == 1) & (d_dst >= 3)) | ((d_dst == 1) & (d_src >= 3)))
    keep &= ~spur
    if not keep.any():
        return empty
    # coarse (row, col) → frame µm: centre of a block of f pixels
    to_um = lambda v: (v * f + (f - 1) / 2 + 0.5) * pixel_size_um
    ys, xs = to_um(br["image_coord_src_0"].to_numpy()), to_um(br["image_coord_src_1"].to_numpy())
    yd, xd = to_um(br["image_coord_dst_0"].to_numpy()), to_um(br["image_coord_dst_1"].to_numpy())
    # which component touches which cell: the cell label under its dilated pixels
    lab_c = cells[::f, ::f][: skel.shape[0], : skel.shape[1]] if f > 1 else cells
    pix_comp = np.zeros(skel.shape, np.int64)
    coords = sk.coordinates.astype(int)
    node_comp = np.full(len(coords), -1)
    p_row = np.repeat(np.arange(len(br)), np.diff(sk.paths.indptr))
    p_col = sk.paths.indices
    node_comp[p_col] = comp[p_row]
    pix_comp[coords[:, 0], coords[:, 1]] = node_comp + 1
    reach = 2 * int(np.ceil(attach_um / (f * pixel_size_um))) + 1  # gap left by the margin
    grown = ndi.grey_dilation(pix_comp, size=(reach, reach))
    touch = (grown > 0) & (lab_c > 0)
    n_comp = comp.max() + 1
    cell_of = np.zeros(n_comp, np.int64)
    if touch.any():
        pairs = pd.DataFrame({"c": grown[touch] - 1, "l": lab_c[touch]})
        best = pairs.groupby("c")["l"].agg(lambda s: s.value_counts().index[0])
        cell_of[best.index.to_numpy()] = best.to_numpy()
    # distal end: a tip if exactly one end is a tip, else the end farther from the cells
    tip_s, tip_d = deg[src] == 1, deg[dst] == 1
    cm = np.argwhere(lab_c > 0)
    if len(cm):
        from scipy.spatial import cKDTree

        tree = cKDTree(to_um(cm.astype(float)))
        ds, _ = tree.query(np.c_[ys, xs])
        dd, _ = tree.query(np.c_[yd, xd])
        if rim_um > 0:
            # a branch that never leaves a body's side is its bright rim, traced just
            # outside the (coarse) body mask, not an RF, which is pulled out of the cell
            node_d, _ = tree.query(to_um(coords.astype(float)))
            far = np.zeros(len(br))
            np.maximum.at(far, p_row, node_d[p_col])
            keep &= far >= rim_um + f * pixel_size_um / 2
    else:
        ds = dd = np.zeros(len(br))
    src_distal = np.where(tip_s != tip_d, tip_s, ds >= dd)
    # an RF starts at its cell's edge; the ridge search stops short of it (the margin left
    # for the cell's own rim), so a free proximal end near its cell is extended to the edge
    g_um = f * pixel_size_um
    gap = np.where(src_distal, dd, ds) - g_um / 2
    free_prox = np.where(src_distal, tip_d, tip_s)
    extend = np.where(free_prox & (cell_of[comp] > 0) & (gap <= attach_um),
                      np.clip(gap, 0.0, None), 0.0)
    out = pd.DataFrame({
        "branch": np.arange(len(br)),
        "component": comp,
        "x0_um": np.where(src_distal, xs, xd), "y0_um": np.where(src_distal, ys, yd),
        "x1_um": np.where(src_distal, xd, xs), "y1_um": np.where(src_distal, yd, ys),
        "length_um": br["branch_distance"].to_numpy() + extend,
        "tip": np.where(src_distal, tip_s, tip_d),
        "attached": cell_of[comp] > 0,
        "cell_label": cell_of[comp],
    })[keep].reset_index(drop=True)
    # skeleton pixels with their branch, and whether they sit at a tip
    node_branch = np.full(len(coords), -1)
    node_branch[p_col] = p_row
    ok = (node_branch >= 0) & keep[np.maximum(node_branch, 0)]
    remap = np.full(len(br), -1)
    remap[np.flatnonzero(keep)] = np.arange(keep.sum())
    pts = np.c_[to_um(coords[ok, 1].astype(float)), to_um(coords[ok, 0].astype(float)),
                remap[node_branch[ok]], deg[ok] == 1]
    out["branch"] = np.arange(len(out))
    return out, pts

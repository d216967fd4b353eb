"""Blob candidates: a scale-normalised Laplacian of Gaussian on a block-averaged pyramid.

Scales run from a small filled swelling to a large thin ring (a confocal section of a shell);
each scale is searched for its own local maxima, in units of that scale's robust noise, so a
small blob beside a large bright one is not lost in the large one's response.  Candidates are
then thinned: near-duplicates across scales go, and so do pieces of a larger, stronger blob.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import ndimage as ndi

from .preprocess import block_reduce_mean

__all__ = ["blob_candidates", "scales_px", "suppress_overlaps", "inside_stronger"]


def scales_px(pixel_size_um, psf_sigma_um, d_min_um, d_max_um, n_scales):
    """LoG σ (px), geometric, from a small filled blob to a large thin ring.

    A blob of radius R peaks near σ² = R²/2 + σ_psf²; a thin ring (a confocal section of a
    shell) only beyond σ = R/√2, best near σ ≈ R, so the largest σ is ``sqrt(R_max² + σ_psf²)``.
    """
    lo = np.sqrt((d_min_um / 2) ** 2 / 2 + psf_sigma_um**2)
    hi = np.sqrt((d_max_um / 2) ** 2 + psf_sigma_um**2)
    return np.geomspace(lo, hi, n_scales) / pixel_size_um


def _laplacian(g: np.ndarray) -> np.ndarray:
    """5-point Laplacian, edges copied from their neighbours (cheaper than ndimage's)."""
    lap = np.empty_like(g)
    c = g[1:-1, 1:-1]
    lap[1:-1, 1:-1] = g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:] - 4 * c
    lap[0], lap[-1] = lap[1], lap[-2]
    lap[:, 0], lap[:, -1] = lap[:, 1], lap[:, -2]
    return lap


def _local_maxima(best: np.ndarray, threshold: float):
    """Rows, columns, values and sub-pixel offsets of 8-neighbour maxima above threshold."""
    rr, cc = np.nonzero(best[1:-1, 1:-1] > threshold)
    rr += 1
    cc += 1
    v = best[rr, cc]
    nb = np.stack([best[rr + dr, cc + dc] for dr in (-1, 0, 1) for dc in (-1, 0, 1)
                   if dr or dc])
    keep = np.all(v >= nb, axis=0)
    rr, cc, v = rr[keep], cc[keep], v[keep]
    up, dn = best[rr - 1, cc], best[rr + 1, cc]
    lf, rt = best[rr, cc - 1], best[rr, cc + 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        fin = lambda a: np.where(np.isfinite(a), a, v)
        up, dn, lf, rt = fin(up), fin(dn), fin(lf), fin(rt)
        # vertex of the parabola through (−1, 0, +1): ½ (f₋ − f₊) / (f₋ − 2 f₀ + f₊)
        dy = 0.5 * (up - dn) / np.where(up - 2 * v + dn < 0, up - 2 * v + dn, -np.inf)
        dx = 0.5 * (lf - rt) / np.where(lf - 2 * v + rt < 0, lf - 2 * v + rt, -np.inf)
    return (rr, cc, v, np.clip(np.nan_to_num(dy), -0.5, 0.5),
            np.clip(np.nan_to_num(dx), -0.5, 0.5))


def blob_candidates(frame: np.ndarray, *, sigmas_px: np.ndarray, threshold: float = 5.0,
                    mask: np.ndarray | None = None) -> pd.DataFrame:
    """Local maxima of the scale-normalised LoG response, in units of its noise.

    Scales above about 2.4 px are computed on a block-averaged pyramid (2×, 4×, …), which
    keeps the cost near that of two full-resolution Gaussians whatever the size range.

    Parameters
    ----------
    frame : ndarray, shape (Y, X), float
        Background need not be removed (the LoG ignores smooth levels).
    sigmas_px : array of float, shape (S,)
    threshold : float
        Minimum response in units of the response's robust noise σ at that scale.
    mask : ndarray of bool, shape (Y, X), optional
        Where candidates are not wanted (cell bodies).

    Returns
    -------
    DataFrame
        ``row, col`` (sub-pixel, full-resolution px), ``scale`` (index into ``sigmas_px``),
        ``sigma_px``, ``response`` (noise units), one row per candidate.
    """
    sigmas_px = np.asarray(sigmas_px, float)
    level = np.clip(np.floor(np.log2(sigmas_px / 0.75)), 0, 3).astype(int)
    parts = []
    img, at = np.asarray(frame, np.float32), 0
    for L in np.unique(level):
        f = 2**L
        while at < L:  # each level from the one below: 2 × 2 block means
            img, at = block_reduce_mean(img, 2), at + 1
        ks = np.flatnonzero(level == L)
        if mask is not None:
            msk = mask[::f, ::f][: img.shape[0], : img.shape[1]] if f > 1 else mask
        for k in ks:
            # the block mean already blurred by a box of f px: variance (f² − 1) / 12
            s = np.sqrt(max(sigmas_px[k] ** 2 - (f * f - 1) / 12, 0.25)) / f
            lap = _laplacian(ndi.gaussian_filter(img, s, truncate=3.0, mode="nearest"))
            sub = lap[::3, ::3]
            med = np.median(sub)
            # scale-normalised (−σ² ∇²) and in units of its robust noise: the σ² cancels
            lap -= med
            lap *= -1.0 / (1.4826 * np.median(np.abs(sub - med)) + 1e-12)
            if mask is not None:
                lap[msk] = -np.inf
            # maxima of each scale on its own: a blob beside a larger, brighter one is not a
            # maximum of the best-over-scales map, but it is one at its own scale
            rr, cc, v, dy, dx = _local_maxima(lap, threshold)
            parts.append(pd.DataFrame({"row": (rr + dy) * f + (f - 1) / 2,
                                       "col": (cc + dx) * f + (f - 1) / 2, "scale": k,
                                       "sigma_px": sigmas_px[k], "response": v.astype(float)}))
    return pd.concat(parts, ignore_index=True)


def suppress_overlaps(cand: pd.DataFrame, radius_px: np.ndarray, *,
                       priority: np.ndarray | None = None, inner: float = 0.8,
                       outer: float = 0.0) -> np.ndarray:
    """Which candidates to keep when centres fall inside one another.

    Of a pair at distance ``d`` with radii ``r_big ≥ r_small`` the one of lower ``priority``
    (default: LoG response) goes when ``d < inner · r_big + outer · r_small``.

    Returns
    -------
    ndarray of bool, shape (n,)
    """
    from scipy.spatial import cKDTree

    n = len(cand)
    keep = np.ones(n, dtype=bool)
    if n < 2:
        return keep
    pts = cand[["row", "col"]].to_numpy()
    reach = float(radius_px.max()) * (inner + outer)
    pairs = cKDTree(pts).query_pairs(reach, output_type="ndarray")
    if len(pairs) == 0:
        return keep
    a, b = pairs[:, 0], pairs[:, 1]
    d = np.hypot(*(pts[a] - pts[b]).T)
    lim = inner * np.maximum(radius_px[a], radius_px[b]) + outer * np.minimum(radius_px[a],
                                                                               radius_px[b])
    pairs = pairs[d < lim]
    pr = cand["response"].to_numpy() if priority is None else np.asarray(priority)
    # the weaker member of each overlapping pair goes, strongest pairs first
    order = np.argsort(-np.maximum(pr[pairs[:, 0]], pr[pairs[:, 1]]), kind="stable")
    for i, j in pairs[order]:
        if keep[i] and keep[j]:
            keep[j if pr[i] >= pr[j] else i] = False
    return keep


def inside_stronger(cand: pd.DataFrame, radius_px: np.ndarray) -> np.ndarray:
    """False for candidates centred inside a much larger-scale candidate that responds more.

    Such a candidate is a piece of the larger blob (its rim).  A real neighbour lies outside
    the larger disk, and a merged large-scale response between two small blobs is weaker than
    each of theirs, so neither is lost.
    """
    from scipy.spatial import cKDTree

    keep = np.ones(len(cand), bool)
    if len(cand) < 2:
        return keep
    pts = cand[["row", "col"]].to_numpy()
    pairs = cKDTree(pts).query_pairs(float(radius_px.max()), output_type="ndarray")
    if len(pairs) == 0:
        return keep
    pr = cand["response"].to_numpy()
    sc = cand["scale"].to_numpy()
    for i, j in (pairs.T, pairs[:, ::-1].T):  # both orders: i the large one, j the small one
        d = np.hypot(*(pts[i] - pts[j]).T)
        # two scales apart at least: a blob beside a larger one is not a piece of it even
        # when the larger scale blurs the two together
        inside = (d < radius_px[i]) & (sc[j] <= sc[i] - 2) & (pr[j] <= pr[i])
        keep[j[inside]] = False
    return keep


@lru_cache(maxsize=32)
def _ring_kernel_fft(r: float, w: float, h: int, shape: tuple[int, int]) -> np.ndarray:
    """FFT of the zero-mean annulus of radius ``r`` and width ``w`` (px), for ``shape``."""
    from scipy import fft as sfft

    yy, xx = np.mgrid[-h:h + 1, -h:h + 1]
    rr = np.hypot(yy, xx)
    ring = np.exp(-((rr - r) ** 2) / (2 * w * w))
    disk = rr <= r + 2 * w + 1
    ker = (ring / ring.sum() - disk / disk.sum()).astype(np.float32)
    return sfft.rfft2(ker, s=shape)


def ring_candidates(frame: np.ndarray, *, radii_px: np.ndarray, width_px: float,
                    threshold: float = 5.0) -> pd.DataFrame:
    """Centres of bright rings: maxima of a zero-mean annulus filter, in noise units.

    A large hollow migrasome (a confocal section of a shell) is a thin ring whose LoG
    response at its centre is weak; a filter matched to a ring of radius ``R`` peaks there.
    Large radii are filtered on a 2×-reduced image.

    Returns
    -------
    DataFrame
        Columns as :func:`blob_candidates` (``scale`` is ``-1 - k`` for radius ``k``;
        ``sigma_px`` the LoG σ of a blob that size, ``R / √2``).
    """
    from scipy import fft as sfft

    parts = []
    base = np.asarray(frame, np.float32)
    radii = np.asarray(radii_px, float)
    level = np.where(radii > 10, 2, 1)
    half = lambda R, f: int(np.ceil(R / f + 2 * max(width_px / f, 0.8) + 1))
    spectra: dict = {}  # the image's FFT once per grid level, padded for its largest ring
    for k, R in enumerate(radii):
        f = int(level[k])
        r, w, h = R / f, max(width_px / f, 0.8), half(R, f)
        if f not in spectra:
            img = block_reduce_mean(base, f) if f > 1 else base
            pad = max(half(q, f) for q in radii[level == f])
            shape = (sfft.next_fast_len(img.shape[0] + 2 * pad, real=True),
                     sfft.next_fast_len(img.shape[1] + 2 * pad, real=True))
            spectra[f] = (img.shape, shape, sfft.rfft2(img, s=shape))
        (ny, nx), shape, F = spectra[f]
        K = _ring_kernel_fft(round(r, 6), round(w, 6), h, shape)
        # linear (zero-padded) convolution, its centred part: as fftconvolve(mode="same")
        resp = sfft.irfft2(F * K, s=shape)[h:h + ny, h:h + nx]
        sub = resp[::3, ::3]
        med = np.median(sub)
        resp = (resp - med) / (1.4826 * np.median(np.abs(sub - med)) + 1e-12)
        rr_, cc_, v, dy, dx = _local_maxima(resp, threshold)
        parts.append(pd.DataFrame({"row": (rr_ + dy) * f + (f - 1) / 2,
                                   "col": (cc_ + dx) * f + (f - 1) / 2, "scale": -1 - k,
                                   "sigma_px": R / np.sqrt(2), "response": v.astype(float)}))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in
                             ("row", "col", "scale", "sigma_px", "response")})
    return pd.concat(parts, ignore_index=True)

"""Migrasome detection and sizing in one frame.

Detection is a scale-normalised Laplacian-of-Gaussian (LoG) over scales matched to swellings
of 0.5–3 µm blurred by the microscope; each candidate is then measured on its azimuthal
*median* profile, which a thin fibre through it or ending at it does not move: a migrasome
is round, a fibre is not.  The diameter comes from fitting that profile with the profile of
a projected spherical shell (membrane label; or a filled ball / flat disk) convolved with
the point-spread function (PSF) and the pixel, so the optics are taken into account.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from scipy import ndimage as ndi
from scipy.special import erf, i0e

from .blobs import blob_candidates, inside_stronger, scales_px, suppress_overlaps

__all__ = ["radial_templates", "refine_centres", "rim_centres", "fit_diameters",
           "detect_by_thresholds", "model_image", "blob_candidates"]

MODELS = ("shell", "ball", "disk")


@lru_cache(maxsize=16)
def radial_templates(model: str, sigma_px: float, radii_px: tuple, r_max_px: float,
                     dr_px: float = 0.5, sigma_z_px: float = np.inf
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Radial intensity profiles of blurred migrasome models.

    Parameters
    ----------
    model : {"shell", "ball", "disk"}
        Projected spherical shell (a membrane label such as TSPAN4-GFP), projected filled
        ball (a lumen label) or flat disk.
    sigma_px : float
        Total blur σ (px): PSF and pixel integration (``σ_psf² + 1/12``).
    radii_px : tuple of float
        Object radii ``R`` (px) of the templates.
    r_max_px, dr_px : float
        The profile is sampled at ``r = 0, dr, …, r_max`` (px).
    sigma_z_px : float
        Axial σ of a confocal optical section through the equator (px); ``inf`` for
        wide-field.  Membrane at height ``z`` counts ``exp(−z² / 2σ_z²)``.

    Returns
    -------
    r : ndarray, shape (n_r,)
    templates : ndarray, shape (n_R, n_r)
        Each profile with its peak scaled to 1.
    """
    if model not in MODELS:
        raise ValueError(f"model={model!r}; allowed: {MODELS}")
    r = np.arange(0.0, r_max_px + 1e-9, dr_px)
    if model == "shell":
        # the renderer's own shell model (migrasome.imaging.optics): thin rings uniform in
        # height, weighted by the optical section, each blurred exactly by the Gaussian
        from ..imaging.optics import ring_profile, shell_ring_weights

        bin_px = min(0.25, sigma_px / 4)
        prof = np.stack([ring_profile(r, *shell_ring_weights(Rk, sigma_z_px, bin_px), sigma_px)
                         for Rk in np.asarray(radii_px, float)])
        return r, prof / prof.max(axis=1, keepdims=True)
    R = np.asarray(radii_px, dtype=float)[:, None]
    u = (np.arange(64) + 0.5) / 64  # quadrature nodes on (0, 1)
    sz = float(sigma_z_px)
    if model == "ball":  # projected thickness 2·sqrt(R² − ρ²) on a ring of length 2πρ
        rho = R * u[None, :]
        half = R * np.sqrt(1 - u**2)[None, :]
        # column through the ball at ρ, seen through the section (same scale for each R)
        thick = half if not np.isfinite(sz) else sz * erf(half / (np.sqrt(2) * sz))
        w = u[None, :] * thick
    else:
        rho = R * u[None, :]
        w = u * np.ones_like(rho)
    s2 = sigma_px**2
    rr = r[None, None, :]
    pr = rho[:, :, None]
    ring = np.exp(-((rr - pr) ** 2) / (2 * s2)) * i0e(rr * pr / s2)
    prof = np.einsum("kq,kqr->kr", w, ring)
    prof /= prof.max(axis=1, keepdims=True)
    return r, prof


def refine_centres(frame: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                   radius_px: np.ndarray, background: np.ndarray) -> tuple[np.ndarray,
                                                                          np.ndarray]:
    """Intensity-weighted centroids (above the local background) within ``radius_px + 1.5``.

    Vectorised over blobs: each gets a square window of the largest radius.  A projected
    shell, ball or disk is symmetric about its centre, so the centroid is unbiased.
    """
    if len(rows) == 0:
        return rows, cols
    h = int(np.ceil(radius_px.max() + 1.5))
    dy, dx = np.mgrid[-h:h + 1, -h:h + 1]
    r0, c0 = np.rint(rows).astype(int), np.rint(cols).astype(int)
    ii = np.clip(r0[:, None, None] + dy[None], 0, frame.shape[0] - 1)
    jj = np.clip(c0[:, None, None] + dx[None], 0, frame.shape[1] - 1)
    w = frame[ii, jj] - background[:, None, None]
    d2 = (ii - rows[:, None, None]) ** 2 + (jj - cols[:, None, None]) ** 2
    w = np.where(d2 <= (radius_px[:, None, None] + 1.5) ** 2, np.maximum(w, 0), 0)
    tot = w.sum(axis=(1, 2))
    ok = tot > 0
    nr = np.where(ok, (w * ii).sum(axis=(1, 2)) / np.where(ok, tot, 1), rows)
    nc = np.where(ok, (w * jj).sum(axis=(1, 2)) / np.where(ok, tot, 1), cols)
    # a centroid that wandered further than the radius was pulled by a neighbour: keep the peak
    far = np.hypot(nr - rows, nc - cols) > np.maximum(radius_px, 1.0)
    return np.where(far, rows, nr), np.where(far, cols, nc)


def rim_centres(frame: np.ndarray, rows: np.ndarray, cols: np.ndarray,
                radius_px: np.ndarray, *, n_theta: int = 24) -> tuple[np.ndarray, np.ndarray]:
    """Centres of circles fitted to the brightest point of each direction (the rim).

    A hollow ring's intensity centroid is pulled by a bright spot inside it or a fibre
    across it; its rim is not.  Along each of ``n_theta`` rays, out to ``2 R + 2`` px, the
    brightest sample is a rim point; a circle is fitted to them by least squares (Kåsa),
    then again without the points furthest from it (a fibre crossing the ray, a spot).  A
    centre that moves further than ``R`` (a filled blob has no rim to fit) stays put.

    Returns
    -------
    rows, cols : ndarray, shape (n,)
    """
    n = len(rows)
    if n == 0:
        return rows, cols
    R = np.maximum(np.asarray(radius_px, float), 1.0)
    # reach 2 R + 2 px (assumed: a ring up to twice the radius the candidate was taken
    # for, seen from a centre on its lumen's edge); 25 samples, under ½ px apart up to R ≈ 5
    u = np.linspace(0.0, 1.0, 25)
    rad = (2 * R[:, None] + 2) * u[None, :]  # (n, n_u) px, per blob
    th = np.linspace(0, 2 * np.pi, n_theta, endpoint=False)
    yy = rows[:, None, None] + rad[:, :, None] * np.sin(th)[None, None, :]
    xx = cols[:, None, None] + rad[:, :, None] * np.cos(th)[None, None, :]
    S = ndi.map_coordinates(frame, [yy.ravel(), xx.ravel()], order=1,
                            mode="nearest").reshape(yy.shape)
    k = np.argmax(S[:, 1:], axis=1) + 1  # (n, θ): the brightest sample, not the start
    rho = np.take_along_axis(rad, k, axis=1)
    py = rho * np.sin(th)[None, :]
    px = rho * np.cos(th)[None, :]
    use = np.ones_like(rho, bool)
    cy = np.zeros(n)
    cx = np.zeros(n)
    for it in range(2):
        # x² + y² + D x + E y + F = 0, linear in (D, E, F): weighted normal equations
        A = np.stack([px, py, np.ones_like(px)], axis=-1) * use[..., None]
        b = -(px**2 + py**2) * use
        AtA = np.einsum("nti,ntj->nij", A, A) + 1e-9 * np.eye(3)
        Atb = np.einsum("nti,nt->ni", A, b)
        D, E, F = np.linalg.solve(AtA, Atb[..., None])[..., 0].T
        cx, cy = -D / 2, -E / 2
        if it:
            break
        rc = np.sqrt(np.maximum(cx**2 + cy**2 - F, 0))
        res = np.abs(np.hypot(px - cx[:, None], py - cy[:, None]) - rc[:, None])
        # the closest 60 % of the points (assumed: up to two fibres across a ring take
        # 4 of 24 rays, a spot inside a few more), all within ½ px of the circle
        use = res <= np.maximum(np.percentile(res, 60, axis=1, keepdims=True), 0.5)
    bad = ~np.isfinite(cx) | ~np.isfinite(cy) | (np.hypot(cx, cy) > R)
    return np.where(bad, rows, rows + cy), np.where(bad, cols, cols + cx)


def _median_last(S: np.ndarray) -> np.ndarray:
    """``np.median(S, axis=-1)`` for finite ``S``, by a partition at the middle only."""
    n = S.shape[-1]
    if n == 0:
        return np.full(S.shape[:-1], np.nan)
    k = n // 2
    if n % 2:
        return np.partition(S, k, axis=-1)[..., k]
    p = np.partition(S, (k - 1, k), axis=-1)
    return 0.5 * (p[..., k - 1] + p[..., k])


def _polar_samples(frame, rows, cols, r, n_theta=24):
    """Bilinear samples on polar grids around each centre, shape (n_blobs, n_r, n_theta)."""
    th = np.linspace(0, 2 * np.pi, n_theta, endpoint=False)
    yy = rows[:, None, None] + r[None, :, None] * np.sin(th)[None, None, :]
    xx = cols[:, None, None] + r[None, :, None] * np.cos(th)[None, None, :]
    vals = ndi.map_coordinates(frame, [yy.ravel(), xx.ravel()], order=1, mode="nearest")
    return vals.reshape(yy.shape)


def _roundness(samples, r, radius_px, background):
    """How evenly the rim of each blob is lit around it, from 0 (a line) to about 1.

    Mean over radii ``0.5 R … R + 1`` px per direction, then the ratio of its 25th to its
    75th percentile over directions, both above the local background: a fibre through the
    blob lights a few directions and moves neither; a fibre end or crossing lights only
    those few, so the 25th percentile is background.
    """
    band = (r[None, :] >= 0.5 * radius_px[:, None]) & (r[None, :] <= radius_px[:, None] + 1)
    band[:, 1] |= ~band.any(axis=1)
    ang = (samples * band[:, :, None]).sum(axis=1) / band.sum(axis=1)[:, None]
    lo, hi = np.percentile(ang, [25, 75], axis=1)
    return (lo - background) / np.maximum(hi - background, 1e-12)


def fit_diameters(frame: np.ndarray, rows: np.ndarray, cols: np.ndarray, *,
                  pixel_size_um: float, psf_sigma_um: float, sigma_z_um: float = np.inf,
                  model: str = "shell", d_range_um: tuple[float, float] = (0.3, 3.6),
                  n_theta: int = 24) -> pd.DataFrame:
    """Diameters from the azimuthal median profile fitted with blurred model profiles.

    For each centre the profile ``P(r)`` is fitted as ``a · T_R(r) + b`` by weighted least
    squares (weights ∝ r + ½, the pixels per ring) for every template radius ``R``; the best
    ``R`` is refined by a parabola through the residuals.

    Parameters
    ----------
    frame : ndarray, shape (Y, X), float
    rows, cols : ndarray, shape (n,)
        Centres (px).
    pixel_size_um, psf_sigma_um : float
    sigma_z_um : float
        Axial σ of a confocal section (µm); ``inf`` for wide-field.
    model : {"shell", "ball", "disk", "auto"}
        ``"auto"`` fits all and keeps, for the whole frame, the one with least residual.
    d_range_um : (float, float)
        Range of diameters searched.
    n_theta : int
        Directions sampled around each centre.

    Returns
    -------
    DataFrame
        ``diameter_um``, ``amplitude`` (peak above local background, intensity units),
        ``local_background``, ``rss`` (weighted residual per weight), ``model``,
        ``roundness`` (0 for a line, about 1 for an evenly lit rim).
    """
    rows = np.asarray(rows, float)
    cols = np.asarray(cols, float)
    models = MODELS if model == "auto" else (model,)
    sig = float(np.sqrt((psf_sigma_um / pixel_size_um) ** 2 + 1 / 12))
    step = 0.025 / pixel_size_um
    radii = tuple(np.round(np.arange(d_range_um[0] / 2 / pixel_size_um,
                                     d_range_um[1] / 2 / pixel_size_um + step, step), 4))
    r_max = radii[-1] + 3 * sig + 1.5
    best = None
    for m in models:
        r, T = radial_templates(m, round(sig, 4), radii, round(r_max, 3),
                                sigma_z_px=round(sigma_z_um / pixel_size_um, 4))
        S = (_polar_samples(frame, rows, cols, r, n_theta) if rows.size
             else np.zeros((0, r.size, 1)))
        P = _median_last(S)
        w = r + 0.5
        w = w / w.sum()
        Tc = T - (T @ w)[:, None]
        Pm = P @ w
        Pc = P - Pm[:, None]
        varT = (Tc**2) @ w
        cov = (Pc * w) @ Tc.T
        a = cov / varT
        rss = ((Pc**2) @ w)[:, None] - cov**2 / varT
        rss = np.where(a > 0, rss, np.inf)
        k = np.argmin(rss, axis=1) if len(P) else np.zeros(0, int)
        kk = np.clip(k, 1, len(radii) - 2)
        i = np.arange(len(P))
        y0, y1, y2 = rss[i, kk - 1], rss[i, kk], rss[i, kk + 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            den = y0 - 2 * y1 + y2
            off = np.where((den > 0) & np.isfinite(den) & (k == kk), 0.5 * (y0 - y2) / den, 0)
        Rpx = np.asarray(radii)[kk] + np.clip(off, -1, 1) * step
        Rpx = np.where(k == kk, Rpx, np.asarray(radii)[k])
        amp = a[i, k] if len(P) else np.zeros(0)
        bg = Pm - amp * (T[k] @ w) if len(P) else np.zeros(0)
        res = pd.DataFrame({"diameter_um": 2 * Rpx * pixel_size_um, "amplitude": amp,
                            "local_background": bg, "rss": rss[i, k], "model": m,
                            "roundness": _roundness(S, r, Rpx, bg)})
        if best is None or np.nansum(np.minimum(res["rss"], 1e30)) < np.nansum(
                np.minimum(best["rss"], 1e30)):
            best = res
    return best


def detect_by_thresholds(frame: np.ndarray, *, pixel_size_um: float, psf_sigma_um: float,
                      noise: float, sigma_z_um: float = np.inf, exclude: np.ndarray | None = None,
                      d_min_um: float = 0.5, d_max_um: float = 3.0, n_scales: int = 7,
                      threshold: float = 5.0, min_snr: float = 1.5,
                      min_roundness: float = 0.55, model: str = "shell") -> pd.DataFrame:
    """Find migrasomes in one frame and measure them.

    Parameters
    ----------
    frame : ndarray, shape (Y, X), float
        One channel of one frame (raw or background-subtracted).
    pixel_size_um, psf_sigma_um : float
    noise : float
        Pixel noise σ of the background (intensity units), see ``noise_sigma``.
    sigma_z_um : float
        Axial σ of a confocal section (µm); ``inf`` for wide-field.
    exclude : ndarray of bool, shape (Y, X), optional
        Cell bodies: no migrasome is reported with its centre there.
    d_min_um, d_max_um : float
        Size range reported (µm); 0.5–3 µm by definition (MODEL.md §4).
    n_scales : int
        LoG scales between the two.
    threshold : float
        LoG response needed for a candidate, in noise units of the response.
    min_snr : float
        Peak of the fitted round profile above local background needed, in units of
        ``noise``; a fibre end or crossing has none (its azimuthal median is background).
    min_roundness : float
        How evenly lit the rim must be (see ``fit_diameters``; 0 a line, about 1 a ring).
    model : {"shell", "ball", "disk", "auto"}
    Returns
    -------
    DataFrame
        One row per migrasome: ``row, col`` (px, sub-pixel), ``x_um, y_um`` (pixel centres at
        ``(j + ½)·px``), ``diameter_um``, ``amplitude``, ``snr``, ``response``, ``roundness``,
        ``probability`` (NaN without classifier).
    """
    sig = scales_px(pixel_size_um, psf_sigma_um, 0.8 * d_min_um, d_max_um, n_scales)
    cand = blob_candidates(frame, sigmas_px=sig, threshold=threshold, mask=exclude)
    radius_px = np.sqrt(np.maximum(2 * (cand["sigma_px"].to_numpy() ** 2
                                        - (psf_sigma_um / pixel_size_um) ** 2), 1.0))
    radius_px = np.minimum(radius_px, d_max_um / 2 / pixel_size_um)
    # before fitting: near-duplicates go, and pieces of a stronger, larger blob
    keep = suppress_overlaps(cand, radius_px, inner=0.0, outer=0.5)
    cand, radius_px = cand[keep].reset_index(drop=True), radius_px[keep]
    keep = inside_stronger(cand, radius_px)
    cand = cand[keep].reset_index(drop=True)
    kw: dict[str, Any] = dict(pixel_size_um=pixel_size_um, psf_sigma_um=psf_sigma_um,
                              sigma_z_um=sigma_z_um, model=model,
                              d_range_um=(0.6 * d_min_um, 1.2 * d_max_um))
    fit = fit_diameters(frame, cand["row"].to_numpy(), cand["col"].to_numpy(), n_theta=12,
                        **kw)
    # candidates with no round signal at all are not worth refining (a coarse first look)
    hopeful = (fit["amplitude"].to_numpy() >= 0.5 * min_snr * noise) & (
        fit["roundness"].to_numpy() >= 0.5 * min_roundness)
    cand = cand[hopeful].reset_index(drop=True)
    fit = fit[hopeful].reset_index(drop=True)
    # centre on the blob itself (the LoG peak is on a coarse grid for large ones), refit;
    # the window covers the fitted radius or, if larger, the radius the LoG scale implies
    win = np.maximum(fit["diameter_um"].to_numpy() / 2 / pixel_size_um,
                     np.minimum(cand["sigma_px"].to_numpy(), d_max_um / 2 / pixel_size_um))
    rows, cols = cand["row"].to_numpy(), cand["col"].to_numpy()
    for _ in range(2):
        rows, cols = refine_centres(frame, rows, cols, win,
                                    fit["local_background"].to_numpy())
    cand["row"], cand["col"] = rows, cols
    fit = fit_diameters(frame, rows, cols, **kw)
    out = pd.concat([cand, fit.reset_index(drop=True)], axis=1)
    out["snr"] = out["amplitude"] / max(noise, 1e-12)
    ok = (out["snr"] >= min_snr) & (out["roundness"] >= min_roundness) & (
        out["diameter_um"] >= 0.9 * d_min_um) & (out["diameter_um"] <= 1.1 * d_max_um)
    out = out[ok].reset_index(drop=True)
    # a second pass with the fitted radii: of two blobs whose centres fall within the larger
    # one (plus half the smaller: a blob on another's rim), the rounder and brighter stays;
    # touching neighbours (d = r₁ + r₂) both stay
    if len(out) > 1:
        rpx = out["diameter_um"].to_numpy() / 2 / pixel_size_um
        pr = (out["snr"] * out["roundness"]).to_numpy()
        keep = suppress_overlaps(out, rpx, priority=pr, inner=1.0, outer=0.5)
        out = out[keep].reset_index(drop=True)
    out["x_um"] = (out["col"] + 0.5) * pixel_size_um
    out["y_um"] = (out["row"] + 0.5) * pixel_size_um
    out["probability"] = np.nan
    return out[OUT_COLUMNS]


OUT_COLUMNS = ["row", "col", "x_um", "y_um", "diameter_um", "amplitude", "snr", "roundness",
               "response", "model", "probability"]


def model_image(shape: tuple[int, int], migrasomes: pd.DataFrame, *, pixel_size_um: float,
                psf_sigma_um: float, sigma_z_um: float = np.inf) -> np.ndarray:
    """The fitted migrasomes drawn as an image (above background), to subtract from a frame.

    Parameters
    ----------
    shape : (Y, X)
    migrasomes : DataFrame
        ``row, col, diameter_um, amplitude, model`` as returned by ``detect_by_thresholds``.
    pixel_size_um, psf_sigma_um, sigma_z_um : float

    Returns
    -------
    ndarray, shape (Y, X), float32
    """
    out = np.zeros(shape, np.float32)
    n = len(migrasomes)
    if n == 0:
        return out
    sig = float(np.sqrt((psf_sigma_um / pixel_size_um) ** 2 + 1 / 12))
    R = migrasomes["diameter_um"].to_numpy(float) / 2 / pixel_size_um
    r_max = float(R.max() + 3 * sig + 1.5)
    model = str(migrasomes["model"].iloc[0]) if "model" in migrasomes else "shell"
    radii = tuple(np.round(R, 3))
    r, T = radial_templates(model, round(sig, 4), radii, round(r_max, 3),
                            sigma_z_px=round(sigma_z_um / pixel_size_um, 4))
    h = int(np.ceil(r_max))
    dy, dx = np.mgrid[-h:h + 1, -h:h + 1]
    rows = migrasomes["row"].to_numpy(float)
    cols = migrasomes["col"].to_numpy(float)
    ii = np.rint(rows).astype(int)[:, None, None] + dy[None]
    jj = np.rint(cols).astype(int)[:, None, None] + dx[None]
    rr = np.hypot(ii - rows[:, None, None], jj - cols[:, None, None])
    step = r[1] - r[0]
    k = np.clip(rr / step, 0, r.size - 1.001)
    k0 = k.astype(int)
    t = k - k0
    b = np.arange(n)[:, None, None]
    val = (T[b, k0] * (1 - t) + T[b, k0 + 1] * t) * migrasomes["amplitude"].to_numpy(
        float)[:, None, None]
    ok = (ii >= 0) & (ii < shape[0]) & (jj >= 0) & (jj < shape[1]) & (rr <= r_max)
    np.add.at(out, (ii[ok], jj[ok]), val[ok].astype(np.float32))
    return out

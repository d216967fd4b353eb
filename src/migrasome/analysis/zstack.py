"""Migrasomes measured in a z-stack: centre height and diameter of a blurred 3-D shell.

A migrasome is a hollow membrane sphere (0.5–3 µm) sitting on the substrate; retraction
fibres and cells lie flat, so they are found on the maximum projection and only the
migrasomes are measured in 3-D.  Each one found on the projection is fitted, around its
lateral centre, with the stack of a spherical shell of radius ``R`` centred at height ``z0``
blurred by an anisotropic Gaussian PSF (lateral σ, axial σ): per plane the azimuthal
*median* profile (a fibre through the migrasome does not move it), all planes at once, by
least squares over a grid of ``(R, z0)`` refined by parabolas.  The projection loses the
shell's axial extent (a max projection of a shell is a disk with a bright rim, whose size a
2-D fit misreads); the stack keeps it.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from .migrasomes import _polar_samples

__all__ = ["fit_shells_3d", "stack_axial_sigma_um", "shell_stack_templates"]

_N_BINS = 48  # height bins of a shell: equal areas (Archimedes), finer than any σz


def stack_axial_sigma_um(wavelength_nm: float = 510.0, numerical_aperture: float = 1.4,
                         modality: str = "widefield") -> float:
    """Axial σ (µm) of the 3-D PSF that blurs a z-stack.

    Confocal: the section width of :func:`migrasome.imaging.optics.axial_sigma_um`.
    Wide-field: √2 times that (assumed: the confocal PSF is about the square of the
    wide-field one, so its Gaussian σ is 1/√2 of it).

    Examples
    --------
    >>> round(stack_axial_sigma_um(510, 1.4, "confocal"), 3)
    0.184
    >>> round(stack_axial_sigma_um(510, 1.4, "widefield"), 3)
    0.261
    """
    from ..imaging.optics import axial_sigma_um

    conf = float(axial_sigma_um(wavelength_nm, numerical_aperture, "confocal"))
    return conf if str(modality).lower().startswith("conf") else float(np.sqrt(2.0) * conf)


@lru_cache(maxsize=8)
def shell_stack_templates(sigma_px: float, sigma_z_um: float, radii_um: tuple,
                          z0_um: tuple, z_planes_um: tuple, r_px: tuple,
                          pixel_size_um: float) -> np.ndarray:
    """Per-plane radial profiles of blurred spherical shells.

    Parameters
    ----------
    sigma_px : float
        Lateral blur σ (px): PSF and pixel (``σ_psf² + 1/12``).
    sigma_z_um : float
        Axial PSF σ (µm).
    radii_um, z0_um : tuple of float
        Shell radii and centre heights (µm) of the templates.
    z_planes_um, r_px : tuple of float
        Plane heights (µm) and radii from the axis (px) at which each is sampled.
    pixel_size_um : float

    Returns
    -------
    ndarray, shape (n_R, n_z0, n_planes, n_r), float32
        Each template scaled to a peak of 1.

    Examples
    --------
    >>> T = shell_stack_templates(1.5, 0.25, (0.5, 1.0), (1.0,), (0.5, 1.0, 1.5),
    ...                           (0.0, 5.0, 10.0), 0.1)
    >>> T.shape, bool(T[1, 0, 1, 2] > T[1, 0, 1, 0])   # the equator: rim over the centre
    ((2, 1, 3, 3), True)
    """
    from scipy.special import i0e

    R = np.asarray(radii_um, float)[:, None]                      # (nR, 1)
    edges = np.linspace(-1.0, 1.0, _N_BINS + 1)
    lo, hi = R * edges[None, :-1], R * edges[None, 1:]
    h = 0.5 * (lo + hi)                                           # (nR, nb) bin heights
    # mean ρ² over the bin, so the rings near the poles carry the right second moment
    rho = np.sqrt(np.maximum(R**2 - (hi**2 + hi * lo + lo**2) / 3.0, 0.0)) / pixel_size_um
    r = np.asarray(r_px, float)
    s2 = float(sigma_px) ** 2
    lat = np.exp(-((r[None, None, :] - rho[:, :, None]) ** 2) / (2 * s2)) * i0e(
        r[None, None, :] * rho[:, :, None] / s2)                  # (nR, nb, nr)
    dz = (np.asarray(z_planes_um, float)[None, :, None]
          - np.asarray(z0_um, float)[:, None, None])              # (nz0, nk, 1)
    T = np.empty((R.shape[0], dz.shape[0], dz.shape[1], r.size), np.float32)
    for a in range(R.shape[0]):  # one radius at a time: fine z-steps make big stacks
        ax = np.exp(-((dz - h[a][None, None, :]) ** 2) / (2 * float(sigma_z_um) ** 2))
        Ta = (ax.reshape(-1, ax.shape[-1]) @ lat[a]).reshape(T.shape[1:])
        T[a] = Ta / np.maximum(Ta.max(axis=(1, 2), keepdims=True), 1e-30)
    return T


def _parabola(y0, y1, y2):
    with np.errstate(invalid="ignore", divide="ignore"):
        den = y0 - 2 * y1 + y2
        off = np.where((den > 0) & np.isfinite(den), 0.5 * (y0 - y2) / den, 0.0)
    return np.clip(np.nan_to_num(off), -1.0, 1.0)


def fit_shells_3d(stack: np.ndarray, rows: np.ndarray, cols: np.ndarray, *,
                  pixel_size_um: float, z_step_um: float, psf_sigma_um: float,
                  axial_sigma_um: float, d_range_um: tuple[float, float] = (0.3, 3.6),
                  n_theta: int = 24) -> pd.DataFrame:
    """Diameter and centre height of each migrasome from a z-stack.

    Parameters
    ----------
    stack : ndarray, shape (Z, Y, X)
        One channel of one time point; plane ``k`` is at height ``(k + ½) · z_step_um``.
    rows, cols : ndarray, shape (n,)
        Lateral centres (px), e.g. from the detection on the maximum projection.
    pixel_size_um, z_step_um : float
        Lateral pixel size and plane spacing (µm).
    psf_sigma_um, axial_sigma_um : float
        Lateral and axial σ of the PSF (µm); see :func:`stack_axial_sigma_um`.
    d_range_um : (float, float)
        Diameters searched (µm).
    n_theta : int
        Directions sampled around each centre.

    Returns
    -------
    DataFrame
        ``diameter_um``, ``z_um`` (centre height), ``amplitude`` (peak above background,
        intensity units), ``local_background``, ``rss`` (weighted residual per weight);
        one row per centre.

    Raises
    ------
    ValueError
        A stack that is not 3-D, or a non-positive step or PSF width.

    Examples
    --------
    >>> import numpy as np
    >>> z, y, x = np.mgrid[0:12, 0:40, 0:40]
    >>> dist = np.sqrt(((z + 0.5) * 0.3 - 1.8) ** 2 + (((y - 20) ** 2 + (x - 20) ** 2)
    ...                                                    * 0.1 ** 2))
    >>> stack = np.exp(-(dist - 0.75) ** 2 / (2 * 0.12 ** 2))   # a 1.5 µm shell at 1.8 µm
    >>> fit = fit_shells_3d(stack, np.array([20.0]), np.array([20.0]), pixel_size_um=0.1,
    ...                     z_step_um=0.3, psf_sigma_um=0.1, axial_sigma_um=0.12)
    >>> round(float(fit["z_um"][0]), 1), bool(abs(fit["diameter_um"][0] - 1.5) < 0.15)
    (1.8, True)
    """
    stack = np.asarray(stack, np.float32)
    if stack.ndim != 3:
        raise ValueError(f"a z-stack must be 3-D (Z, Y, X); got shape {stack.shape}")
    for name, v in (("z_step_um", z_step_um), ("psf_sigma_um", psf_sigma_um),
                    ("axial_sigma_um", axial_sigma_um), ("pixel_size_um", pixel_size_um)):
        if not (np.isfinite(v) and v > 0):
            raise ValueError(f"{name}={v!r}: must be a positive, finite number (µm)")
    rows, cols = np.asarray(rows, float), np.asarray(cols, float)
    cols_out = ("diameter_um", "z_um", "amplitude", "local_background", "rss")
    if rows.size == 0:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in cols_out})
    px, dz = float(pixel_size_um), float(z_step_um)
    n_z = stack.shape[0]
    sig = float(np.sqrt((psf_sigma_um / px) ** 2 + 1 / 12))
    step_r = 0.05
    radii = np.round(np.arange(d_range_um[0] / 2, d_range_um[1] / 2 + step_r / 2, step_r), 4)
    r = np.arange(0.0, radii[-1] / px + 3 * sig + 1.5 + 1e-9, 0.5)
    # planes a shell of the largest size (and its blur) can light: a window of the stack
    n_win = min(n_z, int(np.ceil((2 * radii[-1] + 6 * axial_sigma_um) / dz)) + 1)
    P = np.stack([np.median(_polar_samples(stack[k], rows, cols, r, n_theta), axis=2)
                  for k in range(n_z)], axis=1)                   # (n, Z, nr)
    k0 = np.zeros(rows.size, int)
    if n_win < n_z:
        near = r <= (radii[-1] / px + 2 * sig)
        prof = P[:, :, near].mean(axis=2)
        prof = prof - prof.min(axis=1, keepdims=True)
        zc = (prof * np.arange(n_z)).sum(axis=1) / np.maximum(prof.sum(axis=1), 1e-30)
        k0 = np.clip(np.rint(zc - (n_win - 1) / 2).astype(int), 0, n_z - n_win)
    win = P[np.arange(rows.size)[:, None], k0[:, None] + np.arange(n_win)[None, :]]
    planes = tuple(np.round((np.arange(n_win) + 0.5) * dz, 5))
    step_z = min(0.05, max(dz / 4, 0.04))  # the parabola refines below the grid
    z0 = tuple(np.round(np.arange(0.0, n_win * dz + 1e-9, step_z), 5))
    T = shell_stack_templates(round(sig, 4), round(float(axial_sigma_um), 4), tuple(radii),
                              z0, planes, tuple(r), round(px, 6))
    nR, nq = T.shape[:2]
    Tm = T.reshape(nR * nq, -1)                                   # float32, not copied
    w = np.broadcast_to(r + 0.5, (n_win, r.size)).ravel()
    w = w / w.sum()
    Pm = win.reshape(rows.size, -1).astype(np.float64)
    tmean = Tm @ w.astype(np.float32)
    Tc = Tm - tmean[:, None]
    pmean = Pm @ w
    Pc = Pm - pmean[:, None]
    varT = np.maximum((Tc * Tc) @ w.astype(np.float32), 1e-30).astype(np.float64)
    cov = ((Pc * w).astype(np.float32) @ Tc.T).astype(np.float64)  # (n, nR·nq)
    a = cov / varT
    rss = ((Pc**2) @ w)[:, None] - cov**2 / varT
    rss = np.where(a > 0, rss, np.inf).reshape(rows.size, nR, nq)
    best = np.argmin(rss.reshape(rows.size, -1), axis=1)
    kR, kq = np.unravel_index(best, (nR, nq))
    i = np.arange(rows.size)
    cR, cq = np.clip(kR, 1, nR - 2), np.clip(kq, 1, nq - 2)
    offR = np.where(cR == kR, _parabola(rss[i, cR - 1, kq], rss[i, cR, kq],
                                        rss[i, cR + 1, kq]), 0.0)
    offq = np.where(cq == kq, _parabola(rss[i, kR, cq - 1], rss[i, kR, cq],
                                        rss[i, kR, cq + 1]), 0.0)
    R_um = radii[kR] + offR * step_r
    z_um = (k0 * dz) + np.asarray(z0)[kq] + offq * step_z
    amp = a.reshape(rows.size, nR, nq)[i, kR, kq]
    bg = pmean - amp * tmean[best]
    return pd.DataFrame({"diameter_um": 2 * R_um, "z_um": z_um, "amplitude": amp,
                         "local_background": bg, "rss": rss[i, kR, kq]})

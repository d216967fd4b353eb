"""Image formation for scenes: optics from :mod:`migrasome.imaging.optics`, own drawing.

Expected photons per pixel of frame ``t``::

    E = B + illum(x, y) · exp(−k t) · [PSF ∗ (cells + RFs + debris) + shells + haze]

then Poisson and Gaussian read noise.  ``illum`` is a linear ramp times a vignette, ``haze``
the cells' light spread over several µm (out-of-focus membranes).  The drawing is
independent of :mod:`migrasome.imaging.render` (different cell shapes, fibre curves and
rasterisation) so that an analysis tuned on one is tested on the other.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage as ndi

from ..imaging.optics import ShellProfile, axial_sigma_um, psf_sigma_um
from .geometry import Scene

__all__ = ["Optics", "render_frame"]


class Optics:
    """Optics and camera of one scene (lengths µm)."""

    def __init__(self, *, pixel_size_um: float, numerical_aperture: float, modality: str,
                 snr: float, wavelength_nm: float = 510.0, background: float = 100.0,
                 read_noise: float = 1.5) -> None:
        self.px = float(pixel_size_um)
        self.psf_um = psf_sigma_um(wavelength_nm, numerical_aperture, modality)
        self.sigma_z_um = axial_sigma_um(wavelength_nm, numerical_aperture, modality)
        self.modality, self.na, self.wavelength_nm = modality, numerical_aperture, wavelength_nm
        self.background, self.read_noise = background, read_noise
        self.shell = ShellProfile(math.sqrt(self.psf_um**2 + self.px**2 / 12), self.sigma_z_um,
                                  max_diameter_um=3.6)
        # photons of a 1 µm migrasome that give the asked peak-over-noise
        peak = float(self.shell.density(np.array(1.0), np.linspace(0, 0.8, 161)).max()) \
            * self.px**2
        self.photons_1um = snr * math.sqrt(background + read_noise**2) / peak


def _splat(img: np.ndarray, x_px: np.ndarray, y_px: np.ndarray, w: np.ndarray) -> None:
    """Add weights at sub-pixel positions (bilinear), in place; positions in pixel units."""
    x0, y0 = np.floor(x_px - 0.5).astype(int), np.floor(y_px - 0.5).astype(int)
    fx, fy = x_px - 0.5 - x0, y_px - 0.5 - y0
    ny, nx = img.shape
    for dy, dx, ww in ((0, 0, (1 - fx) * (1 - fy)), (0, 1, fx * (1 - fy)),
                       (1, 0, (1 - fx) * fy), (1, 1, fx * fy)):
        r, c = y0 + dy, x0 + dx
        ok = (r >= 0) & (r < ny) & (c >= 0) & (c < nx)
        np.add.at(img, (r[ok], c[ok]), (w * ww)[ok])


def _cells_image(scene: Scene, shape, px: float, t: float, rng_tex: np.ndarray) -> np.ndarray:
    yy, xx = (np.indices(shape, dtype=np.float32) + 0.5) * px
    out = np.zeros(shape, np.float32)
    for c in scene.cells:
        depth = c.depth_um(xx, yy, t)
        inside = depth > 0
        # a flat body brighter at its edge (membrane seen edge-on), with some texture
        body = c.brightness * (0.75 + 0.25 * rng_tex) * (1 + c.rim * np.exp(-depth / 0.5))
        out += np.where(inside, body, 0).astype(np.float32)
    return out


def render_frame(scene: Scene, optics: Optics, shape: tuple[int, int], t: int, *,
                 illum: np.ndarray, texture: np.ndarray, haze: float, bleach: float,
                 rng: np.random.Generator) -> np.ndarray:
    """One noisy frame (float photons → counts), shape ``shape``."""
    px = optics.px
    n1 = optics.photons_1um
    # cells: photons per px² as a fraction of a 1 µm migrasome's peak, then blurred
    peak1 = n1 * float(optics.shell.density(np.array(1.0), np.linspace(0, 0.8, 161)).max()) \
        * px**2
    sharp = _cells_image(scene, shape, px, t, texture) * peak1
    cells_light = sharp.copy()
    for f in scene.fibers:
        p = scene.fiber_points(f, t)
        if p is None:
            continue
        seg = np.hypot(*np.diff(p, axis=0).T)
        n = np.maximum(1, np.ceil(seg / (0.3 * px)).astype(int))
        a = np.concatenate([np.arange(k) / k for k in n])
        i = np.repeat(np.arange(len(seg)), n)
        q = p[i] + a[:, None] * (p[i + 1] - p[i])
        w = np.repeat(seg / n, n) * f.brightness * peak1 * (2.5 * optics.psf_um / px) / px
        _splat(sharp, q[:, 0] / px, q[:, 1] / px, w)
    d = scene.debris
    if len(d):
        _splat(sharp, d["x_um"].to_numpy() / px, d["y_um"].to_numpy() / px,
               d["photons_rel"].to_numpy() * n1)
    img = ndi.gaussian_filter(sharp, optics.psf_um / px, mode="constant")
    if haze > 0:
        img += haze * ndi.gaussian_filter(cells_light, 5.0 / px, mode="constant") * 3
    diam = scene.diameters(t)
    m = scene.migrasomes
    for k in np.flatnonzero(diam > 0):
        x, y = m["x_um"].iat[k] / px - 0.5, m["y_um"].iat[k] / px - 0.5
        h = int(math.ceil((diam[k] / 2 + 4 * optics.psf_um) / px)) + 1
        r0, c0 = int(round(y)), int(round(x))
        rs = slice(max(0, r0 - h), min(shape[0], r0 + h + 1))
        cs = slice(max(0, c0 - h), min(shape[1], c0 + h + 1))
        if rs.stop <= rs.start or cs.stop <= cs.start:
            continue
        yy, xx = np.mgrid[rs, cs]
        rr = np.hypot(yy - y, xx - x) * px
        photons = n1 * diam[k] ** 2 * m["photons_rel"].iat[k]  # label ∝ membrane area
        img[rs, cs] += photons * optics.shell.density(diam[k], rr) * px**2
    E = optics.background + illum * bleach * img
    counts = rng.poisson(np.maximum(E, 0)) + rng.normal(0, optics.read_noise, E.shape)
    return np.clip(np.rint(counts), 0, 65535).astype(np.uint16)

"""Preprocessing of one frame: optics, background, noise, resampling.

Every function takes a 2-D frame ``(Y, X)`` first; lengths are in pixels unless the name says
``_um``.  Frames are worked on as ``float32``.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

__all__ = [
    "psf_sigma_um",
    "axial_sigma_um",
    "as_float",
    "block_reduce_mean",
    "upsample_to",
    "background_estimate",
    "noise_sigma",
]


_CONFOCAL_NAMES = {"confocal", "spinning-disk", "spinning_disk", "airyscan"}


def _modality(modality: str) -> str:
    """The optics model of a microscope named in metadata: a pinhole system is confocal."""
    m = str(modality).lower()
    return "confocal" if m in _CONFOCAL_NAMES else ("widefield" if m in {"widefield",
                                                    "wide-field", "epifluorescence"} else m)


def psf_sigma_um(wavelength_nm: float = 510.0, numerical_aperture: float = 1.4,
                 modality: str = "widefield") -> float:
    """Lateral PSF σ (µm): :func:`migrasome.imaging.optics.psf_sigma_um`.

    Accepts the modality names microscopes write in metadata (``spinning-disk``,
    ``airyscan`` → confocal; ``wide-field`` → widefield).
    """
    from ..imaging.optics import psf_sigma_um as _psf

    return float(_psf(wavelength_nm, numerical_aperture, _modality(modality)))


def axial_sigma_um(wavelength_nm: float = 510.0, numerical_aperture: float = 1.4,
                   modality: str = "widefield") -> float:
    """Axial σ (µm) of the optical section, ``inf`` for wide-field:
    :func:`migrasome.imaging.optics.axial_sigma_um`."""
    from ..imaging.optics import axial_sigma_um as _ax

    return float(_ax(wavelength_nm, numerical_aperture, _modality(modality)))


def as_float(frame: np.ndarray) -> np.ndarray:
    """The frame as a C-contiguous ``float32`` array (no copy if it already is one)."""
    return np.ascontiguousarray(frame, dtype=np.float32)


def block_reduce_mean(image: np.ndarray, factor: int) -> np.ndarray:
    """Mean over non-overlapping ``factor × factor`` blocks.

    The image is padded at its lower and right edges (edge values) up to a multiple of
    ``factor``.  Returns an array of shape ``(ceil(Y / factor), ceil(X / factor))``.
    """
    if factor <= 1:
        return as_float(image)
    ny, nx = image.shape
    py, px = (-ny) % factor, (-nx) % factor
    if py or px:
        image = np.pad(image, ((0, py), (0, px)), mode="edge")
    h, w = image.shape[0] // factor, image.shape[1] // factor
    return image.reshape(h, factor, w, factor).mean(axis=(1, 3), dtype=np.float32)


def upsample_to(image: np.ndarray, shape: tuple[int, int], factor: int, *,
                order: int = 1) -> np.ndarray:
    """Undo :func:`block_reduce_mean`: resample a block image back to ``shape``.

    ``order=0`` repeats blocks (for labels), ``order=1`` interpolates bilinearly between
    block centres (for smooth fields).
    """
    if factor <= 1:
        return image[: shape[0], : shape[1]]
    if order == 0:
        out = np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)
        return out[: shape[0], : shape[1]]
    return _resample(image, factor, 1, shape)


def _resample(low: np.ndarray, f: int, g: int, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear resampling of a field on blocks of ``f`` px to the centres of blocks of ``g``."""
    rows = (np.arange(shape[0], dtype=np.float32) + 0.5) * g / f - 0.5
    cols = (np.arange(shape[1], dtype=np.float32) + 0.5) * g / f - 0.5
    r0 = np.clip(np.floor(rows).astype(int), 0, low.shape[0] - 1)
    c0 = np.clip(np.floor(cols).astype(int), 0, low.shape[1] - 1)
    r1 = np.minimum(r0 + 1, low.shape[0] - 1)
    c1 = np.minimum(c0 + 1, low.shape[1] - 1)
    fr = np.clip(rows - r0, 0, 1)[:, None]
    fc = np.clip(cols - c0, 0, 1)[None, :]
    top = low[r0][:, c0] * (1 - fc) + low[r0][:, c1] * fc
    bot = low[r1][:, c0] * (1 - fc) + low[r1][:, c1] * fc
    return (top * (1 - fr) + bot * fr).astype(np.float32)


def background_estimate(frame: np.ndarray, *, block_px: int = 16, scale_px: float = 160.0,
                        factors: tuple[int, ...] = (1,)) -> np.ndarray | list[np.ndarray]:
    """A smooth background under cells, fibres and migrasomes.

    Median per block (of every other pixel), then a grey opening over ``scale_px`` (removes
    objects smaller than that, i.e. cells), then smoothing; bilinear onto the grids asked for.

    Parameters
    ----------
    frame : ndarray, shape (Y, X)
    block_px : int
        Block size of the coarse grid (px).
    scale_px : float
        Objects narrower than this (px) are not background.
    factors : tuple of int
        Grids to return it on: factor ``g`` gives the shape of ``block_reduce_mean(frame,
        g)``; 1 is full resolution.

    Returns
    -------
    ndarray (float32), or a list of them if several factors are asked for
    """
    frame = as_float(frame)
    ny, nx = frame.shape
    f = max(1, min(block_px, ny // 4 or 1, nx // 4 or 1))
    if f >= 4:
        f -= f % 2  # every other pixel of each block is sampled: the block must be even
    py, px = (-ny) % f, (-nx) % f
    img = np.pad(frame, ((0, py), (0, px)), mode="edge") if (py or px) else frame
    h, w = img.shape[0] // f, img.shape[1] // f
    s = 2 if f >= 4 else 1
    fs = f // s
    blocks = img[::s, ::s].reshape(h, fs, w, fs).transpose(0, 2, 1, 3).reshape(h, w, fs * fs)
    k = (fs * fs) // 2
    low = np.partition(blocks, k, axis=2)[:, :, k]
    size = int(max(3, round(scale_px / f)) | 1)
    low = ndi.grey_opening(low, size=(min(size, h) | 1, min(size, w) | 1), mode="nearest")
    low = ndi.gaussian_filter(low, sigma=max(1.0, size / 4), mode="nearest")
    out = [_resample(low, f, g, (-(-ny // g), -(-nx // g))) for g in factors]
    return out[0] if len(out) == 1 else out


def noise_sigma(frame: np.ndarray, *, subsample: int = 3) -> float:
    """Robust standard deviation of the pixel noise, from neighbour differences.

    ``1.4826 · MAD(I[i, j+1] − I[i, j]) / √2`` over a sub-sample of rows: insensitive to
    smooth structure and to the few bright objects, so on a microscope frame it measures the
    background noise.

    Returns
    -------
    float
        σ in the frame's intensity units (at least a tiny positive number).
    """
    f = as_float(frame[::subsample])
    d = (f[:, 1:] - f[:, :-1]).ravel()
    if d.size == 0:
        return 1e-6
    med = np.median(d)
    mad = np.median(np.abs(d - med))
    return float(max(1.4826 * mad / np.sqrt(2.0), 1e-6))

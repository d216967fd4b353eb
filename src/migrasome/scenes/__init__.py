"""Randomised scenes for training and validating the analysis, with their ground truth.

``generate_scene`` draws a scene of a declared family (:mod:`.families`) — lobed and
overlapping cells, curved, branched and crossing RFs, migrasomes at tips, junctions, cell
edges and under cell bodies, touching pairs, exosome-sized debris, uneven illumination,
haze, bleaching, wide-field or confocal optics at 0.06–0.2 µm per pixel — and renders it
as a movie whose ``truth`` has the tables of a simulation (``migrasome_frames``: ``x_um,
y_um, diameter_um, attached``, plus ``under_cell``).  ``semi_synthetic`` adds a scene's
migrasomes and RFs onto a real image.  Families in ``HELD_OUT`` are never used for tuning.

Examples
--------
>>> from migrasome.scenes import generate_scene
>>> movie = generate_scene("sparse-widefield", size_px=128, n_frames=2, seed=1)
>>> movie.data.shape
(2, 1, 128, 128)
>>> sorted(movie.truth.migrasome_frames.columns)[:3]
['attached', 'cell_id', 'diameter_um']
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..imaging.movie import Movie
from .draw import Optics, render_frame
from .families import FAMILIES, HELD_OUT, TRAINING, Family, family
from .geometry import Scene, sample_scene

__all__ = ["generate_scene", "draw_scene", "semi_synthetic", "Family", "FAMILIES",
           "TRAINING", "HELD_OUT", "family", "Scene"]


def _loguniform(rng, lo_hi):
    lo, hi = lo_hi
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _draw_settings(fam: Family, rng: np.random.Generator, *, pixel_size_um, snr) -> dict:
    return {
        "family": fam.name,
        "pixel_size_um": float(pixel_size_um or _loguniform(rng, fam.pixel_size_um)),
        "numerical_aperture": float(rng.uniform(*fam.numerical_aperture)),
        "modality": str(rng.choice(fam.modality)),
        "snr": float(snr or _loguniform(rng, fam.snr)),
        "gradient": float(rng.uniform(*fam.gradient)),
        "gradient_angle": float(rng.uniform(0, 2 * np.pi)),
        "vignette": float(rng.uniform(*fam.vignette)),
        "haze": float(rng.uniform(*fam.haze)),
        "bleach_per_frame": float(rng.uniform(*fam.bleach_per_frame)),
    }


def _illumination(shape, s) -> np.ndarray:
    yy, xx = np.indices(shape, dtype=np.float32)
    u = (xx / shape[1] - 0.5) * math.cos(s["gradient_angle"]) + \
        (yy / shape[0] - 0.5) * math.sin(s["gradient_angle"])
    r2 = ((xx / shape[1] - 0.5) ** 2 + (yy / shape[0] - 0.5) ** 2) * 2
    return ((1 + s["gradient"] * u * 2) * (1 - s["vignette"] * r2)).astype(np.float32)


def generate_scene(fam: str | Family, *, size_px: int | tuple[int, int] = 256,
                   n_frames: int = 4, seed: int | np.random.Generator = 0,
                   pixel_size_um: float | None = None, snr: float | None = None,
                   frame_interval_min: float = 2.0) -> Movie:
    """Draw and render one movie of a scene family.

    Parameters
    ----------
    fam : str or Family
        A name in ``FAMILIES`` (see ``TRAINING`` and ``HELD_OUT``).
    size_px : int or (int, int)
        Frame size (Y, X) in pixels.
    n_frames : int
    seed : int or numpy.random.Generator
        Everything random comes from it; the same seed gives the same movie.
    pixel_size_um, snr : float, optional
        Fix these instead of drawing them from the family's ranges.
    frame_interval_min : float

    Returns
    -------
    Movie
        ``data`` (T, 1, Y, X) uint16, ``truth`` (Results in image µm), ``metadata`` with the
        drawn settings and the optics (``psf_sigma_um``, ``modality``, ``numerical_aperture``,
        ``wavelength_nm``).
    """
    scene, rng, shape = _draw(fam, size_px, n_frames, seed, pixel_size_um, snr)
    s = scene.settings
    px = s["pixel_size_um"]
    optics = Optics(pixel_size_um=px, numerical_aperture=s["numerical_aperture"],
                    modality=s["modality"], snr=s["snr"])
    illum = _illumination(shape, s)
    texture = np.clip(1 + 0.5 * _smooth_noise(rng, shape, 1.5 / px), 0, 2)
    data = np.empty((n_frames, 1, *shape), np.uint16)
    for t in range(n_frames):
        data[t, 0] = render_frame(scene, optics, shape, t, illum=illum, texture=texture,
                                  haze=s["haze"], bleach=math.exp(-s["bleach_per_frame"] * t),
                                  rng=rng)
    meta = dict(s, wavelength_nm=optics.wavelength_nm, psf_sigma_um=optics.psf_um,
                axial_sigma_um=None if math.isinf(optics.sigma_z_um) else optics.sigma_z_um,
                background_photons=optics.background, source="scene")
    return Movie(data=data, pixel_size_um=px, frame_interval_min=frame_interval_min,
                 channel_names=("TSPAN4-GFP",), truth=scene.truth(frame_interval_min),
                 metadata=meta)


def draw_scene(fam: str | Family, *, size_px: int | tuple[int, int] = 256,
               n_frames: int = 4, seed: int | np.random.Generator = 0,
               pixel_size_um: float | None = None, snr: float | None = None) -> Scene:
    """The scene that :func:`generate_scene` renders for the same arguments: cells, RFs
    (``Scene.fiber_points``: each one's polyline in a frame), migrasomes, debris, and the
    drawn settings (``settings``), all in image µm.

    Examples
    --------
    >>> from migrasome.scenes import draw_scene, generate_scene
    >>> scene = draw_scene("sparse-widefield", size_px=128, n_frames=2, seed=1)
    >>> movie = generate_scene("sparse-widefield", size_px=128, n_frames=2, seed=1)
    >>> scene.settings["pixel_size_um"] == movie.pixel_size_um
    True
    """
    return _draw(fam, size_px, n_frames, seed, pixel_size_um, snr)[0]


def _draw(fam, size_px, n_frames, seed, pixel_size_um, snr):
    fam = family(fam)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    sz: Any = size_px
    shape: tuple[int, int] = (int(sz), int(sz)) if np.ndim(sz) == 0 else (int(sz[0]), int(sz[1]))
    if min(shape) < 32 or n_frames < 1:
        raise ValueError(f"size_px={size_px!r}, n_frames={n_frames!r}: need ≥ 32 px and ≥ 1 "
                         "frame")
    s = _draw_settings(fam, rng, pixel_size_um=pixel_size_um, snr=snr)
    px = s["pixel_size_um"]
    scene = sample_scene(fam, width_um=shape[1] * px, height_um=shape[0] * px,
                         n_frames=n_frames, rng=rng)
    scene.settings = s
    return scene, rng, shape


def _smooth_noise(rng, shape, sigma_px) -> np.ndarray:
    from scipy import ndimage as ndi

    z = ndi.gaussian_filter(rng.normal(0, 1, shape).astype(np.float32), sigma_px)
    return z / max(float(z.std()), 1e-9)


def semi_synthetic(real: np.ndarray, fam: str | Family = "sparse-widefield", *,
                   pixel_size_um: float = 0.11, n_frames: int = 3, snr: float = 8.0,
                   seed: int | np.random.Generator = 0, cells: bool = False,
                   debris: bool = False) -> Movie:
    """Rendered migrasomes and RFs added onto a real fluorescence image.

    The scene's foreground (no camera background) is drawn with its own photon noise and
    added to ``real`` (the real image is the same in every frame: its own noise, background
    and puncta stay); ``snr`` is the peak of a 1 µm migrasome over the real image's noise.

    Parameters
    ----------
    real : ndarray, shape (Y, X) or (T, Y, X)
        Real pixels (any numeric dtype); a movie is cycled through.
    fam : str or Family
        Family the geometry is drawn from; its cells and debris are left out unless asked.
    pixel_size_um, n_frames, snr, seed
    cells, debris : bool
        Also draw the family's cell bodies / debris.

    Returns
    -------
    Movie
        float32 data (T, 1, Y, X) with ``truth``.
    """
    from ..analysis.preprocess import noise_sigma

    real = np.asarray(real, np.float32)
    stack = real[None] if real.ndim == 2 else real
    shape = stack.shape[1:]
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    fam = family(fam)
    scene = sample_scene(fam, width_um=shape[1] * pixel_size_um,
                         height_um=shape[0] * pixel_size_um, n_frames=n_frames, rng=rng)
    if not cells:
        for c in scene.cells:
            c.brightness, c.rim = 0.0, 0.0
    if not debris:
        scene.debris = scene.debris.iloc[:0]
    sigma = noise_sigma(stack[0])
    # in photons of an Optics with background 0 the noise is the real image's, rescaled
    optics = Optics(pixel_size_um=pixel_size_um, numerical_aperture=1.4,
                    modality="widefield", snr=snr, background=100.0, read_noise=0.0)
    optics.background = 0.0
    scale = sigma / math.sqrt(100.0)  # photons → real intensity units
    data = np.empty((n_frames, 1, *shape), np.float32)
    one = np.ones(shape, np.float32)
    for t in range(n_frames):
        fg = render_frame(scene, optics, shape, t, illum=one, texture=one, haze=0.0,
                          bleach=1.0, rng=rng).astype(np.float32)
        data[t, 0] = stack[t % len(stack)] + fg * scale
    s = {"family": fam.name, "pixel_size_um": pixel_size_um, "snr": snr,
         "numerical_aperture": 1.4, "modality": "widefield", "source": "semi-synthetic",
         "wavelength_nm": 510.0, "psf_sigma_um": optics.psf_um}
    scene.settings = s
    return Movie(data=data, pixel_size_um=pixel_size_um, frame_interval_min=2.0,
                 channel_names=("TSPAN4-GFP",), truth=scene.truth(2.0), metadata=s)

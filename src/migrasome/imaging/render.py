"""Render a simulation's Results as a fluorescence time-lapse with camera noise.

Image formation per frame and channel (expected electrons per pixel, then noise)::

    E = exp(-k t) * [PSF * (cells + RFs) + shells(migrasomes)] + B
    counts = clip(round(gain * (Poisson(E) + Normal(0, read_noise))), 0, 2**bits - 1)

with ``t`` the movie frame index, ``k = bleach_per_frame`` and ``B = background_photons``.
See ``docs/imaging.md`` for the parameters and their sources.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from scipy.ndimage import gaussian_filter

from ..results import Results
from .draw import Canvas, add_cells, add_lines, add_migrasomes
from .movie import Movie
from .optics import (
    CELL_ASPECT,
    CELL_MEMBRANE_LAYERS,
    LABELS,
    MIGRASOME_ENRICHMENT,
    MIGRASOME_PHOTONS,
    MODALITIES,
    RF_RADIUS_UM,
    ShellProfile,
    axial_sigma_um,
    immersion_index,
    psf_sigma_um,
)
from .scene import FieldOfView, crop_truth, select_frames

__all__ = ["render_movie", "Renderer", "LABELS"]

def _positive(name: str, value: float, lo: float = 0.0, hi: float = math.inf,
              include_lo: bool = False) -> float:
    v = float(value)
    ok = (v >= lo if include_lo else v > lo) and v <= hi and math.isfinite(v)
    if not ok:
        rng = f"{'>=' if include_lo else '>'} {lo:g}" + (
            "" if math.isinf(hi) else f" and <= {hi:g}")
        raise ValueError(f"{name}={value!r}: must be {rng}")
    return v


class Renderer:
    """Everything needed to render the frames of one movie; see :func:`render_movie`.

    ``expected(k)`` gives the noiseless mean electrons of movie frame ``k``, shape (C, Y, X).
    """

    def __init__(self, results: Results, *, pixel_size_um=0.15, frame_interval_min=None,
                 field_of_view_um=None, wavelength_nm: float | Sequence[float] = 510.0,
                 numerical_aperture=1.4, modality="widefield", snr=None,
                 background_photons=100.0, migrasome_photons=None, rf_photons=None,
                 cell_photons=None, bleach_per_frame=0.002, read_noise_e=1.5, gain=1.0,
                 bit_depth=16, seed=0, channels: Sequence[str] = ("TSPAN4-GFP",)) -> None:
        if not isinstance(results, Results):
            raise TypeError(f"results must be a migrasome.Results, not {type(results).__name__}")
        px = _positive("pixel_size_um", pixel_size_um, 0.02, 2.0, include_lo=True)
        self.px = px
        na = _positive("numerical_aperture", numerical_aperture, 0.05, 1.7, include_lo=True)
        if modality not in MODALITIES:
            raise ValueError(f"modality={modality!r}: allowed {MODALITIES}")
        channels = tuple(channels)
        if not channels:
            raise ValueError("channels: give at least one channel")
        for c in channels:
            if c not in LABELS:
                raise ValueError(f"channel {c!r}: known labels are {sorted(LABELS)}")
        wl_in = np.atleast_1d(np.asarray(wavelength_nm, float))
        wl = np.broadcast_to(wl_in, (len(channels),)) \
            if wl_in.size in (1, len(channels)) else None
        if wl is None:
            raise ValueError(f"wavelength_nm: one value, or one per channel ({len(channels)})")
        for w in wl:
            _positive("wavelength_nm", w, 300.0, 1000.0, include_lo=True)
        self.bg = _positive("background_photons", background_photons, include_lo=True)
        self.read_noise = _positive("read_noise_e", read_noise_e, include_lo=True)
        self.gain = _positive("gain", gain, 0.0, 1000.0)
        self.bleach = _positive("bleach_per_frame", bleach_per_frame, 0.0, 0.999,
                                include_lo=True)
        if int(bit_depth) != bit_depth or not 8 <= int(bit_depth) <= 16:
            raise ValueError(f"bit_depth={bit_depth!r}: must be an integer from 8 to 16")
        self.max_count = 2 ** int(bit_depth) - 1
        self.channels, self.seed = channels, int(seed)

        # frames and field of view
        self.sim_frames, self.sim_times, self.interval = select_frames(results,
                                                                       frame_interval_min)
        meta = results.metadata
        # only a domain that says it is periodic wraps; simulations have reflecting walls
        periodic = meta.get("boundary") == "periodic" or meta.get("periodic") is True
        dom = (meta.get("width_um"), meta.get("height_um"))
        if field_of_view_um is None:
            if dom[0] is None or dom[1] is None:
                raise ValueError("the results' metadata lack width_um/height_um; "
                                 "pass field_of_view_um=(x0, y0, width, height)")
            field_of_view_um = (0.0, 0.0, float(dom[0]), float(dom[1]))
        if len(field_of_view_um) != 4:
            raise ValueError(f"field_of_view_um={field_of_view_um!r}: need (x0, y0, width, height)")
        x0, y0, fw, fh = (float(v) for v in field_of_view_um)
        if not all(math.isfinite(v) for v in (x0, y0, fw, fh)):
            raise ValueError(f"field_of_view_um={field_of_view_um!r}: must be finite numbers")
        _positive("field_of_view_um width", fw)
        _positive("field_of_view_um height", fh)
        if dom[0] is not None and dom[1] is not None:
            w_um, h_um = float(dom[0]), float(dom[1])
            if not (x0 < w_um and x0 + fw > 0 and y0 < h_um and y0 + fh > 0):
                raise ValueError(f"field_of_view_um={field_of_view_um!r} lies outside the "
                                 f"dish (0–{w_um:g} × 0–{h_um:g} µm)")
        nx, ny = max(1, int(round(fw / px))), max(1, int(round(fh / px)))
        if max(nx, ny) > 32768:
            raise ValueError(f"field_of_view_um={field_of_view_um!r} at {px} µm/px is "
                             f"{nx}x{ny} pixels; at most 32768 per side")
        domain = ((float(dom[0]), float(dom[1]))
                  if periodic and dom[0] is not None and dom[1] is not None else None)
        wrap = bool(domain and x0 == 0 and y0 == 0 and abs(fw - domain[0]) < px
                    and abs(fh - domain[1]) < px)
        self.fov = FieldOfView(x0, y0, nx, ny, px, domain, wrap)
        nbytes = self.sim_frames.size * len(channels) * nx * ny * 2
        if nbytes > 16 * 2**30:
            raise ValueError(f"the movie would take {nbytes / 2**30:.1f} GiB; choose a smaller "
                             "field_of_view_um, a coarser pixel_size_um or a longer "
                             "frame_interval_min")

        # optics per channel
        d_max = 1.0
        if "migrasome_frames" in results.tables and len(results.migrasome_frames):
            d_max = max(d_max, float(results.migrasome_frames["diameter_um"].max()))
        self.sigma = [psf_sigma_um(w, na, modality) for w in wl]
        self.sigma_z = [axial_sigma_um(w, na, modality) for w in wl]
        self.profiles = [ShellProfile(math.hypot(s, px / math.sqrt(12.0)), sz,
                                      max_diameter_um=min(d_max, 6.0) + 0.05)
                         for s, sz in zip(self.sigma, self.sigma_z)]
        self.line_sigma_px = [math.hypot(s, RF_RADIUS_UM / math.sqrt(2.0)) / px
                              for s in self.sigma]

        # photometry: snr fixes the migrasome brightness of channel 0
        self.noise_sd_e = math.sqrt(self.bg + self.read_noise**2)
        self.peak_per_photon = self._peak_per_photon(0)
        if snr is not None:
            if migrasome_photons is not None:
                raise ValueError("give snr or migrasome_photons, not both")
            snr = _positive("snr", snr, 0.0, 1e6)
            if self.noise_sd_e == 0:
                raise ValueError("snr needs noise: background_photons or read_noise_e > 0")
            migrasome_photons = snr * self.noise_sd_e / self.peak_per_photon
        mp = _positive("migrasome_photons", MIGRASOME_PHOTONS if migrasome_photons is None
                       else migrasome_photons, include_lo=True)
        per_area = mp / math.pi  # photons per µm² of migrasome membrane (1 µm sphere: pi µm²)
        rf = (per_area / MIGRASOME_ENRICHMENT * 2 * math.pi * RF_RADIUS_UM
              if rf_photons is None else _positive("rf_photons", rf_photons, include_lo=True))
        cp = (per_area / MIGRASOME_ENRICHMENT * CELL_MEMBRANE_LAYERS
              if cell_photons is None else _positive("cell_photons", cell_photons,
                                                     include_lo=True))
        self.migrasome_photons, self.rf_photons, self.cell_photons = mp, rf, cp
        self.snr = snr if snr is not None else (
            self.peak_per_photon * mp / self.noise_sd_e if self.noise_sd_e > 0 else math.inf)

        self.tables = self._index_tables(results)
        self.truth_source = results
        self.metadata = {
            "renderer": "migrasome.imaging", "seed": self.seed,
            "snr": float(self.snr) if math.isfinite(self.snr) else None,
            "modality": modality, "numerical_aperture": na,
            "immersion_index": immersion_index(na),
            "wavelength_nm": [float(w) for w in wl],
            "psf_sigma_um": self.sigma, "psf_fwhm_um": [2.3548 * s for s in self.sigma],
            "axial_sigma_um": [None if math.isinf(s) else s for s in self.sigma_z],
            "pixel_size_um": px, "frame_interval_min": self.interval,
            "field_of_view_um": [x0, y0, nx * px, ny * px],
            "background_photons": self.bg, "read_noise_e": self.read_noise, "gain": self.gain,
            "bit_depth": int(bit_depth), "bleach_per_frame": self.bleach,
            "migrasome_photons": mp, "rf_photons_per_um": rf, "cell_photons_per_um2": cp,
            "channels": list(channels)}

    # -- set-up helpers ------------------------------------------------------------------------

    def _peak_per_photon(self, c: int) -> float:
        """Peak electrons above background per photon: 1-µm migrasome on a pixel centre."""
        h = int(math.ceil(0.5 / self.px + 5 * self.profiles[c].sigma_um / self.px)) + 1
        img = Canvas(2 * h + 1, 2 * h + 1)
        centre = (h + 0.5) * self.px
        add_migrasomes(img, np.array([centre]), np.array([centre]), np.array([1.0]),
                       np.array([1.0]), self.profiles[c], self.px)
        return float(img.image().max())

    def _index_tables(self, results: Results) -> dict[str, tuple[dict, np.ndarray]]:
        """Per table, the columns as arrays sorted by frame and the row range of each frame."""
        spec = {
            "tracks": ["x_um", "y_um", "polarity_rad", "cell_id"],
            "fiber_frames": ["x0_um", "y0_um", "x1_um", "y1_um"],
            "migrasome_frames": ["x_um", "y_um", "diameter_um"],
        }
        out = {}
        for name, cols in spec.items():
            df = results.tables.get(name)
            if df is None or df.empty:
                out[name] = ({c: np.zeros(0) for c in cols + ["radius_um", "aspect"]},
                             np.zeros(self.sim_frames.size + 1, dtype=np.int64))
                continue
            df = df[df["frame"].isin(self.sim_frames)].sort_values("frame", kind="stable")
            geo = [c for c in cols if c != "cell_id"]
            df = df[np.isfinite(df[geo].to_numpy(float)).all(axis=1)]  # drop rows with NaN
            arrays = {c: df[c].to_numpy(float) for c in cols}
            if name == "tracks":
                rad = results.cells.set_index("cell_id")["radius_um"]
                r = df["cell_id"].map(rad).to_numpy(float)
                arrays["radius_um"] = np.where(np.isfinite(r), r, 10.0)  # assumed if missing
                arrays["aspect"] = (df["aspect_ratio"].to_numpy(float) if "aspect_ratio" in df
                                    else np.full(len(df), CELL_ASPECT))
            f = df["frame"].to_numpy()
            bounds = np.searchsorted(f, np.append(self.sim_frames, self.sim_frames[-1] + 1))
            out[name] = (arrays, bounds)
        return out

    def _rows(self, name: str, k: int) -> dict[str, np.ndarray]:
        arrays, b = self.tables[name]
        return {c: v[b[k]:b[k + 1]] for c, v in arrays.items()}

    # -- rendering -----------------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (self.sim_frames.size, len(self.channels), self.fov.ny, self.fov.nx)

    def signal(self, k: int, c: int) -> np.ndarray:
        """Expected photons of the labelled objects in frame ``k``, channel ``c``, shape (Y, X).

        No background, no bleaching.
        """
        fov, px = self.fov, self.px
        w_cell, w_rf, w_mig = LABELS[self.channels[c]]
        canvas = Canvas(fov.ny, fov.nx, fov.wrap)
        tr = self._rows("tracks", k)
        if w_cell and tr["x_um"].size:
            u, v = fov.to_image(tr["x_um"], tr["y_um"])
            add_cells(canvas, u, v, tr["polarity_rad"], tr["radius_um"],
                      w_cell * self.cell_photons, px, aspect=tr["aspect"])
        ff = self._rows("fiber_frames", k)
        if w_rf and ff["x0_um"].size:
            u0, v0 = fov.to_image(ff["x0_um"], ff["y0_um"])
            dx, dy = fov.delta(ff["x1_um"] - ff["x0_um"], ff["y1_um"] - ff["y0_um"])
            add_lines(canvas, u0, v0, u0 + dx, v0 + dy, w_rf * self.rf_photons, px)
        layer = canvas.image().astype(np.float32)
        if layer.any():
            layer = gaussian_filter(layer, self.line_sigma_px[c],
                                    mode="wrap" if fov.wrap else "constant")
        mf = self._rows("migrasome_frames", k)
        if w_mig and mf["x_um"].size:
            u, v = fov.to_image(mf["x_um"], mf["y_um"])
            d = mf["diameter_um"]
            shells = Canvas(fov.ny, fov.nx, fov.wrap)
            add_migrasomes(shells, u, v, d, w_mig * self.migrasome_photons * d**2,
                           self.profiles[c], px)
            layer += shells.image()
        return layer

    def expected(self, k: int) -> np.ndarray:
        """Noiseless mean electrons per pixel of movie frame ``k``, shape (C, Y, X), float32."""
        fade = np.float32(math.exp(-self.bleach * k))
        return np.stack([self.signal(k, c) * fade + np.float32(self.bg)
                         for c in range(len(self.channels))])

    def camera(self, signal: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Camera counts (uint16) for expected signal electrons ``signal`` (any shape).

        Shot noise is exact Poisson(background + signal), drawn as Poisson(background) —
        by inverse CDF, the background being uniform — plus Poisson(signal) where the signal
        is non-zero; then Gaussian read noise, gain and clipping to the digitiser's range.
        """
        e = self._background_counts(rng, signal.shape)
        nz = np.flatnonzero(signal > 0)
        e.ravel()[nz] += rng.poisson(signal.ravel()[nz]).astype(np.float32)
        if self.read_noise > 0:
            e += np.float32(self.read_noise) * rng.standard_normal(e.shape, dtype=np.float32)
        if self.gain != 1.0:
            e *= np.float32(self.gain)
        return np.clip(np.rint(e), 0, self.max_count).astype(np.uint16)

    def _background_counts(self, rng: np.random.Generator, shape) -> np.ndarray:
        """Poisson(background) counts by inverse CDF with a guide table (exact, fast)."""
        B = self.bg
        if B == 0:
            return np.zeros(shape, np.float32)
        if B > 1e5:
            return rng.poisson(B, shape).astype(np.float32)
        if getattr(self, "_bg_cdf", None) is None:
            # imported here: scipy.stats costs ≈0.7 s, which reading a movie must not pay
            from scipy.stats import poisson

            kmax = int(B + 15 * math.sqrt(B) + 30)
            cdf = poisson.cdf(np.arange(kmax + 1), B)
            cdf[-1] = 1.0
            m = 1 << 16  # guide[j]: first k with cdf[k] > j / m
            self._bg_cdf = cdf
            self._bg_guide = np.searchsorted(cdf, np.arange(m) / m, side="right").astype(
                np.int32)
        cdf, guide = self._bg_cdf, self._bg_guide
        u = rng.random(shape)
        k = guide[(u * guide.size).astype(np.int32)]
        low = np.flatnonzero(cdf[k] <= u)  # a few: step up to the first cdf[k] > u
        while low.size:
            k.ravel()[low] += 1
            low = low[cdf[k.ravel()[low]] <= u.ravel()[low]]
        return k.astype(np.float32)


def render_movie(results: Results, *, pixel_size_um: float = 0.15,
                 frame_interval_min: float | None = None,
                 field_of_view_um: tuple[float, float, float, float] | None = None,
                 wavelength_nm: float | Sequence[float] = 510.0,
                 numerical_aperture: float = 1.4, modality: str = "widefield",
                 snr: float | None = None, background_photons: float = 100.0,
                 migrasome_photons: float | None = None, rf_photons: float | None = None,
                 cell_photons: float | None = None, bleach_per_frame: float = 0.002,
                 read_noise_e: float = 1.5, gain: float = 1.0, bit_depth: int = 16,
                 seed: int = 0, channels: Sequence[str] = ("TSPAN4-GFP",),
                 progress: bool | Callable[[int, int], None] = False,
                 noise: bool = True) -> Movie:
    """Render a simulation as a fluorescence microscope time-lapse with its ground truth.

    Parameters
    ----------
    results : Results
        A simulation (or :func:`~migrasome.imaging.scene.synthetic_results`); metadata
        ``width_um``, ``height_um``, ``boundary`` (``"reflecting"`` or ``"periodic"``) and
        ``frame_interval_min``.
    pixel_size_um : float
        Pixel side at the sample, µm (0.02–2; typical 0.1–0.2, MODEL.md §8).
    frame_interval_min : float, optional
        Movie interval, a whole multiple of the recorded one (default: every recorded frame).
    field_of_view_um : (x0, y0, width, height), optional
        Imaged rectangle in simulation µm; default the whole domain (whose edges wrap
        only when its ``boundary`` is periodic).
    wavelength_nm : float or sequence
        Emission wavelength(s), nm; 510 for GFP. One value or one per channel.
    numerical_aperture : float
        Objective NA (1.4: a 60–100x oil objective).
    modality : {"widefield", "confocal"}
        PSF sigma 0.21 λ/NA or 0.21 λ/(√2 NA) (Zhang 2007); confocal also sections shells.
    snr : float, optional
        If given, sets the migrasome brightness so that a 1-µm migrasome centred on a pixel
        centre, in frame 0 (unbleached) of channel 0, has peak expected electrons above
        background equal to ``snr * sqrt(background_photons + read_noise_e**2)`` (the
        background noise SD). Exclusive with ``migrasome_photons``.
    background_photons : float
        Background electrons per pixel per frame (autofluorescence, out-of-focus light).
    migrasome_photons : float, optional
        Photons per frame from a 1-µm migrasome with its whole shell in focus (default 8000,
        assumed); a migrasome of diameter d gives ``migrasome_photons * d**2`` (membrane area).
    rf_photons : float, optional
        Photons per µm of RF per frame; default from membrane area (tube radius 0.05 µm) and
        a 2x enrichment of the label on migrasomes (Chen 2019).
    cell_photons : float, optional
        Photons per µm² at a cell's thin edge (twice that at its centre); default three
        un-enriched membrane layers (assumed).
    bleach_per_frame : float
        Signal multiplied by ``exp(-bleach_per_frame * t)`` in movie frame t (background not).
    read_noise_e, gain, bit_depth : float, float, int
        Camera: Gaussian read noise (electrons RMS; 1.5, a typical sCMOS), ADU per electron,
        bits of the digitiser (counts clipped to ``2**bit_depth - 1``).
    seed : int
        Seed of the noise; same seed, same movie.
    channels : sequence of str
        Labels, each one of :data:`LABELS`; each channel gets independent noise.
    progress : bool or callable
        True: a rich progress bar; a callable gets ``(frames_done, n_frames)``.
    noise : bool
        False returns the rounded expected counts (no shot or read noise).

    Returns
    -------
    Movie
        ``data`` (T, C, Y, X) uint16; ``truth`` the cropped Results in image µm.
    """
    r = Renderer(results, pixel_size_um=pixel_size_um, frame_interval_min=frame_interval_min,
                 field_of_view_um=field_of_view_um, wavelength_nm=wavelength_nm,
                 numerical_aperture=numerical_aperture, modality=modality, snr=snr,
                 background_photons=background_photons, migrasome_photons=migrasome_photons,
                 rf_photons=rf_photons, cell_photons=cell_photons,
                 bleach_per_frame=bleach_per_frame, read_noise_e=read_noise_e, gain=gain,
                 bit_depth=bit_depth, seed=seed, channels=channels)
    rng = np.random.default_rng(r.seed)
    data = np.empty(r.shape, dtype=np.uint16)
    n = r.shape[0]
    bar = None
    if progress is True:
        from rich.progress import Progress
        bar = Progress(transient=True)
        bar.start()
        task = bar.add_task("rendering", total=n)
    try:
        for k in range(n):
            fade = np.float32(math.exp(-r.bleach * k))
            for c in range(len(r.channels)):
                sig = r.signal(k, c) * fade
                if noise:
                    data[k, c] = r.camera(sig, rng)
                else:
                    data[k, c] = np.clip(np.rint((sig + np.float32(r.bg)) * np.float32(r.gain)),
                                         0, r.max_count)
            if bar is not None:
                bar.update(task, advance=1)
            elif callable(progress):
                progress(k + 1, n)
    finally:
        if bar is not None:
            bar.stop()
    meta = dict(r.metadata, noise=bool(noise))
    truth = crop_truth(results, r.fov, r.sim_frames, r.sim_times, r.interval,
                       {"render": meta})
    return Movie(data=data, pixel_size_um=r.px, frame_interval_min=r.interval,
                 channel_names=r.channels, origin_um=(r.fov.x0_um, r.fov.y0_um), truth=truth,
                 metadata=meta)

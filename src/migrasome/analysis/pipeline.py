"""The analysis pipeline: a movie in, Results-shaped tables out, one frame at a time.

Per frame (only the current frame is in memory): background and noise → cell bodies →
migrasomes → RF skeleton → which fibre and cell each migrasome belongs to.  After the last
frame the small per-frame tables are linked over time (``tracking``) and summarised into the
schema tables (``tables``).
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections import deque
from collections.abc import Sequence
from dataclasses import asdict, replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import MigrasomeWarning
from ..results import Results
from .assign import assign_frame
from .cells import CellDepth, cell_properties, segment_cells
from .detect import centred_in, detect_migrasomes
from .fibers import fiber_graph, fiber_mask, window_mean
from .frames import frames_of
from .migrasomes import model_image
from .options import Options
from .preprocess import as_float, axial_sigma_um, background_estimate, noise_sigma, psf_sigma_um

__all__ = ["Options", "analyze_movie", "analyze_frame", "frames_of"]


def analyze_frame(frame: np.ndarray, *, pixel_size_um: float, psf_sigma_um: float,
                  sigma_z_um: float = np.inf, options: Options | None = None,
                  cell_frame: np.ndarray | None = None, stack: np.ndarray | None = None,
                  z_step_um: float | None = None,
                  earlier: Sequence[tuple[np.ndarray, np.ndarray]] = ()) -> dict[str, Any]:
    """Analyse one frame.

    Parameters
    ----------
    frame : ndarray, shape (Y, X)
        One channel of one frame, any numeric dtype (of a z-stack: its projection).
    pixel_size_um, psf_sigma_um : float
    sigma_z_um : float
        Axial σ of a confocal section (µm); ``inf`` for wide-field.
    options : Options, optional
    cell_frame : ndarray, shape (Y, X), optional
        A cell-marker channel (cytoplasm or membrane dye) of the same frame: the cell
        bodies are segmented on it instead of on ``frame``.
    stack : ndarray, shape (Z, Y, X), optional
        The z-stack whose projection ``frame`` is: migrasomes found on ``frame`` are then
        measured in 3-D (:func:`.zstack.fit_shells_3d`; diameter and ``z_um``).
    z_step_um : float, optional
        Plane spacing of ``stack`` (µm); required with it.
    earlier : sequence of (ndarray, ndarray), optional
        Earlier frames of the movie as (image, cell-body labels), each of shape (Y, X):
        the RFs are looked for on the mean of these and ``frame``, each frame's cell
        bodies left out (``analyze_movie`` passes the ``fiber_window − 1`` before it).

    Returns
    -------
    dict
        ``cells`` (label, x_um, y_um, area_um2, radius_um), ``migrasomes`` (x_um, y_um,
        [z_um,] diameter_um, … , branch, attached, cell_label, site_type), ``branches``
        (from ``fiber_graph``), ``fiber_points`` (ndarray, shape (n, 4): ``x_um, y_um,
        branch, is_tip`` of each RF skeleton pixel), ``noise`` (float) and ``labels``
        (cell-body label image).

    Raises
    ------
    ValueError
        A ``cell_frame`` or ``stack`` of another shape than ``frame``, or a stack without
        a positive ``z_step_um``.

    Examples
    --------
    >>> from migrasome.scenes import generate_scene
    >>> movie = generate_scene("sparse-widefield", size_px=96, n_frames=1, seed=0)
    >>> out = analyze_frame(movie.data[0, 0], pixel_size_um=movie.pixel_size_um,
    ...                     psf_sigma_um=0.08)
    >>> sorted(out)
    ['branches', 'cells', 'fiber_points', 'labels', 'migrasomes', 'noise']
    """
    return _analyze_frame(frame, pixel_size_um=pixel_size_um, psf_sigma_um=psf_sigma_um,
                          sigma_z_um=sigma_z_um, options=options, cell_frame=cell_frame,
                          stack=stack, z_step_um=z_step_um, earlier=earlier)[0]


def _analyze_frame(frame: np.ndarray, *, pixel_size_um: float, psf_sigma_um: float,
                   sigma_z_um: float = np.inf, options: Options | None = None,
                   cell_frame: np.ndarray | None = None, stack: np.ndarray | None = None,
                   z_step_um: float | None = None,
                   earlier: Sequence[tuple[np.ndarray, np.ndarray]] = ()
                   ) -> tuple[dict[str, Any], np.ndarray]:
    """``analyze_frame``, and the frame with its migrasomes taken out (for later frames'
    RF search)."""
    o = options or Options()
    frame = np.asarray(frame)
    if cell_frame is not None and np.shape(cell_frame) != frame.shape:
        raise ValueError(f"cell_frame of shape {np.shape(cell_frame)} does not match the "
                         f"frame {frame.shape}")
    if stack is not None:
        if np.ndim(stack) != 3 or tuple(np.shape(stack)[1:]) != frame.shape:
            raise ValueError(f"stack of shape {np.shape(stack)}: must be (Z, Y, X) with "
                             f"(Y, X) = {frame.shape}")
        if z_step_um is None or not (np.isfinite(z_step_um) and z_step_um > 0):
            raise ValueError(f"z_step_um={z_step_um!r}: a z-stack needs its plane spacing "
                             "(µm, positive; CLI: --z-step-um)")
    img, noise, labels, bg_fib, depth = _prepare(frame, pixel_size_um, o, cell_frame)
    cells = cell_properties(labels, pixel_size_um=pixel_size_um,
                            stride=max(1, int(round(o.cell_grid_um / pixel_size_um))))
    under = labels > 0
    mig = detect_migrasomes(img, pixel_size_um=pixel_size_um, psf_sigma_um=psf_sigma_um,
                            noise=noise, sigma_z_um=sigma_z_um,
                            exclude=None if o.classifier else under,
                            d_min_um=o.d_min_um, d_max_um=o.d_max_um,
                            threshold=o.detect_threshold,
                            min_snr=o.min_snr, min_roundness=o.min_roundness, model=o.model,
                            classifier=o.classifier or None,
                            min_probability=o.min_probability, depth_um=depth,
                            under_mask=under,
                            min_probability_under=o.min_probability_under_cell)
    mig["under_cell"] = centred_in(under, mig)
    # fibres are looked for with the migrasomes taken out (their rims are not fibres)
    clean = img - model_image(img.shape, mig, pixel_size_um=pixel_size_um,
                              psf_sigma_um=psf_sigma_um, sigma_z_um=sigma_z_um)
    n_seen = None
    own = clean
    if len(earlier):
        clean, n_seen = window_mean(clean, labels, earlier)
    mask, f = fiber_mask(clean, pixel_size_um=pixel_size_um, background=bg_fib, cells=labels,
                         noise=noise, frames_averaged=n_seen, migrasomes=mig,
                         grid_um=o.fiber_grid_um,
                         sigma_um=o.fiber_sigma_um, length_um=o.fiber_length_um,
                         low=o.fiber_low, high=o.fiber_high,
                         min_length_um=o.fiber_min_length_um, n_angles=o.fiber_angles,
                         puncta_z=o.fiber_puncta_z, half_block=o.fiber_half_block,
                         edge_ratio=o.fiber_edge_ratio)
    branches, points = fiber_graph(mask, pixel_size_um=pixel_size_um, f=f, cells=labels,
                                   min_length_um=o.fiber_min_length_um,
                                   attach_um=o.fiber_attach_um, rim_um=o.fiber_rim_um)
    if stack is not None:  # after the fibre search, which subtracts the projection's fit
        mig = _measure_in_stack(mig, stack, pixel_size_um=pixel_size_um,
                                z_step_um=float(z_step_um),  # type: ignore[arg-type]
                                psf_sigma_um=psf_sigma_um, options=o)
    att, branches = assign_frame(mig, branches=branches, points=points, cells=cells,
                                 reach_um=o.attach_reach_um)
    mig = pd.concat([mig, att], axis=1)
    return {"cells": cells, "migrasomes": mig, "branches": branches, "noise": noise,
            "labels": labels, "fiber_points": points}, own


def _one_blas_thread():
    """A context in which BLAS runs on one thread (a no-op without ``threadpoolctl``).

    The profile fits' matrix products are small (candidates × template radii): a threaded
    BLAS spins its idle workers and spent 45 % more CPU time (4.8 s against 3.3 s for a
    1024² five-frame movie, two cores) without a shorter wall time.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl comes with scikit-learn
        return contextlib.nullcontext()
    return threadpool_limits(1, user_api="blas")


def _prepare(frame, pixel_size_um, o, cell_frame=None):
    """Float frame, noise, cell labels, fibre-grid background, signed depth into cells."""
    img = as_float(frame)
    f_cell = max(1, int(round(o.cell_grid_um / pixel_size_um)))
    f_fib = max(1, int(round(o.fiber_grid_um / pixel_size_um)))
    bg_kw = dict(block_px=max(4, int(round(2.4 / pixel_size_um))),
                 scale_px=25.0 / pixel_size_um)
    bg_cell, bg_fib = background_estimate(img, factors=(f_cell, f_fib), **bg_kw)
    noise = noise_sigma(img)
    seg, seg_noise = img, noise
    if cell_frame is not None:  # a cell marker: the bodies are segmented on it alone
        seg = as_float(cell_frame)
        bg_cell = background_estimate(seg, factors=(f_cell,), **bg_kw)
        seg_noise = noise_sigma(seg)
    labels = segment_cells(seg, pixel_size_um=pixel_size_um, background=bg_cell,
                           noise=seg_noise, min_area_um2=o.cell_min_area_um2,
                           opening_um=o.cell_opening_um, grid_um=o.cell_grid_um)
    depth: Any = None
    if o.classifier:
        inside = labels > 0
        # on a 2× grid: the feature needs ~0.3 µm, not a pixel
        g = 2 if pixel_size_um < 0.15 else 1
        sub = inside[::g, ::g]
        if sub.any() and not sub.all():
            depth = CellDepth(inside, pixel_size_um=pixel_size_um, stride=g)
        elif sub.all():  # one body fills the frame: no edge to measure from
            depth = np.full(img.shape, 5.0, np.float32)
        else:
            depth = np.full(img.shape, -10.0, np.float32)
    return img, noise, labels, bg_fib, depth


def _measure_in_stack(mig: pd.DataFrame, stack, *, pixel_size_um: float, z_step_um: float,
                      psf_sigma_um: float, options: Options) -> pd.DataFrame:
    """Diameter and height of each migrasome from the stack (2-D diameter kept aside)."""
    from .zstack import fit_shells_3d, stack_axial_sigma_um

    o = options
    sz = o.axial_psf_sigma_um or stack_axial_sigma_um(o.wavelength_nm, o.numerical_aperture,
                                                      o.modality)
    fit = fit_shells_3d(np.asarray(stack), mig["row"].to_numpy(), mig["col"].to_numpy(),
                        pixel_size_um=pixel_size_um, z_step_um=z_step_um,
                        psf_sigma_um=psf_sigma_um, axial_sigma_um=float(sz),
                        d_range_um=(0.6 * o.d_min_um, 1.2 * o.d_max_um))
    mig = mig.copy()
    mig.insert(mig.columns.get_loc("diameter_um"), "z_um", fit["z_um"].to_numpy(float))
    mig["diameter_projection_um"] = mig["diameter_um"]
    good = np.isfinite(fit["rss"].to_numpy(float))  # no shell fits at all: keep the 2-D size
    mig["diameter_um"] = np.where(good, fit["diameter_um"].to_numpy(float), mig["diameter_um"])
    mig.loc[~good, "z_um"] = np.nan
    d = mig["diameter_um"].to_numpy(float)
    return mig[(d >= 0.9 * o.d_min_um) & (d <= 1.1 * o.d_max_um)].reset_index(drop=True)


def frame_candidates(frame: np.ndarray, *, pixel_size_um: float, psf_sigma_um: float,
                     sigma_z_um: float = np.inf, options: Options | None = None
                     ) -> pd.DataFrame:
    """Every fitted migrasome candidate of a frame with its classifier features (``f_*``).

    The classifier's training data (see :mod:`.train`); same steps as ``analyze_frame``.
    """
    o = options or Options()
    img, noise, labels, _, depth = _prepare(frame, pixel_size_um, o)
    return detect_migrasomes(img, pixel_size_um=pixel_size_um, psf_sigma_um=psf_sigma_um,
                             noise=noise, sigma_z_um=sigma_z_um, d_min_um=o.d_min_um,
                             d_max_um=o.d_max_um, threshold=o.detect_threshold, model=o.model,
                             classifier=True, depth_um=depth, return_candidates=True)


def _optics(meta: dict, o: Options) -> tuple[float, float]:
    """Lateral PSF σ and axial section σ (µm) from the movie's metadata, else the options."""
    wl = meta.get("wavelength_nm", o.wavelength_nm)
    if isinstance(wl, (list, tuple)):
        wl = wl[0]
    na = float(meta.get("numerical_aperture", o.numerical_aperture))
    mod = str(meta.get("modality", o.modality))
    sz = axial_sigma_um(float(wl), na, mod)
    if o.psf_sigma_um is not None:
        return float(o.psf_sigma_um), sz
    return psf_sigma_um(float(wl), na, mod), sz


def _blank(frame: np.ndarray) -> str:
    """Why a frame holds nothing to analyse ('' if it does)."""
    f = np.asarray(frame, float)
    finite = np.isfinite(f)
    if not finite.any():
        return "has no finite pixel values (all NaN or infinite)"
    lo, hi = float(f[finite].min()), float(f[finite].max())
    if hi == lo:
        return f"is constant (every pixel {lo:g})"
    return ""


def _stacks_of(movie: Any, *, channel, z_step_um):
    """(stack of frame t, or None; z step; the movie as ``frames_of`` takes it)."""
    if isinstance(movie, np.ndarray) and movie.ndim == 5:  # (T, C, Z, Y, X)
        if z_step_um is None:
            raise ValueError("a movie must be 3-D (T, Y, X), 4-D (T, C, Y, X), or 5-D "
                             "(T, C, Z, Y, X) with z_step_um (the plane spacing, µm); got "
                             f"shape {movie.shape} without z_step_um")
        c = 0 if channel is None else int(channel)
        if not 0 <= c < movie.shape[1]:
            raise ValueError(f"channel={channel!r}: the movie has {movie.shape[1]} "
                             f"channel(s), 0..{movie.shape[1] - 1}")
        arr = movie
        return (lambda t: arr[t, c]), float(z_step_um), movie.max(axis=2)
    if getattr(movie, "z_mode", None) == "3d" and getattr(movie, "n_z", 1) > 1:
        dz = z_step_um if z_step_um is not None else movie.z_step_um
        if dz is None:
            raise ValueError(f"{getattr(movie, 'path', 'the movie')}: the file's metadata "
                             "give no z step; pass --z-step-um (Python: z_step_um=...)")
        c = 0 if channel is None else channel
        return (lambda t: movie.stack(t, c)), float(dz), movie
    return None, None, movie


def _cell_frames_of(movie: Any, info: dict, *, cell_channel, cell_frames):
    """An iterator over the cell-marker frames (or None) and the channel's name."""
    if cell_channel is not None and cell_frames is not None:
        raise ValueError("give cell_channel or cell_frames, not both")
    T, _, Y, X = info["shape"]
    if cell_frames is not None:
        cf = np.asarray(cell_frames)
        cf = cf[None] if cf.ndim == 2 else cf
        if cf.shape != (T, Y, X):
            raise ValueError(f"cell_frames of shape {np.shape(cell_frames)} do not match the "
                             f"movie's frames (T, Y, X) = {(T, Y, X)}")
        return iter(cf), "cell_frames"
    if cell_channel is None:
        return None, None
    it, ci = frames_of(movie, channel=cell_channel)
    if ci["channel"] == info["channel"]:
        raise ValueError(f"cell_channel={cell_channel!r} is the membrane channel itself; "
                         "give another channel (or none)")
    return it, ci["channel_name"]


def analyze_movie(movie: Any, *, pixel_size_um: float | None = None,
                  frame_interval_min: float | None = None, channel: int | str | None = None,
                  options: Options | None = None, d_min_um: float | None = None,
                  d_max_um: float | None = None, psf_sigma_um: float | None = None,
                  modality: str | None = None, numerical_aperture: float | None = None,
                  wavelength_nm: float | None = None, classifier: bool | str | None = None,
                  min_probability: float | None = None, cell_channel: int | str | None = None,
                  cell_frames: Any = None, z_step_um: float | None = None,
                  progress: bool = False) -> Results:
    """Find cells, RFs and migrasomes in a movie, track them and measure them.

    Parameters
    ----------
    movie : Movie, LabMovie, ndarray or path
        2-D + time, one or more channels (see ``frames_of``).  z-stacks are analysed in
        3-D (migrasomes measured in the stack, cells and RFs on its maximum projection)
        when ``movie`` is a :class:`migrasome.formats.LabMovie` opened with ``z="3d"``
        or an array (T, C, Z, Y, X) (then ``z_step_um`` is required).
    pixel_size_um : float, optional
        Overrides (or supplies) the pixel size; required if the movie does not carry one.
    frame_interval_min : float, optional
        Overrides the movie's frame interval; 1 min is assumed (and noted in the metadata)
        if neither says.
    channel : int or str, optional
        The membrane (e.g. TSPAN4-GFP) channel; default the first.
    options : Options, optional
        Every setting of the analysis (defaults: ``Options()``); the keywords below
        override their fields.
    d_min_um, d_max_um : float, optional
        Diameters reported as migrasomes, µm (default 0.5–3, MODEL.md §4).
    psf_sigma_um : float, optional
        Lateral PSF σ, µm, instead of the one computed from the optics.
    modality, numerical_aperture, wavelength_nm : optional
        Optics when the movie's metadata do not say (``widefield`` / ``confocal``; NA;
        emission wavelength, nm).
    classifier : bool or str, optional
        True (default): the shipped trained classifier decides what is a migrasome; a path:
        another model file (``python -m migrasome.analysis.train --out ...``); False: the
        hand-set thresholds of ``Options``.
    min_probability : float, optional
        Classifier probability from which a candidate is reported (default 0.5).
    cell_channel : int or str, optional
        A cell-marker channel of ``movie`` (cytoplasm or membrane dye) on which the cell
        bodies are segmented, when the membrane channel does not outline them; fibres
        and migrasomes stay on ``channel``.
    cell_frames : array-like, shape (T, Y, X), optional
        The same, given as frames of its own (instead of ``cell_channel``).
    z_step_um : float, optional
        Plane spacing of a z-stack (µm); overrides the movie's.
    progress : bool
        Show a progress bar.

    Returns
    -------
    Results
        Tables ``cells, tracks, fibers, fiber_frames, migrasomes, migrasome_frames`` in image
        µm (pixel (i, j) centred at ``((j + ½)·px, (i + ½)·px)``), metadata
        ``source="analysis"``.  ``migrasome_frames`` also has ``under_cell`` (the migrasome
        lies over a cell body: reported, flagged), ``probability``, ``snr``, ``roundness``.
        In 3-D, ``migrasomes`` and ``migrasome_frames`` have ``z_um``: the centre height,
        plane ``k`` being at ``(k + ½)·z_step_um``.

    Raises
    ------
    ValueError
        Wrong dimensionality, an empty movie, no pixel size, a cell channel or cell frames
        that do not match the movie, or a z-stack without a z step.

    Examples
    --------
    >>> from migrasome.scenes import generate_scene
    >>> movie = generate_scene("sparse-widefield", size_px=128, n_frames=2, seed=0)
    >>> res = analyze_movie(movie)
    >>> sorted(res.tables)[:2]
    ['cells', 'fiber_frames']
    """
    from .tables import build_results

    given: dict[str, Any] = {
             "d_min_um": d_min_um, "d_max_um": d_max_um, "psf_sigma_um": psf_sigma_um,
             "modality": modality, "numerical_aperture": numerical_aperture,
             "wavelength_nm": wavelength_nm, "classifier": classifier,
             "min_probability": min_probability}
    o = replace(options or Options(), **{k: v for k, v in given.items() if v is not None})
    stacks, z_step, movie = _stacks_of(movie, channel=channel, z_step_um=z_step_um)
    frames, info = frames_of(movie, channel=channel, pixel_size_um=pixel_size_um,
                             frame_interval_min=frame_interval_min)
    cells_in, cell_name = _cell_frames_of(movie, info, cell_channel=cell_channel,
                                          cell_frames=cell_frames)
    px = info["pixel_size_um"]
    if px is None or not (np.isfinite(float(px)) and float(px) > 0):
        raise ValueError(f"pixel size unknown or invalid ({px!r}): the movie does not say; "
                         "pass pixel_size_um (CLI: --pixel-size-um)")
    px = float(px)
    if not 0.01 <= px <= 2.0:
        raise ValueError(f"pixel size {px:g} µm is out of range: migrasomes (0.5–3 µm) are "
                         "resolved from 0.01 to 2 µm per pixel (CLI: --pixel-size-um)")
    dt = info["frame_interval_min"]
    assumed_dt = dt is None or not (isinstance(dt, (int, float)) and math.isfinite(dt) and dt > 0)
    dt = 1.0 if assumed_dt else float(dt)
    psf, sz = _optics(info["metadata"], o)
    per_frame = []
    bar = None
    held = contextlib.ExitStack()
    if progress:
        from rich.progress import Progress

        bar = Progress(transient=True)
        bar.start()
        task = bar.add_task("analysing", total=info["n_frames"])
    try:
        blank = 0
        window: deque = deque(maxlen=max(0, int(o.fiber_window) - 1))
        held.enter_context(_one_blas_thread())
        for t, frame in enumerate(frames):
            why = _blank(frame)
            if why and t == 0:
                raise ValueError(f"frame 0 of the movie {why}: nothing to analyse (an empty, "
                                 "blank or failed acquisition?)")
            blank += bool(why)
            out, own = _analyze_frame(frame, pixel_size_um=px, psf_sigma_um=psf,
                                      sigma_z_um=sz, options=o,
                                      cell_frame=None if cells_in is None else next(cells_in),
                                      stack=None if stacks is None else stacks(t),
                                      z_step_um=z_step, earlier=tuple(window))
            labels = out.pop("labels")
            del out["fiber_points"]  # skeleton pixels, for checks of one frame only
            if window.maxlen and not why:
                window.append((own, labels))
            per_frame.append(out)
            if bar is not None:
                bar.update(task, advance=1)
    finally:
        held.close()
        if bar is not None:
            bar.stop()
    if blank:
        warnings.warn(f"{blank} of {len(per_frame)} frames are blank (no finite pixels or "
                      "no contrast); they add no detections", MigrasomeWarning, stacklevel=2)
    T, C, Y, X = info["shape"]
    meta = {"source": "analysis", "pixel_size_um": px, "frame_interval_min": dt,
            "frame_interval_assumed": bool(assumed_dt), "n_frames": T,
            "width_um": X * px, "height_um": Y * px, "channel": info["channel_name"],
            "psf_sigma_um": psf, "axial_sigma_um": sz if np.isfinite(sz) else None,
            "options": asdict(o)}
    if cell_name is not None:
        meta["cell_channel"] = cell_name
    if stacks is not None:
        from .zstack import stack_axial_sigma_um

        meta.update(z_mode="3d", z_step_um=z_step, axial_psf_sigma_um=float(
            o.axial_psf_sigma_um or stack_axial_sigma_um(o.wavelength_nm,
                                                         o.numerical_aperture, o.modality)))
    try:
        from .. import __version__

        meta["package_version"] = __version__
    except ImportError:  # pragma: no cover
        pass
    return build_results(per_frame, frame_interval_min=dt, options=o, metadata=meta)

"""Exports a lab can open elsewhere: CSV tables, and a Fiji hyperstack of the overlay.

``write_csv_tables`` writes a CSV beside every Parquet table of a results folder (Excel,
R and Prism read them). ``write_imagej_overlay`` writes an ImageJ hyperstack (TIFF, axes
TCYX, calibrated in µm and minutes) whose channels are the movie and what the analysis
found, drawn one label per channel (cell outlines, RF segments, migrasome rims, released
migrasome rims), so Fiji shows it as a composite with each layer switchable and measures in
µm.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["write_csv_tables", "overlay_channels", "write_imagej_overlay", "OVERLAY_CHANNELS"]

#: The channels of the overlay hyperstack after the movie's.
OVERLAY_CHANNELS = ("cells", "RFs", "migrasomes on RFs", "released migrasomes")
_LUTS = ("gray", "yellow", "cyan", "green", "magenta")


def write_csv_tables(folder: str | os.PathLike) -> list[Path]:
    """Write ``<table>.csv`` beside each ``<table>.parquet`` in ``folder``; return them."""
    folder = Path(folder)
    out = []
    for p in sorted(folder.glob("*.parquet")):
        csv = p.with_suffix(".csv")
        pd.read_parquet(p).to_csv(csv, index=False)
        out.append(csv)
    return out


def _disk_outline(shape, x_px: float, y_px: float, r_px: float):
    from skimage.draw import circle_perimeter

    rr, cc = circle_perimeter(int(round(y_px)), int(round(x_px)), max(1, int(round(r_px))),
                              shape=shape)
    return rr, cc


def overlay_channels(results: Any, frame_index: int, shape: tuple[int, int], *,
                     pixel_size_um: float) -> np.ndarray:
    """Masks of one frame's detections, shape (4, Y, X) uint8 (255 where drawn).

    Channels :data:`OVERLAY_CHANNELS`: cell outlines (circle of the cell's radius at its
    track position), RF segments, rims of attached and of released migrasomes (their
    measured diameter). Pixel (i, j) is centred at ``((j + ½)·px, (i + ½)·px)`` µm.
    """
    from skimage.draw import line

    px = float(pixel_size_um)
    out = np.zeros((len(OVERLAY_CHANNELS),) + tuple(shape), np.uint8)
    ny, nx = shape

    def to_px(v):
        return np.asarray(v, float) / px - 0.5

    tr = results.tracks
    tr = tr[tr["frame"] == frame_index]
    radius = results.cells.set_index("cell_id")["radius_um"] if len(results.cells) else {}
    for cid, x, y in zip(tr["cell_id"], to_px(tr["x_um"]), to_px(tr["y_um"])):
        r = float(radius.get(cid, 10.0)) / px if len(tr) else 0
        rr, cc = _disk_outline(shape, x, y, r)
        out[0, rr, cc] = 255
    ff = results.fiber_frames
    ff = ff[ff["frame"] == frame_index]
    for x0, y0, x1, y1 in zip(to_px(ff["x0_um"]), to_px(ff["y0_um"]), to_px(ff["x1_um"]),
                              to_px(ff["y1_um"])):
        rr, cc = line(int(round(y0)), int(round(x0)), int(round(y1)), int(round(x1)))
        ok = (rr >= 0) & (rr < ny) & (cc >= 0) & (cc < nx)
        out[1, rr[ok], cc[ok]] = 255
    mf = results.migrasome_frames
    mf = mf[mf["frame"] == frame_index]
    for x, y, d, att in zip(to_px(mf["x_um"]), to_px(mf["y_um"]), mf["diameter_um"],
                            mf["attached"]):
        rr, cc = _disk_outline(shape, x, y, 0.5 * float(d) / px)
        out[2 if att else 3, rr, cc] = 255
    return out


def _lut(name: str) -> np.ndarray:
    ramp = np.arange(256, dtype=np.uint8)
    zero = np.zeros(256, np.uint8)
    rgb = {"gray": (1, 1, 1), "yellow": (1, 1, 0), "cyan": (0, 1, 1), "green": (0, 1, 0),
           "magenta": (1, 0, 1)}[name]
    return np.stack([ramp if k else zero for k in rgb])


def write_imagej_overlay(frames: Iterable[np.ndarray], results: Any,
                         path: str | os.PathLike, *, pixel_size_um: float,
                         frame_interval_min: float | None = None,
                         channel_name: str = "movie") -> Path:
    """Write the movie and its detections as an ImageJ hyperstack TIFF (axes TCYX).

    Parameters
    ----------
    frames : iterable of ndarray, each (Y, X)
        The analysed channel, frame by frame (any numeric dtype; scaled to uint16).
    results : Results
        From ``analyze_movie`` (image µm).
    path : path-like
        ``*.tif``; written under a temporary name and moved into place.
    pixel_size_um : float
    frame_interval_min : float, optional
        Stored as ImageJ ``finterval`` (seconds, as ImageJ expects).
    channel_name : str

    Returns
    -------
    Path

    Examples
    --------
    >>> write_imagej_overlay(mov.data[:, 0], res, "overlay-fiji.tif",
    ...                      pixel_size_um=0.15)            # doctest: +SKIP
    """
    import tifffile

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    stack = []
    for t, f in enumerate(frames):
        f = np.asarray(f)
        g = f.astype(np.float64)
        if f.dtype != np.uint16:
            lo, hi = float(g.min()), float(g.max())
            g = (g - lo) / max(hi - lo, 1e-12) * 65535
        masks = overlay_channels(results, t, f.shape, pixel_size_um=pixel_size_um)
        stack.append(np.concatenate([g[None].astype(np.uint16),
                                     masks.astype(np.uint16) * 257]))
    if not stack:
        raise ValueError("write_imagej_overlay: no frames given")
    data = np.stack(stack)[:, None]  # T Z C Y X, the order ImageJ hyperstacks need
    meta: dict[str, Any] = {"axes": "TZCYX", "unit": "um", "mode": "composite",
            "Labels": [channel_name, *OVERLAY_CHANNELS] * data.shape[0],
            "LUTs": [_lut(n) for n in _LUTS]}
    if frame_interval_min:
        meta.update(finterval=float(frame_interval_min) * 60.0, tunit="sec")
    res = (1.0 / pixel_size_um, 1.0 / pixel_size_um)
    try:
        tifffile.imwrite(tmp, data, imagej=True, resolution=res, metadata=meta)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path

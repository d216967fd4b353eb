"""Overlays for checking an analysis by eye: a figure of one frame, or a whole RGB movie."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["overlay_figure", "overlay_frame_rgb", "write_overlay_movie"]


def _stretch(frame: np.ndarray) -> np.ndarray:
    f = np.asarray(frame, np.float32)
    lo, hi = np.percentile(f[::4, ::4], [1, 99.8])
    return np.clip((f - lo) / max(hi - lo, 1e-6), 0, 1)


def overlay_figure(frame: np.ndarray, results: Any, *, frame_index: int = 0,
                   pixel_size_um: float, truth: Any = None, path: str | os.PathLike | None = None,
                   title: str | None = None):
    """Draw one frame with what the analysis found on it.

    Migrasomes as circles of their measured diameter (green: attached, magenta: released),
    RF branches as cyan segments (distal end dotted), cell centroids as yellow crosses;
    ``truth`` migrasomes (if given) as small red dots.

    Parameters
    ----------
    frame : ndarray, shape (Y, X)
    results : Results
        From ``analyze_movie``.
    frame_index : int
    pixel_size_um : float
    truth : Results, optional
    path : path, optional
        Save the figure there (PNG) and close it.

    Returns
    -------
    matplotlib.figure.Figure (or the path when saved)
    """
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection, PatchCollection
    from matplotlib.patches import Circle

    px = pixel_size_um
    ny, nx = frame.shape
    fig, ax = plt.subplots(figsize=(8, 8 * ny / nx))
    ax.imshow(_stretch(frame), cmap="gray", extent=(0, nx * px, ny * px, 0))
    ff = results.fiber_frames
    ff = ff[ff["frame"] == frame_index]
    if len(ff):
        seg = np.stack([ff[["x0_um", "y0_um"]].to_numpy(), ff[["x1_um", "y1_um"]].to_numpy()],
                       axis=1)
        ax.add_collection(LineCollection(list(seg), colors="c", linewidths=0.8, alpha=0.8))
        ax.plot(ff["x0_um"], ff["y0_um"], ".", color="c", ms=3)
    mf = results.migrasome_frames
    mf = mf[mf["frame"] == frame_index]
    if len(mf):
        circ = [Circle((x, y), max(d / 2, px)) for x, y, d in
                zip(mf["x_um"], mf["y_um"], mf["diameter_um"])]
        col = np.where(mf["attached"].to_numpy(bool), "lime", "magenta")
        ax.add_collection(PatchCollection(circ, facecolors="none", edgecolors=col,
                                          linewidths=1.0))
    tr = results.tracks
    tr = tr[tr["frame"] == frame_index]
    ax.plot(tr["x_um"], tr["y_um"], "x", color="yellow", ms=8)
    for c, x, y in zip(tr["cell_id"], tr["x_um"], tr["y_um"]):
        ax.text(x, y, f" {c}", color="yellow", fontsize=8)
    if truth is not None:
        tm = truth.migrasome_frames
        tm = tm[(tm["frame"] == frame_index) & (tm["diameter_um"] >= 0.5)]
        ax.plot(tm["x_um"], tm["y_um"], ".", color="red", ms=3)
    ax.set_xlim(0, nx * px)
    ax.set_ylim(ny * px, 0)
    ax.set_xlabel("x (µm)")
    ax.set_ylabel("y (µm)")
    ax.set_title(title or f"frame {frame_index}: {len(mf)} migrasomes, {len(ff)} RF branches, "
                 f"{len(tr)} cells")
    fig.tight_layout()
    if path is None:
        return fig
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return Path(path)


def overlay_frame_rgb(frame: np.ndarray, results: Any, *, frame_index: int,
                      pixel_size_um: float) -> np.ndarray:
    """One frame as an RGB uint8 image (Y, X, 3) with detections burnt in.

    Migrasome rims green (attached) or magenta (released), RF branch pixels cyan.
    """
    from skimage.draw import circle_perimeter, line

    g = (_stretch(frame) * 255).astype(np.uint8)
    rgb = np.stack([g, g, g], axis=-1)
    ny, nx = g.shape
    px = pixel_size_um
    ff = results.fiber_frames
    ff = ff[ff["frame"] == frame_index]
    for x0, y0, x1, y1 in ff[["x0_um", "y0_um", "x1_um", "y1_um"]].to_numpy() / px - 0.5:
        rr, cc = line(int(round(y0)), int(round(x0)), int(round(y1)), int(round(x1)))
        ok = (rr >= 0) & (rr < ny) & (cc >= 0) & (cc < nx)
        rgb[rr[ok], cc[ok]] = (0, 255, 255)
    mf = results.migrasome_frames
    mf = mf[mf["frame"] == frame_index]
    for x, y, d, a in zip(mf["x_um"], mf["y_um"], mf["diameter_um"], mf["attached"]):
        rr, cc = circle_perimeter(int(round(y / px - 0.5)), int(round(x / px - 0.5)),
                                  max(1, int(round(d / 2 / px))), shape=(ny, nx))
        rgb[rr, cc] = (0, 255, 0) if a else (255, 0, 255)
    return rgb


def write_overlay_movie(frames, results: Any, path: str | os.PathLike, *,
                        pixel_size_um: float) -> Path:
    """Write an RGB overlay movie (TIFF, T × Y × X × 3), frame by frame, atomically.

    ``frames`` is an iterator of (Y, X) frames (the analysed channel).
    """
    import tifffile

    path = Path(path)
    tmp = path.with_name(f".{path.name}.part")
    try:
        with tifffile.TiffWriter(tmp) as tw:
            for k, frame in enumerate(frames):
                tw.write(overlay_frame_rgb(frame, results, frame_index=k,
                                           pixel_size_um=pixel_size_um),
                         photometric="rgb", contiguous=True)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path

"""napari widgets: run the analysis on an image layer; save corrected migrasomes back."""

from pathlib import Path
from typing import TYPE_CHECKING

from magicgui import magic_factory

if TYPE_CHECKING:
    import napari

__all__ = ["analyze_widget", "save_corrections_widget", "analyze_layer", "save_corrections"]


def analyze_layer(image, *, pixel_size_um: float | None = None,
                  frame_interval_min: float | None = None, out_dir: Path | None = None,
                  **options) -> list[tuple]:
    """Analyse an image layer (T, Y, X); optionally save; return the result layers.

    The pixel size and interval default to the layer's metadata (as the reader sets them)
    or its scale.
    """
    import numpy as np

    from ..analysis import analyze_movie
    from .layers import results_layers

    meta = dict(getattr(image, "metadata", {}) or {})
    px = pixel_size_um or meta.get("pixel_size_um") or float(image.scale[-1])
    dt = frame_interval_min or meta.get("frame_interval_min")
    data = np.asarray(image.data)
    if data.ndim == 2:
        data = data[None]
    from dataclasses import fields

    from ..analysis import Options

    # the widget's settings are analysis options; anything else is an analyze_movie keyword
    names = {f.name for f in fields(Options)}
    opts = Options(**{k: v for k, v in options.items() if k in names})
    rest = {k: v for k, v in options.items() if k not in names}
    res = analyze_movie(data, pixel_size_um=float(px), frame_interval_min=dt, options=opts,
                        **rest)
    folder = None
    if out_dir is not None and str(out_dir) not in ("", "."):
        from ..results import atomic_dir
        from . import write_curated

        with atomic_dir(out_dir, overwrite=True) as tmp:
            res.write_into(tmp)
        write_curated(res, out_dir)  # adds summaries and CSV copies
        folder = str(out_dir)
    return results_layers(res, folder=folder)


@magic_factory(call_button="Analyse",
               model={"choices": ["shell", "ball", "disk", "auto"]},
               pixel_size_um={"min": 0.0, "max": 5.0, "step": 0.001,
                              "tooltip": "0: from the layer"},
               frame_interval_min={"min": 0.0, "max": 1000.0, "tooltip": "0: from the layer"},
               out_dir={"mode": "d", "tooltip": "Save the results here (optional)"})
def analyze_widget(image: "napari.layers.Image", pixel_size_um: float = 0.0,
                   frame_interval_min: float = 0.0, d_min_um: float = 0.5,
                   d_max_um: float = 3.0, detect_threshold: float = 5.0,
                   min_snr: float = 1.5, model: str = "shell",
                   out_dir: Path = Path("")) -> "list[napari.types.LayerDataTuple]":
    """Find cells, RFs and migrasomes in the chosen image layer (one channel, T × Y × X)."""
    return analyze_layer(image, pixel_size_um=pixel_size_um or None,
                         frame_interval_min=frame_interval_min or None, out_dir=out_dir,
                         d_min_um=d_min_um, d_max_um=d_max_um,
                         detect_threshold=detect_threshold, min_snr=min_snr, model=model)


def save_corrections(points, folder: str | Path | None = None):
    """Write the migrasomes of a points layer back into its results folder.

    If that folder is one movie of a batch, the batch's tables and statistics are
    recomputed too.

    Returns
    -------
    pandas.Series
        The recomputed summary.

    Raises
    ------
    ValueError
        If the layer has no results folder (analyse with an output folder, or open one).
    """
    from ..results import load_results
    from . import write_curated
    from .layers import points_to_tables

    folder = folder or (points.metadata or {}).get("results_dir")
    if not folder:
        raise ValueError(f"layer {points.name!r} has no results folder to save into")
    from ..batch import batch_of, refresh_batch

    res = load_results(folder)
    cur = points_to_tables(res, points.data, points.features, sizes=_sizes(points))
    summary = write_curated(cur, folder)
    batch = batch_of(folder)
    if batch is not None:  # one movie of an experiment: its tables and statistics follow
        refresh_batch(batch)
    return summary


def _sizes(points):
    import numpy as np

    s = np.asarray(points.size, float)
    return s[:, -1] if s.ndim == 2 else s


@magic_factory(call_button="Save corrections")
def save_corrections_widget(points: "napari.layers.Points") -> None:
    """Save added, moved and deleted migrasomes back to the results folder (curated)."""
    from napari.utils.notifications import show_info

    s = save_corrections(points)
    show_info(f"saved: {s['n_migrasomes']:.0f} migrasomes, "
              f"{s['migrasomes_per_cell']:.2f} per cell")

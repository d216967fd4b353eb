"""How an analysis folder is written: tables, summary, overlay — completely or not at all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from ..results import Results, atomic_dir

__all__ = ["write_analysis"]


def write_analysis(results: Results, out: str | Path, *, movie: Any = None,
                   channel: int | str | None = None, pixel_size_um: float | None = None,
                   frame_interval_min: float | None = None, overlay_movie: bool = False,
                   overwrite: bool = False) -> pd.Series:
    """Write an analysis folder: the Results tables, ``summary.csv/json`` and overlays.

    The folder is built under a temporary name and moved into place when complete.

    Parameters
    ----------
    results : Results
        From ``analyze_movie``.
    out : path
        The folder to write.
    movie : Movie, ndarray or path, optional
        The analysed movie, for ``overlay.png`` (its middle frame) and, with
        ``overlay_movie``, ``overlay.tif``; no overlay without it.
    channel, pixel_size_um, frame_interval_min : optional
        As given to ``analyze_movie`` (to read the same frames again).
    overlay_movie : bool
        Also write an RGB overlay movie (TIFF).
    overwrite : bool
        Replace an existing folder; otherwise an existing one is an error.

    Returns
    -------
    Series
        The summary read-outs (``summarize_analysis``).

    Raises
    ------
    FileExistsError
        ``out`` exists and ``overwrite`` is False.

    Examples
    --------
    >>> from migrasome.scenes import generate_scene
    >>> from migrasome.analysis import analyze_movie
    >>> import tempfile, pathlib
    >>> mv = generate_scene("sparse-widefield", size_px=128, n_frames=2, seed=0)
    >>> d = pathlib.Path(tempfile.mkdtemp()) / "a"
    >>> s = write_analysis(analyze_movie(mv), d, movie=mv)
    >>> (d / "summary.json").is_file()
    True
    """
    from .overlay import overlay_figure, write_overlay_movie
    from .pipeline import frames_of
    from .summary import summarize_analysis

    out = Path(out)
    if out.exists() and not overwrite:
        raise FileExistsError(f"{out} exists; pass --overwrite to replace it")
    summary = summarize_analysis(results)
    px = results.metadata["pixel_size_um"]
    show = int(results.metadata["n_frames"]) // 2
    kw: dict[str, Any] = dict(channel=channel, pixel_size_um=pixel_size_um,
                              frame_interval_min=frame_interval_min)
    with atomic_dir(out, overwrite=overwrite) as tmp:
        results.write_into(tmp)
        summary.to_frame().T.to_csv(tmp / "summary.csv", index=False)
        (tmp / "summary.json").write_text(summary.to_json(indent=2))
        if movie is not None:
            frames, _ = frames_of(movie, **kw)
            for k, frame in enumerate(frames):
                if k == show:
                    overlay_figure(frame, results, frame_index=k, pixel_size_um=px,
                                   path=tmp / "overlay.png")
                    break
            if overlay_movie:
                frames, _ = frames_of(movie, **kw)
                write_overlay_movie(frames, results, tmp / "overlay.tif", pixel_size_um=px)
    return summary

"""Movies to and from OME-TIFF, plain/ImageJ TIFF and OME-Zarr.

Writing (:func:`write_movie`) chooses the format by suffix, writes under a temporary name
and moves the file into place when complete; the truth goes beside the movie as a Results
folder ``<stem>.truth/``. Reading (:func:`read_movie`, :func:`iter_frames`) accepts YX, TYX,
TCYX and any axis order the file's OME/ImageJ metadata names (singleton Z allowed), and
returns data as (T, C, Y, X).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from ..extras import require
from ..files import atomic_dir, atomic_file, check_output_path, json_default
from ..results import load_results
from ._readers import Source, open_source
from .movie import Movie

__all__ = ["write_movie", "read_movie", "iter_frames", "movie_info", "truth_path"]

TIFF_SUFFIXES = (".ome.tif", ".ome.tiff", ".tif", ".tiff")
ZARR_SUFFIXES = (".ome.zarr", ".zarr")


def _split(path: Path) -> tuple[str, str]:
    """(kind, stem) from the file name's suffix."""
    name = path.name.lower()
    for suf in TIFF_SUFFIXES:
        if name.endswith(suf):
            return "tiff", path.name[: -len(suf)]
    for suf in ZARR_SUFFIXES:
        if name.endswith(suf):
            return "zarr", path.name[: -len(suf)]
    raise ValueError(f"{path}: unknown movie format; use a name ending in "
                     f"{', '.join(TIFF_SUFFIXES + ZARR_SUFFIXES)}")


def truth_path(path: str | os.PathLike) -> Path:
    """Where the truth of movie ``path`` lives: ``<stem>.truth/`` beside it."""
    path = Path(path)
    return path.with_name(_split(path)[1] + ".truth")


def write_movie(movie: Movie, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Write ``movie`` to ``path`` (OME-TIFF or OME-Zarr by suffix) and its truth beside it.

    Parameters
    ----------
    movie : Movie
    path : path-like
        ``*.ome.tif``/``*.ome.tiff``/``*.tif`` (OME-TIFF, axes TCYX, PhysicalSizeX/Y in µm,
        TimeIncrement in min) or ``*.ome.zarr``/``*.zarr`` (OME-NGFF 0.4: axes t, c, y, x;
        ``scale`` in minutes and micrometres).
    overwrite : bool
        Replace an existing movie (and its truth folder).

    Returns
    -------
    Path
        The movie's path. The truth (if ``movie.truth``) is at :func:`truth_path`.

    Raises
    ------
    OutputPathError
        If the movie or its truth folder exists and ``overwrite`` is False, or the place
        cannot be written.
    ValueError
        For an unknown suffix.
    """
    path = Path(path)
    kind, _ = _split(path)
    require("imaging", "tifffile" if kind == "tiff" else "zarr")
    tpath = truth_path(path)
    check_output_path(path, overwrite=overwrite, kind="file" if kind == "tiff" else "folder")
    if movie.truth is not None:
        check_output_path(tpath, overwrite=overwrite, kind="folder")
    extra = {"origin_um": list(movie.origin_um), "metadata": movie.metadata}
    writer = atomic_file if kind == "tiff" else atomic_dir
    with writer(path, overwrite=overwrite) as tmp:
        if kind == "tiff":
            _write_tiff(movie, tmp, extra)
        else:
            _write_zarr(movie, tmp, extra)
        if movie.truth is not None:
            movie.truth.save(tpath, overwrite=True)
        elif tpath.exists():
            shutil.rmtree(tpath)  # a stale truth would describe another movie
    return path


def _write_tiff(movie: Movie, tmp: Path, extra: dict) -> None:
    require("imaging", "tifffile")
    import tifffile

    meta = {
        "axes": "TCYX",
        "PhysicalSizeX": movie.pixel_size_um, "PhysicalSizeXUnit": "µm",
        "PhysicalSizeY": movie.pixel_size_um, "PhysicalSizeYUnit": "µm",
        "Channel": {"Name": list(movie.channel_names)},
        "Description": json.dumps(extra, default=json_default),
    }
    if movie.frame_interval_min is not None:
        meta.update(TimeIncrement=movie.frame_interval_min, TimeIncrementUnit="min")
    big = movie.data.nbytes > 2**32 - 2**25
    tifffile.imwrite(tmp, movie.data, photometric="minisblack", metadata=meta, ome=True,
                     bigtiff=big)


def _write_zarr(movie: Movie, tmp: Path, extra: dict) -> None:
    require("imaging", "zarr")
    import zarr

    T, C, Y, X = movie.data.shape
    dt = movie.frame_interval_min if movie.frame_interval_min is not None else 1.0
    chunks = (1, 1, min(Y, 2048), min(X, 2048))
    if int(zarr.__version__.split(".")[0]) >= 3:
        g = zarr.open_group(str(tmp), mode="w", zarr_format=2)
        arr = g.create_array("0", shape=movie.data.shape, dtype=movie.data.dtype, chunks=chunks)
    else:  # zarr 2
        g = zarr.open_group(str(tmp), mode="w")
        arr = g.create_dataset("0", shape=movie.data.shape, dtype=movie.data.dtype,
                               chunks=chunks)
    for t in range(T):
        arr[t] = movie.data[t]
    time_axis = {"name": "t", "type": "time"}
    if movie.frame_interval_min is not None:
        time_axis["unit"] = "minute"
    g.attrs["multiscales"] = [{
        "version": "0.4",
        "name": tmp.name,
        "axes": [time_axis, {"name": "c", "type": "channel"},
                 {"name": "y", "type": "space", "unit": "micrometer"},
                 {"name": "x", "type": "space", "unit": "micrometer"}],
        "datasets": [{"path": "0", "coordinateTransformations": [
            {"type": "scale", "scale": [dt, 1.0, movie.pixel_size_um, movie.pixel_size_um]}]}],
    }]
    g.attrs["omero"] = {"version": "0.4",
                        "channels": [{"label": c, "active": True} for c in movie.channel_names]}
    g.attrs["migrasome"] = json.loads(json.dumps(extra, default=json_default))


def _calibrated(src: Source, pixel_size_um, frame_interval_min, need_pixel: bool = True
                ) -> tuple[float | None, float | None]:
    px = pixel_size_um if pixel_size_um is not None else src.pixel_size_um
    if pixel_size_um is not None and not (np.isfinite(pixel_size_um) and pixel_size_um > 0):
        raise ValueError(f"pixel_size_um={pixel_size_um!r}: must be a positive number")
    if px is None and need_pixel:
        raise ValueError(f"{src.path}: the file does not give a pixel size; pass "
                         "pixel_size_um (CLI: --pixel-size-um), e.g. 0.1-0.2 µm")
    dt = frame_interval_min if frame_interval_min is not None else src.frame_interval_min
    if frame_interval_min is not None and not frame_interval_min > 0:
        raise ValueError(f"frame_interval_min={frame_interval_min!r}: must be positive")
    return px, dt


def _channel_index(src: Source, channel: int | str | None) -> list[int]:
    C = src.shape[1]
    if channel is None:
        return list(range(C))
    if isinstance(channel, str):
        if channel not in src.channel_names:
            raise ValueError(f"channel {channel!r} not in {list(src.channel_names)}")
        return [src.channel_names.index(channel)]
    if not -C <= int(channel) < C:
        raise ValueError(f"channel={channel!r}: the movie has {C} channel(s)")
    return [int(channel) % C]


def movie_info(path: str | os.PathLike, *, pixel_size_um: float | None = None,
               frame_interval_min: float | None = None) -> dict:
    """A movie's shape and calibration without reading its pixels.

    Returns
    -------
    dict
        ``shape`` (T, C, Y, X), ``dtype``, ``pixel_size_um`` (None if unknown),
        ``frame_interval_min`` (None if unknown), ``channel_names``, ``origin_um``,
        ``metadata``.
    """
    with open_source(path) as src:
        px, dt = _calibrated(src, pixel_size_um, frame_interval_min, need_pixel=False)
        return {"shape": src.shape, "dtype": np.dtype(src.dtype), "pixel_size_um": px,
                "frame_interval_min": dt, "channel_names": src.channel_names,
                "origin_um": src.origin_um, "metadata": src.metadata}


def read_movie(path: str | os.PathLike, *, pixel_size_um: float | None = None,
               frame_interval_min: float | None = None, channel: int | str | None = None,
               load_truth: bool = True) -> Movie:
    """Read a movie (OME-TIFF, ImageJ/plain TIFF, OME-Zarr) as (T, C, Y, X).

    Parameters
    ----------
    path : path-like
    pixel_size_um, frame_interval_min : float, optional
        Override (or supply, if the file lacks them) the pixel size in µm and the frame
        interval in minutes.
    channel : int or str, optional
        Keep only this channel (index or name).
    load_truth : bool
        Attach the truth folder ``<stem>.truth/`` beside the movie if there is one.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        The file is unreadable or truncated, its dimensions are not YX/TYX/TCYX (or named
        by its metadata), it is empty, or no pixel size is known.
    """
    with open_source(path) as src:
        px, dt = _calibrated(src, pixel_size_um, frame_interval_min)
        chans = _channel_index(src, channel)
        data = src.read_all()
        if len(chans) != data.shape[1]:
            data = data[:, chans]
        names = tuple(src.channel_names[i] for i in chans)
        truth = None
        try:
            tp = truth_path(src.path)
        except ValueError:  # an unusual suffix: no truth convention
            tp = None
        if load_truth and tp is not None and (tp / "metadata.json").is_file():
            truth = load_results(tp)
        assert px is not None  # _calibrated refused a movie without one
        return Movie(data=data, pixel_size_um=float(px), frame_interval_min=dt,
                     channel_names=names, origin_um=src.origin_um, truth=truth,
                     metadata=dict(src.metadata, source_file=src.path.name))


def iter_frames(path: str | os.PathLike, *, channel: int | str | None = None,
                pixel_size_um: float | None = None, frame_interval_min: float | None = None,
                ) -> Iterator[np.ndarray]:
    """Yield a movie's frames one at a time, each (C, Y, X), reading only that frame.

    Memory stays at one frame whatever the movie's length (TIFF pages or Zarr chunks are read
    on demand). The calibration is checked first: a file without a pixel size needs
    ``pixel_size_um``; use :func:`movie_info` for the shape and calibration.
    """
    with open_source(path) as src:
        _calibrated(src, pixel_size_um, frame_interval_min)
        chans = _channel_index(src, channel)
        for t in range(src.shape[0]):
            yield src.read_frame(t, chans)

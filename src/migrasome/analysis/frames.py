"""Reading a movie one frame at a time: files, Movie objects and arrays alike."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["frames_of"]


def frames_of(movie: Any, *, channel: int | str | None = None,
              pixel_size_um: float | None = None,
              frame_interval_min: float | None = None) -> tuple[Iterator[np.ndarray],
                                                                dict[str, Any]]:
    """A frame iterator over one channel of a movie, and what is known about the movie.

    Parameters
    ----------
    movie : Movie, ndarray or path
        A ``migrasome.imaging.Movie`` (or anything with ``data`` (T, C, Y, X),
        ``pixel_size_um``, ``frame_interval_min``, ``channel_names``, ``metadata``); an array
        (T, Y, X) or (T, C, Y, X); or the path of a movie file (OME-TIFF, TIFF, OME-Zarr),
        read one frame at a time.
    channel : int or str, optional
        Channel index or name; default the first.
    pixel_size_um, frame_interval_min : float, optional
        Supply or override the calibration (needed for files that lack it).

    Returns
    -------
    frames : iterator of ndarray (Y, X)
    info : dict
        ``n_frames, shape, pixel_size_um, frame_interval_min, metadata, channel,
        channel_name``.
    """
    if isinstance(movie, (str, Path)):
        from ..imaging import iter_frames, movie_info

        mi = movie_info(movie, pixel_size_um=pixel_size_um,
                        frame_interval_min=frame_interval_min)
        shape = tuple(int(s) for s in mi["shape"])
        chan_names = tuple(mi["channel_names"])
        _check_shape(shape, 4)
        c = _channel(channel, chan_names, shape[1])
        it = (np.asarray(f)[0] for f in iter_frames(movie, channel=c,
                                                     pixel_size_um=pixel_size_um
                                                     or mi["pixel_size_um"]))
        return it, {"n_frames": shape[0], "shape": shape, "pixel_size_um": mi["pixel_size_um"],
                    "frame_interval_min": mi["frame_interval_min"],
                    "metadata": dict(mi.get("metadata") or {}), "channel": c,
                    "channel_name": chan_names[c] if c < len(chan_names) else f"channel {c}"}
    if isinstance(movie, np.ndarray):
        data = movie[:, None] if movie.ndim == 3 else movie
        meta: dict[str, Any] = {}
        names: tuple = ()
        px = dt = None
    else:
        data = getattr(movie, "data", None)  # type: ignore[assignment]  # checked next
        if data is None:
            raise TypeError(f"cannot analyse a {type(movie).__name__}: give a Movie, an array "
                            "(T, Y, X) / (T, C, Y, X) or a movie file")
        meta = dict(getattr(movie, "metadata", {}) or {})
        names = tuple(getattr(movie, "channel_names", ()))
        px = getattr(movie, "pixel_size_um", None)
        dt = getattr(movie, "frame_interval_min", None)
    _check_shape(tuple(data.shape), data.ndim)
    c = _channel(channel, names, data.shape[1])
    if pixel_size_um is not None:
        px = pixel_size_um
    if frame_interval_min is not None:
        dt = frame_interval_min
    info = {"n_frames": int(data.shape[0]), "shape": tuple(int(s) for s in data.shape),
            "pixel_size_um": px, "frame_interval_min": dt, "metadata": meta, "channel": c,
            "channel_name": names[c] if c < len(names) else f"channel {c}"}
    return (np.asarray(data[t, c]) for t in range(data.shape[0])), info


def _check_shape(shape: tuple, ndim: int) -> None:
    if ndim != 4:
        raise ValueError(f"a movie must be 3-D (T, Y, X) or 4-D (T, C, Y, X); got shape "
                         f"{shape}")
    if 0 in shape:
        raise ValueError(f"the movie is empty (shape {shape})")
    if min(shape[2:]) < 16:
        raise ValueError(f"frames of {shape[2]}x{shape[3]} pixels are too small to analyse "
                         "(need at least 16x16)")


def _channel(channel: int | str | None, names: tuple, n: int) -> int:
    if channel is None:
        return 0
    if isinstance(channel, str) and not channel.lstrip("-").isdigit():
        if channel not in names:
            raise ValueError(f"channel {channel!r} not in the movie's channels {list(names)}")
        return names.index(channel)
    c = int(channel)
    if not 0 <= c < n:
        raise ValueError(f"channel={channel!r}: the movie has {n} channel(s), 0..{n - 1}")
    return c

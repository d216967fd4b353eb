"""Movie: a fluorescence time-lapse in memory, with its calibration and (optional) truth.

Owns the in-memory form of a movie that the renderer makes, the readers return and the
analysis reads: pixel data (T, C, Y, X), pixel size, frame interval, channel names and the
ground truth of a rendered movie.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..results import Results

__all__ = ["Movie"]


@dataclass
class Movie:
    """A time-lapse movie and how to read it in physical units.

    Parameters
    ----------
    data : ndarray, shape (T, C, Y, X)
        Pixel values; ``uint16`` camera counts (ADU) for rendered movies, the file's dtype for
        movies read from disk.
    pixel_size_um : float
        Side of one (square) pixel, µm.
    frame_interval_min : float or None
        Time between frames, minutes; None when the file does not say and none was given.
    channel_names : tuple of str, length C
        Names of the channels.
    origin_um : tuple of float
        (x0, y0): where the image's corner (the outer edge of pixel (0, 0)) lies in the
        coordinates of the simulation it came from, µm; (0, 0) for real movies.
    truth : Results or None
        The ground truth cropped to the field of view, in image µm: pixel (row i, column j)
        has its centre at ``x = (j + 0.5) * pixel_size_um``, ``y = (i + 0.5) * pixel_size_um``.
        Frame numbers are movie frames; times are minutes from the first frame. None for real
        movies.
    metadata : dict
        Optics, camera, seed, SNR and anything else worth keeping (JSON-serialisable).

    Raises
    ------
    ValueError
        If ``data`` is not 4-D or is empty, ``pixel_size_um`` or ``frame_interval_min`` is not
        positive, or the channel names do not match the channels.

    Examples
    --------
    >>> import numpy as np
    >>> m = Movie(np.zeros((3, 1, 8, 10), np.uint16), pixel_size_um=0.2, frame_interval_min=5.0)
    >>> m.shape, m.width_um, m.times_min().tolist()
    ((3, 1, 8, 10), 2.0, [0.0, 5.0, 10.0])
    >>> m.channel("channel 0").shape
    (3, 8, 10)
    """

    data: np.ndarray
    pixel_size_um: float
    frame_interval_min: float | None = None
    channel_names: tuple[str, ...] = ("channel 0",)
    origin_um: tuple[float, float] = (0.0, 0.0)
    truth: Results | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.data.ndim != 4:
            raise ValueError(f"Movie.data must be 4-D (T, C, Y, X); got shape {self.data.shape}")
        if self.data.size == 0:
            raise ValueError(f"Movie.data is empty (shape {self.data.shape})")
        if not (np.isfinite(self.pixel_size_um) and self.pixel_size_um > 0):
            raise ValueError(f"pixel_size_um={self.pixel_size_um!r}: must be a positive number")
        if self.frame_interval_min is not None and not self.frame_interval_min > 0:
            raise ValueError(
                f"frame_interval_min={self.frame_interval_min!r}: must be positive or None")
        self.channel_names = tuple(str(c) for c in self.channel_names)
        if len(self.channel_names) != self.data.shape[1]:
            raise ValueError(f"{len(self.channel_names)} channel names for "
                             f"{self.data.shape[1]} channels")
        self.origin_um = (float(self.origin_um[0]), float(self.origin_um[1]))

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(T, C, Y, X)."""
        return tuple(self.data.shape)

    @property
    def n_frames(self) -> int:
        """Number of frames T."""
        return int(self.data.shape[0])

    @property
    def width_um(self) -> float:
        """Width of the field of view, µm (X pixels times pixel size)."""
        return self.data.shape[3] * self.pixel_size_um

    @property
    def height_um(self) -> float:
        """Height of the field of view, µm."""
        return self.data.shape[2] * self.pixel_size_um

    def times_min(self) -> np.ndarray:
        """Time of each frame from the first.

        Returns
        -------
        ndarray, shape (T,)
            Minutes; NaN if the frame interval is unknown.
        """
        dt = np.nan if self.frame_interval_min is None else self.frame_interval_min
        return np.arange(self.n_frames) * dt

    def channel(self, name_or_index: str | int) -> np.ndarray:
        """One channel as a (T, Y, X) array (a view).

        Parameters
        ----------
        name_or_index : str or int
            Channel name or index.

        Returns
        -------
        ndarray, shape (T, Y, X)
            A view of ``data``.

        Raises
        ------
        ValueError
            If the name is not one of ``channel_names``.
        """
        if isinstance(name_or_index, str):
            if name_or_index not in self.channel_names:
                raise ValueError(f"channel {name_or_index!r} not in {self.channel_names}")
            name_or_index = self.channel_names.index(name_or_index)
        return self.data[:, int(name_or_index)]

    def __repr__(self) -> str:
        dt = "?" if self.frame_interval_min is None else f"{self.frame_interval_min:g} min"
        return (f"Movie(TCYX={self.shape}, {self.data.dtype}, {self.pixel_size_um:g} µm/px, "
                f"{dt}/frame, channels={list(self.channel_names)}, "
                f"truth={'yes' if self.truth is not None else 'no'})")

"""Open a lab's movie through bioio: one scene, one z handling, frames read on demand.

``open_movie`` gives a :class:`LabMovie`, which ``migrasome.analysis.analyze_movie`` takes as
it is (``data`` (T, C, Y, X) indexed one plane at a time, ``pixel_size_um``,
``frame_interval_min``, ``channel_names``, ``metadata``): z-stacks are projected plane by
plane as they are read, so memory stays at one stack.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..extras import require
from .metadata import MissingMetadataError, read_calibration

__all__ = ["LabMovie", "open_movie", "list_scenes", "resolve_channel", "Z_MODES",
           "PLUGINS"]

#: How a z-stack becomes a frame: a maximum-intensity projection, one plane, or the stack.
Z_MODES = ("mip", "slice", "3d")

#: The bioio plugin that reads each kind of file (all without Java).
PLUGINS = {".nd2": "bioio-nd2", ".czi": "bioio-czi", ".lif": "bioio-lif",
           ".ome.tif": "bioio-ome-tiff", ".ome.tiff": "bioio-ome-tiff",
           ".tif": "bioio-tifffile", ".tiff": "bioio-tifffile", ".zarr": "bioio-ome-zarr",
           ".oib": "oiffile", ".oif": "oiffile"}


def _suffix(path: Path) -> str:
    name = path.name.lower().rstrip("/")
    for suf in sorted(PLUGINS, key=len, reverse=True):
        if name.endswith(suf):
            return suf
    return path.suffix.lower()


class _Planes:
    """(T, C, Y, X) view of a (T, C, Z, Y, X) dask array: each item read and projected."""

    def __init__(self, stack, z_mode: str, z_index: int) -> None:
        self.stack = stack
        self.z_mode, self.z_index = z_mode, z_index
        T, C, _, Y, X = stack.shape
        self.shape = (int(T), int(C), int(Y), int(X))
        self.ndim = 4
        self.dtype = np.dtype(stack.dtype)

    def _proj(self):
        if self.z_mode == "slice" or self.stack.shape[2] == 1:
            return self.stack[:, :, self.z_index if self.z_mode == "slice" else 0]
        return self.stack.max(axis=2)

    def __getitem__(self, key) -> np.ndarray:
        return np.asarray(self._proj()[key])

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        a = np.asarray(self._proj())
        return a if dtype is None else a.astype(dtype)

    def __len__(self) -> int:
        return self.shape[0]


@dataclass
class LabMovie:
    """One scene of a microscope file, read lazily, with its calibration.

    Attributes
    ----------
    path : Path
    scene : str
        The scene (position) this movie is; ``scenes`` lists all of the file's.
    data : array-like, shape (T, C, Y, X)
        Frames after the z handling (``z_mode``); indexing reads only what it needs.
    pixel_size_um : float or None
    frame_interval_min : float or None
    z_step_um : float or None
    n_z : int
        Planes per stack in the file.
    z_mode : {"mip", "slice", "3d"}
    z_index : int
        The plane kept by ``z_mode="slice"``.
    channel_names : tuple of str
    scenes : tuple of str
    metadata : dict
        ``source_file``, ``scene``, ``reader`` (bioio plugin), ``dims``, ``z_mode``,
        ``calibration_sources`` (field → where it was read or ``"given"``).
    """

    path: Path
    scene: str
    data: Any
    pixel_size_um: float | None
    frame_interval_min: float | None
    z_step_um: float | None
    n_z: int
    z_mode: str
    z_index: int
    channel_names: tuple[str, ...]
    scenes: tuple[str, ...]
    metadata: dict[str, Any] = field(default_factory=dict)
    _stack: Any = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        """(T, C, Y, X) after the z handling."""
        t, c, y, x = self.data.shape
        return (t, c, y, x)

    def stack(self, t: int, channel: int | str = 0) -> np.ndarray:
        """The z-stack of frame ``t`` of one channel, shape (Z, Y, X)."""
        c = resolve_channel(channel, self.channel_names)
        return np.asarray(self._stack[t, c])

    def channel(self, channel: int | str = 0) -> np.ndarray:
        """One channel, all frames, shape (T, Y, X) (read into memory)."""
        c = resolve_channel(channel, self.channel_names)
        return np.asarray(self.data[:, c])

    def with_calibration(self, *, pixel_size_um: float | None = None,
                         frame_interval_min: float | None = None,
                         z_step_um: float | None = None) -> LabMovie:
        """This movie with its pixel size, interval and/or z step overridden."""
        import dataclasses

        ch: dict[str, Any] = {}
        src = dict(self.metadata.get("calibration_sources", {}))
        for k, v in (("pixel_size_um", pixel_size_um), ("frame_interval_min",
                                                          frame_interval_min),
                     ("z_step_um", z_step_um)):
            if v is not None:
                if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                    raise ValueError(f"{k}={v!r}: must be a positive number")
                ch[k] = float(v)
                src[k] = "given"
        meta = dict(self.metadata, calibration_sources=src)
        if "z_step_um" in ch:
            meta["z_step_um"] = ch["z_step_um"]
        return dataclasses.replace(self, **ch, metadata=meta)

    def require(self, *fields: str) -> LabMovie:
        """Raise :class:`MissingMetadataError` for the first of ``fields`` that is unknown.

        ``frame_interval_min`` is needed only for a time-lapse (more than one frame) and
        ``z_step_um`` only for ``z_mode="3d"``.
        """
        for f in fields:
            if f == "frame_interval_min" and self.shape[0] <= 1:
                continue
            if f == "z_step_um" and (self.z_mode != "3d" or self.n_z <= 1):
                continue
            if getattr(self, f) is None:
                raise MissingMetadataError(self.path, f)
        return self

    def __repr__(self) -> str:
        dt = "?" if self.frame_interval_min is None else f"{self.frame_interval_min:g} min"
        px = "?" if self.pixel_size_um is None else f"{self.pixel_size_um:g} µm"
        return (f"LabMovie({self.path.name}[{self.scene}], TCYX={self.shape}, z={self.n_z} "
                f"({self.z_mode}), {px}/px, {dt}/frame, channels={list(self.channel_names)})")


def resolve_channel(channel: int | str | None, names: tuple[str, ...] | list[str]) -> int:
    """A channel index from an index, an exact name, or a unique part of a name.

    Names match case-insensitively; ``"TSPAN4"`` finds ``"TSPAN4-GFP"`` if no other channel
    contains it.

    Raises
    ------
    ValueError
        Naming the channel asked for and the file's channels.
    """
    names = [str(n) for n in names]
    if channel is None:
        return 0
    if isinstance(channel, (int, np.integer)) or str(channel).lstrip("-").isdigit():
        c = int(channel)
        if not -len(names) <= c < len(names):
            raise ValueError(f"channel {channel!r}: the movie has {len(names)} channel(s) "
                             f"{names} (index 0..{len(names) - 1})")
        return c % len(names)
    want = str(channel).strip().lower()
    exact = [i for i, n in enumerate(names) if n.lower() == want]
    part = [i for i, n in enumerate(names) if want in n.lower()]
    hits = exact or part
    if len(hits) == 1:
        return hits[0]
    what = "matches several" if hits else "is none"
    raise ValueError(f"channel {channel!r} {what} of the movie's channels {names}; "
                     "give a name or an index")


def _bioimage(path: Path):
    require("formats", "bioio")
    from bioio import BioImage

    suf = _suffix(path)
    if suf in (".oib", ".oif"):
        return _oib_bioimage(path)
    try:
        img = BioImage(path)
    except FileNotFoundError:
        raise
    except Exception as e:  # bioio raises its own errors for files no plugin reads
        plug = PLUGINS.get(suf)
        hint = (f"install {plug} (pip install \"migrasome[formats]\")" if plug else
                "known formats: " + ", ".join(sorted(PLUGINS)))
        raise ValueError(f"{path}: cannot read this file ({type(e).__name__}: "
                         f"{str(e).splitlines()[0] if str(e) else ''}); {hint}") from None
    return img


def _oib_bioimage(path: Path):
    """An Olympus OIB/OIF file as an in-memory BioImage (bioio has no Java-free plugin)."""
    require("formats", "oiffile")
    import oiffile
    from bioio import BioImage
    from bioio_base.types import PhysicalPixelSizes

    with oiffile.OifFile(path) as oif:
        data = oif.asarray()
        axes = oif.series[0].axes if oif.series else oif.axes
        main = oif.mainfile
    axes = "".join(a for a in str(axes).upper() if a in "TCZYX")[-data.ndim:]
    if len(axes) != data.ndim:
        raise ValueError(f"{path}: cannot map the OIB axes {axes!r} to shape {data.shape}")
    cal: dict[str, float] = {}
    names: list[str] = []
    for i in range(8):
        sec = main.get(f"Axis {i} Parameters Common", {})
        code, n = str(sec.get("AxisCode", "")), int(sec.get("MaxSize", 0) or 0)
        lo, hi = sec.get("StartPosition"), sec.get("EndPosition")
        if code in "XYZT" and code and n > 1 and lo is not None and hi is not None:
            step = abs(float(hi) - float(lo)) / (n - (0 if code in "XY" else 1))
            unit = str(sec.get("UnitName", "")).lower()
            if code == "T":
                step *= {"ms": 1 / 60000, "s": 1 / 60, "min": 1.0}.get(unit, 1 / 60000)
            elif unit == "nm":
                step *= 1e-3
            cal[code] = step
    ref = main.get("Reference Image Parameter", {})
    for code, key in (("X", "WidthConvertValue"), ("Y", "HeightConvertValue")):
        v = ref.get(key)  # µm per pixel, as FluoView states it
        if v is not None and float(v) > 0:
            cal[code] = float(v)
    for k in range(1, 64):
        sec = main.get(f"Channel {k} Parameters")
        if sec is None:
            break
        names.append(str(sec.get("DyeName") or sec.get("ChannelName") or f"channel {k - 1}"))
    kw: dict[str, Any] = {"dim_order": axes, "physical_pixel_sizes": PhysicalPixelSizes(
        cal.get("Z"), cal.get("Y"), cal.get("X"))}
    if "C" in axes and len(names) == data.shape[axes.index("C")]:
        kw["channel_names"] = names
    img = BioImage(data, **kw)
    img._oib_interval_min = cal.get("T")  # type: ignore[attr-defined]  # read by metadata
    return img


def _unnamed_tiff_stack(path: Path) -> bool:
    """A TIFF whose planes no metadata names (not OME, not ImageJ)."""
    if _suffix(path) not in (".tif", ".tiff"):
        return False
    import tifffile

    with tifffile.TiffFile(path) as tf:
        return not (tf.is_ome or tf.is_imagej)


def list_scenes(path: str | os.PathLike) -> tuple[str, ...]:
    """The scenes (positions, series) of a microscope file."""
    return tuple(str(s) for s in _bioimage(Path(path)).scenes)


def _set_scene(img, scene: str | int | None, path: Path) -> str:
    scenes = [str(s) for s in img.scenes]
    if scene is None:
        return scenes[0]
    if isinstance(scene, (int, np.integer)) or str(scene).isdigit():
        k = int(scene)
        if not 0 <= k < len(scenes):
            raise ValueError(f"{path}: scene {scene!r} out of range; the file has "
                             f"{len(scenes)} scene(s) {scenes}")
        img.set_scene(k)
        return scenes[k]
    if str(scene) not in scenes:
        raise ValueError(f"{path}: no scene {scene!r}; the file's scenes are {scenes}")
    img.set_scene(str(scene))
    return str(scene)


def open_movie(path: str | os.PathLike, *, scene: str | int | None = None,
               z: str = "mip", z_index: int | None = None,
               pixel_size_um: float | None = None,
               frame_interval_min: float | None = None,
               z_step_um: float | None = None) -> LabMovie:
    """Open one scene of a microscope file (.nd2, .czi, .lif, .oib, OME-TIFF, TIFF, OME-Zarr).

    Parameters
    ----------
    path : path-like
    scene : str or int, optional
        Scene (position) name or index; default the first.
    z : {"mip", "slice", "3d"} or "slice:N"
        What a frame of a z-stack is: the maximum-intensity projection (default, what labs
        do), one plane (``z_index`` or N, default the middle one), or the whole stack (``data``
        then holds the projection, on which cells and RFs are found, and
        :meth:`LabMovie.stack` the planes, in which ``analyze_movie`` measures migrasomes).
    z_index : int, optional
        The plane for ``z="slice"``.
    pixel_size_um, frame_interval_min, z_step_um : float, optional
        Override (or supply) the file's calibration.

    Returns
    -------
    LabMovie
        Calibration values the file lacks are None; call :meth:`LabMovie.require` to turn a
        missing one into a :class:`MissingMetadataError` that names the override flag.

    Raises
    ------
    FileNotFoundError, ValueError
        No such file; an unreadable file (naming the plugin to install); an unknown scene,
        z mode or plane.

    Examples
    --------
    >>> mov = open_movie("experiment.nd2", scene=0)            # doctest: +SKIP
    >>> mov.channel_names, mov.pixel_size_um, mov.frame_interval_min   # doctest: +SKIP
    (('TSPAN4-GFP', 'WGA-647'), 0.108, 2.0)
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    if str(z).startswith("slice:") and str(z)[6:].isdigit():  # the CLI's --z slice:N
        z, z_index = "slice", int(str(z)[6:])
    if z not in Z_MODES:
        raise ValueError(f"z={z!r}: must be one of {list(Z_MODES)}")
    img = _bioimage(path)
    name = _set_scene(img, scene, path)
    cal = read_calibration(img, path)
    if cal["frame_interval_min"] is None and getattr(img, "_oib_interval_min", None):
        cal["frame_interval_min"] = img._oib_interval_min
        cal["sources"]["frame_interval_min"] = "OIB axis parameters"
    stack = img.get_image_dask_data("TCZYX")
    if stack.shape[0] == 1 and stack.shape[2] > 1 and _unnamed_tiff_stack(path):
        stack = stack.transpose(2, 1, 0, 3, 4)  # a plain stack of frames is a time-lapse
        cal["sources"]["axes"] = "unnamed TIFF stack read as time"
    n_z = int(stack.shape[2])
    k = n_z // 2 if z_index is None else int(z_index)
    if not 0 <= k < n_z:
        raise ValueError(f"{path}: z_index={z_index!r} out of range; the stack has {n_z} "
                         f"plane(s) (0..{n_z - 1})")
    names = tuple(cal["channel_names"]) or tuple(f"channel {i}" for i in range(stack.shape[1]))
    if len(names) != stack.shape[1]:
        names = tuple(f"channel {i}" for i in range(stack.shape[1]))
    mov = LabMovie(
        path=path, scene=name, data=_Planes(stack, z, k), pixel_size_um=cal["pixel_size_um"],
        frame_interval_min=cal["frame_interval_min"], z_step_um=cal["z_step_um"], n_z=n_z,
        z_mode=z, z_index=k, channel_names=names, scenes=tuple(str(s) for s in img.scenes),
        metadata={"source_file": path.name, "scene": name,
                  "reader": type(img.reader).__module__.split(".")[0],
                  "dims": str(img.dims), "z_mode": z, "n_z": n_z,
                  "z_step_um": cal["z_step_um"],
                  "calibration_sources": cal["sources"]},
        _stack=stack)
    return mov.with_calibration(pixel_size_um=pixel_size_um,
                                frame_interval_min=frame_interval_min, z_step_um=z_step_um)

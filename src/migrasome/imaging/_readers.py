"""Open a TIFF or Zarr movie lazily and present it as (T, C, Y, X) with its calibration."""

from __future__ import annotations

import json
import logging
import math
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..extras import require

__all__ = ["Source", "open_source", "axis_roles"]

_LENGTH_UM = {"µm": 1.0, "um": 1.0, "micron": 1.0, "microns": 1.0, "micrometer": 1.0,
              "\\u00b5m": 1.0, "nm": 1e-3, "nanometer": 1e-3, "mm": 1e3, "millimeter": 1e3,
              "cm": 1e4, "m": 1e6, "meter": 1e6, "å": 1e-4, "angstrom": 1e-4}
_TIME_MIN = {"min": 1.0, "minute": 1.0, "s": 1 / 60, "sec": 1 / 60, "second": 1 / 60,
             "ms": 1 / 60000, "millisecond": 1 / 60000, "h": 60.0, "hour": 60.0}


def _unit(table: dict, unit: str | None, default: float | None = None) -> float | None:
    if unit is None:
        return default
    return table.get(str(unit).strip().lower(), table.get(str(unit).strip(), None))


def axis_roles(axes: str, shape: tuple[int, ...], path: Path) -> dict[int, str]:
    """Map each file axis to T, C, Y, X or ``drop`` (a singleton to index with 0).

    Raises
    ------
    ValueError
        Naming the file, its axes and shape, when they cannot be read as a TCYX movie.
    """
    what = f"{path}: axes {axes!r} with shape {tuple(shape)}"
    if len(axes) != len(shape) or "Y" not in axes or "X" not in axes:
        raise ValueError(f"{what}: need named Y and X axes (2-D YX, 3-D TYX or 4-D TCYX)")
    roles: dict[int, str] = {}
    has_t = "T" in axes
    for i, (a, n) in enumerate(zip(axes, shape)):
        if a in "YXTC":
            roles[i] = a
        elif a in "IQ" and not has_t and "T" not in roles.values():
            roles[i] = "T"
        elif a == "S" and n > 1:
            roles[i] = "C"
        elif n == 1:
            roles[i] = "drop"
        elif a == "Z":
            raise ValueError(f"{what}: a z-stack ({n} planes) is not a 2-D time-lapse; "
                             "project it (e.g. maximum intensity) first")
        else:
            raise ValueError(f"{what}: cannot interpret axis {a!r} of size {n}")
    for r in "TC":  # two candidates (C and S): keep the one that is not a singleton
        hits = [i for i, v in roles.items() if v == r]
        big = [i for i in hits if shape[i] > 1]
        if len(big) > 1:
            raise ValueError(f"{what}: more than one axis of size > 1 would be {r}")
        keep = big[0] if big else (hits[0] if hits else None)
        for i in hits:
            if i != keep:
                roles[i] = "drop"
    return roles


@dataclass
class Source:
    """A movie file opened lazily: ``arr`` indexed in file order, ``roles`` per file axis."""

    path: Path
    kind: str
    arr: Any
    roles: dict[int, str]
    pixel_size_um: float | None = None
    frame_interval_min: float | None = None
    channel_names: tuple[str, ...] = ()
    origin_um: tuple[float, float] = (0.0, 0.0)
    metadata: dict = field(default_factory=dict)
    closer: Any = None

    def __post_init__(self) -> None:
        shp = tuple(self.arr.shape)
        get = {r: shp[i] for i, r in self.roles.items() if r != "drop"}
        self.shape = (get.get("T", 1), get.get("C", 1), get["Y"], get["X"])
        self.dtype = self.arr.dtype
        if 0 in self.shape or 0 in shp:
            raise ValueError(f"{self.path}: the movie is empty (shape {shp})")
        names = tuple(self.channel_names)
        if len(names) != self.shape[1]:
            names = tuple(f"channel {i}" for i in range(self.shape[1]))
        self.channel_names = names

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc) -> None:
        if self.closer is not None:
            self.closer()

    def _read(self, index: tuple) -> np.ndarray:
        try:
            return np.asarray(self.arr[index])
        except Exception as e:  # decoding errors, missing bytes
            raise ValueError(f"{self.path}: cannot read the pixel data "
                             f"({type(e).__name__}: {e}); the file may be truncated") from e

    def _to_tcyx(self, a: np.ndarray, kept: list[str]) -> np.ndarray:
        order = [kept.index(r) if r in kept else None for r in "TCYX"]
        for pos, o in enumerate(order):
            if o is None:
                a = np.expand_dims(a, -1)
                kept = kept + ["TCYX"[pos]]
        return np.transpose(a, [kept.index(r) for r in "TCYX"])

    def read_all(self) -> np.ndarray:
        """The whole movie, (T, C, Y, X)."""
        idx = tuple(0 if self.roles[i] == "drop" else slice(None) for i in range(len(self.roles)))
        kept = [self.roles[i] for i in range(len(self.roles)) if self.roles[i] != "drop"]
        return np.ascontiguousarray(self._to_tcyx(self._read(idx), kept))

    def read_frame(self, t: int, channels: list[int]) -> np.ndarray:
        """Frame ``t``, channels ``channels``: (len(channels), Y, X)."""
        idx: list[int | slice] = []
        kept: list[str] = []
        for i in range(len(self.roles)):
            r = self.roles[i]
            if r == "drop":
                idx.append(0)
            elif r == "T":
                idx.append(t)
            else:
                idx.append(slice(None))
                kept.append(r)
        a = self._to_tcyx(self._read(tuple(idx))[None], ["T"] + kept)[0]
        return a[channels] if len(channels) != a.shape[0] else a


class _Log(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def open_source(path: str | os.PathLike) -> Source:
    """Open a TIFF file or a Zarr folder (sniffed: a folder is Zarr)."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder")
    return _open_zarr(path) if path.is_dir() else _open_tiff(path)


def _open_tiff(path: Path) -> Source:
    require("imaging")
    import tifffile

    log, logger = _Log(), logging.getLogger("tifffile")
    logger.addHandler(log)
    old = logger.propagate
    logger.propagate = False
    tf = None
    try:
        try:
            tf = tifffile.TiffFile(path)
            series = tf.series[0] if tf.series else None
            damaged = [m for m in log.messages if "invalid" in m or "corrupt" in m
                       or "raised" in m]
            if damaged:
                raise ValueError("the file is truncated or corrupt (damaged TIFF structure: "
                                 f"{_terse(damaged[0])})")
            if series is None:
                raise ValueError("no image data in the file")
            size = path.stat().st_size
            for page in series.pages:
                if page is None:
                    continue
                ends = np.add(page.dataoffsets, page.databytecounts)
                if len(ends) and int(np.max(ends)) > size:
                    raise ValueError(f"the file is truncated: pixel data end at byte "
                                     f"{int(np.max(ends))} but it has {size} bytes")
            axes, shape = series.axes, tuple(series.shape)
            arr = _page_array(series)
        except ValueError as e:
            why = str(e) if str(e).startswith(("the file", "no image")) else (
                f"the file is truncated, corrupt or not a TIFF ({_terse(str(e))})")
            raise ValueError(f"{path}: not a readable TIFF movie: {why}") from e
        except Exception as e:
            raise ValueError(f"{path}: not a readable TIFF movie: the file is truncated, "
                             f"corrupt or not a TIFF ({_terse(str(e))})") from e
        roles = axis_roles(axes, shape, path)
        meta = _tiff_calibration(tf, series)
        return Source(path=path, kind="tiff", arr=arr, roles=roles, closer=tf.close, **meta)
    except BaseException:
        if tf is not None:
            tf.close()
        raise
    finally:
        logger.removeHandler(log)
        logger.propagate = old


class _Pages:
    """A TIFF series as an array indexed like NumPy, decoding only the pages asked for.

    One page per plane of the leading axes (T, C, Z ...), in C order: the layout of every
    movie a microscope or Fiji writes. Importing Zarr to get the same costs 0.2 s per process.
    """

    def __init__(self, series) -> None:
        self.pages = series.pages
        self.shape = tuple(series.shape)
        self.dtype = np.dtype(series.dtype)
        self.page_shape = tuple(self.pages[0].shape)
        self.lead = self.shape[: len(self.shape) - len(self.page_shape)]

    def __getitem__(self, index: tuple) -> np.ndarray:
        index = tuple(index) + (slice(None),) * (len(self.shape) - len(index))
        n = len(self.lead)
        grids = [np.arange(m)[i] for m, i in zip(self.lead, index[:n])]
        picks = np.ix_(*[np.atleast_1d(g) for g in grids]) if n else ()
        flat = np.ravel_multi_index(picks, self.lead) if n else np.zeros((), int)
        rest = index[n:]
        out = np.stack([np.asarray(self.pages[int(k)].asarray())[rest]
                        for k in np.ravel(flat)])
        lead_shape = tuple(np.shape(g) for g in grids)
        return out.reshape(sum(lead_shape, ()) + out.shape[1:])


def _page_array(series) -> Any:
    """``_Pages`` where the series has one page per plane, else a Zarr view of it."""
    pages = series.pages
    lead = series.shape[: len(series.shape) - len(pages[0].shape)] if len(pages) else ()
    if (len(pages) and all(p is not None for p in pages) and len(pages) == int(np.prod(lead))
            and tuple(series.shape[len(lead):]) == tuple(pages[0].shape)):
        return _Pages(series)
    import zarr

    return zarr.open(series.aszarr(), mode="r")


def _terse(message: str) -> str:
    """tifffile's message without its internal call names."""
    m = re.sub(r"<[^>]*>\s*(raised\s*)?", "", message)
    m = re.sub(r"^\w+Error\('?(.*?)'?\)$", r"\1", m.strip())
    return m[:120]


def _tiff_calibration(tf, series) -> dict:
    out: dict[str, Any] = {}
    if tf.is_ome and tf.ome_metadata:
        root = ET.fromstring(tf.ome_metadata)
        image = next((e for e in root.iter() if e.tag.endswith("}Image")), None)
        pixels = next((e for e in root.iter() if e.tag.endswith("}Pixels")), None)
        if pixels is not None:
            a = pixels.attrib
            if "PhysicalSizeX" in a:
                f = _unit(_LENGTH_UM, a.get("PhysicalSizeXUnit"), 1.0)
                out["pixel_size_um"] = float(a["PhysicalSizeX"]) * f if f else None
            if "TimeIncrement" in a:
                f = _unit(_TIME_MIN, a.get("TimeIncrementUnit"), 1 / 60)  # OME default: s
                out["frame_interval_min"] = float(a["TimeIncrement"]) * f if f else None
            names = [c.attrib.get("Name", f"channel {i}") for i, c in
                     enumerate(e for e in pixels if e.tag.endswith("}Channel"))]
            out["channel_names"] = tuple(names)
        desc = next((e for e in (image if image is not None else []) if
                     e.tag.endswith("}Description")), None)
        if desc is not None and desc.text:
            try:
                extra = json.loads(desc.text)
                out["origin_um"] = tuple(extra.get("origin_um", (0.0, 0.0)))
                out["metadata"] = dict(extra.get("metadata", {}))
            except (ValueError, AttributeError):
                out["metadata"] = {"description": desc.text}
    elif tf.is_imagej:
        ij = tf.imagej_metadata or {}
        res = tf.pages[0].tags.get("XResolution")
        f = _unit(_LENGTH_UM, ij.get("unit"))
        if res is not None and f:
            num, den = res.value
            if num:
                out["pixel_size_um"] = den / num * f
        if ij.get("finterval"):
            g = _unit(_TIME_MIN, ij.get("tunit"), 1 / 60) or 1 / 60
            out["frame_interval_min"] = float(ij["finterval"]) * g
        if isinstance(ij.get("Labels"), (list, tuple)):
            out["channel_names"] = tuple(ij["Labels"])
    else:
        page = tf.pages[0]
        res, unit = page.tags.get("XResolution"), page.tags.get("ResolutionUnit")
        if res is not None and unit is not None and int(unit.value) == 3 and res.value[0]:
            out["pixel_size_um"] = 1e4 * res.value[1] / res.value[0]  # pixels per cm
    px = out.get("pixel_size_um")
    if px is not None and not (math.isfinite(px) and px > 0):
        out["pixel_size_um"] = None
    return out


def _open_zarr(path: Path) -> Source:
    require("imaging", "zarr")
    import zarr

    try:
        node: Any = zarr.open(str(path), mode="r")
        attrs: dict[str, Any] = dict(node.attrs)  # JSON: checked as it is read
        ome: dict[str, Any] = attrs.get("ome", attrs)
        ms = ome.get("multiscales")
        scale, axes = None, None
        units: list[Any] | None = None
        arr: Any
        if isinstance(node, zarr.Group):
            if ms:
                m = ms[0]
                ds = m["datasets"][0]
                arr = node[ds["path"]]
                axes = [(a["name"] if isinstance(a, dict) else a) for a in m.get("axes", [])]
                units = [(a.get("unit") if isinstance(a, dict) else None)
                         for a in m.get("axes", [])]
                scale = np.ones(arr.ndim)
                for tr in list(ds.get("coordinateTransformations", [])) + list(
                        m.get("coordinateTransformations", [])):
                    if tr.get("type") == "scale":
                        scale = scale * np.asarray(tr["scale"], float)
            elif "0" in node:
                arr = node["0"]
            else:
                raise ValueError("a Zarr group with neither OME-NGFF multiscales nor array '0'")
        else:
            arr = node
    except ValueError as e:
        raise ValueError(f"{path}: not a readable Zarr movie: {e}") from e
    except Exception as e:
        raise ValueError(f"{path}: not a readable Zarr movie ({type(e).__name__}: {e})") from e
    shape = tuple(arr.shape)
    if axes:
        letters = "".join(str(a)[0].upper() for a in axes)
    else:
        guess = {2: "YX", 3: "TYX", 4: "TCYX"}.get(arr.ndim)
        if guess is None:
            raise ValueError(f"{path}: {arr.ndim}-D array without OME-NGFF axes; "
                             "expected 2-D YX, 3-D TYX or 4-D TCYX")
        letters = guess
    roles = axis_roles(letters, shape, path)
    out: dict[str, Any] = {}
    if scale is not None:
        for i, r in roles.items():
            u = units[i] if units and i < len(units) else None
            if r == "X":
                f = _unit(_LENGTH_UM, u, 1.0)
                out["pixel_size_um"] = float(scale[i]) * f if f else None
            elif r == "T" and u is not None:
                f = _unit(_TIME_MIN, u)
                out["frame_interval_min"] = float(scale[i]) * f if f else None
    chans = ome.get("omero", {}).get("channels", [])
    if chans:
        out["channel_names"] = tuple(c.get("label", f"channel {i}") for i, c in enumerate(chans))
    extra = attrs.get("migrasome", {})
    if extra:
        out["origin_um"] = tuple(extra.get("origin_um", (0.0, 0.0)))
        out["metadata"] = dict(extra.get("metadata", {}))
    return Source(path=path, kind="zarr", arr=arr, roles=roles, **out)

"""Calibration from a microscope file's metadata: pixel size, z step, frame interval, channels.

bioio's readers agree on pixel sizes (µm) but not on the frame interval: ND2, CZI and LIF
readers give a ``timedelta``, OME-Zarr a number in the axis' unit, OME-TIFF and ImageJ TIFF
often nothing. So the interval is looked for in order: bioio's standard metadata, the
reader's ``time_interval``, the OME ``Pixels/@TimeIncrement`` (or the mean ``Plane/@DeltaT``
step), and the ImageJ ``finterval``. Each value found is returned with where it came from.
"""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Any

__all__ = ["MissingMetadataError", "read_calibration", "TIME_TO_MIN", "LENGTH_TO_UM"]

#: Minutes per unit of time, for the unit spellings the formats use.
TIME_TO_MIN = {"min": 1.0, "minute": 1.0, "minutes": 1.0, "m": 1.0, "s": 1 / 60,
               "sec": 1 / 60, "second": 1 / 60, "seconds": 1 / 60, "ms": 1 / 60000,
               "millisecond": 1 / 60000, "h": 60.0, "hour": 60.0, "hours": 60.0,
               "us": 1 / 6e7, "µs": 1 / 6e7, "microsecond": 1 / 6e7}
#: Micrometres per unit of length.
LENGTH_TO_UM = {"µm": 1.0, "um": 1.0, "micron": 1.0, "microns": 1.0, "micrometer": 1.0,
                "micrometre": 1.0, "nm": 1e-3, "nanometer": 1e-3, "mm": 1e3,
                "millimeter": 1e3, "\\u00b5m": 1.0}

_FLAGS = {"pixel_size_um": "--pixel-size-um", "frame_interval_min": "--interval-min",
          "z_step_um": "--z-step-um"}
_FIELDS = {"pixel_size_um": "a pixel size (OME PhysicalSizeX, ImageJ resolution, ND2/CZI/LIF "
                            "calibration)",
           "frame_interval_min": "a frame interval (OME TimeIncrement or Plane DeltaT, ImageJ "
                                 "finterval, the ND2/CZI/LIF time loop)",
           "z_step_um": "a z step (OME PhysicalSizeZ, ImageJ spacing)"}


class MissingMetadataError(ValueError):
    """A calibration value the analysis needs is neither in the file nor given."""

    def __init__(self, path: Path | str, field: str) -> None:
        self.path, self.field, self.flag = str(path), field, _FLAGS[field]
        super().__init__(
            f"{path}: the file's metadata give no {_FIELDS[field]}; pass {self.flag} "
            f"(Python: {field}=...) to supply it")


def _minutes(value: Any, unit: Any = None) -> float | None:
    """A time (timedelta, or a number with a unit, default seconds) in minutes."""
    if value is None:
        return None
    if isinstance(value, timedelta):
        v = value.total_seconds() / 60
    else:
        try:
            v = float(getattr(value, "magnitude", value))
        except (TypeError, ValueError):
            return None
        u = getattr(unit, "value", unit)
        if u is None and hasattr(value, "units"):  # a pint quantity
            u = str(value.units)
        u = "s" if u is None else str(u).strip().lower()
        if u not in TIME_TO_MIN:
            return None
        v *= TIME_TO_MIN[u]
    return v if math.isfinite(v) and v > 0 else None


def _positive(v: Any) -> float | None:
    try:
        v = float(v)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) and v > 0 else None


def _ome_interval(img) -> tuple[float | None, str | None]:
    try:
        ome = img.ome_metadata
        px = ome.images[img.current_scene_index].pixels
    except Exception:  # readers without OME metadata raise various errors
        return None, None
    v = _minutes(getattr(px, "time_increment", None), getattr(px, "time_increment_unit", None))
    if v is not None:
        return v, "OME Pixels/@TimeIncrement"
    planes = [p for p in (getattr(px, "planes", None) or [])
              if p.the_z == 0 and p.the_c == 0 and p.delta_t is not None]
    if len(planes) >= 2:
        planes.sort(key=lambda p: p.the_t)
        span = _minutes(planes[-1].delta_t - planes[0].delta_t, planes[0].delta_t_unit)
        steps = planes[-1].the_t - planes[0].the_t
        if span is not None and steps > 0:
            return span / steps, "OME Plane/@DeltaT"
    return None, None


def _imagej(path: Path) -> tuple[dict, bool]:
    """ImageJ metadata, and whether the TIFF's resolution is a calibration at all."""
    if path.suffix.lower() not in (".tif", ".tiff") or not path.is_file():
        return {}, True
    try:
        import tifffile

        with tifffile.TiffFile(path) as tf:
            unit = tf.pages[0].tags.get("ResolutionUnit")
            calibrated = tf.is_ome or (unit is not None and int(unit.value) != 1)
            ij = dict(tf.imagej_metadata or {})
            return ij, calibrated or bool(ij.get("unit"))
    except Exception:  # not a TIFF tifffile can parse: no ImageJ metadata
        return {}, True


def read_calibration(img, path: Path) -> dict[str, Any]:
    """Pixel size, z step, frame interval and channel names of the current scene.

    Parameters
    ----------
    img : bioio.BioImage
        With its scene set.
    path : Path
        The file (for ImageJ metadata, which bioio does not expose).

    Returns
    -------
    dict
        ``pixel_size_um``, ``z_step_um``, ``frame_interval_min`` (None when absent),
        ``channel_names`` (list of str) and ``sources`` (field → where it was read).
    """
    sources: dict[str, str] = {}
    pps = img.physical_pixel_sizes
    px = _positive(pps.X) or _positive(pps.Y)
    if px is not None:
        sources["pixel_size_um"] = "bioio physical_pixel_sizes"
    dz = _positive(pps.Z)
    if dz is not None:
        sources["z_step_um"] = "bioio physical_pixel_sizes"
    dt = None
    try:
        dt = _minutes(img.standard_metadata.timelapse_interval)
    except Exception:  # a reader's standard metadata may fail on odd files
        dt = None
    if dt is not None:
        sources["frame_interval_min"] = "bioio standard_metadata.timelapse_interval"
    else:
        try:
            ti = img.time_interval
        except Exception:
            ti = None
        dt = _minutes(ti) if isinstance(ti, timedelta) else None
        if dt is not None:
            sources["frame_interval_min"] = "bioio time_interval"
    if dt is None:
        dt, where = _ome_interval(img)
        if dt is not None and where is not None:
            sources["frame_interval_min"] = where
    names = [str(c) for c in (img.channel_names or [])]
    ij, calibrated = _imagej(path)
    if not calibrated:  # a resolution of 1 per pixel with no unit: TIFF's default, not a size
        px = None
        sources.pop("pixel_size_um", None)
    if ij:
        if dt is None and ij.get("finterval"):
            dt = _minutes(ij["finterval"], ij.get("tunit", "s"))
            if dt is not None:
                sources["frame_interval_min"] = "ImageJ finterval"
        labels = ij.get("Labels") or []
        n_c = len(names)
        if labels and n_c and all(n.startswith("Channel:") for n in names) \
                and len(labels) >= n_c:
            names = [str(s) for s in labels[:n_c]]  # plane labels: the first C are z=0, t=0
            sources["channel_names"] = "ImageJ Labels"
    return {"pixel_size_um": px, "z_step_um": dz, "frame_interval_min": dt,
            "channel_names": names, "sources": sources}

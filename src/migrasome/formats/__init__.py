"""Lab microscope files in: .nd2, .czi, .lif, .oib, OME-TIFF, ImageJ TIFF, OME-Zarr.

Files are opened through bioio and its Java-free format plugins (the ``formats`` extra);
pixel size, frame interval, z step and channel names come from the file's metadata, with
overrides, and a clear error naming the override flag when one is missing. See
``docs/formats.md``.

``open_movie``      one scene (position) of a file as a lazily read :class:`LabMovie`
``list_scenes``     the scenes of a file
``resolve_channel`` a channel by index, name or unique part of a name
``analysis_input``  a LabMovie as the analysis takes it (checked calibration, one channel)
"""

from .metadata import MissingMetadataError, read_calibration
from .reader import PLUGINS, Z_MODES, LabMovie, list_scenes, open_movie, resolve_channel

__all__ = ["open_movie", "list_scenes", "resolve_channel", "LabMovie", "MissingMetadataError",
           "read_calibration", "Z_MODES", "PLUGINS", "is_lab_file", "analysis_input"]

#: Suffixes that the package's own readers (migrasome.imaging) already read.
_NATIVE = (".ome.tif", ".ome.tiff", ".tif", ".tiff", ".ome.zarr", ".zarr")


def is_lab_file(path) -> bool:
    """True for a file only the bioio readers open (.nd2, .czi, .lif, .oib, .oif)."""
    name = str(path).lower().rstrip("/")
    return not name.endswith(_NATIVE) and any(name.endswith(s) for s in PLUGINS)


def analysis_input(movie: LabMovie, *, channel=None) -> tuple[LabMovie, int]:
    """Check a movie's calibration for analysis; return it and the channel index.

    Raises
    ------
    MissingMetadataError
        No pixel size (or no interval for a time-lapse, or no z step for ``z_mode="3d"``):
        names ``--pixel-size-um`` / ``--interval-min`` / ``--z-step-um``.
    ValueError
        An unknown channel.
    """
    movie.require("pixel_size_um", "frame_interval_min", "z_step_um")
    return movie, resolve_channel(channel, movie.channel_names)

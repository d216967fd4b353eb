"""Imaging: render a simulation as a microscope would see it, and read/write movies.

``render_movie`` turns a :class:`~migrasome.Results` into a :class:`Movie` (a TSPAN4-GFP
time-lapse with realistic optics and camera noise, and its ground truth in image µm);
``write_movie`` / ``read_movie`` / ``iter_frames`` move movies to and from OME-TIFF and
OME-Zarr. See ``docs/imaging.md``.
"""

from ..extras import require

# checked here, at the entry point, rather than when a long render is written
require("imaging", "tifffile")

from .io import iter_frames, movie_info, read_movie, truth_path, write_movie  # noqa: E402
from .movie import Movie  # noqa: E402
from .optics import axial_sigma_um, psf_sigma_um  # noqa: E402
from .render import LABELS, Renderer, render_movie  # noqa: E402
from .scene import synthetic_results  # noqa: E402

__all__ = [
    "Movie",
    "render_movie",
    "Renderer",
    "LABELS",
    "write_movie",
    "read_movie",
    "iter_frames",
    "movie_info",
    "truth_path",
    "synthetic_results",
    "psf_sigma_um",
    "axial_sigma_um",
]

"""Analysis of fluorescence time-lapse movies: cells, retraction fibres and migrasomes.

``analyze_movie`` turns a movie (real or rendered) into the same tables a simulation records
(see :mod:`migrasome.results`); ``compare_results`` scores those tables against a truth.
The steps are usable one by one, each taking a 2-D frame first:

``preprocess``  background, noise, PSF width
``cells``       cell bodies (opening + threshold + size filter)
``blobs``       LoG candidates on a pyramid, one scale at a time
``migrasomes``  azimuthal-median profile fit of a blurred shell → diameter, roundness
``classify``    candidate features and the trained classifier (``train`` rebuilds it)
``detect``      candidates → features → classifier → migrasomes of a frame
``fibers``      ridge filter, skeleton, branch graph (``skeleton``), spurs pruned
``assign``      migrasome → fibre → cell
``zstack``      z-stacks: each migrasome's diameter and height from a 3-D shell fit
``tracking``    frame-to-frame linking with gaps (Hungarian assignment)
``tables``      per-frame detections → schema tables
``pipeline``    all of it, one frame at a time (``frames``: reading a movie frame by frame)
``compare``     precision, recall, F1, diameter and per-cell count errors
``summary``     read-outs: per cell, per 100 µm RF, diameters, lifetimes
``overlay``     figures and movies for checking by eye
``output``      an analysis folder on disk (``write_analysis``)
"""

from ..extras import require

require("analysis", "skimage", "sklearn")

from .compare import compare_results, match_frames  # noqa: E402
from .output import write_analysis  # noqa: E402
from .pipeline import Options, analyze_frame, analyze_movie  # noqa: E402

__all__ = ["analyze_movie", "analyze_frame", "Options", "compare_results", "match_frames",
           "write_analysis"]

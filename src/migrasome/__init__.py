"""migrasome: simulate, solve, image and analyse the organelles of migrating cells."""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("migrasome")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

from .results import Results, load_results

__all__ = ["Results", "load_results", "__version__"]

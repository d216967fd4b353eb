"""migrasome: simulate, solve, image and analyse the organelles of migrating cells.

The public API, short:

``simulate``            run a preset or Scenario → :class:`Results`
``Scenario``, ``load_preset``, ``list_presets``, ``list_perturbations``
``Results``, ``load_results``
``solve_tube``          membrane shape of an RF with a stiff tetraspanin domain
``render_movie``        a Results as a microscope movie (needs the ``imaging`` extra)
``analyze``             a movie → Results-shaped tables (needs the ``analysis`` extra)
``compare_results``     detections against truth
"""

from importlib.metadata import PackageNotFoundError, version as _version

try:
    __version__ = _version("migrasome")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0+unknown"

from .perturbations import list_perturbations
from .results import Results, load_results
from .scenario import Scenario, list_presets, load_preset
from .simulate import simulate

__all__ = ["simulate", "Scenario", "load_preset", "list_presets", "list_perturbations",
           "Results", "load_results", "solve_tube", "render_movie", "analyze",
           "compare_results", "sweep", "__version__"]

_LAZY = {  # heavier parts, imported on first use
    "solve_tube": ("membrane", "solve_tube"),
    "render_movie": ("imaging", "render_movie"),
    "analyze": ("analysis", "analyze_movie"),
    "compare_results": ("analysis", "compare_results"),
    "sweep": ("sweep", "sweep"),
}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module

        mod, attr = _LAZY[name]
        return getattr(import_module(f".{mod}", __name__), attr)
    raise AttributeError(f"module 'migrasome' has no attribute {name!r}")

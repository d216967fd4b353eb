"""migrasome: simulate, solve, image and analyse the organelles of migrating cells.

The public API, short:

``simulate``            run a preset or Scenario → :class:`Results`
``Scenario``, ``load_preset``, ``list_presets``, ``list_perturbations``
``Results``, ``load_results``
``solve_tube``          membrane shape of an RF with a stiff tetraspanin domain
``render_movie``        a Results as a microscope movie (needs the ``imaging`` extra)
``read_movie``, ``write_movie``  movies to and from OME-TIFF / OME-Zarr (``imaging`` extra)
``analyze``             a movie → Results-shaped tables (needs the ``analysis`` extra)
``compare_results``     detections against truth (``analysis`` extra)
``sweep``               many runs: grids, designs, × seeds, local or Dask (``sweep`` extra)

The heavier parts load on first use (as scikit-image does); ``__init__.pyi`` declares them
for type checkers and ``dir(migrasome)`` lists them.
"""

from importlib import import_module
from typing import Any

from ._version import __version__
from .results import Results, load_results

#: Imported on first use: public name → (submodule, attribute). The scenario's parameter
#: models cost 0.15 s to import, which an analysis of a movie never needs.
_LAZY = {
    "simulate": ("simulation", "simulate"),
    "Scenario": ("scenario", "Scenario"),
    "load_preset": ("scenario", "load_preset"),
    "list_presets": ("scenario", "list_presets"),
    "list_perturbations": ("perturbations", "list_perturbations"),
    "solve_tube": ("membrane", "solve_tube"),
    "render_movie": ("imaging", "render_movie"),
    "read_movie": ("imaging", "read_movie"),
    "write_movie": ("imaging", "write_movie"),
    "analyze": ("analysis", "analyze_movie"),
    "compare_results": ("analysis", "compare_results"),
    "sweep": ("sweeps", "sweep"),
}

__all__ = ["Results", "load_results", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        mod, attr = _LAZY[name]
        value = getattr(import_module(f".{mod}", __name__), attr)
        globals()[name] = value  # later look-ups skip this hook
        return value
    raise AttributeError(f"module 'migrasome' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

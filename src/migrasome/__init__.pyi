from ._version import __version__ as __version__
from .analysis import analyze_movie as analyze
from .analysis import compare_results as compare_results
from .imaging import read_movie as read_movie
from .imaging import render_movie as render_movie
from .imaging import write_movie as write_movie
from .membrane import solve_tube as solve_tube
from .perturbations import list_perturbations as list_perturbations
from .results import Results as Results
from .results import load_results as load_results
from .scenario import Scenario as Scenario
from .scenario import list_presets as list_presets
from .scenario import load_preset as load_preset
from .simulation import simulate as simulate
from .sweeps import sweep as sweep

__all__ = [
    "simulate", "Scenario", "load_preset", "list_presets", "list_perturbations", "Results",
    "load_results", "__version__", "solve_tube", "render_movie", "read_movie", "write_movie",
    "analyze", "compare_results", "sweep",
]

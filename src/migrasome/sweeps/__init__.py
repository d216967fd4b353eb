"""Sweeps and virtual screens: many runs of a scenario, local or on a Dask cluster.

``sweep(spec, out)`` runs a grid or space-filling design over scenario parameters,
perturbation sets and doses, × seeds, into one partitioned Parquet dataset (one partition
per run, written run by run, so an interrupted sweep resumes); ``load_sweep`` reads it and
``sweep_report`` draws dose–responses, ranked knockdown effects, heatmaps and sensitivity
indices from it.
"""

from .dataset import load_sweep
from .design import plan_runs
from .runner import SweepOutcome, run_one, sweep
from .spec import SweepError, SweepSpec, load_spec

__all__ = ["sweep", "load_sweep", "load_spec", "plan_runs", "run_one", "sweep_report",
           "SweepSpec", "SweepError", "SweepOutcome"]


def sweep_report(out, **kw):
    """Figures, tables and an HTML page of a sweep folder (see ``sweep.report``)."""
    from .report import sweep_report as _report

    return _report(out, **kw)

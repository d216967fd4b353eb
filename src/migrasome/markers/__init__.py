"""Is this fraction migrasomes? Marker scores and calls from proteomics, purity, gene-set scores.

``read_protein_table``   MaxQuant / DIA-NN / Spectronaut / plain tables → ProteinTable
``load_marker_sets``     the versioned marker sets (a source per marker), user-extendable
``score_markers``        per-sample scores, enrichment tests, calls with confidence, drivers
``reference_profiles``   expected marker profiles from a simulated migrasome population
``expected_profile``     a fraction with cell-debris and exosome contamination
``estimate_purity``      migrasome purity (with an error) of a measured profile
``purity_table``         the same for every sample scored against a lysate
``synthetic_table``      known mixtures with proteomics-like noise and missing values
``score_genes_matrix``   a migrasome gene-set score on an expression matrix (scanpy's method)
``score_anndata``        the same on an AnnData (needs the ``markers`` extra)
``write_marker_report``  calls, scores and a heatmap as files and report.html
"""

from .genescore import score_genes_matrix
from .io import FORMATS, ProteinTable, read_protein_table
from .purity import (
    PROFILE_PARAMS,
    estimate_purity,
    expected_profile,
    purity_table,
    reference_profiles,
)
from .score import CALLS, MarkerScores, score_markers
from .sets import SETS, load_marker_sets, marker_sets_version
from .synth import synthetic_table

__all__ = ["read_protein_table", "ProteinTable", "FORMATS", "load_marker_sets",
           "marker_sets_version", "SETS", "score_markers", "MarkerScores", "CALLS",
           "reference_profiles", "expected_profile", "estimate_purity", "purity_table",
           "PROFILE_PARAMS", "synthetic_table", "score_genes_matrix", "score_anndata",
           "write_marker_report"]


def __getattr__(name):
    if name == "score_anndata":
        from .anndata import score_anndata

        return score_anndata
    if name == "write_marker_report":
        from .report import write_marker_report

        return write_marker_report
    raise AttributeError(f"module 'migrasome.markers' has no attribute {name!r}")

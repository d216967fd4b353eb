"""The napari plugin: open movies and results as layers, analyse, correct, save back.

Registered through ``napari.yaml`` (npe2) under the ``napari.manifest`` entry point; needs
the ``napari`` extra. ``layers`` holds the plain table ↔ layer conversions (no napari
import), ``_reader``, ``_widget`` and ``_sample`` the napari contributions.
"""

from .layers import cell_labels, points_to_tables, results_layers

__all__ = ["results_layers", "points_to_tables", "cell_labels", "write_curated"]


def write_curated(results, folder):
    """Write corrected tables into results folder ``folder`` (atomically), with summaries.

    Everything else in the folder (figures, overlay, scenario) is kept; the tables, their
    CSV copies, ``summary.json`` and ``summary.csv`` are rewritten from ``results``.

    Returns
    -------
    pandas.Series
        The recomputed summary.
    """
    import shutil
    from pathlib import Path

    from ..export import write_csv_tables
    from ..results import atomic_dir

    folder = Path(folder)
    try:
        from ..analysis.summary import summarize_analysis

        summary = summarize_analysis(results)
    except ImportError:  # without the analysis extra: the schema read-outs
        summary = results.summary()
    with atomic_dir(folder, overwrite=True) as tmp:
        for p in folder.iterdir():
            (shutil.copytree if p.is_dir() else shutil.copy2)(p, tmp / p.name)
        results.write_into(tmp)
        summary.to_frame().T.to_csv(tmp / "summary.csv", index=False)
        (tmp / "summary.json").write_text(summary.to_json(indent=2))
        write_csv_tables(tmp)
    return summary

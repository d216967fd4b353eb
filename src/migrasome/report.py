"""Figures and the HTML report of a Results, and the complete run folder.

Everything here reads only the Results tables, so a simulation and an analysed movie get
the same figures. A run folder is written under a temporary name and moved into place when
complete: an interrupted run leaves nothing half-written.
"""

from __future__ import annotations

import base64
import html
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .files import atomic_dir, atomic_file
from .readouts import SUMMARY_LABELS, counted_migrasomes, counts_over_time
from .results import Results
from .schema import MIN_MIGRASOME_DIAMETER_UM

__all__ = ["make_figures", "write_report", "save_run", "format_value"]


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _one(df: pd.DataFrame) -> pd.DataFrame:
    """The first replicate of a multi-replicate table (maps show one dish or embryo)."""
    if "replicate" in df.columns and len(df):
        return df[df["replicate"] == df["replicate"].min()]
    return df


def fig_map(results: Results, ax) -> None:
    """Cell tracks, the RFs of the last frame and every migrasome (size ∝ diameter)."""
    tr = _one(results.tracks)
    for _, g in tr.groupby("cell_id"):
        ax.plot(g["x_um"], g["y_um"], lw=0.8, color="0.55")
    if len(tr):
        last = tr[tr["frame"] == tr["frame"].max()]
        ax.scatter(last["x_um"], last["y_um"], s=40, color="0.3", zorder=3, label="cells (end)")
    ff = _one(results.fiber_frames)
    if len(ff):
        ff = ff[ff["frame"] == ff["frame"].max()]
        from matplotlib.collections import LineCollection

        segs = list(np.stack([ff[["x0_um", "y0_um"]].to_numpy(),
                              ff[["x1_um", "y1_um"]].to_numpy()], 1))
        ax.add_collection(LineCollection(segs, colors="tab:green", linewidths=0.7,
                                         label="RFs (end)"))
    mig = _one(results.migrasomes)
    mig = mig[mig["max_diameter_um"] >= MIN_MIGRASOME_DIAMETER_UM]
    if len(mig):
        rel = mig["t_release_min"].notna()
        for sel, color, lab in ((~rel, "tab:orange", "migrasomes on RFs"),
                                (rel, "tab:purple", "released migrasomes")):
            m = mig[sel]
            ax.scatter(m["x_um"], m["y_um"], s=6 * m["max_diameter_um"] ** 2, color=color,
                       alpha=0.7, lw=0, label=lab)
    meta = results.metadata
    if "width_um" in meta:
        ax.set_xlim(0, meta["width_um"])
        ax.set_ylim(0, meta["height_um"])
    ax.set_aspect("equal")
    ax.set_xlabel("x (µm)")
    ax.set_ylabel("y (µm)")
    ax.set_title("Tracks, RFs and migrasomes")
    ax.legend(loc="upper right", fontsize=7, markerscale=0.6)


def fig_growth(results: Results, ax, n_max: int = 40) -> None:
    """Diameter against time since growth onset, for up to ``n_max`` migrasomes."""
    mf = _one(results.migrasome_frames)
    mig = _one(results.migrasomes)
    mig = mig[mig["max_diameter_um"] >= MIN_MIGRASOME_DIAMETER_UM]
    ids = mig["migrasome_id"].to_numpy()[:n_max]
    onset = mig.set_index("migrasome_id")["t_growth_onset_min"]
    for i in ids:
        g = mf[mf["migrasome_id"] == i]
        t0 = onset.get(i, np.nan)
        if len(g) and np.isfinite(t0):
            ax.plot(g["t_min"] - t0, g["diameter_um"], lw=0.8, alpha=0.7)
    ax.set_xlabel("time since growth onset (min)")
    ax.set_ylabel("diameter (µm)")
    ax.set_title("Growth curves")


def fig_diameters(results: Results, ax) -> None:
    # the same migrasomes the summary counts, so the medians agree
    d = counted_migrasomes(results)["max_diameter_um"]
    top = max(3.25, float(d.max()) + 0.125) if len(d) else 3.25  # keep the largest ones
    step = 0.125 if top <= 6 else 0.25
    ax.hist(d, bins=np.arange(MIN_MIGRASOME_DIAMETER_UM, top + step, step), color="tab:orange",
            edgecolor="white")
    if len(d):
        ax.axvline(d.median(), color="k", ls="--", lw=1, label=f"median {d.median():.2f} µm")
        ax.legend(fontsize=8)
    ax.set_xlabel("largest diameter (µm)")
    ax.set_ylabel("migrasomes")
    ax.set_title("Diameter distribution")


def fig_counts(results: Results, ax) -> None:
    c = counts_over_time(Results(tables={k: _one(v) for k, v in results.tables.items()},
                                 metadata=results.metadata))
    t_h = c["t_min"] / 60
    ax.plot(t_h, c["n_attached"], label="migrasomes on RFs")
    ax.plot(t_h, c["n_released"], label="released")
    ax.plot(t_h, c["n_fibers"], label="RFs", color="tab:green", alpha=0.6)
    ax.set_xlabel("time (h)")
    ax.set_ylabel("count")
    ax.set_title("Counts over time")
    ax.legend(fontsize=8)


def fig_field(results: Results, ax) -> bool:
    """The signal field of the last recorded frame with recipient cells on top."""
    ff = _one(results.tables.get("field_frames", pd.DataFrame()))
    if not len(ff):
        return False
    last = ff[ff["frame"] == ff["frame"].max()]
    sp = last["species"].iloc[0]
    last = last[last["species"] == sp]
    grid = last.pivot_table(index="y_um", columns="x_um", values="concentration_au_per_um2")
    ext = (grid.columns.min(), grid.columns.max(), grid.index.min(), grid.index.max())
    im = ax.imshow(grid.to_numpy(), origin="lower", extent=ext, cmap="magma", aspect="equal")
    ax.figure.colorbar(im, ax=ax, shrink=0.8, label=f"{sp} (a.u./µm²)")
    rf = _one(results.tables.get("recipient_frames", pd.DataFrame()))
    if len(rf):
        for _, g in rf.groupby("recipient_id"):
            ax.plot(g["x_um"], g["y_um"], color="cyan", lw=0.6, alpha=0.7)
        end = rf[rf["frame"] == rf["frame"].max()]
        ax.scatter(end["x_um"], end["y_um"], s=14, color="cyan", edgecolor="k", lw=0.4,
                   label=f"{end['cell_type'].iloc[0]} (end)", zorder=3)
        ax.legend(fontsize=8, loc="upper right")
    ax.set_xlabel("x (µm)")
    ax.set_ylabel("y (µm)")
    ax.set_title(f"Signal field and recipient cells, t = {last['t_min'].iloc[0] / 60:.1f} h")
    return True


def make_figures(results: Results, folder: str | Path) -> list[Path]:
    """Write the report figures as PNG files into ``folder``; return their paths."""
    plt = _plt()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if results.metadata.get("source") == "batch":  # many movies: compare conditions
        from .batch_stats import batch_figures

        return batch_figures(results, folder)
    out = []
    for name, fn, size in (("map", fig_map, (7, 7)), ("growth", fig_growth, (6, 4)),
                           ("diameters", fig_diameters, (6, 4)), ("counts", fig_counts, (6, 4)),
                           ("field", fig_field, (7, 6))):
        fig, ax = plt.subplots(figsize=size, dpi=110)
        drawn = fn(results, ax)
        if drawn is False:
            plt.close(fig)
            continue
        fig.tight_layout()
        path = folder / f"{name}.png"
        fig.savefig(path)
        plt.close(fig)
        out.append(path)
    return out


def _table_html(s: pd.Series | dict, labels: dict[str, str] | None = None) -> str:
    labels = labels or {}
    rows = "".join(f"<tr><th>{html.escape(labels.get(k, str(k).replace('_', ' ')))}</th>"
                   f"<td>{html.escape(format_value(v))}</td></tr>" for k, v in dict(s).items())
    return f"<table>{rows}</table>"


def format_value(v) -> str:
    """A read-out as people read it: whole numbers without exponent, others to 3
    significant digits, missing ones as a dash."""
    if v is None:
        return "–"
    if isinstance(v, (bool, np.bool_)):
        return str(bool(v))
    if isinstance(v, (int, np.integer)):
        return f"{int(v):,}"
    if isinstance(v, (float, np.floating)):
        if not np.isfinite(v):
            return "–"
        if float(v).is_integer() and abs(v) < 1e15:
            return f"{int(v):,}"
        return f"{v:,.3g}" if abs(v) >= 1e-3 else f"{v:.3g}"
    return str(v)


def _embedded(path: Path) -> str:
    data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
    return (f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(path.stem)}">'
            "</figure>")


def _header(meta: dict) -> str:
    """What the results are of: a simulation's run, or an analysed movie's acquisition."""
    if meta.get("source") == "analysis":
        parts = [f"analysis of {html.escape(str(meta.get('movie', 'a movie')))}"]
        if meta.get("pixel_size_um") is not None:
            parts.append(f"{meta['pixel_size_um']:g} µm/px")
        if meta.get("frame_interval_min") is not None:
            parts.append(f"frames every {meta['frame_interval_min']:g} min")
        if meta.get("n_frames") is not None:
            parts.append(f"{meta['n_frames']} frames")
    else:
        pert = ", ".join(meta.get("perturbations", [])) or "none"
        parts = [f"seed {meta.get('seed')}", f"{meta.get('hours'):g} h"
                 if isinstance(meta.get("hours"), (int, float)) else "",
                 f"perturbations: {html.escape(pert)}"]
        if meta.get("frame_interval_min") is not None:
            parts.append(f"frames every {meta['frame_interval_min']:g} min")
        if meta.get("replicates"):
            parts.append(f"{meta['replicates']} replicates")
    parts.append(f"package {html.escape(str(meta.get('package_version', '?')))}")
    return " · ".join(p for p in parts if p)


def write_report(results: Results, folder: str | Path, figures: list[Path]) -> Path:
    """Write ``report.html`` into ``folder``: one self-contained file (figures embedded)
    with the summary, the figures and the scenario or analysis settings.

    Parameters
    ----------
    results : Results
    folder : path-like
        Where ``report.html`` goes.
    figures : list of Path
        PNG files to embed (from :func:`make_figures`).

    Returns
    -------
    Path
        The report.
    """
    from .sim.functions import summarize_functions

    folder = Path(folder)
    meta = results.metadata
    summary = results.summary()
    extra = summarize_functions(results)
    imgs = "".join(_embedded(p) for p in figures)
    params = ""
    if "scenario" in meta:
        from .parameters import sources_table
        from .scenario import Scenario

        rows = sources_table(Scenario.from_dict(meta["scenario"]))
        params = "<table><tr><th>parameter</th><th>value</th><th>unit</th><th>source</th></tr>"
        params += "".join(
            f"<tr><td>{r['path']}</td><td>{html.escape(format_value(r['value']))}</td>"
            f"<td>{r['unit']}</td><td>{html.escape(str(r['source']))}</td></tr>" for r in rows)
        params += "</table>"
        params = f"<h2>Scenario (every parameter with its source)</h2>{params}"
    elif isinstance(meta.get("options"), dict):
        params = f"<h2>Analysis settings</h2>{_table_html(meta['options'])}"
    if meta.get("source") == "batch":
        from .batch_stats import batch_html

        params = batch_html(results) + params
    name = meta.get("preset") or meta.get("movie") or meta.get("source", "results")
    title = f"migrasome — {name}"
    doc = f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #ccc;padding:3px 8px;
text-align:left;font-size:13px}}figure{{display:inline-block;margin:0.5em}}
img{{max-width:520px}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{_header(meta)}</p>
<h2>Summary</h2>{_table_html(summary, SUMMARY_LABELS)}
{('<h2>Functions</h2>' + _table_html(extra)) if extra else ''}
<h2>Figures</h2>{imgs}
{params}
</body></html>"""
    path = folder / "report.html"
    with atomic_file(path, overwrite=True) as tmp:
        tmp.write_text(doc, encoding="utf-8")
    return Path(path)


def save_run(results: Results, path: str | Path, *, overwrite: bool = False,
             scenario=None, figures: bool = True) -> Path:
    """Write a complete run folder: tables, metadata, resolved scenario, summary, figures
    and report, atomically.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    """
    from .sim.functions import summarize_functions

    with atomic_dir(path, overwrite=overwrite) as tmp:
        results.write_into(tmp)
        if scenario is not None:
            head = (f"# resolved scenario written by migrasome "
                    f"{results.metadata.get('package_version', '?')}; "
                    f"rerun with: migrasome simulate --preset scenario.toml\n")
            (tmp / "scenario.toml").write_text(head + scenario.to_toml())
        summ = results.summary().to_dict()
        summ.update(summarize_functions(results))
        (tmp / "summary.json").write_text(json.dumps(summ, indent=2, default=float))
        if figures:
            figs = make_figures(results, tmp / "figures")
            write_report(results, tmp, figs)
    return Path(path)

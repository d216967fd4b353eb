"""The marker report: calls, scores, a heatmap (embedded), and the files beside it."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .score import MarkerScores
from .sets import marker_sets_version

__all__ = ["heatmap_png", "write_marker_report", "report_html"]


def heatmap_png(result: MarkerScores) -> bytes:
    """PNG bytes: marker abundance (log2 ratio to the reference) × sample, grouped by set.

    Missing values are drawn grey, not as a colour of the scale.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = result.log2_ratio
    sets = result.markers.set_index("symbol")
    calls = result.calls.set_index("sample")
    fig_h = 1.6 + 0.22 * len(m)
    fig, ax = plt.subplots(figsize=(1.6 + 0.9 * m.shape[1], fig_h), dpi=110)
    v = m.to_numpy(float)
    lim = max(2.0, float(np.nanpercentile(np.abs(v), 95))) if np.isfinite(v).any() else 2.0
    cmap = plt.get_cmap("RdBu_r").with_extremes(bad="0.85")
    im = ax.imshow(np.ma.masked_invalid(v), aspect="auto", cmap=cmap, vmin=-lim, vmax=lim)
    ax.set_yticks(range(len(m)))
    labels = []
    for g in m.index:
        s = sets.loc[g, "set"]
        s = s.iloc[0] if isinstance(s, pd.Series) else s
        labels.append(f"{g} [{s.replace('_', ' ')}]")
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xticks(range(m.shape[1]))
    ax.set_xticklabels([f"{c}\n{calls.loc[c, 'call']}" for c in m.columns], fontsize=7,
                       rotation=0)
    prev = None
    for i, g in enumerate(m.index):
        s = sets.loc[g, "set"]
        s = s.iloc[0] if isinstance(s, pd.Series) else s
        if prev is not None and s != prev:
            ax.axhline(i - 0.5, color="k", lw=0.8)
        prev = s
    ref = f"vs {result.reference}" if result.reference else "vs median of the other samples"
    fig.colorbar(im, ax=ax, label=f"log2 ratio {ref} (grey: not quantified)", shrink=0.8)
    ax.set_title("Marker abundance", fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _fmt(v) -> str:
    if isinstance(v, (float, np.floating)):
        return "" if not np.isfinite(v) else f"{v:.3g}"
    return str(v)


def _table(df: pd.DataFrame) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(_fmt(v))}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f"<table><tr>{head}</tr>{body}</table>"


def report_html(result: MarkerScores, *, png: bytes, title: str, purity=None,
                source: str = "") -> str:
    """The report as one self-contained HTML string (the heatmap base64-embedded)."""
    calls = result.calls[["sample", "call", "confidence", "margin_log2", "drivers"] +
                         [c for c in result.calls.columns if c.startswith(("score_", "n_"))]]
    ident = result.identifiers
    found = result.markers[result.markers["score"]]
    missing = found.loc[~found["found"], "symbol"].tolist()
    ref = (f"reference sample <b>{html.escape(result.reference)}</b>" if result.reference
           else "each sample against the median of the others")
    parts = [
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
        "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}"
        "table{border-collapse:collapse;font-size:12px;margin:1em 0}"
        "td,th{border:1px solid #bbb;padding:2px 6px}th{background:#eee}</style></head><body>",
        f"<h1>{html.escape(title)}</h1>",
        f"<p>{html.escape(source)} — scores compare {ref}; marker sets version "
        f"{html.escape(marker_sets_version())}. Missing values stay missing: every score uses "
        "only the markers observed in both samples (counts n_*).</p>",
        "<h2>Calls</h2>", _table(calls),
        f"<img alt='marker heatmap' src='data:image/png;base64,"
        f"{base64.b64encode(png).decode()}'>",
    ]
    if purity is not None and len(purity):
        parts += ["<h2>Purity (reference taken as whole-cell lysate)</h2>", _table(purity)]
    parts += [
        "<h2>Identifiers</h2>",
        _table(pd.DataFrame([{k: v for k, v in ident.items() if k != "unknown_examples"}])),
        f"<p>Unreadable identifiers (first {len(ident.get('unknown_examples', []))}): "
        f"{html.escape('; '.join(ident.get('unknown_examples', [])) or 'none')}</p>",
        f"<p>Markers of the sets not in the table: {html.escape(', '.join(missing) or 'none')}"
        "</p>",
        "<h2>Scores</h2>", _table(result.scores),
        "<h2>Markers and their sources</h2>",
        _table(result.markers[["set", "symbol", "role", "score", "found", "matched_by",
                               "source", "note"]]),
        "</body></html>",
    ]
    return "\n".join(parts)


def write_marker_report(result: MarkerScores, folder: str | Path, *, purity=None,
                        title: str = "Migrasome marker calls", source: str = "") -> list[Path]:
    """Write calls.csv/.parquet, scores.csv/.parquet, markers_log2.csv, heatmap.png,
    identifiers.json and report.html into ``folder`` (which must exist)."""
    folder = Path(folder)
    out = []
    for name, df in (("calls", result.calls), ("scores", result.scores)):
        df.to_csv(folder / f"{name}.csv", index=False)
        df.to_parquet(folder / f"{name}.parquet", index=False)
        out += [folder / f"{name}.csv", folder / f"{name}.parquet"]
    result.marker_log2.to_csv(folder / "markers_log2.csv", index_label="marker")
    result.log2_ratio.to_csv(folder / "markers_log2_ratio.csv", index_label="marker")
    if purity is not None:
        purity.to_csv(folder / "purity.csv", index=False)
    png = heatmap_png(result)
    (folder / "heatmap.png").write_bytes(png)
    meta = {"identifiers": result.identifiers, "reference": result.reference,
            "params": result.params, "marker_sets_version": marker_sets_version()}
    (folder / "identifiers.json").write_text(json.dumps(meta, indent=2))
    (folder / "report.html").write_text(report_html(result, png=png, title=title,
                                                    purity=purity, source=source),
                                        encoding="utf-8")
    return out + [folder / "heatmap.png", folder / "report.html"]

"""`migrasome markers`: is this fraction migrasomes? Calls from a protein table."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import app, fail

_BAD_INPUT = (ValueError, FileNotFoundError, FileExistsError, NotADirectoryError,
              IsADirectoryError, PermissionError, KeyError)


def _default_out(table: Path) -> Path:
    return table.with_name(f"{table.stem}.markers")


@app.command()
def markers(
    table: Path = typer.Argument(..., help="Protein table: MaxQuant proteinGroups.txt, DIA-NN "
                                 "pg_matrix, Spectronaut report, or plain (ids × samples)."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                       help="Output folder (default: <table>.markers)."),
    reference: str | None = typer.Option(None, help="Reference sample, e.g. the "
                                            "whole-cell lysate (default: the other samples)."),
    format: str = typer.Option("auto", "--format", help="auto, maxquant, diann, spectronaut "
                               "or plain."),
    species: str = typer.Option("all", help="all, human, mouse, rat or zebrafish."),
    markers_file: Path | None = typer.Option(None, "--markers", help="Extra markers (TSV: "
                                                "set, symbol, source[, role, score, note])."),
    min_markers: int = typer.Option(2, help="Observed markers a set needs to be scored."),
    delta_log2: float = typer.Option(3.0, help="Log2 margin a vesicle set needs over the "
                                     "cell-body set for a vesicle call."),
    log2: bool | None = typer.Option(None, "--log2/--linear", help="Values are log2 / "
                                        "linear (default: guessed)."),
    purity: bool = typer.Option(True, help="With --reference (a lysate): estimate purity."),
    profile_from: Path | None = typer.Option(None, help="Results folder of a simulation "
                                                "whose migrasomes give the purity profile."),
    seed: int = typer.Option(0, help="Seed of the bootstraps."),
    overwrite: bool = typer.Option(False, help="Replace an existing output folder."),
    quiet: bool = typer.Option(False, help="No table on the terminal."),
) -> None:
    """Score migrasome, exosome and cell-body markers per sample; call each fraction."""
    from ..markers import load_marker_sets, read_protein_table, score_markers
    from ..markers.report import write_marker_report
    from ..results import atomic_dir

    out = out or _default_out(table)
    if out.exists() and not overwrite:
        fail(f"{out} exists; pass --overwrite to replace it")
    try:
        sets = load_marker_sets(markers_file)
        pt = read_protein_table(table, format=format, log2=log2)
        res = score_markers(pt, markers=sets, reference=reference, species=species,
                            min_markers=min_markers, delta_log2=delta_log2, seed=seed)
    except _BAD_INPUT as e:
        fail(str(e).strip("'\""))
    except OSError as e:
        fail(f"{table}: cannot read: {e}")
    pur = None
    if purity and reference is not None:
        try:
            pur = _purity(res, sets, profile_from, seed)
        except _BAD_INPUT as e:
            fail(str(e))
        assert pur is not None
        extra = pur.set_index("sample")[["purity", "purity_se", "dominant"]]
        res.calls = res.calls.join(extra, on="sample")
    source = (f"{table.name} ({pt.source_format}{', log2 input' if pt.log2_input else ''}; "
              f"{len(pt.samples)} samples, {res.identifiers['rows']} proteins"
              + "".join(f", {v} removed: {k}" for k, v in pt.removed.items() if v) + ")")
    with atomic_dir(out, overwrite=overwrite) as tmp:
        write_marker_report(res, tmp, purity=pur, source=source)
    if not quiet:
        _print(res, pur, out)


def _purity(res, sets, profile_from, seed):
    from ..markers.purity import purity_table, reference_profiles

    results = None
    if profile_from is not None:
        from ..results import load_results

        results = load_results(profile_from)
    return purity_table(res, reference_profiles(results, markers=sets), seed=seed)


def _print(res, pur, out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    t = Table(title=f"marker calls → {out}")
    for c in ("sample", "call", "confidence", "drivers", "purity", "dominant"):
        t.add_column(c)
    p = pur.set_index("sample") if pur is not None and len(pur) else None
    for r in res.calls.itertuples(index=False):
        conf = "" if r.confidence != r.confidence else f"{r.confidence:.2f}"
        pv = dom = ""
        if p is not None and r.sample in p.index and p.loc[r.sample, "purity"] == p.loc[
                r.sample, "purity"]:
            pv = f"{p.loc[r.sample, 'purity']:.2f} ± {p.loc[r.sample, 'purity_se']:.2f}"
            dom = str(p.loc[r.sample, "dominant"])
        t.add_row(str(r.sample), r.call, conf, r.drivers, pv, dom)
    console = Console()
    console.print(t)
    i = res.identifiers
    console.print(f"{i['rows']} proteins: {i['marker_rows']} marker rows, {i['other']} other, "
            f"{i['unknown']} unreadable identifiers, {i['ambiguous_groups']} ambiguous groups")
    if i["unknown"]:
        console.print("unreadable: " + "; ".join(i["unknown_examples"]), highlight=False)

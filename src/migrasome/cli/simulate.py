"""`migrasome simulate`, `migrasome presets`, `migrasome perturbations`, `migrasome report`."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from ._app import app, fail

DEFAULT_PRESET = "nrk-fibronectin"


@app.command()
def simulate(
    preset: str = typer.Option(DEFAULT_PRESET, "--preset", "-p",
                               help="Preset name (see `migrasome presets`) or a scenario .toml."),
    perturb: Optional[List[str]] = typer.Option(
        None, "--perturb", help="Perturbation name, repeatable; NAME:DOSE for doses "
        "(see `migrasome perturbations`)."),
    set_: Optional[List[str]] = typer.Option(
        None, "--set", help="Any scenario parameter, PATH=VALUE (TOML value), repeatable: "
        "--set cargo.enabled=true --set cells.persistence_min=20."),
    hours: Optional[float] = typer.Option(None, help="Simulated time, h (default: preset's)."),
    cells: Optional[int] = typer.Option(None, help="Number of cells (default: preset's)."),
    seed: Optional[int] = typer.Option(None, help="Random seed (default: preset's)."),
    replicates: Optional[int] = typer.Option(
        None, help="Independent runs (dishes or embryos); default 1, or the preset's embryos."),
    out: Optional[Path] = typer.Option(None, "--out", "-o",
                                       help="Results folder (default: migrasome-results-PRESET)."),
    overwrite: bool = typer.Option(False, help="Replace an existing results folder."),
    figures: bool = typer.Option(True, help="Write figures and the HTML report."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
    checkpoint_every: Optional[float] = typer.Option(
        None, help="Write a checkpoint every MIN simulated minutes (one replicate)."),
    checkpoint: Optional[Path] = typer.Option(
        None, help="Checkpoint folder (default: OUT.checkpoint beside the results)."),
    resume: Optional[Path] = typer.Option(
        None, help="Continue the run saved in this checkpoint folder (its scenario)."),
) -> None:
    """Simulate migrating cells that pull RFs and grow, fill and release migrasomes."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from ..report import save_run
    from ..scenario import ScenarioError
    from ..simulate import default_replicates, resolve_scenario
    from ..simulate import simulate as run

    console = Console()
    try:
        sc = resolve_scenario(preset, seed=seed, hours=hours, cells=cells)
        if set_:
            sc = sc.with_changes(**parse_assignments(set_))
        if perturb:
            sc = resolve_scenario(sc, perturbations=perturb)
    except ScenarioError as e:
        fail(str(e))
    if replicates is not None and replicates < 1:
        fail(f"--replicates must be ≥ 1, got {replicates}")
    sim = None
    if resume is not None:
        sim = _restore(resume)
        sc = sim.scenario
    n_rep = replicates or default_replicates(sc)
    if (checkpoint_every is not None or sim is not None) and n_rep != 1:
        fail(f"--checkpoint-every and --resume run one replicate; this scenario has {n_rep}")
    if checkpoint_every is not None and not checkpoint_every > 0:
        fail(f"--checkpoint-every must be > 0 minutes, got {checkpoint_every}")
    out = out or Path(f"migrasome-results-{Path(preset).stem}")
    if out.exists() and not overwrite:
        fail(f"{out} exists; choose another --out or pass --overwrite")
    console.print(f"[bold]{sc.name}[/]: {sc.description}", highlight=False)
    console.print(f"  {sc.cells.n_cells} cells · {sc.run.hours:g} h · seed {sc.seed}"
                  f"{f' · {n_rep} replicates' if n_rep > 1 else ''} · perturbations: "
                  f"{', '.join(sc.perturbations) or 'none'}", highlight=False)
    with Progress(TextColumn("simulating"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeRemainingColumn(), console=console, disable=quiet, transient=True) as bar:
        task = bar.add_task("sim", total=1)
        def cb(k, n):
            bar.update(task, completed=k, total=n)

        ckpt = checkpoint or out.with_name(out.name + ".checkpoint")
        if sim is not None or checkpoint_every is not None:
            res = _run_checkpointed(sim, sc, ckpt, checkpoint_every, cb)
        else:
            res = run(sc, replicates=n_rep, progress=cb)
    with console.status("writing results", spinner="dots") if not quiet else _null():
        save_run(res, out, overwrite=overwrite, scenario=sc, figures=figures)
    print_summary(res, console)
    console.print(f"results → [bold]{out}[/] (report: {out / 'report.html'})", highlight=False)


def _restore(path: Path):
    """The checkpointed simulation, streaming into a temporary folder (kept on it)."""
    import tempfile

    from ..sim.engine import Simulation

    spool = tempfile.TemporaryDirectory(prefix="migrasome-frames-")
    try:
        sim = Simulation.restore(path, spool_dir=spool.name)
    except (FileNotFoundError, ValueError) as e:
        spool.cleanup()
        fail(str(e))
    sim._cli_spool = spool  # removed with the run (and not pickled into checkpoints)
    return sim


def _run_checkpointed(sim, sc, ckpt: Path, every_min, progress):
    """One run that checkpoints to ``ckpt`` (and removes it once the run is complete)."""
    import contextlib
    import shutil

    from ..sim.engine import Simulation
    from ..simulate import stream_folder

    if sim is None:
        sim = Simulation(sc)
        ctx = stream_folder(sim)
    else:
        ctx = contextlib.nullcontext(None)  # a restored run streams where restore put it
    spool = sim.__dict__.pop("_cli_spool", None)
    with ctx as folder:
        res = sim.run(progress=progress, spool_dir=folder,
                      checkpoint=ckpt if every_min else None, checkpoint_every_min=every_min)
    if spool is not None:
        spool.cleanup()
    if every_min:
        shutil.rmtree(ckpt, ignore_errors=True)
    return res


def parse_assignments(items: list[str]) -> dict:
    """``["a.b=1", "c=true"]`` → ``{"a.b": 1, "c": True}`` (values read as TOML)."""
    from ..scenario import ScenarioError, tomllib

    out = {}
    for item in items:
        path, sep, raw = item.partition("=")
        if not sep or not path.strip():
            raise ScenarioError(f"--set needs PATH=VALUE, got {item!r}")
        try:
            out[path.strip()] = tomllib.loads(f"v = {raw.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            out[path.strip()] = raw.strip()  # a bare word: take it as text
    return out


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def print_summary(results, console) -> None:
    """The headline read-outs as a table (plus function read-outs when present)."""
    from rich.table import Table

    from ..sim.functions import summarize_functions

    t = Table(title="summary", show_header=False)
    labels = {
        "migrasomes_per_cell": "migrasomes per cell (snapshot)",
        "attached_migrasomes_per_cell": "  of which on RFs",
        "migrasomes_formed_per_cell": "migrasomes formed per cell",
        "median_diameter_um": "median diameter (µm)",
        "median_growth_min": "median growth time (min)",
        "median_lifetime_min": "median lifetime (min)",
        "rf_count_per_cell": "RFs per cell",
        "rf_length_per_cell_um": "RF length per cell (µm)",
        "migrasomes_per_100um_rf": "migrasomes per 100 µm RF",
        "released_fraction": "fraction released",
        "mean_speed_um_per_min": "mean speed (µm/min)",
    }
    s = results.summary()
    for k, lab in labels.items():
        t.add_row(lab, _fmt(s.get(k)))
    for k, v in summarize_functions(results).items():
        t.add_row(k.replace("_", " "), _fmt(v))
    console.print(t)


def _fmt(v) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return "–" if v != v else f"{v:.3g}"
    return str(v)


@app.command()
def presets() -> None:
    """List the presets with a one-line description."""
    from rich.console import Console
    from rich.table import Table

    from ..scenario import list_presets

    t = Table("preset", "description")
    for name, desc in list_presets().items():
        t.add_row(name + (" (default)" if name == DEFAULT_PRESET else ""), desc)
    Console().print(t)


@app.command()
def perturbations() -> None:
    """List the perturbations with what they change and their source."""
    from rich.console import Console
    from rich.table import Table

    from ..perturbations import PERTURBATIONS

    t = Table("perturbation", "description", "source")
    for p in PERTURBATIONS.values():
        t.add_row(p.name + (f":{p.dose_unit}" if p.dose_path else ""), p.description, p.source)
    Console(width=160).print(t)


@app.command()
def report(
    results_dir: Path = typer.Argument(..., help="A results folder (simulation or analysis)."),
    overwrite: bool = typer.Option(True, help="Replace existing figures and report."),
) -> None:
    """(Re)draw the figures and HTML report of a results folder."""
    from ..report import make_figures, write_report
    from ..results import load_results

    try:
        res = load_results(results_dir)
    except (FileNotFoundError, ValueError) as e:
        fail(str(e))
    figs = make_figures(res, results_dir / "figures")
    path = write_report(res, results_dir, figs)
    typer.echo(f"report → {path}")

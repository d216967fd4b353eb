"""`migrasome simulate`, `migrasome presets`, `migrasome perturbations`, `migrasome report`."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import Reporter, app, fail

DEFAULT_PRESET = "nrk-fibronectin"


@app.command()
def simulate(
    preset: str = typer.Option(DEFAULT_PRESET, "--preset", "-p",
                               help="Preset name (see `migrasome presets`) or a scenario .toml."),
    perturb: list[str] | None = typer.Option(
        None, "--perturb", help="Perturbation name, repeatable; NAME:DOSE for doses "
        "(see `migrasome perturbations`)."),
    set_: list[str] | None = typer.Option(
        None, "--set", help="Any scenario parameter, PATH=VALUE (TOML value), repeatable: "
        "--set cargo.enabled=true --set cells.persistence_min=20."),
    hours: float | None = typer.Option(None, help="Simulated time, h (default: preset's)."),
    cells: int | None = typer.Option(None, help="Number of cells (default: preset's)."),
    seed: int | None = typer.Option(None, help="Random seed (default: preset's)."),
    replicates: int | None = typer.Option(
        None, help="Independent runs (dishes or embryos); default 1, or the preset's embryos."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                       help="Results folder (default: migrasome-results-PRESET)."),
    overwrite: bool = typer.Option(False, help="Replace an existing results folder."),
    figures: bool = typer.Option(True, help="Write figures and the HTML report."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress."),
    checkpoint_every: float | None = typer.Option(
        None, help="Write a checkpoint every MIN simulated minutes (one replicate)."),
    checkpoint: Path | None = typer.Option(
        None, help="Checkpoint folder (default: OUT.checkpoint beside the results)."),
    resume: Path | None = typer.Option(
        None, help="Continue the run saved in this checkpoint folder (its scenario)."),
) -> None:
    """Simulate migrating cells that pull RFs and grow, fill and release migrasomes."""
    import warnings

    from rich.console import Console

    from ..files import OutputPathError, check_output_path
    from ..report import save_run
    from ..scenario import ScenarioError
    from ..simulation import CostWarning, check_cost, default_replicates, resolve_scenario
    from ..simulation import simulate as run

    console = Console(stderr=True)
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
    try:
        check_output_path(out, overwrite=overwrite)  # before the run, not after it
    except OutputPathError as e:
        fail(f"--out: {e}")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", CostWarning)
        try:
            check_cost(sc, replicates=n_rep)
        except ScenarioError as e:
            fail(str(e))
    console.print(f"[bold]{sc.name}[/]: {describe(sc, n_rep)}", highlight=False)
    for w in caught:
        console.print(f"[yellow]warning:[/] {w.message}", highlight=False)
    with Reporter("simulating", quiet=quiet) as report, warnings.catch_warnings():
        warnings.simplefilter("ignore", CostWarning)  # already said above
        if sim is not None or checkpoint_every is not None:
            ckpt = checkpoint or out.with_name(out.name + ".checkpoint")
            res = _run_checkpointed(sim, sc, ckpt, checkpoint_every, report)
        else:
            res = run(sc, replicates=n_rep, progress=report)
    save_run(res, out, overwrite=overwrite, scenario=sc, figures=figures)
    print_summary(res, Console())
    console.print(f"results → [bold]{out}[/] (report: {out / 'report.html'})", highlight=False)


def describe(sc, replicates: int = 1) -> str:
    """What is actually run, in one line: cells, substrate, time, seed, perturbations."""
    ecm = sc.ecm
    substrate = ("uncoated glass" if ecm.coating == "uncoated"
                 else f"{ecm.concentration_ug_per_ml:g} µg/ml {ecm.coating}")
    rep = f" · {replicates} replicates" if replicates > 1 else ""
    return (f"{sc.cells.n_cells} {sc.cells.cell_type} cells on {substrate} · "
            f"{sc.run.hours:g} h · seed {sc.seed}{rep} · perturbations: "
            f"{', '.join(sc.perturbations) or 'none'}")


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
    sim._cli_spool = spool  # type: ignore[attr-defined]  # removed with the run
    return sim


def _run_checkpointed(sim, sc, ckpt: Path, every_min, progress):
    """One run that checkpoints to ``ckpt`` (and removes it once the run is complete)."""
    import contextlib
    import shutil

    from ..sim.engine import Simulation
    from ..simulation import stream_folder

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


def print_summary(results, console) -> None:
    """The headline read-outs as a table (plus function read-outs when present)."""
    from rich.table import Table

    from ..readouts import SUMMARY_LABELS
    from ..sim.functions import summarize_functions

    t = Table(title="summary", show_header=False)
    s = results.summary()
    for k, lab in SUMMARY_LABELS.items():
        t.add_row(lab, _fmt(s.get(k)))
    for k, v in summarize_functions(results).items():
        t.add_row(k.replace("_", " "), _fmt(v))
    console.print(t)


def _fmt(v) -> str:
    from ..report import format_value

    return format_value(v)


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
    Console().print(t)  # the terminal's width: rich wraps the columns to fit


@app.command()
def parameters(
    preset: str = typer.Option(DEFAULT_PRESET, "--preset", "-p", help="Preset or .toml."),
    status: str | None = typer.Option(
        None, help="Only parameters of this status: measured, fitted, assumed, reference, "
        "setting."),
    markdown: bool = typer.Option(False, help="Print a Markdown table (for docs)."),
) -> None:
    """List every parameter: value, unit, bounds, status (what it rests on) and source."""
    from ..parameters import STATUSES, ScenarioError, sources_table
    from ..scenario import load_preset

    if status is not None and status not in STATUSES:
        fail(f"--status {status!r}: choose one of {', '.join(STATUSES)}")
    try:
        sc = load_preset(preset)
    except ScenarioError as e:
        fail(str(e))
    rows = [r for r in sources_table(sc) if status is None or r["status"] == status]
    if markdown:
        typer.echo("| parameter | value | unit | bounds | status | source |")
        typer.echo("| --- | --- | --- | --- | --- | --- |")
        for r in rows:
            st = r["status"] + (f" to {', '.join(r['fitted_to'])}" if r["fitted_to"] else "")
            typer.echo(f"| `{r['path']}` | {r['value']} | {r['unit']} | {r['bounds']} | {st} "
                       f"| {r['source']} |")
        return
    from rich.console import Console
    from rich.table import Table

    t = Table("parameter", "value", "unit", "bounds", "status", "source")
    for r in rows:
        st = r["status"] + (f" ({', '.join(r['fitted_to'])})" if r["fitted_to"] else "")
        t.add_row(r["path"], str(r["value"]), r["unit"], r["bounds"], st, r["source"])
    Console().print(t)


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

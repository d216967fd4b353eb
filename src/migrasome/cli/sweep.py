"""`migrasome sweep`: a virtual screen over parameters, perturbations, doses and seeds."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import app, fail


@app.command()
def sweep(
    spec: Path = typer.Argument(..., help="Sweep spec, a TOML file (see docs/sweep.md)."),
    out: Path = typer.Option(..., "--out", "-o", help="Sweep folder (resumed if it exists)."),
    scheduler: str | None = typer.Option(
        None, help="Address of a running Dask scheduler (tcp://HOST:8786); default: local "
        "processes."),
    workers: int | None = typer.Option(
        None, help="Local processes (default: CPU count; 1 runs in this process)."),
    retry_failed: bool = typer.Option(False, help="Run again the runs recorded as failed."),
    report: bool = typer.Option(True, help="Write the sweep report when the runs are done."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar."),
) -> None:
    """Run a sweep of simulations into one partitioned Parquet dataset, resumably."""
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    from ..extras import MissingExtraError
    from ..sweeps import SweepError, load_spec, plan_runs, sweep_report
    from ..sweeps import sweep as run_sweep

    console = Console()
    if workers is not None and workers < 1:
        fail(f"--workers must be ≥ 1, got {workers}")
    try:
        s = load_spec(spec)
        n = len(plan_runs(s))
    except (SweepError, MissingExtraError) as e:
        fail(str(e))
    console.print(f"[bold]sweep {s.name}[/]: {n} runs ({s.design} design, "
                  f"{len(s.perturbation_sets)} perturbation sets, {len(s.seeds)} seeds) "
                  f"→ {out}", highlight=False)
    failures = []
    with Progress(TextColumn("runs"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[failed]} failed"), TimeRemainingColumn(),
                  console=console, disable=quiet, transient=True) as bar:
        task = bar.add_task("runs", total=n, failed=0)

        def progress(done, total, run):
            if run["status"] != "ok":
                failures.append(run)
            bar.update(task, completed=done, total=total, failed=len(failures))

        try:
            done = run_sweep(s, out, scheduler=scheduler, workers=workers,
                             retry_failed=retry_failed, progress=progress)
        except (SweepError, MissingExtraError, OSError) as e:
            fail(str(e))
    console.print(f"{done.n_run_now} runs done now, {done.n_skipped} finished before, "
                  f"{done.n_failed} failed now", highlight=False)
    for r in failures[:5]:
        console.print(f"  run {r['run_id']} ({r['perturbations'] or 'control'}, seed "
                      f"{r['seed']}): {r['error']}", highlight=False, markup=False)
    if report:
        try:
            path = sweep_report(out)
        except ValueError as e:
            fail(str(e))
        console.print(f"report → [bold]{path}[/]", highlight=False)

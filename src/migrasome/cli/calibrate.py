"""`migrasome calibrate` and `migrasome validate`: fit to training observations, predict the
validation ones."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import Reporter, app, fail


@app.command()
def calibrate(
    spec: Path = typer.Argument(..., help="Calibration spec (TOML): parameters with bounds, "
                                "observations, seeds, cells."),
    out: Path = typer.Option(Path("calibration"), "--out", "-o", help="Output folder."),
    workers: int = typer.Option(1, help="Processes per evaluation (≥ 1)."),
    overwrite: bool = typer.Option(False, help="Replace an existing output folder."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress."),
) -> None:
    """Fit the spec's parameters to training observations (or your own measurements)."""
    from ..calibrate import calibrate as run
    from ..calibrate import fit_report, load_spec
    from ..files import OutputPathError, atomic_dir, check_output_path
    from ..parameters import ScenarioError

    if workers < 1:
        fail(f"--workers must be ≥ 1, got {workers}")
    try:
        sp = load_spec(spec)
        check_output_path(out, overwrite=overwrite)
    except (ScenarioError, OutputPathError) as e:
        fail(str(e))
    with Reporter("calibrating", quiet=quiet) as report:
        try:
            fit = run(sp, workers=workers, progress=report)
        except ScenarioError as e:
            fail(str(e))
    with atomic_dir(out, overwrite=overwrite) as tmp:
        (tmp / "fitted.toml").write_text(fit.to_toml(), encoding="utf-8")
        (tmp / "report.md").write_text(fit_report(fit, sp), encoding="utf-8")
        fit.table.drop(columns=["per_seed"]).to_csv(tmp / "fit.csv", index=False)
        if fit.jacobian is not None:
            fit.jacobian.to_csv(tmp / "jacobian.csv", index_label="id")
    for p, v in fit.values.items():
        a, z = fit.interval[p]
        typer.echo(f"{p} = {v:.4g} ± {fit.sd[p]:.2g} ({a:.3g}–{z:.3g}"
                   f"{'' if fit.identified[p] else ', not identified'})")
    typer.echo(f"calibration → {out} ({fit.evaluations} evaluations)")


@app.command()
def validate(
    which: str = typer.Option("validation", "--set",
                              help="validation, training or all observations."),
    observations: Path | None = typer.Option(
        None, help="A CSV of observations (default: the shipped table)."),
    seeds: str = typer.Option("303,404,505", help="Comma-separated seeds (held out)."),
    cells: int = typer.Option(150, help="Cells per run (≥ 1)."),
    embryos: int | None = typer.Option(None, help="Embryos per zebrafish run."),
    skip_embryos: bool = typer.Option(False, help="Leave out the embryo presets (slow)."),
    workers: int = typer.Option(1, help="Processes (≥ 1)."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                    help="Write the report (Markdown) here too."),
    overwrite: bool = typer.Option(False, help="Replace an existing report."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress."),
) -> None:
    """Predict observations over held-out seeds and say which pass."""
    from ..files import OutputPathError, atomic_file, check_output_path
    from ..observations import load_observations, predict, report_markdown
    from ..parameters import ScenarioError

    if which not in ("validation", "training", "all"):
        fail(f"--set {which!r}: choose validation, training or all")
    try:
        seed_list = [int(s) for s in seeds.split(",") if s.strip()]
    except ValueError:
        fail(f"--seeds {seeds!r}: give integers separated by commas")
    if not seed_list or cells < 1 or workers < 1:
        fail("--seeds must name at least one seed; --cells and --workers must be ≥ 1")
    try:
        obs = load_observations(observations, which=None if which == "all" else which)
        if out is not None:
            check_output_path(out, overwrite=overwrite, kind="file")
    except (ScenarioError, OutputPathError) as e:
        fail(str(e))
    if skip_embryos:
        obs = obs[~obs["condition"].str.startswith("zebrafish")]
    with Reporter("simulating", quiet=quiet) as report:
        table = predict(obs, seeds=seed_list, cells=cells, embryos=embryos, workers=workers,
                        progress=report)
    md = report_markdown(table, title=f"Predicted vs observed ({which})",
                         settings=f"seeds {seed_list}, {cells} cells per run")
    typer.echo(md)
    if out is not None:
        with atomic_file(out, overwrite=overwrite) as tmp:
            tmp.write_text(md, encoding="utf-8")

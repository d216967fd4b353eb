"""`migrasome analyze` and `migrasome compare`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ._app import app, fail, print_series

_BAD_INPUT = (ValueError, FileNotFoundError, FileExistsError, NotADirectoryError,
              IsADirectoryError, TypeError, PermissionError)


def _default_out(movie: Path) -> Path:
    name = movie.name
    for suf in (".ome.tiff", ".ome.tif", ".ome.zarr", ".tiff", ".tif", ".zarr"):
        if name.lower().endswith(suf):
            name = name[: -len(suf)]
            break
    return movie.with_name(f"{name}.analysis")


@app.command()
def analyze(
    movies: list[Path] = typer.Argument(..., help="Movie(s): OME-TIFF, TIFF, OME-Zarr, .nd2, "
                                        ".czi, .lif, .oib; several (or a glob) → a batch."),
    out: Path | None = typer.Option(None, "--out", "-o",
                                       help="Output folder (default: <movie>.analysis)."),
    pixel_size_um: float | None = typer.Option(None, help="Pixel size, µm (if the file "
                                                  "does not say, or to override it)."),
    frame_interval_min: float | None = typer.Option(None, "--frame-interval-min",
                                                       "--interval-min",
                                                       help="Frame interval, min."),
    channel: str | None = typer.Option(None, help="Channel to analyse (index or name)."),
    overlay_movie: bool = typer.Option(False, help="Also write an RGB overlay movie (TIFF)."),
    overwrite: bool = typer.Option(False, help="Replace an existing output folder."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bar, no table."),
    cell_channel: str | None = typer.Option(None, help="Cell-marker channel (index or name) "
                                               "to segment cells on, when the membrane "
                                               "channel does not outline them; fibres and "
                                               "migrasomes stay on --channel."),
    scene: str | None = typer.Option(None, help="Scene/position (name or index); "
                                        "default every scene, each in its own folder."),
    z: str = typer.Option("mip", help="z-stacks: mip (max projection), slice[:N] (one "
                          "plane, default the middle), or 3d (cells and RFs on the "
                          "projection, migrasome size and height z_um from the stack)."),
    z_step_um: float | None = typer.Option(None, help="z-stack plane spacing, µm (if the "
                                              "file does not say, or to override it)."),
    condition_pattern: str | None = typer.Option(None, help="Batch: regex giving each "
                                                    "file's condition (default: its folder)."),
    control: str | None = typer.Option(None, help="Batch: condition tested against."),
) -> None:
    """Find cells, RFs and migrasomes in a movie; write tables, a summary and an overlay."""
    from .batch import analyze_lab, expand_inputs, wants_lab_route

    movies = expand_inputs(movies)
    if wants_lab_route(movies, scene=scene, z=z, cell_channel=cell_channel):
        _require_analysis()
        return analyze_lab(movies, out=out, channel=channel, cell_channel=cell_channel,
                           scene=scene, z=z, pixel_size_um=pixel_size_um,
                           frame_interval_min=frame_interval_min, z_step_um=z_step_um,
                           condition_pattern=condition_pattern, control=control,
                           overwrite=overwrite, quiet=quiet)
    movie = movies[0]
    _require_analysis()
    from ..analysis import analyze_movie
    from ..analysis.output import write_analysis

    out = out or _default_out(movie)
    if not movie.exists():
        fail(f"{movie}: no such file or folder")
    if out.exists() and not overwrite:
        fail(f"{out} exists; pass --overwrite to replace it")
    kw: dict[str, Any] = dict(pixel_size_um=pixel_size_um,
                              frame_interval_min=frame_interval_min, channel=channel)
    try:
        res = analyze_movie(movie, progress=not quiet, **kw)
        summary = write_analysis(res, out, movie=movie, overlay_movie=overlay_movie,
                                 overwrite=overwrite, **kw)
    except _BAD_INPUT as e:
        fail(str(e) if str(movie) in str(e) else f"{movie}: {e}")
    except OSError as e:
        fail(f"{movie}: cannot read: {e}")
    if not quiet:
        print_series(f"{movie.name}: {int(res.metadata['n_frames'])} frames → {out}", summary)


def _require_analysis() -> None:
    from ..extras import MissingExtraError, require

    try:
        require("analysis")
    except MissingExtraError as e:
        fail(str(e))


@app.command()
def compare(
    detected: Path = typer.Argument(..., help="Results folder written by `migrasome analyze`."),
    truth: Path = typer.Argument(..., help="Truth Results folder (or a rendered movie whose "
                                 "<stem>.truth/ folder lies beside it)."),
    min_diameter_um: float = typer.Option(0.8, help="Score migrasomes from this size, µm."),
    tolerance_um: float | None = typer.Option(None, help="Match distance, µm (default "
                                                 "max(0.5, d/2))."),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the scores here."),
) -> None:
    """Score detections against truth: precision, recall, F1, diameter and count errors."""
    _require_analysis()
    from ..analysis import compare_results
    from ..results import load_results

    try:
        if truth.is_file() or truth.suffix.lower() == ".zarr":
            from ..imaging import truth_path

            truth = truth_path(truth)
        det = load_results(detected)
        tru = load_results(truth)
        scores = compare_results(det, tru, min_diameter_um=min_diameter_um,
                                 tolerance_um=tolerance_um)
    except _BAD_INPUT as e:
        fail(str(e))
    except OSError as e:
        fail(f"cannot read results: {e}")
    if json_out is not None:
        json_out.write_text(scores.to_json(indent=2))
    print_series(f"{detected.name} vs {truth.name}", scores)

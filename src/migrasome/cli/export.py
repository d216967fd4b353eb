"""`migrasome export`: CSV tables and a Fiji hyperstack of an analysis."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import app, fail


@app.command()
def export(
    results_dir: Path = typer.Argument(..., help="A results folder (analysis or batch)."),
    movie: Path | None = typer.Option(None, help="The analysed movie: also write a Fiji "
                                         "hyperstack of it with the detections."),
    fiji: Path | None = typer.Option(None, help="Where to write the hyperstack (default "
                                        "<results>/overlay-fiji.tif)."),
    channel: str | None = typer.Option(None, help="Channel of the movie that was analysed."),
    scene: str | None = typer.Option(None, help="Scene of the movie that was analysed."),
    z: str = typer.Option("mip", help="z handling used by the analysis."),
) -> None:
    """Write CSV beside each Parquet table and, with --movie, an ImageJ/Fiji overlay TIFF."""
    from ..export import write_csv_tables, write_imagej_overlay
    from ..results import load_results

    try:
        res = load_results(results_dir)
        csvs = write_csv_tables(results_dir)
        typer.echo(f"{len(csvs)} CSV table(s) → {results_dir}")
        if movie is None:
            return
        from ..extras import require

        require("analysis", "skimage")
        from ..formats import open_movie, resolve_channel

        px = res.metadata.get("pixel_size_um")
        mov = open_movie(movie, scene=scene, z=z, pixel_size_um=px)
        c = resolve_channel(channel if channel is not None else res.metadata.get("channel"),
                            mov.channel_names)
        frames = (mov.data[t, c] for t in range(mov.shape[0]))
        path = write_imagej_overlay(frames, res, fiji or results_dir / "overlay-fiji.tif",
                                    pixel_size_um=float(px or mov.pixel_size_um or 0.0),
                                    frame_interval_min=res.metadata.get("frame_interval_min"),
                                    channel_name=mov.channel_names[c])
        typer.echo(f"Fiji hyperstack → {path}")
    except (ValueError, FileNotFoundError, ImportError) as e:
        fail(str(e))

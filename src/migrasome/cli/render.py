"""`migrasome render`: a simulation's Results → a microscope movie plus its truth."""

from __future__ import annotations

from pathlib import Path

import typer

from ._app import app, fail


@app.command()
def render(
    results_dir: Path = typer.Argument(..., help="Results folder written by `migrasome simulate`."),
    out: Path = typer.Option(..., "--out", "-o",
                             help="Movie to write: *.ome.tif / *.ome.tiff or *.ome.zarr."),
    pixel_size_um: float = typer.Option(0.15, help="Pixel size at the sample, µm (0.02–2)."),
    frame_interval_min: float | None = typer.Option(
        None, help="Movie frame interval, min; a whole multiple of the recorded one."),
    wavelength_nm: float = typer.Option(510.0, help="Emission wavelength, nm (300–1000)."),
    na: float = typer.Option(1.4, "--na", help="Objective numerical aperture (0.05–1.7)."),
    modality: str = typer.Option("widefield", help="widefield or confocal."),
    snr: float | None = typer.Option(
        None, help="Peak of a 1-µm migrasome above background / background noise SD."),
    background_photons: float = typer.Option(100.0, help="Background electrons/pixel/frame."),
    bleach_per_frame: float = typer.Option(0.002, help="Photobleaching rate per frame."),
    fov: str | None = typer.Option(
        None, help="Field of view 'x0,y0,width,height' in µm (default: the whole domain)."),
    seed: int = typer.Option(0, help="Seed of the camera noise."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing movie."),
) -> None:
    """Render a simulation as a TSPAN4-GFP time-lapse (OME-TIFF or OME-Zarr) with its truth."""
    from ..extras import MissingExtraError, require

    try:
        require("imaging")
    except MissingExtraError as e:
        fail(str(e))
    from ..imaging import render_movie, truth_path, write_movie
    from ..results import load_results

    try:
        truth_path(out)  # checks the suffix before any work
    except ValueError as e:
        fail(f"--out: {e}")
    if out.exists() and not overwrite:
        fail(f"--out: {out} exists; pass --overwrite to replace it")
    field = None
    if fov is not None:
        try:
            field = tuple(float(v) for v in fov.split(","))
            assert len(field) == 4
        except (ValueError, AssertionError):
            fail(f"--fov {fov!r}: give four numbers 'x0,y0,width,height' in µm")
    try:
        results = load_results(results_dir)
    except Exception as e:  # missing folder, damaged Parquet, schema mismatch
        fail(f"RESULTS_DIR {results_dir}: cannot read the results: {e}")
    opt = {"pixel_size_um": "--pixel-size-um", "frame_interval_min": "--frame-interval-min",
           "wavelength_nm": "--wavelength-nm", "numerical_aperture": "--na",
           "modality": "--modality", "snr": "--snr", "background_photons":
           "--background-photons", "bleach_per_frame": "--bleach-per-frame",
           "field_of_view_um": "--fov"}
    try:
        movie = render_movie(results, pixel_size_um=pixel_size_um,
                             frame_interval_min=frame_interval_min, field_of_view_um=field,
                             wavelength_nm=wavelength_nm, numerical_aperture=na,
                             modality=modality, snr=snr, background_photons=background_photons,
                             bleach_per_frame=bleach_per_frame, seed=seed, progress=True)
    except ValueError as e:
        msg = str(e)
        for name, flag in opt.items():
            if msg.startswith(name):
                msg = flag + msg[len(name):]
                break
        fail(msg)
    try:
        path = write_movie(movie, out, overwrite=overwrite)
    except (FileExistsError, OSError, ValueError) as e:
        fail(str(e))
    T, C, Y, X = movie.shape
    typer.echo(f"movie: {path}  ({T} frames x {C} channel(s) x {Y}x{X} px, "
               f"{movie.pixel_size_um:g} µm/px, {movie.frame_interval_min:g} min/frame, "
               f"SNR {movie.metadata['snr']:.3g})")
    typer.echo(f"truth: {truth_path(path)}")

"""`migrasome render`: a simulation's Results → a microscope movie plus its truth."""

from __future__ import annotations

import math
from pathlib import Path

import typer

from ._app import Reporter, app, fail

#: Largest side, px, of a default field of view; a whole dish at 0.15 µm/px would be far
#: larger (800 µm → 5333 px, several GB over a 12 h run).
DEFAULT_FOV_MAX_PX = 2048


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
        None, help="Field of view 'x0,y0,width,height' in µm (default: the whole dish, or "
        f"its centre {DEFAULT_FOV_MAX_PX} px wide when the dish is larger)."),
    seed: int = typer.Option(0, help="Seed of the camera noise."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing movie."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress."),
) -> None:
    """Render a simulation as a TSPAN4-GFP time-lapse (OME-TIFF or OME-Zarr) with its truth."""
    from ..extras import MissingExtraError, require

    try:
        require("imaging")
    except MissingExtraError as e:
        fail(str(e))
    from ..files import OutputPathError, check_output_path
    from ..imaging import render_movie, truth_path, write_movie
    from ..results import load_results

    try:
        truth_path(out)  # checks the suffix before any work
        check_output_path(out, overwrite=overwrite,
                          kind="folder" if out.name.endswith((".zarr", ".zarr/")) else "file")
    except OutputPathError as e:
        fail(f"--out: {e}")
    except ValueError as e:
        fail(f"--out: {e}")
    field: tuple[float, float, float, float] | None = None
    if fov is not None:
        try:
            x0, y0, w, h = (float(v) for v in fov.split(","))
        except ValueError:
            fail(f"--fov {fov!r}: give four numbers 'x0,y0,width,height' in µm")
        field = (x0, y0, w, h)
    try:
        results = load_results(results_dir)
    except Exception as e:  # missing folder, damaged Parquet, schema mismatch
        fail(f"RESULTS_DIR {results_dir}: cannot read the results: {e}")
    if field is None:
        field = default_field_of_view(results.metadata, pixel_size_um)
    opt = {"pixel_size_um": "--pixel-size-um", "frame_interval_min": "--frame-interval-min",
           "wavelength_nm": "--wavelength-nm", "numerical_aperture": "--na",
           "modality": "--modality", "snr": "--snr", "background_photons":
           "--background-photons", "bleach_per_frame": "--bleach-per-frame",
           "field_of_view_um": "--fov"}
    if field is not None and not quiet and all(map(math.isfinite, field)) and pixel_size_um > 0:
        frames = results.tracks["frame"].nunique() if len(results.tracks) else 1
        nbytes = frames * (field[2] / pixel_size_um) * (field[3] / pixel_size_um) * 2
        typer.echo(f"field of view {field[2]:g}×{field[3]:g} µm at ({field[0]:g}, "
                   f"{field[1]:g}) µm: ≈{nbytes / 2**20:,.0f} MiB for {frames} recorded "
                   "frames", err=True)
    try:
        with Reporter("rendering", quiet=quiet) as report:
            movie = render_movie(results, pixel_size_um=pixel_size_um,
                                 frame_interval_min=frame_interval_min,
                                 field_of_view_um=field, wavelength_nm=wavelength_nm,
                                 numerical_aperture=na, modality=modality, snr=snr,
                                 background_photons=background_photons,
                                 bleach_per_frame=bleach_per_frame, seed=seed,
                                 progress=report)
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


def default_field_of_view(metadata: dict, pixel_size_um: float
                          ) -> tuple[float, float, float, float] | None:
    """The whole dish, or its centre ``DEFAULT_FOV_MAX_PX`` pixels wide when the dish is
    larger (None: let the renderer decide, e.g. when the dish size is not recorded)."""
    w, h = metadata.get("width_um"), metadata.get("height_um")
    if w is None or h is None or not pixel_size_um > 0:
        return None
    side = DEFAULT_FOV_MAX_PX * pixel_size_um
    fw, fh = min(float(w), side), min(float(h), side)
    if (fw, fh) != (float(w), float(h)):
        typer.echo(f"the whole dish ({float(w):g}×{float(h):g} µm) would be "
                   f"{float(w) / pixel_size_um:.0f}×{float(h) / pixel_size_um:.0f} px a frame; "
                   f"rendering its centre ({fw:g}×{fh:g} µm). Pass --fov 0,0,{float(w):g},"
                   f"{float(h):g} for all of it.", err=True)
    return ((float(w) - fw) / 2, (float(h) - fh) / 2, fw, fh)

"""`migrasome analyze` for lab files and many files: bioio formats, scenes, z, batches.

``analyze`` hands its inputs here when they need more than the package's own OME-TIFF /
OME-Zarr readers: a vendor file (.nd2, .czi, .lif, .oib), a scene, a z mode, a cell
channel, or several movies (a batch with one table and per-condition statistics).
"""

from __future__ import annotations

import glob
from collections.abc import Sequence
from pathlib import Path

from ._app import fail, print_series

_BAD_INPUT = (ValueError, FileNotFoundError, FileExistsError, NotADirectoryError,
              IsADirectoryError, TypeError, PermissionError)


def expand_inputs(movies: Sequence[Path]) -> list[Path]:
    """Paths with any unexpanded glob (``'folder/*.nd2'``, quoted) expanded, sorted."""
    out: list[Path] = []
    for m in movies:
        s = str(m)
        if any(ch in s for ch in "*?[") and not m.exists():
            hits = sorted(glob.glob(s, recursive=True))
            if not hits:
                fail(f"{s}: no file matches")
            out += [Path(h) for h in hits]
        else:
            out.append(m)
    return out


def wants_lab_route(movies: Sequence[Path], *, scene, z: str, cell_channel) -> bool:
    """Whether ``analyze`` should go through the bioio readers / the batch."""
    from ..formats import is_lab_file

    if (len(movies) > 1 or is_lab_file(movies[0]) or scene is not None or z != "mip"
            or cell_channel is not None):
        return True
    return _is_z_stack_or_positions(movies[0])


def _is_z_stack_or_positions(path: Path) -> bool:
    """An OME-TIFF / ImageJ TIFF / OME-Zarr z-stack or multi-position file: only the bioio
    route projects stacks and analyses every position."""
    from importlib.util import find_spec

    if find_spec("bioio") is None or not path.exists():
        return False
    if path.name.lower().endswith((".tif", ".tiff")):
        try:
            import tifffile

            with tifffile.TiffFile(path) as tf:
                if tf.is_ome and len(tf.series) > 1:
                    return True
        except Exception:  # unreadable here: let the usual route report it
            return False
    try:
        from ..imaging import movie_info

        movie_info(path)
    except ValueError as e:
        return "z-stack" in str(e)
    except Exception:  # unreadable here: let the usual route report it
        return False
    return False


def analyze_lab(movies: Sequence[Path], *, out: Path | None, channel, cell_channel,
                scene, z: str, pixel_size_um, frame_interval_min, condition_pattern,
                control, overwrite: bool, quiet: bool, z_step_um=None) -> None:
    """Analyse one lab file (one folder, or one per scene) or a batch (one folder)."""
    from importlib.util import find_spec

    from ..batch import analyze_files, batch_summary, movie_stem
    from ..formats import MissingMetadataError, is_lab_file

    if find_spec("bioio") is None and any(is_lab_file(m) for m in movies):
        fail("reading .nd2/.czi/.lif/.oib files needs bioio and its plugins, from the "
             "'formats' extra: pip install \"migrasome[formats]\"")
    for m in movies:
        if not m.exists():
            fail(f"{m}: no such file or folder")
    if out is None:
        out = (movies[0].with_name(f"{movie_stem(movies[0])}.analysis") if len(movies) == 1
               else movies[0].parent / "batch.analysis")
    if out.exists() and not overwrite:
        fail(f"{out} exists; pass --overwrite to replace it")
    try:
        if len(movies) == 1:
            scenes = _scenes(movies[0], scene)
            if len(scenes) <= 1:
                _one_movie(movies[0], out, channel=channel, cell_channel=cell_channel,
                           scene=scene, z=z, pixel_size_um=pixel_size_um,
                           frame_interval_min=frame_interval_min, z_step_um=z_step_um,
                           overwrite=overwrite, quiet=quiet)
                return
        res = analyze_files(movies, out, channel=channel, cell_channel=cell_channel,
                            scene=scene, z=z, pixel_size_um=pixel_size_um,
                            frame_interval_min=frame_interval_min, z_step_um=z_step_um,
                            condition_pattern=condition_pattern, control=control,
                            overwrite=overwrite, progress=not quiet)
    except (MissingMetadataError, ImportError) as e:  # ImportError: a missing extra, named
        fail(str(e))
    except _BAD_INPUT as e:
        fail(str(e))
    except OSError as e:
        fail(f"cannot read: {e}")
    if not quiet:
        n = len(res.tables["per_cell"])
        print(f"{len(movies)} file(s), {n} cells → {out}\n{batch_summary(res)}")


def _scenes(path: Path, scene) -> list:
    from importlib.util import find_spec

    if scene is not None or find_spec("bioio") is None:
        return [scene]
    from ..formats import list_scenes

    try:
        return list(list_scenes(path))
    except _BAD_INPUT as e:
        fail(str(e))
    return []


def _one_movie(path: Path, out: Path, *, channel, cell_channel, scene, z, pixel_size_um,
               frame_interval_min, overwrite: bool, quiet: bool, z_step_um=None) -> None:
    from ..analysis.overlay import overlay_figure
    from ..batch import _analyze_one
    from ..formats import open_movie, resolve_channel
    from ..results import atomic_dir

    mov = open_movie(path, scene=scene, z=z, pixel_size_um=pixel_size_um,
                     frame_interval_min=frame_interval_min, z_step_um=z_step_um)
    with atomic_dir(out, overwrite=overwrite) as tmp:
        res = _analyze_one(mov, tmp / "movie", channel=channel, cell_channel=cell_channel,
                           options={"progress": not quiet})
        for p in (tmp / "movie").iterdir():
            p.rename(tmp / p.name)
        (tmp / "movie").rmdir()
        t = int(res.metadata["n_frames"]) // 2
        c = resolve_channel(channel, mov.channel_names)
        overlay_figure(mov.data[t, c], res, frame_index=t,
                       pixel_size_um=res.metadata["pixel_size_um"], path=tmp / "overlay.png")
    if not quiet:
        from ..analysis.summary import summarize_analysis

        print_series(f"{path.name} [{mov.scene}]: {mov.shape[0]} frames → {out}",
                      summarize_analysis(res))

"""A whole experiment in one call: many movies → one table, compared by condition.

``analyze_files`` analyses each file (and each scene of a multi-position file) into its own
sub-folder and writes, at the top of the batch folder, every table of every movie
concatenated with ``file``, ``scene`` and ``condition`` columns, the migrasomes of every
cell (``per_cell``: the points of the papers' figures) and the per-condition statistics
(``stats``, see :mod:`migrasome.batch_stats`). The batch folder is itself a results folder
(``metadata.json`` with ``source="batch"``), so ``migrasome report`` draws it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .results import MIN_MIGRASOME_DIAMETER_UM, Results, atomic_dir, load_results

__all__ = ["analyze_files", "condition_of", "per_cell_counts", "combine_results",
           "load_batch", "refresh_batch", "batch_of", "movie_stem"]

_SUFFIXES = (".ome.tiff", ".ome.tif", ".ome.zarr", ".tiff", ".tif", ".zarr", ".nd2", ".czi",
             ".lif", ".oib", ".oif")


def movie_stem(path: str | os.PathLike) -> str:
    """The file name without its (possibly double) movie suffix."""
    name = Path(path).name
    for suf in _SUFFIXES:
        if name.lower().endswith(suf):
            return name[: -len(suf)]
    return Path(path).stem


def condition_of(paths: Sequence[str | os.PathLike], *, pattern: str | None = None,
                 mapping: dict[str, str] | None = None) -> list[str]:
    """The condition of each file.

    In order: ``mapping`` (file name or stem → condition); a regular expression ``pattern``
    searched in the file name (group ``condition``, else group 1, else the match); the name
    of the file's folder when the files lie in more than one folder (``WT/1.nd2``,
    ``KD/1.nd2``); else the file stem up to its last ``_`` or ``-`` (``WT_01`` → ``WT``).

    Raises
    ------
    ValueError
        A file that ``mapping`` or ``pattern`` does not cover (naming the file).
    """
    files = [Path(p) for p in paths]
    parents = {p.resolve().parent for p in files}
    rx = re.compile(pattern) if pattern else None
    out = []
    for p in files:
        stem = movie_stem(p)
        if mapping is not None:
            c = mapping.get(p.name, mapping.get(stem))
            if c is None:
                raise ValueError(f"{p}: no condition given for this file in the mapping "
                                 f"(has {sorted(mapping)[:5]}…)")
        elif rx is not None:
            m = rx.search(p.name)
            if m is None:
                raise ValueError(f"{p}: the condition pattern {pattern!r} does not match "
                                 "this file name")
            c = m.group("condition") if "condition" in rx.groupindex else (
                m.group(1) if rx.groups else m.group(0))
        elif len(parents) > 1:
            c = p.resolve().parent.name
        else:
            c = re.split(r"[_-](?=[^_-]*$)", stem)[0] if re.search(r"[_-]", stem) else stem
        out.append(str(c))
    return out


def per_cell_counts(results: Results, *, min_diameter_um: float = MIN_MIGRASOME_DIAMETER_UM
                    ) -> pd.DataFrame:
    """Migrasomes of each cell (cells with none included): one row per cell.

    Parameters
    ----------
    results : Results
        One analysed movie, or a batch (then cells are told apart by ``file`` and ``scene``).
    min_diameter_um : float
        Smallest migrasome counted (largest diameter reached).

    Returns
    -------
    DataFrame
        ``[file, scene, condition,] cell_id, n_migrasomes`` (int64) and, when the migrasome
        tables carry a ``curated`` flag, ``curated`` (any of the cell's migrasomes edited).
    """
    keys = [k for k in ("file", "scene", "condition") if k in results.cells.columns]
    cells = results.cells[keys + ["cell_id"]].drop_duplicates()
    mig = results.migrasomes
    mig = mig[(mig["max_diameter_um"] >= min_diameter_um) & (mig["cell_id"] >= 0)]
    n = mig.groupby(keys + ["cell_id"]).size().rename("n_migrasomes")
    out = cells.merge(n.reset_index(), on=keys + ["cell_id"], how="left")
    out["n_migrasomes"] = out["n_migrasomes"].fillna(0).astype("int64")
    if "curated" in mig.columns:
        cur = results.migrasomes.groupby(keys + ["cell_id"])["curated"].any().rename("curated")
        out = out.merge(cur.reset_index(), on=keys + ["cell_id"], how="left")
        out["curated"] = out["curated"].fillna(False).astype(bool)
    return out.reset_index(drop=True)


def combine_results(parts: Sequence[tuple[dict[str, str], Results]]) -> Results:
    """Concatenate the tables of several Results, each tagged with its ``file``/``scene``/…"""
    names = sorted({k for _, r in parts for k in r.tables})
    tables = {}
    for name in names:
        frames = []
        for tags, r in parts:
            df = r.tables.get(name)
            if df is None:
                continue
            df = df.copy()
            for i, (k, v) in enumerate(tags.items()):
                df.insert(i, k, v)
            frames.append(df)
        tables[name] = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return Results(tables=tables)


def _movies_of(path: Path, *, scene, z: str, pixel_size_um, frame_interval_min,
               z_step_um=None):
    """(scene name or None, movie for analyze_movie) for each scene of ``path``."""
    from importlib.util import find_spec

    from . import formats

    if find_spec("bioio") is None and not formats.is_lab_file(path):
        return [(None, path)]  # the package's own OME-TIFF / TIFF / OME-Zarr readers
    first = formats.open_movie(path, scene=scene, z=z, pixel_size_um=pixel_size_um,
                               frame_interval_min=frame_interval_min, z_step_um=z_step_um)
    if scene is not None or len(first.scenes) == 1:
        return [(first.scene if scene is not None else None, first)]
    out = [(first.scene, first)]
    for s in range(1, len(first.scenes)):
        mov = formats.open_movie(path, scene=s, z=z, pixel_size_um=pixel_size_um,
                                 frame_interval_min=frame_interval_min, z_step_um=z_step_um)
        out.append((mov.scene, mov))
    return out


def _analyze_one(movie, folder: Path, *, channel, cell_channel, options: dict) -> Results:
    from .analysis import analyze_movie
    from .analysis.summary import summarize_analysis
    from .export import write_csv_tables
    from .formats import LabMovie, analysis_input, resolve_channel

    kw: dict[str, Any] = dict(options)
    if isinstance(movie, LabMovie):
        movie, c = analysis_input(movie, channel=channel)
        kw["channel"] = c
        if cell_channel is not None:  # by name, index or part of a name, as --channel
            kw["cell_channel"] = resolve_channel(cell_channel, movie.channel_names)
    else:
        kw["channel"] = channel
        kw["cell_channel"] = cell_channel
    res = analyze_movie(movie, **kw)
    if isinstance(movie, LabMovie):  # where the pixels are, for viewers (napari)
        res.metadata.update(movie_path=str(movie.path.resolve()), scene=movie.scene,
                            z_mode=movie.z_mode, channel_index=int(kw["channel"]))
        if kw.get("cell_channel") is not None:
            res.metadata["cell_channel_index"] = int(kw["cell_channel"])
    folder.mkdir(parents=True)
    res.write_into(folder)
    summary = summarize_analysis(res)
    summary.to_frame().T.to_csv(folder / "summary.csv", index=False)
    (folder / "summary.json").write_text(summary.to_json(indent=2))
    write_csv_tables(folder)
    return res


def analyze_files(paths: Sequence[str | os.PathLike], out: str | os.PathLike, *,
                  channel: int | str | None = None, cell_channel: int | str | None = None,
                  scene: str | int | None = None, z: str = "mip",
                  pixel_size_um: float | None = None, frame_interval_min: float | None = None,
                  z_step_um: float | None = None, conditions: Sequence[str] | None = None,
                  condition_pattern: str | None = None,
                  control: str | None = None, overwrite: bool = False,
                  progress: bool | Callable[[int, int], None] = False,
                  options: dict | None = None) -> Results:
    """Analyse many movies into one batch folder with per-condition statistics.

    Parameters
    ----------
    paths : sequence of path
        Movies (any format :mod:`migrasome.formats` reads).
    out : path
        The batch folder (written atomically): ``<stem>/`` (or ``<stem>/<scene>/``) per
        movie, the concatenated tables (Parquet + CSV), ``per_cell``, ``stats``,
        ``files.csv`` and ``metadata.json``.
    channel, cell_channel : int or str, optional
        Membrane channel and a cell-marker channel to segment the cells on (default: the
        membrane channel).
    scene : str or int, optional
        Analyse only this scene of each file; default all scenes.
    z : {"mip", "slice", "3d"}
        z-stacks: maximum projection, one plane, or migrasomes measured in the stack.
    pixel_size_um, frame_interval_min, z_step_um : float, optional
        Override or supply the calibration (all files).
    conditions : sequence of str, optional
        One per path; default :func:`condition_of` (``condition_pattern``).
    control : str, optional
        Condition the others are tested against; default every pair.
    progress : bool or callable
        A progress bar over the movies, or ``progress(done, total)``.
    options : dict, optional
        Analysis options (``migrasome.analysis.Options`` fields).

    Returns
    -------
    Results
        The batch tables with ``file``, ``scene`` and ``condition`` columns, plus
        ``per_cell`` and ``stats``.

    Examples
    --------
    >>> res = analyze_files(sorted(Path("exp").glob("*/*.nd2")), "exp-results",
    ...                     channel="TSPAN4", control="WT")     # doctest: +SKIP
    >>> res.stats[["condition_a", "condition_b", "p_adjusted"]]   # doctest: +SKIP
    """
    files = [Path(p) for p in paths]
    if not files:
        raise ValueError("no movies given")
    for p in files:
        if not p.exists():
            raise FileNotFoundError(f"{p}: no such file or folder")
    conds = list(conditions) if conditions is not None else condition_of(
        files, pattern=condition_pattern)
    if len(conds) != len(files):
        raise ValueError(f"{len(conds)} conditions for {len(files)} files")
    stems = [movie_stem(p) for p in files]
    dup = sorted({s for s in stems if stems.count(s) > 1})
    if dup:  # same name in different condition folders: prefix the folder
        stems = [f"{p.parent.name}_{s}" if s in dup else s for p, s in zip(files, stems)]
    jobs = []
    for p, s, c in zip(files, stems, conds):
        for sc, mov in _movies_of(p, scene=scene, z=z, pixel_size_um=pixel_size_um,
                                  frame_interval_min=frame_interval_min, z_step_um=z_step_um):
            jobs.append((p, s, c, sc, mov))
    parts, rows = [], []
    bar = _Bar(progress, len(jobs))
    with atomic_dir(out, overwrite=overwrite) as tmp, bar:
        for p, stem, cond, sc, mov in jobs:
            sub = tmp / stem if sc is None else tmp / stem / _safe(sc)
            res = _analyze_one(mov, sub, channel=channel, cell_channel=cell_channel,
                               options=options or {})
            tags = {"file": p.name, "scene": "" if sc is None else str(sc), "condition": cond}
            parts.append((tags, res))
            rows.append(dict(tags, folder=str(sub.relative_to(tmp)),
                             n_frames=res.metadata.get("n_frames"),
                             pixel_size_um=res.metadata.get("pixel_size_um"),
                             frame_interval_min=res.metadata.get("frame_interval_min"),
                             n_cells=len(res.cells)))
            bar.advance()
        meta = {"source": "batch", "files": [str(p) for p in files],
                "conditions": sorted(set(conds)), "control": control, "z_mode": z,
                "channel": channel, "frame_interval_min": _common(rows, "frame_interval_min")}
        batch = _summarise(parts, meta)
        _write_batch(batch, tmp, rows)
    return batch


def _summarise(parts, meta: dict) -> Results:
    from .batch_stats import condition_stats, mixed_model

    batch = combine_results(parts)
    per_cell = per_cell_counts(batch)
    batch.tables["per_cell"] = per_cell
    batch.tables["stats"] = condition_stats(per_cell, control=meta.get("control"))
    batch.metadata = dict(meta, mixed_model=mixed_model(per_cell, control=meta.get("control")))
    curated = [tags["file"] for tags, r in parts if r.metadata.get("curated")]
    if curated:  # corrected by hand (napari): say so, and which movies
        batch.metadata.update(curated=True, curated_files=sorted(set(curated)))
    return batch


def refresh_batch(path: str | os.PathLike) -> Results:
    """Recompute a batch folder's tables and statistics from its movie sub-folders.

    After corrections saved into one movie's folder (napari), the batch tables, ``per_cell``
    and ``stats`` follow; the folder is rewritten atomically.
    """
    path = Path(path)
    old = load_batch(path)
    rows = pd.read_csv(path / "files.csv", keep_default_na=False).to_dict("records")
    parts = [({"file": r["file"], "scene": str(r["scene"]), "condition": r["condition"]},
              load_results(path / r["folder"])) for r in rows]
    meta = {k: v for k, v in old.metadata.items()
            if k not in ("mixed_model", "curated", "curated_files")}
    batch = _summarise(parts, meta)
    import shutil

    with atomic_dir(path, overwrite=True) as tmp:
        for p in path.iterdir():
            (shutil.copytree if p.is_dir() else shutil.copy2)(p, tmp / p.name)
        _write_batch(batch, tmp, rows)
    return batch


def batch_of(folder: str | os.PathLike) -> Path | None:
    """The batch folder a movie's results folder belongs to (its parent or grandparent)."""
    import json as _json

    for up in list(Path(folder).resolve().parents)[:2]:
        m = up / "metadata.json"
        if m.is_file() and (up / "files.csv").is_file():
            if _json.loads(m.read_text()).get("source") == "batch":
                return up
    return None


def _common(rows: list[dict], key: str):
    vals = {r.get(key) for r in rows}
    return vals.pop() if len(vals) == 1 else None


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", str(name)).strip("_") or "scene"


def _write_batch(batch: Results, folder: Path, rows: list[dict]) -> None:
    from .export import write_csv_tables

    batch.write_into(folder)
    pd.DataFrame(rows).to_csv(folder / "files.csv", index=False)
    write_csv_tables(folder)
    (folder / "stats.json").write_text(batch.tables["stats"].to_json(orient="records",
                                                                     indent=2))


def load_batch(path: str | os.PathLike) -> Results:
    """Read a batch folder written by :func:`analyze_files`.

    Raises
    ------
    ValueError
        If ``path`` is a results folder but not a batch.
    """
    res = load_results(path)
    if res.metadata.get("source") != "batch":
        raise ValueError(f"{path} is not a batch folder (source "
                         f"{res.metadata.get('source')!r})")
    return res


class _Bar:
    """One progress bar over the movies of a batch (or a callback, or nothing)."""

    def __init__(self, progress, total: int) -> None:
        self.progress, self.total, self.done = progress, total, 0
        self._bar: Any = None
        self._task: Any = None

    def __enter__(self):
        if self.progress is True:
            from rich.progress import Progress

            self._bar = Progress(transient=True)
            self._bar.start()
            self._task = self._bar.add_task("analysing movies", total=self.total)
        return self

    def advance(self) -> None:
        self.done += 1
        if self._bar is not None:
            self._bar.update(self._task, advance=1)
        elif callable(self.progress):
            self.progress(self.done, self.total)

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()


def batch_summary(batch: Results) -> str:
    """A JSON line per condition: cells, migrasomes per cell (mean, median)."""
    pc = batch.tables["per_cell"]
    g = pc.groupby("condition")["n_migrasomes"]
    return json.dumps({c: {"n_cells": int(len(v)), "mean": float(v.mean()),
                           "median": float(v.median())} for c, v in g}, indent=2)

"""Recording: snapshots of the state on recorded frames, and the final tables.

Kept apart from stepping (as in Mesa's DataCollector): the engine calls ``record`` on
recorded frames and ``tables`` once at the end.

Frames are kept as column chunks; with ``spool(folder)`` they are flushed as Parquet files
whenever ``chunk_rows`` rows are buffered, so the memory a run holds for its frames stays
flat in simulated time. A run that spooled hands its tables over with ``write_tables``:
each is written piece by piece (frame chunks, ranges of ids of the pools) into one Parquet
file, never whole in memory, and read when the Results are used. Otherwise ``tables``
builds them in memory, each allocated once at its final length and filled chunk by chunk.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..codes import Fate, SiteType, Stage, labels
from .state import release_arrow_memory

__all__ = ["Recorder"]

_EXPANDING, _RELEASED = int(Stage.EXPANDING), int(Stage.RELEASED)  # plain ints: faster in NumPy


class Recorder:
    """Collects per-frame rows as column chunks and turns them into schema tables."""

    def __init__(self, *, chunk_rows: int = 131_072):
        self.chunks: dict[str, list[dict[str, np.ndarray]]] = {
            "tracks": [], "fiber_frames": [], "migrasome_frames": []}
        self.chunk_rows = chunk_rows
        self.spool_dir: Path | None = None
        self.files: dict[str, list[Path]] = {name: [] for name in self.chunks}
        self._buffered = 0

    def spool(self, folder) -> None:
        """Flush recorded frames to Parquet files in ``folder`` from now on (it is the
        caller's to remove after the tables are built)."""
        self.spool_dir = Path(folder)
        for name in self.chunks:
            (self.spool_dir / name).mkdir(parents=True, exist_ok=True)
        self.flush()

    def flush(self) -> None:
        """Write the buffered chunks of every table as one Parquet file each."""
        if self.spool_dir is None:
            return
        import pyarrow.parquet as pq

        for name, parts in self.chunks.items():
            if parts:
                f = self.spool_dir / name / f"part-{len(self.files[name]):05d}.parquet"
                pq.write_table(_arrow(parts), f)
                self.files[name].append(f)
                parts.clear()
        self._buffered = 0
        release_arrow_memory()

    def _table(self, name: str) -> pd.DataFrame:
        """One frame table: every column allocated once at its final length and filled
        file by file and chunk by chunk (the peak holds the table plus one file)."""
        parts, files = self.chunks[name], self.files[name]
        if not parts and not files:
            return pd.DataFrame()
        import pyarrow.parquet as pq

        total = sum(pq.ParquetFile(f).metadata.num_rows for f in files)
        total += sum(len(next(iter(p.values()))) for p in parts)
        data: dict[str, np.ndarray] | None = None
        at = 0

        def put(cols: dict[str, np.ndarray]) -> None:
            nonlocal data, at
            if data is None:
                data = {k: np.empty(total, np.asarray(v).dtype) for k, v in cols.items()}
            n = len(next(iter(cols.values())))
            for k, v in cols.items():
                data[k][at:at + n] = v
            at += n

        for f in files:
            t = pq.read_table(f, use_threads=False)
            put({k: t.column(k).to_numpy() for k in t.column_names})
            del t
        for p in parts:
            put(p)
        parts.clear()
        return pd.DataFrame(data, copy=False)

    def record(self, sim, frame: int) -> None:
        t = sim.t_min
        c, f, s = sim.cells, sim.fibers, sim.sites
        n = len(c)
        self.chunks["tracks"].append({
            "cell_id": c.ids.copy(), "frame": np.full(n, frame), "t_min": np.full(n, t),
            "x_um": c["x_um"].copy(), "y_um": c["y_um"].copy(),
            "polarity_rad": c["theta_rad"].copy(), "speed_um_per_min": c["speed_um_per_min"].copy(),
            "rear_width_um": c["rear_width_um"].copy(),
        })
        att = f["attached"]
        k = int(att.sum())
        self.chunks["fiber_frames"].append({
            "fiber_id": f.ids[att], "frame": np.full(k, frame), "t_min": np.full(k, t),
            "x0_um": f["anchor_x_um"][att], "y0_um": f["anchor_y_um"][att],
            "x1_um": f["x1_um"][att], "y1_um": f["y1_um"][att],
            "length_um": f["length_um"][att], "attached": np.ones(k, bool),
        })
        st = s["stage"]
        vis = s["stabilized"] & (st >= _EXPANDING) & (st <= _RELEASED)
        k = int(vis.sum())
        self.chunks["migrasome_frames"].append({
            "migrasome_id": s.ids[vis], "cell_id": s["cell_id"][vis], "frame": np.full(k, frame),
            "t_min": np.full(k, t), "x_um": s["x_um"][vis], "y_um": s["y_um"][vis],
            "diameter_um": s["diameter_um"][vis], "attached": s["attached"][vis].copy(),
        })
        if self.spool_dir is not None:
            self._buffered += n + int(att.sum()) + k
            if self._buffered >= self.chunk_rows:
                self.flush()

    def tables(self, sim) -> dict[str, pd.DataFrame]:
        """The schema tables of the run, in memory."""
        out: dict[str, pd.DataFrame] = {"cells": _cells(sim.cells)}
        out["fibers"] = _fibers(sim.fibers.to_frame(FIBER_TABLE[1:]))
        out["sites"] = _sites(sim.sites.to_frame(SITE_TABLE[1:]))
        out["migrasomes"] = _migrasomes(out["sites"])
        # the frame tables last, so the pools' tables are built while those are not in memory
        frames = {name: self._table(name) for name in self.chunks}
        return {**frames, **out}

    def write_tables(self, sim, folder, *, conform=None) -> dict[str, pd.DataFrame | Path]:
        """The schema tables of the run, written chunk by chunk as Parquet files into
        ``folder`` (one row group per chunk): the tables are never whole in memory.

        ``conform(name, df)`` is applied to every chunk before it is written (e.g. casting
        to the schema). Returns name → file, and ``cells`` as a DataFrame (one row per cell).
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        fix = conform or (lambda name, df: df)
        out: dict[str, pd.DataFrame | Path] = {"cells": fix("cells", _cells(sim.cells))}
        writers: dict[str, pq.ParquetWriter] = {}

        def write(name: str, t) -> None:
            if name not in writers:
                writers[name] = pq.ParquetWriter(folder / f"{name}.parquet", t.schema)
            writers[name].write_table(t)

        def put(name: str, df: pd.DataFrame) -> None:
            if len(df):  # an empty piece has no types for its text columns
                write(name, pa.Table.from_pandas(fix(name, df), preserve_index=False))

        try:
            for df in sim.fibers.iter_frames(FIBER_TABLE[1:], chunk_ids=CHUNK_IDS):
                put("fibers", _fibers(df))
            for df in sim.sites.iter_frames(SITE_TABLE[1:], chunk_ids=CHUNK_IDS):
                sites = _sites(df)
                put("sites", sites)
                put("migrasomes", _migrasomes(sites))
            self.flush()
            for name, files in self.files.items():
                for f in files:
                    part = pq.ParquetFile(f)
                    empty = part.schema_arrow.empty_table().to_pandas()
                    if fix(name, empty) is not empty:  # needs a cast: through pandas
                        put(name, part.read().to_pandas())
                        continue
                    # the batches as they are: no pandas in between
                    for batch in part.iter_batches(batch_size=65_536, use_threads=False):
                        write(name, pa.Table.from_batches([batch]))
                    release_arrow_memory()
        finally:
            for w in writers.values():
                w.close()
        empty = {"fibers": lambda: _fibers(sim.fibers.to_frame(FIBER_TABLE[1:])),
                 "sites": lambda: _sites(sim.sites.to_frame(SITE_TABLE[1:])),
                 "migrasomes": lambda: _migrasomes(_sites(sim.sites.to_frame(SITE_TABLE[1:])))}
        for name in [*empty, *self.chunks]:
            if name in writers:
                out[name] = folder / f"{name}.parquet"
            elif name in empty:  # no row at all: the in-memory path gives the empty table
                out[name] = fix(name, empty[name]())
            else:
                out[name] = fix(name, self._table(name))
        return {k: out[k] for k in [*self.chunks, "cells", *empty]}  # as ``tables`` orders them


#: Ids per piece of the entity tables written by ``write_tables`` (a row group each).
CHUNK_IDS = 16_384
#: Columns of the entity tables, in order (the id first).
FIBER_TABLE = ["fiber_id", "cell_id", "parent_fiber_id", "anchor_x_um", "anchor_y_um",
               "t_form_min", "t_break_min", "length_um", "depth"]
SITE_TABLE = ["site_id", "cell_id", "fiber_id", "site_type", "x_um", "y_um", "focus",
              "t_created_min", "t_nucleation_min", "t_growth_onset_min", "t_full_size_min",
              "t_release_min", "t_breakdown_min", "stabilized", "max_diameter_um",
              "domain_area_um2", "fate"]


def _cells(cells) -> pd.DataFrame:
    return pd.DataFrame({
        "cell_id": cells.ids, "cell_type": cells["cell_type"].astype(str),
        "radius_um": cells["radius_um"],
        "intrinsic_speed_um_per_min": cells["base_speed_um_per_min"],
    })


def _fibers(df: pd.DataFrame) -> pd.DataFrame:
    return df[FIBER_TABLE].copy()


def _sites(df: pd.DataFrame) -> pd.DataFrame:
    df = df[SITE_TABLE].copy()
    df["site_type"] = df["site_type"].map(labels(SiteType))
    df["fate"] = df["fate"].map(labels(Fate))
    return df


def _migrasomes(sites: pd.DataFrame) -> pd.DataFrame:
    mig = sites[sites["stabilized"]].drop(columns=["stabilized", "focus"])
    return mig.rename(columns={"site_id": "migrasome_id"}).reset_index(drop=True)


def _arrow(parts: list[dict[str, np.ndarray]]):
    """The chunks as one Arrow table (the columns stay chunked: no copy)."""
    import pyarrow as pa

    keys = list(parts[0])
    return pa.Table.from_arrays([pa.chunked_array([pa.array(p[k]) for p in parts])
                                 for k in keys], names=keys)

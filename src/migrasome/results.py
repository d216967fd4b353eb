"""Results: the tables a simulation records and an analysis measures, and their files.

One schema serves both sides (see ``docs/schema.md``): a simulation writes the truth into
these tables, ``migrasome analyze`` fills the same tables from pixels, and
``migrasome compare`` scores one against the other.

Tables (one row per entity, or per entity and frame; units in column names):

``cells``             one row per cell
``tracks``            one row per cell and recorded frame
``fibers``            one row per retraction fibre (RF) segment
``fiber_frames``      one row per RF segment and recorded frame (its geometry then)
``migrasomes``        one row per migrasome (site that reached a swelling)
``migrasome_frames``  one row per migrasome and recorded frame (diameter over time)

Optional tables (written when the run or analysis produces them) are kept as they come.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Results", "SCHEMA", "load_results", "empty_table", "validate_table", "atomic_dir"]

#: Required columns and dtypes of each table. Extra columns are allowed and kept.
SCHEMA: dict[str, dict[str, str]] = {
    "cells": {
        "cell_id": "int64",
        "cell_type": "object",
        "radius_um": "float64",
    },
    "tracks": {
        "cell_id": "int64",
        "frame": "int64",
        "t_min": "float64",
        "x_um": "float64",
        "y_um": "float64",
        "polarity_rad": "float64",
        "speed_um_per_min": "float64",
        "rear_width_um": "float64",
    },
    "fibers": {
        "fiber_id": "int64",
        "cell_id": "int64",
        "parent_fiber_id": "int64",  # -1: attached to the cell rear; else joins that fibre
        "anchor_x_um": "float64",  # the distal adhesion (a tip of the RF network)
        "anchor_y_um": "float64",
        "t_form_min": "float64",
        "t_break_min": "float64",  # NaN: never broke during the run
        "length_um": "float64",  # at breakage, or at the end of the run
    },
    "fiber_frames": {
        "fiber_id": "int64",
        "frame": "int64",
        "t_min": "float64",
        "x0_um": "float64",  # distal end (the adhesion)
        "y0_um": "float64",
        "x1_um": "float64",  # proximal end (cell rear, or the junction on the parent)
        "y1_um": "float64",
        "length_um": "float64",
        "attached": "bool",  # still connected to its cell
    },
    "migrasomes": {
        "migrasome_id": "int64",
        "cell_id": "int64",
        "fiber_id": "int64",
        "x_um": "float64",
        "y_um": "float64",
        "site_type": "object",  # "tip" or "branch"
        "t_nucleation_min": "float64",
        "t_growth_onset_min": "float64",
        "t_full_size_min": "float64",
        "t_release_min": "float64",
        "t_breakdown_min": "float64",
        "max_diameter_um": "float64",
    },
    "migrasome_frames": {
        "migrasome_id": "int64",
        "frame": "int64",
        "t_min": "float64",
        "x_um": "float64",
        "y_um": "float64",
        "diameter_um": "float64",
        "attached": "bool",
    },
}

#: Smallest swelling counted as a migrasome (MODEL.md §4: diameter 0.5–3 µm).
MIN_MIGRASOME_DIAMETER_UM = 0.5


def empty_table(name: str) -> pd.DataFrame:
    """An empty table with the columns and dtypes of ``SCHEMA[name]``."""
    cols = SCHEMA[name]
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in cols.items()})


def validate_table(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Check that ``df`` carries the columns of ``SCHEMA[name]`` and cast them.

    Raises
    ------
    ValueError
        Naming the table and the missing columns.
    """
    if name not in SCHEMA:
        return df
    missing = [c for c in SCHEMA[name] if c not in df.columns]
    if missing:
        raise ValueError(
            f"table {name!r} lacks columns {missing}; required: {list(SCHEMA[name])}"
        )
    out = df.copy()
    for c, d in SCHEMA[name].items():
        if str(out[c].dtype) != d:
            out[c] = out[c].astype(d)
    return out


@dataclass
class Results:
    """The tables of one simulation or one analysed movie, with their metadata.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Keyed by table name; the names of ``SCHEMA`` are checked, others kept as they are.
    metadata : dict
        JSON-serialisable: ``source`` ("simulation" or "analysis"), ``package_version``,
        ``seed``, ``dt_min``, ``frame_interval_min``, ``width_um``, ``height_um``,
        ``scenario`` (the resolved scenario as a dict), ...
    """

    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.tables = {k: validate_table(k, v) for k, v in self.tables.items()}

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        if name in SCHEMA:
            return empty_table(name)
        raise AttributeError(name)

    def __repr__(self) -> str:
        rows = ", ".join(f"{k}={len(v)}" for k, v in self.tables.items())
        return f"Results({self.metadata.get('source', '?')}: {rows})"

    # -- read-outs -------------------------------------------------------------------------

    def summary(self) -> pd.Series:
        """The read-outs an experimentalist reports, as a Series (see ``migrasome.readouts``)."""
        from .readouts import summarize

        return summarize(self)

    # -- files -----------------------------------------------------------------------------

    def save(self, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
        """Write the tables (Parquet) and metadata (JSON) into folder ``path``.

        The folder is written under a temporary name beside ``path`` and moved into place
        when complete, so an interrupted save leaves nothing half-written.

        Raises
        ------
        FileExistsError
            If ``path`` exists and ``overwrite`` is False.
        """
        with atomic_dir(path, overwrite=overwrite) as tmp:
            self.write_into(tmp)
        return Path(path)

    def write_into(self, folder: Path) -> None:
        """Write tables and metadata into an existing folder (no atomicity; see ``save``)."""
        for name, df in self.tables.items():
            df.to_parquet(folder / f"{name}.parquet", index=False)
        meta = dict(self.metadata)
        meta["tables"] = sorted(self.tables)
        (folder / "metadata.json").write_text(json.dumps(meta, indent=2, default=_json_default))


@contextmanager
def atomic_dir(path: str | os.PathLike, *, overwrite: bool = False):
    """Yield a temporary folder beside ``path``; move it to ``path`` if the block completes.

    On any exception (an interrupt included) the temporary folder is removed and ``path``
    is left as it was.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is False.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; choose another path or overwrite "
                              "(CLI: --overwrite)")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        yield tmp
        replace_dir(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def replace_dir(tmp: Path, path: Path) -> None:
    """Move the finished folder ``tmp`` to ``path``, replacing whatever was there."""
    if path.exists():
        old = path.with_name(f".{path.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, path)


def _json_default(o: Any) -> Any:
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON-serialisable: {type(o).__name__}")


def load_results(path: str | os.PathLike) -> Results:
    """Read a folder written by :meth:`Results.save`.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a results folder (no ``metadata.json``).
    """
    path = Path(path)
    meta_file = path / "metadata.json"
    if not meta_file.is_file():
        raise FileNotFoundError(f"{path} is not a results folder: no metadata.json in it")
    meta = json.loads(meta_file.read_text())
    names = meta.pop("tables", None) or [p.stem for p in sorted(path.glob("*.parquet"))]
    tables = {}
    for name in names:
        f = path / f"{name}.parquet"
        if not f.is_file():
            raise FileNotFoundError(f"{path} is incomplete: {f.name} is missing")
        tables[name] = pd.read_parquet(f)
    return Results(tables=tables, metadata=meta)

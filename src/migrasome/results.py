"""Results: the tables a simulation records and an analysis measures, and their files.

One schema (``migrasome.schema``) serves both sides: a simulation writes the truth into
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .files import atomic_dir, json_default
from .readouts import summarize
from .schema import MIN_MIGRASOME_DIAMETER_UM, SCHEMA, empty_table, validate_table

__all__ = ["Results", "SCHEMA", "MIN_MIGRASOME_DIAMETER_UM", "load_results", "empty_table",
           "validate_table", "atomic_dir"]


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
        (folder / "metadata.json").write_text(json.dumps(meta, indent=2, default=json_default))


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

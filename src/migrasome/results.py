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

A large simulation hands its tables over as Parquet files (``TableStore``): a table is read
when first used, so a run's memory does not hold every table at once.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .files import atomic_dir, json_default
from .readouts import summarize
from .schema import MIN_MIGRASOME_DIAMETER_UM, SCHEMA, empty_table, validate_table

__all__ = ["Results", "TableStore", "SCHEMA", "MIN_MIGRASOME_DIAMETER_UM", "load_results",
           "empty_table", "validate_table", "atomic_dir"]


class TableStore(MutableMapping):
    """Tables by name, each held in memory or in a Parquet file read when first used.

    A table read from its file stays in memory from then on (so it is the same object on
    every access, as in a dict); ``n_rows`` and ``read`` answer from the file without
    loading it.

    Parameters
    ----------
    tables : dict of str to DataFrame or Path
        A DataFrame, or a Parquet file written from the table (``pyarrow``, no index).
    keep : object, optional
        Kept as long as the store is (e.g. the ``tempfile.TemporaryDirectory`` holding the
        files, so they are removed with the store).
    validate : bool
        Check a table against ``SCHEMA`` when it is first read from its file (for files
        this package did not just write, e.g. a saved folder).

    Examples
    --------
    >>> import tempfile
    >>> import pandas as pd
    >>> tmp = tempfile.TemporaryDirectory()
    >>> f = Path(tmp.name) / "tracks.parquet"
    >>> pd.DataFrame({"cell_id": [0, 1], "x_um": [1.0, 2.0]}).to_parquet(f, index=False)
    >>> store = TableStore({"tracks": f}, keep=tmp)
    >>> store.n_rows("tracks"), store.is_loaded("tracks")
    (2, False)
    >>> store["tracks"]["x_um"].tolist(), store.is_loaded("tracks")
    ([1.0, 2.0], True)
    """

    def __init__(self, tables: Mapping[str, pd.DataFrame | Path] | None = None, *,
                 keep: object = None, validate: bool = False):
        self._data: dict[str, pd.DataFrame | Path] = dict(tables or {})
        self._keep = keep
        self._validate = validate

    def __getitem__(self, name: str) -> pd.DataFrame:
        v = self._data[name]
        if isinstance(v, Path):
            v = pd.read_parquet(v)
            self._data[name] = v = validate_table(name, v) if self._validate else v
        return v

    def load_from(self, folder: Path) -> None:
        """Read into memory every table whose file lies in ``folder`` (before it is
        replaced)."""
        folder = folder.resolve()
        for name, v in self._data.items():
            if isinstance(v, Path) and v.resolve().parent == folder:
                _ = self[name]

    def __setitem__(self, name: str, value: pd.DataFrame) -> None:
        self._data[name] = value

    def __delitem__(self, name: str) -> None:
        del self._data[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, name: object) -> bool:
        return name in self._data

    def __repr__(self) -> str:
        return f"TableStore({', '.join(f'{k}={self.n_rows(k)}' for k in self._data)})"

    def is_loaded(self, name: str) -> bool:
        """Whether table ``name`` is in memory."""
        return not isinstance(self._data[name], Path)

    def path(self, name: str) -> Path | None:
        """The Parquet file of table ``name`` while it is not loaded, else None."""
        v = self._data[name]
        return v if isinstance(v, Path) else None

    def n_rows(self, name: str) -> int:
        """Rows of table ``name`` (from the file's metadata when it is not loaded)."""
        v = self._data[name]
        if isinstance(v, Path):
            import pyarrow.parquet as pq

            return pq.read_metadata(v).num_rows
        return len(v)

    def read(self, name: str, columns: list[str]) -> pd.DataFrame:
        """Only ``columns`` of table ``name`` (read from its file, not kept, when it is not
        loaded)."""
        v = self._data[name]
        if isinstance(v, Path):
            return pd.read_parquet(v, columns=list(columns))
        return v[list(columns)]

    def __getstate__(self) -> dict:
        # a pickled store carries its tables: its files may not outlive this process
        return {"_data": {k: self[k] for k in list(self._data)}, "_keep": None,
                "_validate": False}


@dataclass
class Results:
    """The tables of one simulation or one analysed movie, with their metadata.

    Parameters
    ----------
    tables : dict of str to DataFrame, or TableStore
        Keyed by table name; the names of ``SCHEMA`` are checked, others kept as they are.
        A ``TableStore`` (a streamed simulation's) is kept as it is: its files conform.
    metadata : dict
        JSON-serialisable: ``source`` ("simulation" or "analysis"), ``package_version``,
        ``seed``, ``dt_min``, ``frame_interval_min``, ``width_um``, ``height_um``,
        ``scenario`` (the resolved scenario as a dict), ...
    """

    tables: MutableMapping[str, pd.DataFrame] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.tables, TableStore):  # a store's files conform already
            self.tables = {k: validate_table(k, v) for k, v in self.tables.items()}

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name]
        if name in SCHEMA:
            return empty_table(name)
        raise AttributeError(name)

    def __repr__(self) -> str:
        rows = ", ".join(f"{k}={self.n_rows(k)}" for k in self.tables)
        return f"Results({self.metadata.get('source', '?')}: {rows})"

    def n_rows(self, name: str) -> int:
        """Rows of table ``name``, without reading a table still on disk (0 if absent)."""
        if name not in self.tables:
            return 0
        if isinstance(self.tables, TableStore):
            return self.tables.n_rows(name)
        return len(self.tables[name])

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
        if isinstance(self.tables, TableStore) and Path(path).exists():
            self.tables.load_from(Path(path))  # a table read lazily from the folder replaced
        with atomic_dir(path, overwrite=overwrite) as tmp:
            self.write_into(tmp)
        return Path(path)

    def write_into(self, folder: Path) -> None:
        """Write tables and metadata into an existing folder (no atomicity; see ``save``)."""
        for name in self.tables:
            src = self.tables.path(name) if isinstance(self.tables, TableStore) else None
            if src is not None:  # still on disk as written: copied, not read
                shutil.copyfile(src, folder / f"{name}.parquet")
            else:
                self.tables[name].to_parquet(folder / f"{name}.parquet", index=False)
        meta = dict(self.metadata)
        meta["tables"] = sorted(self.tables)
        (folder / "metadata.json").write_text(json.dumps(meta, indent=2, default=json_default))


def load_results(path: str | os.PathLike) -> Results:
    """Read a folder written by :meth:`Results.save`.

    Tables are read from their files when first used (and checked against ``SCHEMA`` then),
    so opening a large run, or asking it only for ``n_rows``, costs no memory.

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
    tables: dict[str, pd.DataFrame | Path] = {}
    for name in names:
        f = path / f"{name}.parquet"
        if not f.is_file():
            raise FileNotFoundError(f"{path} is incomplete: {f.name} is missing")
        tables[name] = f
    return Results(tables=TableStore(tables, validate=True), metadata=meta)

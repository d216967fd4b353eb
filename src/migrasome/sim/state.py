"""Struct-of-arrays state: one `Pool` each for cells, fibres, sites (and function modules).

A pool holds the *active* rows of one kind of entity as NumPy columns of equal length.
Rows are appended in creation order with increasing ids, and `retire` moves finished rows
out (into an archive of plain column dicts), so the active columns stay short and their ids
stay sorted: ``index_of`` maps ids to rows with one ``searchsorted``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["Pool"]


class Pool:
    """Active rows of one entity kind, as named NumPy columns.

    Parameters
    ----------
    id_name : str
        Name of the integer id column (e.g. ``"fiber_id"``).
    columns : dict of str to dtype
        The other columns and their dtypes; more can be added with ``add_column``.
    """

    def __init__(self, id_name: str, columns: dict[str, object]):
        self.id_name = id_name
        self.dtypes: dict[str, np.dtype] = {id_name: np.dtype(np.int64)}
        self.dtypes.update({k: np.dtype(v) for k, v in columns.items()})
        self.cols: dict[str, np.ndarray] = {k: np.empty(0, d) for k, d in self.dtypes.items()}
        self.fills: dict[str, object] = {}
        self.next_id = 0
        self.archive: list[dict[str, np.ndarray]] = []

    def __len__(self) -> int:
        return len(self.cols[self.id_name])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name]

    def __setitem__(self, name: str, value) -> None:
        arr = np.asarray(value, dtype=self.dtypes[name])
        if arr.shape != (len(self),):
            raise ValueError(f"column {name!r} must have shape ({len(self)},), got {arr.shape}")
        self.cols[name] = arr

    @property
    def ids(self) -> np.ndarray:
        return self.cols[self.id_name]

    def add_column(self, name: str, dtype, fill) -> None:
        """Add a column (filled with ``fill`` for existing active rows) if it is new."""
        if name in self.cols:
            return
        self.fills[name] = fill
        self.dtypes[name] = np.dtype(dtype)
        self.cols[name] = np.full(len(self), fill, dtype=dtype)

    def append(self, n: int, **values) -> np.ndarray:
        """Append ``n`` rows; columns not given get the fill of ``add_column``, else 0 (NaN
        for floats, -1 for ints ending in ``_id``, False for bools). Returns the new ids."""
        if n <= 0:
            return np.empty(0, np.int64)
        new_ids = np.arange(self.next_id, self.next_id + n, dtype=np.int64)
        self.next_id += n
        unknown = set(values) - set(self.dtypes)
        if unknown:
            raise KeyError(f"unknown columns {sorted(unknown)} for pool {self.id_name}")
        for name, dt in self.dtypes.items():
            if name == self.id_name:
                add = new_ids
            elif name in values:
                add = np.broadcast_to(np.asarray(values[name], dtype=dt), (n,))
            else:
                add = np.full(n, self.fills.get(name, _default_fill(name, dt)), dtype=dt)
            self.cols[name] = np.concatenate([self.cols[name], add])
        return new_ids

    def index_of(self, ids: np.ndarray) -> np.ndarray:
        """Rows of ``ids`` among the active rows; -1 where an id is not active."""
        ids = np.asarray(ids, dtype=np.int64)
        active = self.ids
        pos = np.searchsorted(active, ids)
        pos_c = np.minimum(pos, max(len(active) - 1, 0))
        found = (len(active) > 0) & (active[pos_c] == ids) if len(active) else np.zeros(
            ids.shape, bool)
        return np.where(found, pos_c, -1)

    def retire(self, mask: np.ndarray) -> None:
        """Move the rows where ``mask`` is True to the archive."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        self.archive.append({k: v[mask] for k, v in self.cols.items()})
        keep = ~mask
        self.cols = {k: v[keep] for k, v in self.cols.items()}

    def to_frame(self) -> pd.DataFrame:
        """All rows ever appended (archived and active), sorted by id."""
        parts = self.archive + [self.cols]
        data = {}
        for k, dt in self.dtypes.items():
            # a column added after some rows were archived is filled with its default there
            fill = self.fills.get(k, _default_fill(k, dt))
            chunks = [p[k] if k in p else np.full(len(p[self.id_name]), fill, dt)
                      for p in parts]
            data[k] = np.concatenate(chunks) if chunks else np.empty(0, dt)
        df = pd.DataFrame(data)
        return df.sort_values(self.id_name, kind="stable").reset_index(drop=True)


def _default_fill(name: str, dt: np.dtype):
    if dt.kind == "f":
        return np.nan
    if dt.kind == "b":
        return False
    if dt.kind in "iu" and name.endswith("_id"):
        return -1
    return 0

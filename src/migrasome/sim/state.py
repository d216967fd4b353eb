"""Struct-of-arrays state: one `Pool` each for cells, fibres, sites (and function modules).

A pool holds the *active* rows of one kind of entity as NumPy columns of equal length.
Rows are appended in creation order with increasing ids, and `retire` moves finished rows
out into an archive, so the active columns stay short and in creation order (every
vectorised step sees the same arrays in the same order, whatever the storage).

Storage is sized for growth: each column is a pre-allocated buffer whose first ``len(pool)``
entries are the active rows; it doubles when full (by a quarter once large; amortised O(1)
per appended row either way) and halves when mostly empty, so appending ``k`` rows writes
``k`` entries per column instead of copying the whole column. Ids are dense increasing
integers, so a direct id → row array answers ``index_of`` with one gather; it starts at
the oldest active id, so it follows the active rows rather than every id ever given.
Retired rows go to archive buffers that grow the same way; with ``spool(folder)`` they are
written to Parquet files in chunks (sorted by id, in small row groups) instead of kept, so
memory stays flat in simulated time, and ``iter_frames`` reads them back range of ids by
range. Column access returns a view of the active part of the buffer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Pool"]

_MIN_CAPACITY = 16
#: Buffers shrink when the active rows fill less than this share of them (and are large).
_SHRINK_BELOW = 0.25
_SHRINK_MIN_CAPACITY = 4096
#: Buffers double while smaller than this, then grow by a quarter (a large pool, such as
#: the sites of 100,000 cells, would otherwise hold up to twice the rows it needs).
_DOUBLE_BELOW = 65_536
#: Rows per row group of a spooled file of archived rows.
_SPOOL_ROW_GROUP = 4096
#: The ufuncs' reductions, called without the Python wrappers of ``ndarray.min``/``max``.
_least, _greatest = np.minimum.reduce, np.maximum.reduce


class _Columns(Mapping):
    """Read-only mapping name → active column (a view), as ``pool.cols``."""

    def __init__(self, pool: Pool):
        self._pool = pool

    def __getitem__(self, name: str) -> np.ndarray:
        return self._pool[name]

    def __iter__(self):
        return iter(self._pool._buf)

    def __len__(self) -> int:
        return len(self._pool._buf)

    def __contains__(self, name) -> bool:
        return name in self._pool._buf


class Pool:
    """Active rows of one entity kind, as named NumPy columns.

    Parameters
    ----------
    id_name : str
        Name of the integer id column (e.g. ``"fiber_id"``).
    columns : dict of str to dtype
        The other columns and their dtypes; more can be added with ``add_column``.
    capacity : int, optional
        Rows to allocate at first (the buffers grow as needed).

    Examples
    --------
    >>> p = Pool("fiber_id", {"x": float})
    >>> p.append(3, x=[1.0, 2.0, 3.0]).tolist()
    [0, 1, 2]
    >>> p.retire(np.array([False, True, False]))
    >>> p.index_of(np.array([0, 1, 2])).tolist()
    [0, -1, 1]
    """

    def __init__(self, id_name: str, columns: Mapping[str, Any], *,
                 capacity: int = _MIN_CAPACITY):
        self.id_name = id_name
        self.dtypes: dict[str, np.dtype] = {id_name: np.dtype(np.int64)}
        self.dtypes.update({k: np.dtype(v) for k, v in columns.items()})
        cap = max(int(capacity), _MIN_CAPACITY)
        # the columns of one dtype are the rows of one 2-D block (``_blocks``), so moving
        # rows (retirement, archiving) is one operation per dtype; ``_buf`` and ``_arch``
        # hold each column's row of its block, at full capacity
        self._blocks, self._buf = _blocks(self.dtypes, cap)
        self._n = 0
        self._ablocks, self._arch = _blocks(self.dtypes, 0)
        self._na = 0
        # id → active row (-1 if not active), for ids from ``_row0`` on: ids below the oldest
        # active row are dropped from it, so it follows the active rows, not all ids ever
        self._row = np.full(cap, -1, np.int64)
        self._row0 = 0
        self.fills: dict[str, object] = {}
        self.next_id = 0
        self._views: dict[str, np.ndarray] = {}  # cached active views, cleared on any change
        self._spool_dir: Path | None = None
        self._spool_rows = 0
        self.spooled: list[Path] = []  # Parquet files of archived rows, oldest first

    # -- access ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._views[name]
        except KeyError:
            v = self._views[name] = self._buf[name][: self._n]
            return v

    def __setitem__(self, name: str, value) -> None:
        arr = np.asarray(value, dtype=self.dtypes[name])
        if arr.shape != (self._n,):
            raise ValueError(f"column {name!r} must have shape ({self._n},), got {arr.shape}")
        self[name][...] = arr

    @property
    def cols(self) -> Mapping[str, np.ndarray]:
        """The active columns by name (views; ``name in pool.cols`` tests a column)."""
        return _Columns(self)

    @property
    def ids(self) -> np.ndarray:
        return self[self.id_name]

    @property
    def archive(self) -> list[dict[str, np.ndarray]]:
        """The retired rows, as a list of column dicts (in retirement order, each spooled
        file sorted by id)."""
        return self._archive_parts(list(self.dtypes))

    def add_column(self, name: str, dtype, fill) -> None:
        """Add a column (filled with ``fill`` for existing active and archived rows) if it
        is new."""
        if name in self._buf:
            return
        self.fills[name] = fill
        self.dtypes[name] = np.dtype(dtype)
        self._views.clear()
        self._blocks, self._buf = _blocks(self.dtypes, len(self._buf[self.id_name]),
                                          self._buf, self._n)
        self._buf[name][...] = fill
        self._ablocks, self._arch = _blocks(self.dtypes, len(self._arch[self.id_name]),
                                            self._arch, self._na)
        self._arch[name][...] = fill

    # -- growth ----------------------------------------------------------------------------

    def _reserve(self, n_rows: int) -> None:
        cap = len(self._buf[self.id_name])
        if n_rows <= cap:
            return
        grown = 2 * cap if cap < _DOUBLE_BELOW else cap + cap // 4
        self._resize(max(grown, n_rows, _MIN_CAPACITY))

    def _resize(self, cap: int) -> None:
        self._views.clear()
        self._blocks, self._buf = _blocks(self.dtypes, cap, self._buf, self._n)

    def append(self, n: int, **values) -> np.ndarray:
        """Append ``n`` rows; columns not given get the fill of ``add_column``, else 0 (NaN
        for floats, -1 for ints ending in ``_id``, False for bools). Returns the new ids."""
        if n <= 0:
            return np.empty(0, np.int64)
        unknown = set(values) - set(self.dtypes)
        if unknown:
            raise KeyError(f"unknown columns {sorted(unknown)} for pool {self.id_name}")
        new_ids = np.arange(self.next_id, self.next_id + n, dtype=np.int64)
        a, b = self._n, self._n + n
        # check shapes before anything is written, so a bad call leaves the pool intact
        given = {}
        for k, v in values.items():
            arr = np.asarray(v, dtype=self.dtypes[k])
            if arr.ndim and arr.shape != (n,):
                raise ValueError(f"column {k!r}: shape {arr.shape} for {n} new rows")
            given[k] = arr
        self._reserve(b)
        for name, dt in self.dtypes.items():
            dst = self._buf[name]
            if name == self.id_name:
                dst[a:b] = new_ids
            elif name in given:
                dst[a:b] = given[name]
            else:
                dst[a:b] = self.fills.get(name, _default_fill(name, dt))
        self._n = b
        self._views.clear()
        self.next_id += n
        oldest = int(self._buf[self.id_name][0])  # rows stay in creation order
        if oldest - self._row0 > len(self._row) // 2:
            self._row = self._row[oldest - self._row0:].copy()
            self._row0 = oldest
        need = self.next_id - self._row0
        if len(self._row) < need:
            grown = np.full(max(2 * len(self._row), need), -1, np.int64)
            grown[: len(self._row)] = self._row
            self._row = grown
        self._row[new_ids - self._row0] = np.arange(a, b, dtype=np.int64)
        return new_ids

    # -- lookup and retirement -------------------------------------------------------------

    def index_of(self, ids: np.ndarray) -> np.ndarray:
        """Rows of ``ids`` among the active rows; -1 where an id is not active."""
        rel = np.asarray(ids, dtype=np.int64) - self._row0
        span = self.next_id - self._row0
        if rel.ndim == 1 and (rel.size == 0 or (_least(rel) >= 0 and _greatest(rel) < span)):
            return self._row[rel]
        ok = (rel >= 0) & (rel < span)
        out = np.full(rel.shape, -1, np.int64)
        out[ok] = self._row[rel[ok]]
        return out

    def retire(self, mask: np.ndarray) -> None:
        """Move the rows where ``mask`` is True to the archive (the others keep their
        order)."""
        mask = np.asarray(mask, dtype=bool)
        gone = np.flatnonzero(mask)
        if gone.size == 0:
            return
        n, i0 = self._n, int(gone[0])
        self._archive_rows(gone)
        ids = self._buf[self.id_name]
        self._row[ids.take(gone) - self._row0] = -1
        # rows before the first retired one stay where they are; the others move up
        kept = np.flatnonzero(~mask[i0:n])
        kept += i0
        m = i0 + kept.size
        for block in self._blocks.values():
            block[:, i0:m] = block[:, kept]
        self._n = m
        self._views.clear()
        self._row[ids[i0:m] - self._row0] = np.arange(i0, m, dtype=np.int64)
        cap = len(ids)
        if cap > _SHRINK_MIN_CAPACITY and m < _SHRINK_BELOW * cap:
            self._resize(max(2 * m, _MIN_CAPACITY))

    def _archive_rows(self, rows: np.ndarray) -> None:
        spooling = self._spool_dir is not None
        if spooling and self._na and self._na + rows.size > self._spool_rows:
            self.flush_archive()  # a chunk never outgrows ``chunk_rows`` (nor its buffers)
        a, b = self._na, self._na + rows.size
        cap = len(self._arch[self.id_name])
        if b > cap:
            cap = max(2 * cap, b, _MIN_CAPACITY)
            if spooling:
                cap = max(min(cap, self._spool_rows), b)
            self._ablocks, self._arch = _blocks(self.dtypes, cap, self._arch, a)
        for key, block in self._blocks.items():
            self._ablocks[key][:, a:b] = block[:, rows]
        self._na = b
        if self._spool_dir is not None and b >= self._spool_rows:
            self.flush_archive()

    def spool(self, folder, *, chunk_rows: int = 32_768) -> None:
        """From now on write archived rows to Parquet files in ``folder`` whenever
        ``chunk_rows`` of them have gathered; ``archive`` and ``to_frame`` read them back."""
        self._spool_dir = Path(folder)
        self._spool_dir.mkdir(parents=True, exist_ok=True)
        self._spool_rows = int(chunk_rows)
        self.flush_archive()

    def flush_archive(self) -> None:
        """Write the archived rows held in memory to the spool folder (if spooling)."""
        if self._spool_dir is None or self._na == 0:
            return
        import pyarrow as pa
        import pyarrow.parquet as pq

        f = self._spool_dir / f"part-{len(self.spooled):05d}.parquet"
        # sorted by id in small row groups, so a read of an id range (``iter_frames``)
        # decodes only the row groups that hold it
        order = np.argsort(self._arch[self.id_name][: self._na], kind="stable")
        pq.write_table(pa.table({k: v[: self._na][order] for k, v in self._arch.items()}), f,
                       row_group_size=_SPOOL_ROW_GROUP)
        self.spooled.append(f)
        self._na = 0  # the buffers are kept for the next chunk: no regrowth, no churn
        release_arrow_memory()

    def _archive_parts(self, columns: list[str]) -> list[dict[str, np.ndarray]]:
        parts = []
        if self.spooled:
            import pyarrow.parquet as pq

            for f in self.spooled:
                t = pq.read_table(f, columns=[c for c in columns
                                              if c in pq.read_schema(f).names])
                parts.append({k: t.column(k).to_numpy() for k in t.column_names})
        if self._na:
            parts.append({k: self._arch[k][: self._na] for k in columns})
        self._fill_missing(parts, columns)
        return parts

    def _fill_missing(self, parts: list[dict[str, np.ndarray]], columns: list[str]) -> None:
        for p in parts:  # a column added after these rows were archived: its fill
            size = len(p[self.id_name])
            for k in columns:
                if k not in p:
                    dt = self.dtypes[k]
                    p[k] = np.full(size, self.fills.get(k, _default_fill(k, dt)), dt)

    def iter_frames(self, columns: list[str] | None = None, *,
                    chunk_ids: int = 16_384):
        """``to_frame`` in pieces: one DataFrame per range of ``chunk_ids`` ids, in id order
        (their concatenation is ``to_frame(columns)``). At most one range is in memory, and
        of a spooled file only the row groups whose ids fall in the range are read."""
        cols = list(self.dtypes) if columns is None else \
            [self.id_name] + [c for c in columns if c != self.id_name]
        groups = [(f, i, lo, hi) for f in self.spooled for i, lo, hi in _id_spans(f, self.id_name)]
        held = [{k: self._arch[k][: self._na] for k in cols},
                {k: self._buf[k][: self._n] for k in cols}]
        for a in range(0, self.next_id, chunk_ids):
            b = a + chunk_ids
            parts = []
            wanted: dict[Path, list[int]] = {}
            for f, i, lo, hi in groups:
                if lo < b and hi >= a:
                    wanted.setdefault(f, []).append(i)
            for f, rgs in wanted.items():
                import pyarrow.parquet as pq

                pf = pq.ParquetFile(f)
                have = pf.schema_arrow.names
                t = pf.read_row_groups(rgs, columns=[c for c in cols if c in have],
                                       use_threads=False)
                got = {k: t.column(k).to_numpy() for k in t.column_names}
                del t
                parts.append(got)
            parts.extend(held)
            for j, p in enumerate(parts):
                sel = (p[self.id_name] >= a) & (p[self.id_name] < b)
                parts[j] = {k: v[sel] for k, v in p.items()}
            parts = [p for p in parts if len(p[self.id_name])]
            if not parts:
                continue
            self._fill_missing(parts, cols)
            ids = np.concatenate([p[self.id_name] for p in parts])
            order = np.argsort(ids, kind="stable")
            yield pd.DataFrame({k: np.concatenate([p[k] for p in parts])[order] for k in cols})

    # -- tables and pickling ---------------------------------------------------------------

    def to_frame(self, columns: list[str] | None = None) -> pd.DataFrame:
        """All rows ever appended (archived and active), sorted by id; all columns, or the
        id and ``columns``."""
        cols = list(self.dtypes) if columns is None else \
            [self.id_name] + [c for c in columns if c != self.id_name]
        parts = self._archive_parts(cols) + [{k: self._buf[k][: self._n] for k in cols}]
        order = np.argsort(np.concatenate([p[self.id_name] for p in parts]), kind="stable")
        data = {k: np.concatenate([p[k] for p in parts])[order] for k in cols}
        return pd.DataFrame(data)

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_buf"] = {k: v[: self._n].copy() for k, v in self._buf.items()}
        state["_arch"] = {k: v[: self._na].copy() for k, v in self._arch.items()}
        state["_row"] = self._row[: self.next_id - self._row0].copy()
        state["_views"] = {}
        state.pop("_blocks", None)  # rebuilt from the columns
        state.pop("_ablocks", None)
        return state

    def __setstate__(self, state: dict) -> None:
        state.setdefault("_row0", 0)
        self.__dict__.update(state)
        self._resize(max(self._n, _MIN_CAPACITY))
        self._ablocks, self._arch = _blocks(self.dtypes, self._na, self._arch, self._na)
        row = np.full(max(self.next_id - self._row0, _MIN_CAPACITY), -1, np.int64)
        row[: len(self._row)] = self._row
        self._row = row


@contextlib.contextmanager
def system_arrow_pool():
    """Arrow allocates from the C library's allocator within the block (and from its
    previous pool again after it).

    A streamed run writes a Parquet chunk now and then between steps that allocate NumPy
    arrays; with one allocator for both the memory freed by one is reused by the other,
    while Arrow's own allocator keeps a high-water mark beside NumPy's (measured: 10,000
    cells × 6 h held 125 MB more). Buffers keep a reference to the pool that made them, so
    switching back is safe.
    """
    import pyarrow as pa

    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(before)


def release_arrow_memory() -> None:
    """Give the memory Arrow's allocator keeps after a Parquet write back to the system
    (it would otherwise keep the high-water mark of every write)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _id_spans(f: Path, id_name: str) -> list[tuple[int, int, int]]:
    """(row group, least id, greatest id) of each row group of a spooled file."""
    import pyarrow.parquet as pq

    meta = pq.read_metadata(f)
    j = meta.schema.to_arrow_schema().get_field_index(id_name)
    out = []
    for i in range(meta.num_row_groups):
        rg = meta.row_group(i)
        if rg.num_rows == 0:
            continue
        st = rg.column(j).statistics
        if st is not None and st.has_min_max:
            out.append((i, int(st.min), int(st.max)))
        else:  # no statistics: read it for every range
            out.append((i, -(2**62), 2**62))
    return out


def _blocks(dtypes: dict[str, np.dtype], cap: int, old: dict[str, np.ndarray] | None = None,
            n: int = 0) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """One 2-D block (columns × ``cap`` rows) per dtype, and each column's row of it, in
    the order of ``dtypes``; the first ``n`` entries of the columns in ``old`` are copied
    over."""
    groups: dict[str, list[str]] = {}
    for name, dt in dtypes.items():
        groups.setdefault(dt.str if dt.kind != "O" else "O", []).append(name)
    blocks, rows = {}, {}
    for key, names in groups.items():
        block = blocks[key] = np.empty((len(names), cap), dtypes[names[0]])
        for j, name in enumerate(names):
            rows[name] = block[j]
            if old is not None and name in old:
                block[j, :n] = old[name][:n]
    return blocks, {name: rows[name] for name in dtypes}


def _default_fill(name: str, dt: np.dtype):
    if dt.kind == "f":
        return np.nan
    if dt.kind == "b":
        return False
    if dt.kind in "iu" and name.endswith("_id"):
        return -1
    return 0

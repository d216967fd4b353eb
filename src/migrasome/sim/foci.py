"""SMS2 foci: laid under the leading edge, left on the substrate (Liang et al. 2023).

Owns where the SMS2 foci are. SMS2 assembles into immobile foci on the basal membrane at the
leading edge; the cell moves on and the foci stay, so they end up under its own RFs and mark
where migrasomes will grow. A focus belongs to the cell that laid it and lasts a lifetime
(``biogenesis.sms2_focus_lifetime_min``): a site is served by a live focus of its own cell in
its bin. So how much of a cell's path carries foci does not grow with time or with the number
of other cells, and neither does the effect of SMS2 knockdown. The substrate is binned at the
radius within which a focus serves a site; a bin remembers the last focus laid in it.

References
----------
Liang H et al. 2023 Nat Cell Biol (SMS2 foci and sphingomyelin mark migrasome sites).
"""

from __future__ import annotations

import numpy as np

from .._ufuncs import clip

__all__ = ["FocusGrid", "lay_foci"]

_EMPTY = -1
#: Slots of the bin table at first; it is rebuilt (expired foci dropped) when more than
#: ``_MAX_LOAD`` of its slots are taken, to ``_REBUILD_LOAD`` of the new size.
_MIN_SLOTS = 1024
_MAX_LOAD = 0.7
_REBUILD_LOAD = 0.35
_REBUILD_PIECE = 131_072
#: Dishes whose plain grid would take at most this many bytes are kept as one.
_DENSE_MAX_BYTES = 64_000_000
_MIX = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: neighbouring bins spread out


class FocusGrid:
    """The SMS2 foci on the substrate: per bin, which cell laid the last one and when.

    A small dish is a plain grid of bins. For a large one only bins with a focus that may
    still be alive are stored (an open-addressing table keyed by bin), so memory follows
    the live foci rather than the dish area: a grid of a 14.6 mm dish at 3 µm bins would
    hold 24 million bins (380 MB), the table of its live foci 70 MB. A focus that expired
    before the latest laying time is dropped when the table is rebuilt; it could serve
    no site at that time or later, so ``covers`` answers as a full grid would for queries
    at or after the last ``lay``.

    Parameters
    ----------
    bin_um : float
        Bin size, µm (the radius within which a focus serves a site).
    lifetime_min : float
        How long a focus lasts, min.
    shape : tuple of int
        Bins (rows, columns) of the dish.

    Examples
    --------
    >>> import numpy as np
    >>> grid = FocusGrid.empty(100.0, 50.0, 3.0, lifetime_min=60.0)
    >>> grid.shape
    (18, 35)
    >>> grid.lay(*grid.bins(np.array([10.0]), np.array([20.0])), np.array([4]), t_min=5.0)
    >>> x, y = np.array([10.0, 10.0, 90.0]), np.array([20.0, 20.0, 20.0])
    >>> grid.covers(x, y, np.array([4, 7, 4]), t_min=30.0).tolist()
    [True, False, False]
    >>> grid.covers(x, y, np.array([4, 7, 4]), t_min=70.0).tolist()  # expired
    [False, False, False]
    """

    def __init__(self, bin_um: float, lifetime_min: float, shape: tuple[int, int]):
        self.bin_um = float(bin_um)
        self.lifetime_min = float(lifetime_min)
        self.shape = (int(shape[0]), int(shape[1]))
        self._key_dtype = np.int32 if self.shape[0] * self.shape[1] < 2**31 else np.int64
        self._owner_dtype: type = np.int32
        self._times = np.empty(0)  # distinct laying times, min; bins hold an index into them
        self._keys: np.ndarray
        self._owner: np.ndarray
        self._laid: np.ndarray
        self._n_used = 0
        self._alloc(_MIN_SLOTS)
        n_bins = self.shape[0] * self.shape[1]
        # a small dish as a plain grid (owner, time laid): cheaper per step than the table
        self._dense = None if n_bins * 16 > _DENSE_MAX_BYTES else (
            np.full(self.shape, -1, np.int64), np.full(self.shape, -np.inf))

    @classmethod
    def empty(cls, width_um: float, height_um: float, bin_um: float, *,
              lifetime_min: float) -> FocusGrid:
        """A dish with no foci yet.

        Parameters
        ----------
        width_um, height_um : float
            Size of the dish, µm.
        bin_um : float
            Bin size, µm.
        lifetime_min : float
            How long a focus lasts, min.

        Returns
        -------
        FocusGrid
            Of shape (ceil(height/bin) + 1, ceil(width/bin) + 1) bins.
        """
        shape = (int(np.ceil(height_um / bin_um)) + 1, int(np.ceil(width_um / bin_um)) + 1)
        return cls(bin_um, float(lifetime_min), shape)

    def __len__(self) -> int:
        """Bins holding a focus (of a table: live ones and those expired since the last
        rebuild, counted from above)."""
        if self._dense is not None:
            return int(np.count_nonzero(self._dense[0] >= 0))
        return self._n_used

    def bins(self, x_um: np.ndarray, y_um: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of the bins holding points ``(x_um, y_um)``, clipped to the dish.

        Parameters
        ----------
        x_um, y_um : ndarray, shape (n,)
            Positions, µm.

        Returns
        -------
        rows, cols : ndarray of int, shape (n,)
            Bin indices.
        """
        i = clip((y_um / self.bin_um).astype(int), 0, self.shape[0] - 1)
        j = clip((x_um / self.bin_um).astype(int), 0, self.shape[1] - 1)
        return i, j

    def lay(self, rows: np.ndarray, cols: np.ndarray, cell_ids: np.ndarray, *,
            t_min: float) -> None:
        """Record new foci, in place.

        Bin ``(rows[k], cols[k])`` then holds a focus of cell ``cell_ids[k]`` laid at
        ``t_min``; where a bin is given more than once the last one is kept.

        Parameters
        ----------
        rows, cols : ndarray of int, shape (n,)
            Bins, from :meth:`bins`.
        cell_ids : ndarray of int, shape (n,)
            The cells that laid them.
        t_min : float
            Time, min (not before an earlier call's).
        """
        if self._dense is not None:
            owner, t_laid = self._dense
            owner[rows, cols] = cell_ids
            t_laid[rows, cols] = t_min
            return
        keys = self._keys_of(np.asarray(rows), np.asarray(cols))
        if keys.size == 0:
            return
        owners = np.asarray(cell_ids)
        if owners.size and owners.max() > np.iinfo(self._owner_dtype).max:
            self._owner_dtype = np.int64
            self._owner = self._owner.astype(np.int64)
        if not self._times.size or self._times[-1] != t_min:
            self._times = np.append(self._times, float(t_min))
        if self._n_used + keys.size > _MAX_LOAD * self._keys.size:
            self._rebuild(keys.size)
        # a bin given twice gets one slot, and the later assignment wins (as in a grid)
        slots = self._slots(keys, claim=True)
        self._owner[slots] = owners
        self._laid[slots] = self._times.size - 1

    def covers(self, x_um: np.ndarray, y_um: np.ndarray, cell_ids: np.ndarray, *,
               t_min: float) -> np.ndarray:
        """Whether a live focus of each point's own cell lies in the point's bin.

        Parameters
        ----------
        x_um, y_um : ndarray, shape (n,)
            Positions, µm.
        cell_ids : ndarray of int, shape (n,)
            The cell each point belongs to.
        t_min : float
            Time, min (not before the last :meth:`lay`).

        Returns
        -------
        ndarray of bool, shape (n,)
            True where the bin's last focus is the cell's own and still alive.
        """
        if self._dense is not None:
            owner, t_laid = self._dense
            b = self.bins(x_um, y_um)
            return (owner[b] == cell_ids) & (t_min - t_laid[b] <= self.lifetime_min)
        slots = self._slots(self._keys_of(*self.bins(x_um, y_um)), claim=False)
        out = np.zeros(slots.shape, bool)
        has = slots >= 0
        s = slots[has]
        out[has] = (self._owner[s] == np.asarray(cell_ids)[has]) & (
            t_min - self._times[self._laid[s]] <= self.lifetime_min)
        return out

    # -- the bin table -------------------------------------------------------------------

    def _keys_of(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        return rows.astype(np.int64) * self.shape[1] + cols

    def _alloc(self, n_slots: int) -> None:
        self._keys = np.full(n_slots, _EMPTY, self._key_dtype)
        self._owner = np.zeros(n_slots, self._owner_dtype)
        self._laid = np.zeros(n_slots, np.int32)
        self._n_used = 0

    def _hash(self, keys: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            h = (keys.astype(np.uint64) * _MIX) >> np.uint64(32)
        return (h % np.uint64(self._keys.size)).astype(np.int64)

    def _slots(self, keys: np.ndarray, *, claim: bool) -> np.ndarray:
        """Slot of each key (linear probing); absent keys get -1, or with ``claim`` an
        empty slot of their own (equal keys share one: they probe in step). The count of
        slots taken may then run over (an earlier rebuild, never a different answer)."""
        table, n_slots = self._keys, self._keys.size
        keys = keys.astype(self._key_dtype)
        slot = self._hash(keys)
        out = np.full(keys.size, -1, np.int64)
        todo = np.arange(keys.size)
        while todo.size:  # one vectorised probe round for all keys still looking
            s = slot[todo]
            cur = table[s]
            done = cur == keys[todo]
            out[todo[done]] = s[done]
            free = np.flatnonzero(cur == _EMPTY)
            if claim and free.size:
                # keys racing for one empty slot: the one written last takes it, the
                # others probe on
                table[s[free]] = keys[todo[free]]
                won = free[table[s[free]] == keys[todo[free]]]
                out[todo[won]] = s[won]
                done[won] = True
                self._n_used += won.size
            elif not claim:
                done[free] = True
            todo = todo[~done]
            slot[todo] = (slot[todo] + 1) % n_slots
        return out

    def _rebuild(self, incoming: int) -> None:
        """A new table holding the bins whose focus may still be alive (moved over in
        pieces, so that the rebuild needs little more than the two tables)."""
        keys, owner, laid = self._keys, self._owner, self._laid
        now = self._times[-1] if self._times.size else -np.inf
        live = 0
        for a in range(0, keys.size, _REBUILD_PIECE):
            k, d = keys[a:a + _REBUILD_PIECE], laid[a:a + _REBUILD_PIECE]
            live += int(np.count_nonzero((k != _EMPTY)
                                         & (now - self._times[d] <= self.lifetime_min)))
        self._alloc(max(_MIN_SLOTS, int((live + incoming) / _REBUILD_LOAD)))
        for a in range(0, keys.size, _REBUILD_PIECE):
            k, o, d = (v[a:a + _REBUILD_PIECE] for v in (keys, owner, laid))
            keep = (k != _EMPTY) & (now - self._times[d] <= self.lifetime_min)
            slots = self._slots(k[keep], claim=True)
            self._owner[slots] = o[keep]
            self._laid[slots] = d[keep]


def lay_foci(cells, focus_rate_per_um2: float, grid: FocusGrid, rng: np.random.Generator,
             dt: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """New foci in ``dt``: Poisson foci along each cell's leading edge.

    The expected number per cell is 2·radius·speed·dt·``focus_rate_per_um2`` (the area the
    leading edge sweeps), placed uniformly along the edge.

    Parameters
    ----------
    cells : Pool
        Cells (``migrasome.sim.state.Pool``) with columns ``x_um, y_um, theta_rad,
        radius_um, speed_um_per_min``, each of shape (n_cells,).
    focus_rate_per_um2 : float
        Foci per µm² of leading-edge path (times the SMS2 level), 1/µm².
    grid : FocusGrid
        The substrate's bins (only used to bin the new foci).
    rng : numpy.random.Generator
        Source of randomness.
    dt : float
        Time step, min.

    Returns
    -------
    rows, cols : ndarray of int, shape (n_new,)
        Bins of the new foci (possibly repeated; empty when none was laid).
    cell_ids : ndarray of int, shape (n_new,)
        The cells that laid them.

    References
    ----------
    Liang H et al. 2023 Nat Cell Biol.
    """
    lam = 2 * cells["radius_um"] * cells["speed_um_per_min"] * dt * focus_rate_per_um2
    n = rng.poisson(lam)
    idx = np.flatnonzero(n)
    if idx.size == 0:
        e = np.empty(0, int)
        return e, e, e
    idx = np.repeat(idx, n[idx])
    th = cells["theta_rad"][idx]
    r = cells["radius_um"][idx]
    u = rng.uniform(-r, r)
    cos, sin = np.cos(th), np.sin(th)
    x = cells["x_um"][idx] + r * cos - u * sin
    y = cells["y_um"][idx] + r * sin + u * cos
    rows, cols = grid.bins(x, y)
    return rows, cols, cells.ids[idx]

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

from dataclasses import dataclass

import numpy as np

__all__ = ["FocusGrid", "lay_foci"]


@dataclass
class FocusGrid:
    """The SMS2 foci on the substrate: per bin, which cell laid the last one and when.

    Parameters
    ----------
    bin_um : float
        Bin size, µm (the radius within which a focus serves a site).
    lifetime_min : float
        How long a focus lasts, min.
    owner : ndarray of int64, shape (ny, nx)
        Cell id of the last focus laid in each bin (-1: none).
    t_laid_min : ndarray of float, shape (ny, nx)
        When it was laid, min (−inf: never).

    Examples
    --------
    >>> import numpy as np
    >>> grid = FocusGrid.empty(100.0, 50.0, 3.0, lifetime_min=60.0)
    >>> grid.owner.shape
    (18, 35)
    >>> grid.lay(*grid.bins(np.array([10.0]), np.array([20.0])), np.array([4]), t_min=5.0)
    >>> x, y = np.array([10.0, 10.0, 90.0]), np.array([20.0, 20.0, 20.0])
    >>> grid.covers(x, y, np.array([4, 7, 4]), t_min=30.0).tolist()
    [True, False, False]
    >>> grid.covers(x, y, np.array([4, 7, 4]), t_min=70.0).tolist()  # expired
    [False, False, False]
    """

    bin_um: float
    lifetime_min: float
    owner: np.ndarray
    t_laid_min: np.ndarray

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
            Arrays of shape (ceil(height/bin) + 1, ceil(width/bin) + 1).
        """
        shape = (int(np.ceil(height_um / bin_um)) + 1, int(np.ceil(width_um / bin_um)) + 1)
        return cls(bin_um, float(lifetime_min), np.full(shape, -1, np.int64),
                   np.full(shape, -np.inf))

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
        i = np.clip((y_um / self.bin_um).astype(int), 0, self.owner.shape[0] - 1)
        j = np.clip((x_um / self.bin_um).astype(int), 0, self.owner.shape[1] - 1)
        return i, j

    def lay(self, rows: np.ndarray, cols: np.ndarray, cell_ids: np.ndarray, *,
            t_min: float) -> None:
        """Record new foci, in place.

        Bin ``(rows[k], cols[k])`` then holds a focus of cell ``cell_ids[k]`` laid at
        ``t_min``.

        Parameters
        ----------
        rows, cols : ndarray of int, shape (n,)
            Bins, from :meth:`bins`.
        cell_ids : ndarray of int, shape (n,)
            The cells that laid them.
        t_min : float
            Time, min.
        """
        self.owner[rows, cols] = cell_ids
        self.t_laid_min[rows, cols] = t_min

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
            Time, min.

        Returns
        -------
        ndarray of bool, shape (n,)
            True where the bin's last focus is the cell's own and still alive.
        """
        b = self.bins(x_um, y_um)
        return (self.owner[b] == cell_ids) & (t_min - self.t_laid_min[b] <= self.lifetime_min)


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
    if n.sum() == 0:
        e = np.empty(0, int)
        return e, e, e
    idx = np.repeat(np.arange(len(cells)), n)
    th = cells["theta_rad"][idx]
    r = cells["radius_um"][idx]
    u = rng.uniform(-r, r)
    x = cells["x_um"][idx] + r * np.cos(th) - u * np.sin(th)
    y = cells["y_um"][idx] + r * np.sin(th) + u * np.cos(th)
    rows, cols = grid.bins(x, y)
    return rows, cols, cells.ids[idx]

"""SMS2 foci: laid under the leading edge, left on the substrate (Liang et al. 2023).

Owns where the SMS2 foci are. SMS2 assembles into immobile foci on the basal membrane at the
leading edge; the cell moves on and the foci stay, so they end up under its RFs and mark
where migrasomes will grow. The substrate is binned at the radius within which a focus
serves a site; only whether a bin holds a focus matters.

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
    """Which substrate bins hold an SMS2 focus.

    Parameters
    ----------
    bin_um : float
        Bin size, µm (the radius within which a focus serves a site).
    occupied : ndarray of bool, shape (ny, nx)
        Whether each bin holds a focus.

    Examples
    --------
    >>> import numpy as np
    >>> grid = FocusGrid.empty(100.0, 50.0, 3.0)
    >>> grid.occupied.shape
    (18, 35)
    >>> grid.occupied[grid.bins(np.array([10.0]), np.array([20.0]))] = True
    >>> grid.covers(np.array([10.0, 90.0]), np.array([20.0, 20.0])).tolist()
    [True, False]
    """

    bin_um: float
    occupied: np.ndarray

    @classmethod
    def empty(cls, width_um: float, height_um: float, bin_um: float) -> FocusGrid:
        """A dish with no foci yet.

        Parameters
        ----------
        width_um, height_um : float
            Size of the dish, µm.
        bin_um : float
            Bin size, µm.

        Returns
        -------
        FocusGrid
            With ``occupied`` all False, shape (ceil(height/bin) + 1, ceil(width/bin) + 1).
        """
        shape = (int(np.ceil(height_um / bin_um)) + 1, int(np.ceil(width_um / bin_um)) + 1)
        return cls(bin_um, np.zeros(shape, bool))

    def bins(self, x_um: np.ndarray, y_um: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of the bins holding points ``(x_um, y_um)``, clipped to the dish.

        Parameters
        ----------
        x_um, y_um : ndarray, shape (n,)
            Positions, µm.

        Returns
        -------
        rows, cols : ndarray of int, shape (n,)
            Bin indices into ``occupied``.
        """
        i = np.clip((y_um / self.bin_um).astype(int), 0, self.occupied.shape[0] - 1)
        j = np.clip((x_um / self.bin_um).astype(int), 0, self.occupied.shape[1] - 1)
        return i, j

    def covers(self, x_um: np.ndarray, y_um: np.ndarray) -> np.ndarray:
        """Whether a focus lies in the bin of each point.

        Parameters
        ----------
        x_um, y_um : ndarray, shape (n,)
            Positions, µm.

        Returns
        -------
        ndarray of bool, shape (n,)
            True where the point's bin holds a focus.
        """
        return self.occupied[self.bins(x_um, y_um)]


def lay_foci(cells, focus_rate_per_um2: float, grid: FocusGrid, rng: np.random.Generator,
             dt: float) -> tuple[np.ndarray, np.ndarray]:
    """Bins that gain a focus in ``dt``: Poisson foci along each cell's leading edge.

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
        Bins to mark (possibly repeated; empty when no focus was laid).

    References
    ----------
    Liang H et al. 2023 Nat Cell Biol.
    """
    lam = 2 * cells["radius_um"] * cells["speed_um_per_min"] * dt * focus_rate_per_um2
    n = rng.poisson(lam)
    if n.sum() == 0:
        e = np.empty(0, int)
        return e, e
    idx = np.repeat(np.arange(len(cells)), n)
    th = cells["theta_rad"][idx]
    r = cells["radius_um"][idx]
    u = rng.uniform(-r, r)
    x = cells["x_um"][idx] + r * np.cos(th) - u * np.sin(th)
    y = cells["y_um"][idx] + r * np.sin(th) + u * np.cos(th)
    return grid.bins(x, y)

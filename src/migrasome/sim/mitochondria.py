"""Mitocytosis and mitophagy: the two-gear mitochondrial quality control (Jiao et al. 2021).

Per cell, integer counts of healthy and damaged mitochondria. Each step (all cells at once):

1. damage: healthy → damaged at ``k_basal + k_CCCP · dose``;
2. mitophagy: damaged → degraded at ``k_basal + k_max · dose^n / (EC50^n + dose^n)``
   (PINK1/Parkin needs strong depolarisation: the 10 µM CCCP of mitophagy assays);
3. mitocytosis: damaged mitochondria sit at the periphery (they avoid inward motors) and
   enter the cell's attached, swollen migrasomes at ``k_entry`` per migrasome; healthy ones
   enter ``healthy_entry_ratio`` times as often. Migrasomes come from migration, so when
   CCCP stops migration (motility factor ``1 / (1 + (dose/IC50)^h)``) mitocytosis falls;
4. biogenesis refills the healthy pool towards its set point.

Every mitochondrion is in a cell, in a migrasome, or degraded: ``made = in cells +
exported + degraded`` exactly (``Ledger`` keys ``mito:*``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["add_columns", "motility_factor", "mitophagy_rate", "damage_rate", "step",
           "healthy_fraction"]


def add_columns(cells, sites, p) -> None:
    """Add the mitochondrial columns to cells and sites.

    Cell counts ``mito_healthy`` (at the set point), ``mito_damaged``, cumulative
    ``mito_exported`` and ``mito_degraded``; site counts ``n_mito`` and ``n_mito_damaged``.

    Parameters
    ----------
    cells, sites : Pool
        Updated in place.
    p : MitochondriaParams
        The mitochondria parameters (``n_per_cell``).
    """
    cells.add_column("mito_healthy", np.int64, p.n_per_cell)
    cells.add_column("mito_damaged", np.int64, 0)
    cells.add_column("mito_exported", np.int64, 0)
    cells.add_column("mito_degraded", np.int64, 0)
    sites.add_column("n_mito", np.int64, 0)
    sites.add_column("n_mito_damaged", np.int64, 0)


def motility_factor(dose_uM: float, p) -> float:
    """Relative speed under CCCP: ≈1 for mild doses, small at 10 µM (Jiao 2021).

    Parameters
    ----------
    dose_uM : float
        CCCP dose, µM.
    p : MitochondriaParams
        ``motility_ic50_uM`` (µM) and ``motility_hill``.

    Returns
    -------
    float
        1 / (1 + (dose/IC50)^h), relative to untreated.

    References
    ----------
    Jiao H et al. 2021 Cell.

    Examples
    --------
    >>> from migrasome.parameters import MitochondriaParams
    >>> p = MitochondriaParams()
    >>> motility_factor(0.0, p), round(motility_factor(10.0, p), 3)
    (1.0, 0.111)
    """
    return 1.0 / (1.0 + (dose_uM / p.motility_ic50_uM) ** p.motility_hill)


def damage_rate(dose_uM: float, p) -> float:
    """Healthy → damaged rate at a CCCP dose.

    Parameters
    ----------
    dose_uM : float
        CCCP dose, µM.
    p : MitochondriaParams
        Basal damage (1/min) and damage per µM (1/(µM·min)).

    Returns
    -------
    float
        Rate, 1/min.
    """
    return p.damage_basal_per_min + p.damage_per_uM_per_min * dose_uM


def mitophagy_rate(dose_uM: float, p) -> float:
    """Damaged → degraded rate, switch-like in dose (PINK1/Parkin).

    Parameters
    ----------
    dose_uM : float
        CCCP dose, µM.
    p : MitochondriaParams
        Basal and maximal mitophagy (1/min), EC50 (µM) and Hill coefficient.

    Returns
    -------
    float
        Rate, 1/min.

    References
    ----------
    Narendra D et al. 2008 J Cell Biol.
    """
    h = dose_uM ** p.mitophagy_hill
    return p.mitophagy_basal_per_min + p.mitophagy_max_per_min * h / (
        p.mitophagy_ec50_uM ** p.mitophagy_hill + h)


def healthy_fraction(cells) -> np.ndarray:
    """Healthy / all mitochondria in each cell.

    Parameters
    ----------
    cells : Pool
        With ``mito_healthy`` and ``mito_damaged``.

    Returns
    -------
    ndarray, shape (n_cells,)
        Fraction in [0, 1] (1 for a cell without mitochondria).
    """
    tot = cells["mito_healthy"] + cells["mito_damaged"]
    return np.divide(cells["mito_healthy"], tot, out=np.ones(len(cells)), where=tot > 0)


def _spread(counts: np.ndarray, site_rows_by_cell: np.ndarray, first: np.ndarray,
            n_sites: np.ndarray, rng) -> np.ndarray:
    """Send ``counts[c]`` items of each cell to uniformly chosen sites of that cell.

    ``site_rows_by_cell`` lists site rows sorted by cell; ``first[c]`` and ``n_sites[c]``
    delimit cell c's block. Returns per-site-row increments (length = number of sites).
    """
    cell_of = np.repeat(np.arange(counts.size), counts)
    pick = first[cell_of] + (rng.random(cell_of.size) * n_sites[cell_of]).astype(np.int64)
    return site_rows_by_cell[pick]


def step(cells, sites, p, dt_min: float, rng, ledger) -> np.ndarray:
    """Advance mitochondria of every cell by ``dt_min``.

    Damage, mitophagy, mitocytosis into the cell's attached swollen migrasomes, then
    biogenesis towards the set point (see the module docstring).

    Parameters
    ----------
    cells, sites : Pool
        With the columns of ``add_columns``; sites need ``cell_id, attached,
        diameter_um``. Updated in place.
    p : MitochondriaParams
        The mitochondria parameters.
    dt_min : float
        Time step, min.
    rng : numpy.random.Generator
        Source of the binomial and Poisson draws.
    ledger : Ledger
        Receives the ``mito:*`` flows.

    Returns
    -------
    ndarray, shape (n_cells,)
        The motility factor to multiply into the cells' speed (relative).

    References
    ----------
    Jiao H et al. 2021 Cell (mitocytosis).
    """
    n = len(cells)
    if n == 0:
        return np.ones(0)
    dose = p.cccp_uM
    h, d = cells["mito_healthy"], cells["mito_damaged"]
    hit = rng.binomial(h, -np.expm1(-damage_rate(dose, p) * dt_min))
    h, d = h - hit, d + hit
    deg = rng.binomial(d, -np.expm1(-mitophagy_rate(dose, p) * dt_min))
    d = d - deg
    ledger.add("mito:cell->mitophagy", deg)
    cells["mito_degraded"] = cells["mito_degraded"] + deg

    # mitocytosis into the cell's attached, swollen migrasomes
    if len(sites):
        row = cells.index_of(sites["cell_id"])
        ok = sites["attached"] & (sites["diameter_um"] > 0) & (row >= 0)
        srows = np.flatnonzero(ok)
        owner = row[srows]
        n_s = np.bincount(owner, minlength=n)
        if srows.size:
            order = np.argsort(owner, kind="stable")
            by_cell = srows[order]
            first = np.concatenate([[0], np.cumsum(n_s)[:-1]])
            k = p.entry_per_migrasome_per_min * n_s * dt_min
            out_d = rng.binomial(d, -np.expm1(-k))
            out_h = rng.binomial(h, -np.expm1(-k * p.healthy_entry_ratio))
            d, h = d - out_d, h - out_h
            to_d = _spread(out_d, by_cell, first, n_s, rng)
            to_h = _spread(out_h, by_cell, first, n_s, rng)
            add_d = np.bincount(to_d, minlength=len(sites))
            add_all = add_d + np.bincount(to_h, minlength=len(sites))
            sites["n_mito"] = sites["n_mito"] + add_all
            sites["n_mito_damaged"] = sites["n_mito_damaged"] + add_d
            cells["mito_exported"] = cells["mito_exported"] + out_d + out_h
            ledger.add("mito:cell->migrasome", out_d + out_h)
            ledger.add("mito_damaged:cell->migrasome", out_d)

    # biogenesis towards the set point
    new = rng.poisson(p.biogenesis_per_min * dt_min * np.maximum(p.n_per_cell - h - d, 0))
    h = h + new
    ledger.add("mito:biogenesis->cell", new)
    cells["mito_healthy"], cells["mito_damaged"] = h, d
    return np.full(n, motility_factor(dose, p))

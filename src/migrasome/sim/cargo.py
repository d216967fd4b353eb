"""Migracytosis and the fate of released migrasomes (MODEL.md §5).

While a migrasome is attached and swelling, cytosol flows in from its cell: every new µm³
of migrasome volume takes the cell's cytosolic protein at the cell's concentration, a
Poisson number of small inner vesicles (10–300 per migrasome), RNA granules (a Poisson
number whose mean makes ≈30 % of migrasomes carry RNA, Zhu 2021) and the signalling
molecules of the cell type. Protein, vesicles and mRNA come out of the cell's pools, so they
are conserved; signalling molecules are counted as loaded when they enter.

Once released, a migrasome leaks its signals into the field and, with competing hazards,
ruptures (its inner vesicles leave as MDNPs, Ma Y. 2023), is taken up by the nearest cell
within reach (protein at once, mRNA translated after a delay, Zhu 2021), or breaks down
(the engine's lifetime). Every fate is *settled* once: the contents are moved to where they
go and counted in a ``Ledger``.

Sites and cells are ``state.Pool`` objects; no Python loop runs over them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from ..codes import Fate

__all__ = ["Ledger", "add_cell_columns", "add_site_columns", "add_recipient_columns",
           "migrasome_volume_um3", "fill_attached", "choose_fates", "settle",
           "translate", "signal_columns"]

_CONTENT = ("protein_au", "n_vesicles", "mrna_copies", "n_mito")


@dataclass
class Ledger:
    """Cumulative amounts moved between compartments, for mass balance.

    Parameters
    ----------
    flows : dict of str to float
        Keys are ``"<what>:<from>-><to>"``, e.g. ``"protein_au:cell->migrasome"``; values are
        totals over the run (au for amounts, counts for vesicles, mRNA and mitochondria).

    Examples
    --------
    >>> led = Ledger()
    >>> led.add("protein_au:cell->migrasome", [1.0, 2.5])
    >>> led.get("protein_au:cell->migrasome"), led.get("n_vesicles:cell->migrasome")
    (3.5, 0.0)
    """

    flows: dict[str, float] = field(default_factory=dict)

    def add(self, key: str, amount) -> None:
        """Add the sum of ``amount`` to the flow ``key``.

        Parameters
        ----------
        key : str
            ``"<what>:<from>-><to>"``.
        amount : array_like
            Amounts moved (summed), in the unit of ``<what>``.
        """
        self.flows[key] = self.flows.get(key, 0.0) + float(np.sum(amount))

    def get(self, key: str) -> float:
        """Total moved along ``key`` so far.

        Parameters
        ----------
        key : str
            ``"<what>:<from>-><to>"``.

        Returns
        -------
        float
            The total (0.0 for a flow never added to).
        """
        return self.flows.get(key, 0.0)


def signal_columns(species) -> list[str]:
    """Site column names holding each species' amount (au).

    Parameters
    ----------
    species : sequence of str
        Species names, e.g. ``["cxcl12"]``.

    Returns
    -------
    list of str
        ``"signal_<species>_au"`` for each.

    Examples
    --------
    >>> signal_columns(["cxcl12", "vegfa"])
    ['signal_cxcl12_au', 'signal_vegfa_au']
    """
    return [f"signal_{s}_au" for s in species]


def add_cell_columns(cells, p) -> None:
    """Pools of a donor cell: cytosolic protein (au), small vesicles, tracked mRNA copies.

    Parameters
    ----------
    cells : Pool
        The cells; the columns ``protein_au``, ``n_vesicles`` and ``mrna_copies`` are added in
        place at their set points.
    p : CargoParams
        The cargo parameters (cell volume in µm³, protein in au/µm³, pool sizes).
    """
    cells.add_column("protein_au", float, p.protein_au_per_um3 * p.cell_volume_um3)
    cells.add_column("n_vesicles", np.int64, p.cell_vesicle_pool)
    cells.add_column("mrna_copies", np.int64, p.cell_mrna_copies)


def add_recipient_columns(pool) -> None:
    """What a cell has received by uptake, and the mRNA waiting for translation.

    Parameters
    ----------
    pool : Pool
        Cells that may take migrasomes up; integer and float columns (``n_taken_up``,
        ``received_protein_au``, ``mrna_pending``, ...) are added in place, zero.
    """
    for name, dt in (("n_taken_up", np.int64), ("received_protein_au", float),
                     ("received_vesicles", np.int64), ("mrna_pending", np.int64),
                     ("mrna_translated", np.int64), ("translated_protein_au", float),
                     ("received_signal_au", float), ("received_mito", np.int64)):
        pool.add_column(name, dt, 0)


def add_site_columns(sites, species) -> None:
    """Cargo columns of a site/migrasome.

    Parameters
    ----------
    sites : Pool
        The sites; cargo volume (µm³), protein (au), vesicle, RNA and mRNA counts, settlement
        and taker columns, and two columns per signal species (au) are added in place.
    species : sequence of str
        Signalling species carried.
    """
    sites.add_column("cargo_volume_um3", float, 0.0)
    sites.add_column("protein_au", float, 0.0)
    sites.add_column("n_vesicles", np.int64, 0)
    sites.add_column("rna_granules", np.int64, 0)
    sites.add_column("mrna_copies", np.int64, 0)
    sites.add_column("settled", bool, False)
    sites.add_column("taker_id", np.int64, -1)
    sites.add_column("taker_kind", np.int64, -1)
    for c in signal_columns(species):
        sites.add_column(c, float, 0.0)
        sites.add_column(c.replace("_au", "_loaded_au"), float, 0.0)


def clean_new_rows(sites, species) -> None:
    """Rows appended by the engine get NaN in float columns: cargo starts at zero.

    Parameters
    ----------
    sites : Pool
        The sites; NaN cargo and signal amounts are set to 0 in place.
    species : sequence of str
        Signalling species carried.
    """
    for c in ["cargo_volume_um3", "protein_au"] + signal_columns(species) + [
            c.replace("_au", "_loaded_au") for c in signal_columns(species)]:
        v = sites[c]
        if np.isnan(v).any():
            sites[c] = np.nan_to_num(v)


def migrasome_volume_um3(diameter_um) -> np.ndarray:
    """Sphere volume of a migrasome of diameter ``diameter_um``.

    Parameters
    ----------
    diameter_um : array_like, shape (n_sites,)
        Diameters, µm.

    Returns
    -------
    ndarray, shape (n_sites,)
        Volumes π d³/6, µm³.

    Examples
    --------
    >>> round(float(migrasome_volume_um3(1.7)), 3)
    2.572
    """
    return np.pi / 6.0 * np.asarray(diameter_um, float) ** 3


def _capped_int_transfer(want: np.ndarray, owner: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Scale integer demands down (per owner) so no owner gives more than it has."""
    demand = np.bincount(owner, weights=want, minlength=len(pool))
    frac = np.divide(pool, demand, out=np.ones_like(demand), where=demand > pool)
    return np.floor(want * np.minimum(frac[owner], 1.0)).astype(np.int64)


def fill_attached(sites, cells, p, species, signal_density: np.ndarray, rng,
                  ledger: Ledger) -> None:
    """Migracytosis for one step: fill every attached, grown-by-ΔV migrasome from its cell.

    Parameters
    ----------
    sites, cells : Pool
        With the columns of ``add_site_columns`` / ``add_cell_columns``; updated in place.
    p : CargoParams
        The cargo parameters (densities per µm³, cell volume in µm³).
    species : sequence of str
        Signalling species carried (rows of ``signal_density``).
    signal_density : ndarray, shape (n_species, n_cells)
        Signal loaded per µm³ of migrasome volume (au/µm³) for each cell.
    rng : numpy.random.Generator
        Source of the Poisson vesicle and RNA-granule numbers.
    ledger : Ledger
        Receives every amount moved.

    References
    ----------
    Ma L et al. 2015 Cell Res (migracytosis); Zhu M et al. 2021 Cell Res (RNA in migrasomes).
    """
    if len(sites) == 0 or len(cells) == 0:
        return
    row = cells.index_of(sites["cell_id"])
    vol = migrasome_volume_um3(sites["diameter_um"])
    grow = sites["attached"] & (row >= 0) & (vol > sites["cargo_volume_um3"])
    if not grow.any():
        return
    i = np.flatnonzero(grow)
    r = row[i]
    dv = vol[i] - sites["cargo_volume_um3"][i]
    sites["cargo_volume_um3"][i] = vol[i]
    n_c = len(cells)
    # cytosolic protein at the cell's concentration, never more than the cell holds
    want = cells["protein_au"][r] / p.cell_volume_um3 * dv
    demand = np.bincount(r, weights=want, minlength=n_c)
    scale = np.divide(cells["protein_au"], demand, out=np.ones(n_c), where=demand > 0)
    got = want * np.minimum(scale, 1.0)[r]
    sites["protein_au"][i] += got
    cells["protein_au"] = cells["protein_au"] - np.bincount(r, weights=got, minlength=n_c)
    ledger.add("protein_au:cell->migrasome", got)
    # small inner vesicles and mRNA (RNA granules carry copies of the tracked transcript)
    ves = _capped_int_transfer(rng.poisson(p.vesicles_per_um3 * dv), r, cells["n_vesicles"])
    sites["n_vesicles"][i] += ves
    cells["n_vesicles"] = cells["n_vesicles"] - np.bincount(r, weights=ves, minlength=n_c
                                                             ).astype(np.int64)
    ledger.add("n_vesicles:cell->migrasome", ves)
    gran = rng.poisson(p.rna_granules_per_um3 * dv)
    copies = _capped_int_transfer(gran * p.mrna_copies_per_granule, r, cells["mrna_copies"])
    sites["rna_granules"][i] += np.where(copies > 0, gran, 0)
    sites["mrna_copies"][i] += copies
    cells["mrna_copies"] = cells["mrna_copies"] - np.bincount(r, weights=copies, minlength=n_c
                                                               ).astype(np.int64)
    ledger.add("mrna_copies:cell->migrasome", copies)
    for s, col in enumerate(signal_columns(species)):
        load = signal_density[s, r] * dv
        sites[col][i] += load
        sites[col.replace("_au", "_loaded_au")][i] += load
        ledger.add(f"{species[s]}:cell->migrasome", load)


def replenish(cells, p, dt_min: float, rng, ledger: Ledger) -> None:
    """Homeostatic synthesis: pools relax back to their set points.

    Parameters
    ----------
    cells : Pool
        Donor cells (``add_cell_columns``); updated in place.
    p : CargoParams
        Set points and the synthesis rate (1/min).
    dt_min : float
        Time step, min.
    rng : numpy.random.Generator
        Source of the binomial refills of vesicles and mRNA.
    ledger : Ledger
        Receives the ``*:synthesis->cell`` flows.
    """
    if len(cells) == 0 or p.protein_synthesis_per_min <= 0:
        return
    f = -np.expm1(-p.protein_synthesis_per_min * dt_min)
    p0 = p.protein_au_per_um3 * p.cell_volume_um3
    add = np.maximum(p0 - cells["protein_au"], 0.0) * f
    cells["protein_au"] = cells["protein_au"] + add
    ledger.add("protein_au:synthesis->cell", add)
    for col, target in (("n_vesicles", p.cell_vesicle_pool),
                        ("mrna_copies", p.cell_mrna_copies)):
        add = rng.binomial(np.maximum(target - cells[col], 0), f)
        cells[col] = cells[col] + add
        ledger.add(f"{col}:synthesis->cell", add)


def choose_fates(sites, takers, p, t_min: float, dt_min: float, rng) -> np.ndarray:
    """Competing hazards for released, unsettled migrasomes: rupture or uptake.

    Parameters
    ----------
    sites : Pool
        The sites, n_sites rows (``taker_kind`` and ``taker_id`` are set in place for uptakes).
    takers : list of (kind, Pool)
        Cell populations that may take migrasomes up; each pool has ``x_um, y_um,
        radius_um`` (µm; and ``cell_type`` if ``p.uptake_cell_types`` is set).
    p : CargoParams
        The cargo parameters (rupture and uptake rates in 1/min, uptake distance in µm).
    t_min, dt_min : float
        Current time and time step, min.
    rng : numpy.random.Generator
        Source of the hazard draws.

    Returns
    -------
    ndarray of int, shape (n_sites,)
        :class:`~migrasome.codes.Fate` code per site (``Fate.PRESENT`` where nothing happens).

    References
    ----------
    Ma Y et al. 2023 (rupture frees inner vesicles as MDNPs); Zhu M et al. 2021 Cell Res
    (uptake by recipient cells).
    """
    n = len(sites)
    fate = np.zeros(n, np.int64)
    free = (~sites["attached"]) & (~sites["settled"]) & (sites["cargo_volume_um3"] > 0)
    ends = sites["t_breakdown_min"]
    free &= ~(np.isfinite(ends) & (ends <= t_min + 1e-9))
    idx = np.flatnonzero(free)
    if idx.size == 0:
        return fate
    near_kind = np.full(idx.size, -1)
    near_id = np.full(idx.size, -1, np.int64)
    if p.uptake_per_min > 0:
        xs, ys, rad, kind, ids = [], [], [], [], []
        for k, (_, pool) in enumerate(takers):
            ok = np.ones(len(pool), bool)
            if p.uptake_cell_types and "cell_type" in pool.cols:
                ok = np.isin(pool["cell_type"], p.uptake_cell_types)
            xs.append(pool["x_um"][ok])
            ys.append(pool["y_um"][ok])
            rad.append(pool["radius_um"][ok])
            ids.append(pool.ids[ok])
            kind.append(np.full(ok.sum(), k))
        if sum(len(x) for x in xs):
            xy = np.column_stack([np.concatenate(xs), np.concatenate(ys)])
            rad_a, kind_a, ids_a = np.concatenate(rad), np.concatenate(kind), np.concatenate(ids)
            reach = rad_a.max() + p.uptake_distance_um
            d, j = cKDTree(xy).query(np.column_stack([sites["x_um"][idx], sites["y_um"][idx]]),
                                     k=1, distance_upper_bound=reach)
            hit = np.isfinite(d)
            jj = np.where(hit, j, 0)
            hit &= d <= rad_a[jj] + p.uptake_distance_um
            near_kind = np.where(hit, kind_a[jj], -1)
            near_id = np.where(hit, ids_a[jj], -1)
    r_rup = p.rupture_per_min
    r_up = np.where(near_kind >= 0, p.uptake_per_min, 0.0)
    total = r_rup + r_up
    happen = rng.random(idx.size) < -np.expm1(-total * dt_min)
    which = rng.random(idx.size) * np.maximum(total, 1e-300)
    f = np.where(which < r_rup, Fate.RUPTURE, Fate.UPTAKE)
    fate[idx] = np.where(happen, f, Fate.PRESENT)
    up = idx[happen & (f == Fate.UPTAKE)]
    sel = happen & (f == Fate.UPTAKE)
    sites["taker_kind"][up] = near_kind[sel]
    sites["taker_id"][up] = near_id[sel]
    return fate


def settle(sites, mask: np.ndarray, fate: np.ndarray, takers, species, ledger: Ledger,
           t_min: float):
    """Move the contents of the migrasomes in ``mask`` to where their fate sends them.

    Breakdown and rupture release the remaining signal (returned, for the field) and the
    protein and mRNA into the medium; rupture releases the inner vesicles as MDNPs; uptake
    hands everything to the taker. Marks the sites settled, sets ``fate`` and
    ``t_breakdown_min`` (for rupture and uptake).

    Parameters
    ----------
    sites : Pool
        The sites, n_sites rows; updated in place.
    mask : ndarray of bool, shape (n_sites,)
        The sites to settle (n_settled of them).
    fate : ndarray of int, shape (n_sites,)
        :class:`~migrasome.codes.Fate` per site; ``PRESENT`` is settled as a breakdown.
    takers : list of (kind, Pool)
        The populations indexed by ``sites["taker_kind"]``; their received columns are updated.
    species : sequence of str
        Signalling species carried.
    ledger : Ledger
        Receives every amount moved.
    t_min : float
        Current time, min (stamped as the end of ruptured and taken-up migrasomes).

    Returns
    -------
    signal_release : ndarray, shape (n_species, n_settled)
        Amount of each species to deposit at the settled sites' positions, au (0 for uptakes).
    mdnp : dict of ndarray
        One entry per ruptured migrasome: ``migrasome_id, x_um, y_um, n_mdnp``.
    """
    i = np.flatnonzero(mask)
    fate = np.asarray(fate)[i]
    fate = np.where(fate == Fate.PRESENT, Fate.BREAKDOWN, fate)
    sites["settled"][i] = True
    sites["fate"][i] = fate
    sites["t_breakdown_min"][i] = np.where(fate == Fate.BREAKDOWN,
                                           sites["t_breakdown_min"][i], t_min)
    up = fate == Fate.UPTAKE
    rel = ~up
    rup = fate == Fate.RUPTURE
    content = [c for c in _CONTENT if c in sites.cols]
    for col in content:
        ledger.add(f"{col}:migrasome->medium", sites[col][i][rel & ~(rup & (col == "n_vesicles"))])
    ledger.add("n_vesicles:migrasome->mdnp", sites["n_vesicles"][i][rup])
    sig = np.stack([sites[c][i] for c in signal_columns(species)]) if species else \
        np.zeros((0, i.size))
    for s, name in enumerate(species):
        ledger.add(f"{name}:migrasome->field", sig[s][rel])
        ledger.add(f"{name}:migrasome->taker", sig[s][up])
    if up.any():
        iu = i[up]
        for k, (_, pool) in enumerate(takers):
            mine = sites["taker_kind"][iu] == k
            if not mine.any():
                continue
            s_ids = iu[mine]
            row = pool.index_of(sites["taker_id"][s_ids])
            ok = row >= 0
            s_ids, row = s_ids[ok], row[ok]
            lost = iu[mine][~ok]  # taker retired this very step: contents go to the medium
            for col in content:
                ledger.add(f"{col}:migrasome->medium", sites[col][lost])
            n = len(pool)
            def bc(w, row=row, n=n):
                return np.bincount(row, weights=w, minlength=n)

            pool["n_taken_up"] = pool["n_taken_up"] + bc(np.ones(row.size)).astype(np.int64)
            pool["received_protein_au"] = pool["received_protein_au"] + bc(
                sites["protein_au"][s_ids])
            pool["received_vesicles"] = pool["received_vesicles"] + bc(
                sites["n_vesicles"][s_ids]).astype(np.int64)
            pool["mrna_pending"] = pool["mrna_pending"] + bc(sites["mrna_copies"][s_ids]
                                                             ).astype(np.int64)
            pool["received_signal_au"] = pool["received_signal_au"] + bc(
                sig[:, up][:, mine][:, ok].sum(axis=0) if species else np.zeros(row.size))
            if "n_mito" in sites.cols:
                pool["received_mito"] = pool["received_mito"] + bc(sites["n_mito"][s_ids]
                                                                   ).astype(np.int64)
            for col in content:
                ledger.add(f"{col}:migrasome->taker", sites[col][s_ids])
    mdnp = {"migrasome_id": sites.ids[i][rup], "x_um": sites["x_um"][i][rup],
            "y_um": sites["y_um"][i][rup], "n_mdnp": sites["n_vesicles"][i][rup].copy()}
    for c in signal_columns(species):
        sites[c][i] = 0.0
    return np.where(rel[None, :], sig, 0.0), mdnp


def translate(pool, p, dt_min: float, rng, ledger: Ledger) -> None:
    """Transferred mRNA is translated after a delay (first order, mean ``p.translation_delay_min``).

    Pten protein appears in recipients within hours (Zhu 2021).

    Parameters
    ----------
    pool : Pool
        Recipient cells (``add_recipient_columns``); updated in place.
    p : CargoParams
        The cargo parameters (delay in min, protein per mRNA copy in au).
    dt_min : float
        Time step, min.
    rng : numpy.random.Generator
        Source of the binomial draws.
    ledger : Ledger
        Unused (translation moves nothing between compartments); kept for a uniform call.

    References
    ----------
    Zhu M et al. 2021 Cell Res.
    """
    if len(pool) == 0:
        return
    k = rng.binomial(pool["mrna_pending"], -np.expm1(-dt_min / p.translation_delay_min))
    pool["mrna_pending"] = pool["mrna_pending"] - k
    pool["mrna_translated"] = pool["mrna_translated"] + k
    pool["translated_protein_au"] = pool["translated_protein_au"] + k * p.protein_au_per_mrna


def leak_signal(sites, species, rate_per_min: float, dt_min: float,
                ledger: Ledger) -> np.ndarray:
    """Signals leaking from released, intact migrasomes.

    Parameters
    ----------
    sites : Pool
        The sites, n_sites rows; their signal columns are lowered in place.
    species : sequence of str
        Signalling species carried.
    rate_per_min : float
        Leak rate, 1/min.
    dt_min : float
        Time step, min.
    ledger : Ledger
        Receives the ``<species>:migrasome->field`` flows.

    Returns
    -------
    ndarray, shape (n_species, n_sites)
        Amount leaving each site this step (au), to deposit into the field.
    """
    out = np.zeros((len(species), len(sites)))
    if rate_per_min <= 0 or len(sites) == 0:
        return out
    free = (~sites["attached"]) & (~sites["settled"])
    f = -np.expm1(-rate_per_min * dt_min)
    for s, col in enumerate(signal_columns(species)):
        amt = np.where(free, sites[col] * f, 0.0)
        sites[col] = sites[col] - amt
        out[s] = amt
        ledger.add(f"{species[s]}:migrasome->field", amt)
    return out

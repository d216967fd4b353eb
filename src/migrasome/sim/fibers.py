"""Retraction fibres: pulled from rear adhesions, joined into networks, broken by tension and age.

Owns the RF network of every cell (the ``fibers`` pool and its geometry). An RF forms when
the retracting rear passes an adhesion (integrin–ECM pair): its distal end stays at the
adhesion (a *tip*), its proximal end follows the cell rear. A new RF whose adhesion lies
within ``join_distance_um`` of an existing RF of the same cell joins it: its proximal end
sits at a fixed fraction along that parent (a *branch point*). RFs rupture at a rate per
length that rises with the membrane's age and with the force the tube holds (Bell's law),
so the oldest, longest RFs break first (Wang 2022), and a break disconnects the fibre and
everything joined to it from the cell.
"""

from __future__ import annotations

import functools

import numpy as np

from .._ufuncs import clip
from .motility import rear_points

_greatest = np.maximum.reduce

__all__ = ["FIBER_COLUMNS", "new_fiber_counts", "create_fibers", "fiber_geometry",
           "break_fibers", "rupture_rate_per_min", "tetraspanin_level"]

FIBER_COLUMNS = {
    "cell_id": np.int64, "parent_fiber_id": np.int64, "depth": np.int64,
    "anchor_x_um": float, "anchor_y_um": float, "offset_um": float,
    "junction_frac": float, "t_form_min": float, "t_break_min": float,
    "x1_um": float, "y1_um": float, "length_um": float, "attached": bool,
}

def tetraspanin_level(scenario) -> float:
    """Tetraspanins (TSPAN4 + TSPAN7 + others) relative to wild type.

    Parameters
    ----------
    scenario : Scenario
        The run's scenario (``molecules`` section, levels relative to wild type).

    Returns
    -------
    float
        (TSPAN4 + TSPAN7 + others) / (2 + others at wild type), relative to wild type (1.0).

    Examples
    --------
    >>> from migrasome.scenario import Scenario
    >>> s = Scenario()
    >>> tetraspanin_level(s)
    1.0
    >>> round(tetraspanin_level(s.with_changes(**{"molecules.TSPAN4": 0.0})), 3)
    0.574
    """
    m = scenario.molecules
    return (m.TSPAN4 + m.TSPAN7 + m.other_tetraspanins) / (2.0 + m.other_tetraspanins)


def new_fiber_counts(cells, scenario, rng, dt: float, anchor_density: float) -> np.ndarray:
    """How many rear adhesions each cell passes in ``dt``: Poisson(w·v·ρ·dt).

    Parameters
    ----------
    cells : Pool
        Cells with ``rear_width_um`` (µm) and ``speed_um_per_min`` (µm/min), shape (n_cells,).
    scenario : Scenario
        The run's scenario (not read: the density comes in ``anchor_density``).
    rng : numpy.random.Generator
        Source of the Poisson draws.
    dt : float
        Time step, min.
    anchor_density : float
        RF-anchoring adhesions per µm² swept by the rear, 1/µm².

    Returns
    -------
    ndarray of int, shape (n_cells,)
        New fibres per cell.
    """
    lam = cells["rear_width_um"] * cells["speed_um_per_min"] * anchor_density * dt
    return rng.poisson(lam)


def create_fibers(fibers, cells, counts: np.ndarray, scenario, rng, t: float
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Append the new fibres at random points along each cell's rear.

    A new fibre whose adhesion lies within ``scenario.fibers.join_distance_um`` of an attached
    fibre of the same cell joins it (a branch) at the nearest point along it.

    Parameters
    ----------
    fibers : Pool
        The fibres (``FIBER_COLUMNS``); the new ones are appended in place.
    cells : Pool
        The cells (row = cell id), with ``rear_width_um`` and the rear geometry.
    counts : ndarray of int, shape (n_cells,)
        New fibres per cell (from :func:`new_fiber_counts`).
    scenario : Scenario
        The run's scenario (``fibers`` section).
    rng : numpy.random.Generator
        Source of the positions along the rear.
    t : float
        Current time, min (the fibres' ``t_form_min``).

    Returns
    -------
    ids : ndarray of int, shape (n,)
        Ids of the new fibres.
    branch : ndarray of bool, shape (n,)
        Which joined another fibre.
    jx, jy : ndarray, shape (n,)
        Junction positions, µm (NaN for root fibres).
    """
    idx = np.repeat(np.arange(len(cells)), counts)
    n = idx.size
    if n == 0:
        e = np.empty(0)
        return np.empty(0, np.int64), np.empty(0, bool), e, e
    half = cells["rear_width_um"][idx] / 2
    u = rng.uniform(-half, half)
    ax, ay = rear_points(cells, idx, u)
    cid = cells["cell_id"][idx]
    parent, frac, depth = _find_parents(fibers, cid, ax, ay, scenario)
    ids = fibers.append(n, cell_id=cid, parent_fiber_id=parent,
                        depth=depth, anchor_x_um=ax, anchor_y_um=ay, offset_um=u,
                        junction_frac=frac, t_form_min=t, x1_um=ax, y1_um=ay,
                        length_um=0.0, attached=True)
    branch = parent >= 0
    jx, jy = np.full(n, np.nan), np.full(n, np.nan)
    b = np.flatnonzero(branch)
    if b.size:
        prow = fibers.index_of(parent[b])
        f = frac[b]
        pax, pay = fibers["anchor_x_um"][prow], fibers["anchor_y_um"][prow]
        jx[b] = pax + f * (fibers["x1_um"][prow] - pax)
        jy[b] = pay + f * (fibers["y1_um"][prow] - pay)
        # a new branch runs from its adhesion to its junction; a new root starts at length 0
        rows = fibers.index_of(ids[b])
        fibers["x1_um"][rows], fibers["y1_um"][rows] = jx[b], jy[b]
        fibers["length_um"][rows] = np.hypot(jx[b] - ax[b], jy[b] - ay[b])
    return ids, branch, jx, jy


def _find_parents(fibers, cell_ids, ax, ay, scenario):
    """Nearest attached fibre segment of the same cell within the join distance."""
    n = cell_ids.size
    parent = np.full(n, -1, np.int64)
    frac = np.full(n, np.nan)
    depth = np.zeros(n, np.int64)
    d_join = scenario.fibers.join_distance_um
    if d_join <= 0 or len(fibers) == 0:
        return parent, frac, depth
    cand = np.flatnonzero(fibers["attached"] & (fibers["depth"] < scenario.fibers.max_depth)
                          & (fibers["length_um"] > d_join))
    if cand.size == 0:
        return parent, frac, depth
    # all (new fibre, candidate of the same cell) pairs, via the candidates sorted by cell
    order = cand[np.argsort(fibers["cell_id"][cand], kind="stable")]
    ccell = fibers["cell_id"][order]
    start = np.searchsorted(ccell, cell_ids, "left")
    stop = np.searchsorted(ccell, cell_ids, "right")
    k = stop - start
    n_pairs = int(k.sum())
    if n_pairs == 0:
        return parent, frac, depth
    new_i = np.repeat(np.arange(n), k)
    pos = np.arange(n_pairs) - np.repeat(np.cumsum(k) - k, k) + np.repeat(start, k)
    row = order[pos]
    x0, y0 = fibers["anchor_x_um"][row], fibers["anchor_y_um"][row]
    dx, dy = fibers["x1_um"][row] - x0, fibers["y1_um"][row] - y0
    seg2 = np.maximum(dx * dx + dy * dy, 1e-12)
    pax, pay = ax[new_i], ay[new_i]
    s = clip(((pax - x0) * dx + (pay - y0) * dy) / seg2, 0.0,
             scenario.fibers.max_junction_frac)
    dist = np.hypot(x0 + s * dx - pax, y0 + s * dy - pay)
    # per new fibre, the pair of smallest distance
    best = np.lexsort((dist, new_i))
    nb = new_i[best]
    first = best[np.concatenate(([True], nb[1:] != nb[:-1]))]
    ok = dist[first] < d_join
    sel = first[ok]
    parent[new_i[sel]] = fibers.ids[row[sel]]
    frac[new_i[sel]] = s[sel]
    depth[new_i[sel]] = fibers["depth"][row[sel]] + 1
    return parent, frac, depth


def fiber_geometry(fibers, cells, max_depth: int) -> None:
    """Proximal ends and lengths of attached fibres, in place.

    Roots end at the cell rear, branches at their junction on the parent (resolved depth by
    depth).

    Parameters
    ----------
    fibers : Pool
        The fibres; ``x1_um, y1_um`` and ``length_um`` (µm) are updated in place.
    cells : Pool
        The cells (row = cell id) with their current position, polarity and rear width.
    max_depth : int
        Deepest branch level to resolve.
    """
    if len(fibers) == 0:
        return
    att = fibers["attached"]
    x1, y1 = fibers["x1_um"], fibers["y1_um"]  # updated in place, parents before branches
    par = fibers["parent_fiber_id"]
    root = np.flatnonzero(att & (par < 0))
    if root.size:
        cidx = fibers["cell_id"][root]  # cell ids are cell rows
        x1[root], y1[root] = rear_points(cells, cidx, fibers["offset_um"][root])
    ax, ay = fibers["anchor_x_um"], fibers["anchor_y_um"]
    if root.size < len(fibers):
        level = np.where(att, fibers["depth"], -1)
        for d in range(1, min(max_depth, int(_greatest(level))) + 1):
            sel = np.flatnonzero(level == d)
            if not sel.size:
                continue
            prow = fibers.index_of(par[sel])
            f = fibers["junction_frac"][sel]
            pax, pay = ax[prow], ay[prow]
            x1[sel] = pax + f * (x1[prow] - pax)
            y1[sel] = pay + f * (y1[prow] - pay)
    np.copyto(fibers["length_um"], np.hypot(x1 - ax, y1 - ay), where=att)


@functools.lru_cache(maxsize=64)
def _bell_factor(kappa_kT: float, tension_pN_per_um: float, bell_distance_nm: float) -> float:
    """exp((F − F₀)·x_β/kT) for the tube force F = 2π√(2κσ), F₀ at the default membrane."""
    from ..membrane import KT_PN_UM, tube_force_pN
    from ..parameters.biology import MembraneParams

    ref = MembraneParams()
    force = tube_force_pN(kappa_kT=kappa_kT, tension_pN_per_um=tension_pN_per_um)
    f0 = tube_force_pN(kappa_kT=ref.kappa_kT, tension_pN_per_um=ref.tension_pN_per_um)
    return float(np.exp((force - f0) * bell_distance_nm * 1e-3 / KT_PN_UM))


def rupture_rate_per_min(length_um, age_min, scenario):
    """Rupture rate of an RF: per length, rising with the membrane's age and the tube force.

    h = (L/ℓ)·(a/τ)^m / τ · exp((F − F₀)·x_β/kT) / T^s, with L the RF's length, a its age,
    F = 2π√(2κσ) the force the tube holds (F₀ at the default membrane, κ = 20 kT and
    σ = 10 pN/µm), T the tetraspanin level and s ``tspan4_stabilization``. Rupture is a
    property of each stretch of membrane, so a longer RF has more places to fail, and an RF
    pulled out steadily by its cell (L ∝ a) breaks at an age that is ≈Weibull with shape
    m + 2 — the oldest, longest RFs first (Wang 2022).

    Parameters
    ----------
    length_um, age_min : array_like, shape (n,)
        RF length (µm) and age (min).
    scenario : Scenario
        The run's scenario (``fibers`` and ``membrane`` sections, tetraspanin levels).

    Returns
    -------
    ndarray, shape (n,)
        Rate, 1/min.

    References
    ----------
    Wang Y et al. 2022 (the oldest, far RF sections break first; TSPAN4 lengthens RFs);
    Bell GI 1978 Science 200:618 (force-accelerated bond rupture); Derényi I et al. 2002
    Phys Rev Lett 88:238101 (tube force 2π√(2κσ)).

    Examples
    --------
    >>> from migrasome.scenario import Scenario
    >>> s = Scenario()
    >>> p = s.fibers
    >>> float(rupture_rate_per_min(p.break_length_um, p.break_time_min, s) * p.break_time_min)
    1.0
    >>> tense = s.with_changes(**{"membrane.tension_pN_per_um": 40.0})
    >>> bool(rupture_rate_per_min(30.0, 60.0, tense) > rupture_rate_per_min(30.0, 60.0, s))
    True
    """
    p, mb = scenario.fibers, scenario.membrane
    bell = _bell_factor(mb.kappa_kT, mb.tension_pN_per_um, p.bell_distance_nm)
    tspan = tetraspanin_level(scenario) ** p.tspan4_stabilization
    age = np.maximum(np.asarray(age_min, float), 0.0)
    length = np.maximum(np.asarray(length_um, float), 0.0)
    return (length / p.break_length_um) * (age / p.break_time_min) ** p.break_age_exponent \
        / p.break_time_min * bell / max(tspan, 1e-12)


def break_fibers(fibers, scenario, rng, t: float, dt: float) -> np.ndarray:
    """Break attached fibres at their mechanical rupture rate; detach their branches too.

    The rate is :func:`rupture_rate_per_min`, taken at the middle of the step (the RF's
    length is the one of this step; its age half a step back from ``t``).

    Parameters
    ----------
    fibers : Pool
        The fibres; ``attached`` and ``t_break_min`` are updated in place.
    scenario : Scenario
        The run's scenario (``fibers`` and ``membrane`` sections).
    rng : numpy.random.Generator
        Source of the break draws.
    t, dt : float
        Time at the end of the step and the step, min.

    Returns
    -------
    ndarray of bool, shape (n_fibers,)
        Fibres detached in this step (broken, or downstream of a break).

    References
    ----------
    Wang Y et al. 2022 (the oldest, far RF sections break first; TSPAN4 lengthens RFs).
    """
    p = scenario.fibers
    att = fibers["attached"]
    age = np.maximum(t - 0.5 * dt - fibers["t_form_min"], 0.0)  # t ends the step
    rate = rupture_rate_per_min(fibers["length_um"], age, scenario)
    broke = att & (rng.random(len(fibers)) < -np.expm1(-rate * dt))
    detached = broke.copy()
    # a break disconnects every branch downstream of it
    has_parent = fibers["parent_fiber_id"] >= 0
    prow = fibers.index_of(fibers["parent_fiber_id"])
    orphan = has_parent & (prow < 0)
    prow = np.maximum(prow, 0)
    for _ in range(p.max_depth):
        parent_gone = has_parent & (orphan | detached[prow] | ~att[prow])
        new = att & parent_gone & ~detached
        if not new.any():
            break
        detached |= new
    fibers["attached"] = att & ~detached
    fibers["t_break_min"] = np.where(detached, t, fibers["t_break_min"])
    return detached

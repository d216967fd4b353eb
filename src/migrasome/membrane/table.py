"""Precomputed swelling table over (A_p/r0², κ_p/κ_l), built by ``solve_tube``.

The simulation asks, every step and for every growing site, how large the swelling of a
domain is and whether it is stable. Solving the shape each time would cost ~0.1 s per site,
so the answers are tabulated once on a grid uniform in log(A_p/r0²) and log(κ_p/κ_l) (infinite
tube, no Gaussian-modulus jump, no line tension) and interpolated bilinearly. The table ships as
``membrane/data/swelling_table.npz``; :func:`build_swelling_table` rebuilds it.
"""

from __future__ import annotations

import os
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from .._ufuncs import clip
from .tube import solve_tube

__all__ = ["phase_diagram", "build_swelling_table", "load_swelling_table", "lookup_swelling",
           "TABLE_AREA_RANGE_R0SQ", "TABLE_KAPPA_RATIO_RANGE"]

#: Domain areas covered by the shipped table, r0² (≈ 0.04–80 µm² at r0 = 64 nm).
TABLE_AREA_RANGE_R0SQ = (10.0, 2.0e4)
#: Rigidity ratios covered by the shipped table (Huang et al. 2019 use 10).
TABLE_KAPPA_RATIO_RANGE = (1.0, 32.0)
TABLE_SHAPE = (25, 16)  # (areas, rigidity ratios)


def phase_diagram(areas_r0sq, kappa_ratios, *, progress=None, **solve_kw) -> dict:
    """Solve the tube on a grid of domain areas and rigidity ratios.

    Parameters
    ----------
    areas_r0sq : array_like, shape (n_areas,)
        Domain areas A_p, r0².
    kappa_ratios : array_like, shape (n_ratios,)
        Rigidity ratios κ_p/κ_l.
    progress : callable, optional
        Called with no argument after each solve (e.g. a progress bar's advance).
    **solve_kw
        Passed to :func:`migrasome.membrane.solve_tube` (tube, gaussian_jump, ...).

    Returns
    -------
    dict of ndarray
        ``area_r0sq`` (n_areas,) and ``kappa_ratio`` (n_ratios,); ``bulge_radius_r0`` (r0),
        ``energy_kappa`` (κ_l), ``domain_length_r0`` (r0), ``bulge_exists``, ``bulge_stable``,
        ``converged`` (bool), each of shape (n_ratios, n_areas), indexed [kappa_ratio, area].

    Examples
    --------
    >>> d = phase_diagram([600.0], [10.0], initial="bulge", n_domain=24, n_tube=12)
    >>> d["bulge_stable"].shape, bool(d["bulge_stable"][0, 0])
    ((1, 1), True)
    """
    areas = np.asarray(areas_r0sq, float)
    rhos = np.asarray(kappa_ratios, float)
    shape = (len(rhos), len(areas))
    out = {k: np.zeros(shape) for k in ("bulge_radius_r0", "energy_kappa", "domain_length_r0")}
    out.update({k: np.zeros(shape, bool) for k in ("bulge_exists", "bulge_stable", "converged")})
    for i, rho in enumerate(rhos):
        for j, a in enumerate(areas):
            sh = solve_tube(float(rho), domain_area_r0sq=float(a), **solve_kw)
            out["bulge_radius_r0"][i, j] = sh.bulge_radius_r0
            out["energy_kappa"][i, j] = sh.energy_kappa
            out["domain_length_r0"][i, j] = sh.domain_length_r0
            out["bulge_exists"][i, j] = sh.bulge_exists
            out["bulge_stable"][i, j] = sh.bulge_stable
            out["converged"][i, j] = sh.converged
            if progress is not None:
                progress()
    out["area_r0sq"], out["kappa_ratio"] = areas, rhos
    return out


def default_path() -> Path:
    """Where the shipped table lives inside the package.

    Returns
    -------
    Path
        ``migrasome/membrane/data/swelling_table.npz``.
    """
    return Path(str(resources.files("migrasome.membrane"))) / "data" / "swelling_table.npz"


def build_swelling_table(path=None, *, shape=TABLE_SHAPE, progress=None) -> Path:
    """Recompute the swelling table with ``solve_tube`` and write it (atomically).

    Takes a few minutes on one core.

    Parameters
    ----------
    path : str or Path, optional
        Where to write the ``.npz``; ``None`` overwrites the table shipped in the package.
    shape : tuple of int
        Grid size (n_areas, n_ratios), log-uniform over ``TABLE_AREA_RANGE_R0SQ`` and
        ``TABLE_KAPPA_RATIO_RANGE``.
    progress : callable, optional
        Called with no argument after each solve.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    RuntimeError
        If any grid point did not converge (nothing is written).
    """
    n_a, n_k = shape
    areas = np.geomspace(*TABLE_AREA_RANGE_R0SQ, n_a)
    rhos = np.geomspace(*TABLE_KAPPA_RATIO_RANGE, n_k)
    d = phase_diagram(areas, rhos, progress=progress, tube="infinite")
    if not d["converged"].all():
        bad = np.argwhere(~d["converged"])
        raise RuntimeError(f"{len(bad)} grid points did not converge, e.g. kappa_ratio="
                           f"{rhos[bad[0][0]]:.3g}, area_r0sq={areas[bad[0][1]]:.3g}")
    path = Path(path) if path is not None else default_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=path.parent)
    os.close(fd)
    try:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, tube="infinite", gaussian_jump=0.0, line_tension=0.0, **d)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    load_swelling_table.cache_clear()
    return path


@lru_cache(maxsize=4)
def load_swelling_table(path=None) -> dict:
    """The swelling table as a dict of arrays (cached).

    Parameters
    ----------
    path : str or Path, optional
        A table written by :func:`build_swelling_table`; ``None``: the shipped one.

    Returns
    -------
    dict of ndarray
        The arrays of :func:`phase_diagram` plus ``log_a`` (n_areas,), ``log_k`` (n_ratios,)
        and ``stable_f`` (the stable flag as float, (n_ratios, n_areas)).

    Raises
    ------
    FileNotFoundError
        If the table file is missing.
    """
    p = Path(path) if path is not None else default_path()
    if not p.exists():
        raise FileNotFoundError(f"swelling table {p.name} is missing; rebuild it with "
                                "migrasome.membrane.build_swelling_table()")
    with np.load(p) as z:
        t = {k: z[k] for k in z.files}
    t["log_a"] = np.log(t["area_r0sq"])
    t["log_k"] = np.log(t["kappa_ratio"])
    t["stable_f"] = t["bulge_stable"].astype(float)
    # both interpolated fields as rows of one array: one gather per corner for the two
    t["radius_stable_f"] = np.stack([t["bulge_radius_r0"].ravel(), t["stable_f"].ravel()])
    return t


def lookup_swelling(a_r0sq, kappa_ratio,
                    table=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bilinear interpolation of the table in (log a, log ρ); vectorised, no Python loops.

    Parameters
    ----------
    a_r0sq : array_like, shape (n_sites,)
        Domain areas A_p, r0².
    kappa_ratio : array_like, shape (n_sites,), or float
        Rigidity ratios κ_p/κ_l (a scalar takes a faster one-row path).
    table : dict, optional
        A table from :func:`load_swelling_table`; default the shipped one.

    Returns
    -------
    radius_r0 : ndarray, shape (n_sites,)
        Bulge radius, r0 (NaN outside the table).
    stable : ndarray of bool, shape (n_sites,)
        Interpolated stable flag ≥ 0.5 (False outside the table).
    inside : ndarray of bool, shape (n_sites,)
        Whether the point lies inside the table.

    Examples
    --------
    >>> r, ok, inside = lookup_swelling([100.0, 1000.0], 10.0)
    >>> r.round(1).tolist(), ok.tolist(), inside.tolist()
    ([3.2, 7.1], [True, True], [True, True])
    """
    t = load_swelling_table() if table is None else table
    la, lk = t["log_a"], t["log_k"]
    na, nk = len(la), len(lk)
    a = np.asarray(a_r0sq, float)
    k = np.asarray(kappa_ratio, float)
    if k.ndim == 0:  # one rigidity ratio for all sites: interpolate its row, then np.interp
        return _lookup_one_ratio(t, a, float(k))
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (np.log(a) - la[0]) * (1.0 / (la[1] - la[0]))
        y = (np.log(k) - lk[0]) * (1.0 / (lk[1] - lk[0])) if k.ndim else \
            np.float64((np.log(k) - lk[0]) / (lk[1] - lk[0]))
    if x.shape != y.shape:
        x, y = np.broadcast_arrays(x, y)
    tol = 1e-9
    inside = (x >= -tol) & (x <= na - 1 + tol) & (y >= -tol) & (y <= nk - 1 + tol)
    x = clip(x, 0.0, na - 1.000001)  # NaN stays NaN and is masked by ``inside``
    y = clip(y, 0.0, nk - 1.000001)
    x = np.where(np.isnan(x), 0.0, x)
    y = np.where(np.isnan(y), 0.0, y)
    j, i = x.astype(np.intp), y.astype(np.intp)
    fx, fy = x - j, y - i
    flat = (i * na + j).ravel()
    gx, gy = (1.0 - fx).ravel(), (1.0 - fy).ravel()
    fx, fy = fx.ravel(), fy.ravel()
    if "radius_stable_f" in t:
        v = t["radius_stable_f"]
    else:  # a table made without load_swelling_table
        v = np.stack([t["bulge_radius_r0"].ravel(), t["stable_f"].ravel()])
    # bilinear in both fields at once (row 0 the radius, row 1 the stable flag)
    both = ((v.take(flat, axis=1) * gx + v.take(flat + 1, axis=1) * fx) * gy
            + (v.take(flat + na, axis=1) * gx + v.take(flat + na + 1, axis=1) * fx) * fy)
    both = both.reshape((2, *inside.shape))
    radius = np.where(inside, both[0], np.nan)
    stable = inside & (both[1] >= 0.5)
    return radius, stable, inside


def _lookup_one_ratio(t, a, k):
    la, lk = t["log_a"], t["log_k"]
    yk = (np.log(k) - lk[0]) / (lk[1] - lk[0]) if k > 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.log(a)
    x = np.where(np.isfinite(x), x, la[0] - 1.0)  # NaN or zero area: outside, no swelling
    inside = (x >= la[0] - 1e-9) & (x <= la[-1] + 1e-9)
    if not (-1e-9 <= yk <= len(lk) - 1 + 1e-9):
        inside = np.zeros(a.shape, bool)
        return np.full(a.shape, np.nan), inside.copy(), inside
    i = min(int(max(yk, 0.0)), len(lk) - 2)
    fy = yk - i
    row_r = t["bulge_radius_r0"][i] * (1 - fy) + t["bulge_radius_r0"][i + 1] * fy
    row_s = t["stable_f"][i] * (1 - fy) + t["stable_f"][i + 1] * fy
    # uniform grid in log a: index by arithmetic, one gather per output (no binary search)
    step = la[1] - la[0]
    u = clip((x - la[0]) * (1.0 / step), 0.0, len(la) - 1.000001)
    j = u.astype(np.intp)
    slope_r = np.diff(row_r) / step
    radius = row_r[:-1].take(j) + slope_r.take(j) * (x - la[:-1].take(j))
    slope_s = np.diff(row_s)
    stable = inside & (row_s[:-1].take(j) + slope_s.take(j) * (u - j) >= 0.5)
    return np.where(inside, radius, np.nan), stable, inside

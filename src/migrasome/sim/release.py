"""Release and breakdown (MODEL.md §3–4): what happens to sites when their fibre goes.

Attached sites follow their fibre (a branch point moves with its junction). When a fibre
breaks, a kept swelling on it is released — left behind on the substrate — and anything
earlier is abandoned. Released migrasomes break down at a constant rate (Wu 2017: they live
≈200 min); function modules may end them earlier (rupture, uptake). Each function returns
the changed columns and leaves the pool to the engine.
"""

from __future__ import annotations

import numpy as np

from ..codes import Fate, SiteType, Stage

__all__ = ["follow_fibers", "break_down", "end_sites"]

#: Codes as plain ints: NumPy looks up its protocols on an operand's class, which for an
#: enum member runs ``EnumType.__getattr__`` in Python on every use (Python 3.11).
_Fate_ABORTED = int(Fate.ABORTED)
_Fate_BREAKDOWN = int(Fate.BREAKDOWN)
_SiteType_BRANCH = int(SiteType.BRANCH)
_Stage_ABORTED = int(Stage.ABORTED)
_Stage_GONE = int(Stage.GONE)
_Stage_RELEASED = int(Stage.RELEASED)


def follow_fibers(sites, fibers, t: float) -> dict[str, np.ndarray]:
    """Attached sites move with their fibre; sites whose fibre detached are released or abandoned.

    A kept (stabilised) swelling is released, anything earlier is abandoned; a branch point
    moves with its junction.

    Parameters
    ----------
    sites : Pool
        The sites (``migrasome.sim.state.Pool`` with ``SITE_COLUMNS``), n_sites rows.
    fibers : Pool
        The fibres (``FIBER_COLUMNS``), with their geometry of this step.
    t : float
        Time at the end of the step, min (stamped on releases).

    Returns
    -------
    dict of str to ndarray
        New ``x_um, y_um`` (µm), ``attached`` (bool), ``t_release_min`` (min) and ``stage``
        (:class:`~migrasome.codes.Stage`) of every site, each of shape (n_sites,); empty when
        there are no sites.

    Examples
    --------
    >>> from migrasome.codes import SiteType, Stage
    >>> from migrasome.sim.biogenesis import SITE_COLUMNS
    >>> from migrasome.sim.fibers import FIBER_COLUMNS
    >>> from migrasome.sim.state import Pool
    >>> fibers = Pool("fiber_id", FIBER_COLUMNS)
    >>> _ = fibers.append(2, attached=[True, False])  # fibre 1 has broken
    >>> sites = Pool("site_id", SITE_COLUMNS)
    >>> _ = sites.append(2, fiber_id=[0, 1], attached=True, stabilized=[False, True],
    ...                  stage=Stage.FULL, site_type=SiteType.TIP)
    >>> ch = follow_fibers(sites, fibers, t=30.0)
    >>> ch["attached"].tolist(), [Stage(s).name for s in ch["stage"]], ch["t_release_min"].tolist()
    ([True, False], ['FULL', 'RELEASED'], [nan, 30.0])
    """
    if len(sites) == 0:
        return {}
    rows = fibers.index_of(sites["fiber_id"])
    r = np.maximum(rows, 0)
    on = (rows >= 0) & fibers["attached"][r]
    was = sites["attached"]
    lost = was & ~on
    br = on & (sites["site_type"] == _SiteType_BRANCH)
    kept = lost & sites["stabilized"]
    stage = sites["stage"].copy()
    stage[kept] = _Stage_RELEASED
    stage[lost & ~kept] = _Stage_ABORTED
    return {
        "x_um": np.where(br, fibers["x1_um"][r], sites["x_um"]),
        "y_um": np.where(br, fibers["y1_um"][r], sites["y_um"]),
        "attached": was & on,
        "t_release_min": np.where(kept, t, sites["t_release_min"]),
        "stage": stage,
    }


def break_down(sites, degradation_time_min: float, rng: np.random.Generator, t: float,
               dt: float) -> dict[str, np.ndarray]:
    """Released migrasomes break down with probability ``dt / degradation_time_min``.

    Parameters
    ----------
    sites : Pool
        The sites, n_sites rows.
    degradation_time_min : float
        Mean time from release to breakdown, min.
    rng : numpy.random.Generator
        Source of randomness (one uniform draw per site).
    t, dt : float
        End of the step and its length, min.

    Returns
    -------
    dict of str to ndarray
        New ``t_breakdown_min`` (min) and ``fate`` (:class:`~migrasome.codes.Fate`) of every
        site, each of shape (n_sites,).

    References
    ----------
    Wu D et al. 2017 J Cell Biol (released migrasomes live ≈200 min).

    Examples
    --------
    >>> import numpy as np
    >>> from migrasome.codes import Fate, Stage
    >>> from migrasome.sim.biogenesis import SITE_COLUMNS
    >>> from migrasome.sim.state import Pool
    >>> sites = Pool("site_id", SITE_COLUMNS)
    >>> _ = sites.append(2, stage=[Stage.FULL, Stage.RELEASED])
    >>> ch = break_down(sites, 200.0, np.random.default_rng(0), t=100.0, dt=400.0)  # p ≥ 1
    >>> ch["t_breakdown_min"].tolist(), [Fate(f).name for f in ch["fate"]]
    ([nan, 100.0], ['PRESENT', 'BREAKDOWN'])
    """
    rel = sites["stage"] == _Stage_RELEASED
    gone = rel & (rng.random(len(sites)) < dt / degradation_time_min)
    return {"t_breakdown_min": np.where(gone, t, sites["t_breakdown_min"]),
            "fate": np.where(gone, _Fate_BREAKDOWN, sites["fate"])}


def end_sites(sites) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Sites that ended in this step (broke down, ruptured, were taken up, or aborted).

    Parameters
    ----------
    sites : Pool
        The sites, n_sites rows.

    Returns
    -------
    changes : dict of str to ndarray
        Final ``stage`` and ``fate`` of every site, each of shape (n_sites,).
    ended : ndarray of bool, shape (n_sites,)
        Which sites to retire.

    Examples
    --------
    >>> from migrasome.codes import Stage
    >>> from migrasome.sim.biogenesis import SITE_COLUMNS
    >>> from migrasome.sim.state import Pool
    >>> sites = Pool("site_id", SITE_COLUMNS)
    >>> _ = sites.append(3, stage=[Stage.FULL, Stage.RELEASED, Stage.ABORTED],
    ...                  t_breakdown_min=[float("nan"), 100.0, float("nan")])
    >>> changes, ended = end_sites(sites)
    >>> [Stage(s).name for s in changes["stage"]], ended.tolist()
    (['FULL', 'GONE', 'ABORTED'], [False, True, True])
    """
    gone = np.isfinite(sites["t_breakdown_min"])
    stage = np.where(gone, _Stage_GONE, sites["stage"])
    aborted = stage == _Stage_ABORTED
    return ({"stage": stage, "fate": np.where(aborted, _Fate_ABORTED, sites["fate"])},
            gone | aborted)

"""Swelling of a stiff domain on a membrane tube: the simulation's interface.

``swelling_diameter_um`` interpolates the table that the axisymmetric solver precomputes
(:mod:`migrasome.membrane.table`) and falls back to the closed form
(:mod:`migrasome.membrane.physics`) outside the table's range.
"""

from __future__ import annotations

import numpy as np

from .physics import swelling_diameter_closed_form_um, tube_radius_um
from .table import lookup_swelling

__all__ = ["swelling_diameter_um"]


def swelling_diameter_um(domain_area_um2, *, kappa_ratio, kappa_kT: float = 20.0,
                         tension_pN_per_um: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """Diameter of the swelling that a stiff domain makes on a tube, and whether it is stable.

    Interpolates the solver's table over (A_p/r0², κ_p/κ_l) (infinite tube, no Gaussian
    jump or line tension; see :mod:`migrasome.membrane.table`). Outside the table's range
    (A_p/r0² outside [10, 2e4] or κ_p/κ_l outside [1, 32]) it falls back to the closed form
    :func:`~migrasome.membrane.physics.swelling_diameter_closed_form_um`. Vectorised: one
    call for all sites.

    Parameters
    ----------
    domain_area_um2 : array_like, shape (n_sites,)
        Area of the tetraspanin macrodomain (TEMA) at each site, µm².
    kappa_ratio : array_like, shape (n_sites,), or float
        Bending rigidity of the domain over that of the RF membrane (κ_p/κ_l).
    kappa_kT : float
        Bending rigidity of the RF membrane, kT.
    tension_pN_per_um : float
        Membrane tension, pN/µm.

    Returns
    -------
    diameter_um : ndarray, shape (n_sites,)
        Bulge diameter (twice its widest radius) where a bulge is stable, else the tube
        diameter 2 r0, µm.
    stable : ndarray of bool, shape (n_sites,)
        Whether the domain swells.

    References
    ----------
    Huang Y et al. 2019 Nat Cell Biol (tetraspanin-enriched macrodomains swell RFs).

    Examples
    --------
    >>> d, ok = swelling_diameter_um([0.5, 2.0], kappa_ratio=10.0)
    >>> d.round(2).tolist(), ok.tolist()
    ([0.43, 0.64], [True, True])
    """
    area = np.asarray(domain_area_um2, dtype=float)
    r0 = tube_radius_um(kappa_kT=kappa_kT, tension_pN_per_um=tension_pN_per_um)
    a = np.maximum(area, 0.0) / r0**2
    radius, stable, inside = lookup_swelling(a, kappa_ratio)
    diameter = np.where(stable, 2.0 * r0 * radius, 2.0 * r0)
    out = ~inside
    if out.any():
        rho = np.broadcast_to(np.asarray(kappa_ratio, float), diameter.shape)[out]
        area_out = np.broadcast_to(area, diameter.shape)[out]
        d_cf, s_cf = swelling_diameter_closed_form_um(area_out, kappa_ratio=rho,
                                                      kappa_kT=kappa_kT,
                                                      tension_pN_per_um=tension_pN_per_um)
        diameter[out] = d_cf
        stable[out] = s_cf
    return diameter, stable

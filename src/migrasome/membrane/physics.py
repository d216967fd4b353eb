"""Constants and closed forms of membrane tubes: the bottom layer of ``migrasome.membrane``.

The tube's radius and force, and the closed-form swelling estimate that the solver's table
(:mod:`migrasome.membrane.table`) replaces inside its range and falls back to outside it.

Closed-form approximation (sphere against a thin cylinder).

A tube pulled at its equilibrium force f = 2π√(2κσ) has radius r0 = √(κ/2σ) and zero
energy per unit length once the work of the force is counted. Turning the stretch of tube
that holds a domain of area A (rigidity κ_p = ρ κ) into a sphere of the same area changes
the energy, in units of κ and r0 with a = A/r0², by

    ΔE/κ = 8πρ − 4π √(a/4π) + a (1 − ρ/2)

(sphere bending 8πκ_p; the sphere shortens the tube by 2R less than the stretch it
replaces; the stretch's own bending a ρ/2 and the tube's force-work a are given back).
For ρ > 2 a large enough domain swells (ΔE < 0) into a sphere of radius √(A/4π); below
that the domain stays a tube. Necks and Gaussian-modulus terms are left out here; the full
axisymmetric solver treats them.
"""

from __future__ import annotations

import numpy as np

#: Thermal energy in pN·µm (4.1 pN·nm) at 25–37 °C.
KT_PN_UM = 4.1e-3

__all__ = ["swelling_diameter_closed_form_um", "swelling_energy_closed_form",
           "tube_radius_um", "tube_force_pN", "KT_PN_UM"]


def tube_radius_um(*, kappa_kT: float, tension_pN_per_um: float) -> float:
    """Equilibrium radius r0 = √(κ/2σ) of a pulled membrane tube.

    Parameters
    ----------
    kappa_kT : float
        Bending rigidity κ of the membrane, kT (> 0).
    tension_pN_per_um : float
        Membrane tension σ, pN/µm (> 0).

    Returns
    -------
    float
        Tube radius r0, µm.

    Raises
    ------
    ValueError
        If either argument is not positive.

    References
    ----------
    Derényi I, Jülicher F, Prost J 2002 Phys Rev Lett (formation of membrane tubes).

    Examples
    --------
    >>> round(tube_radius_um(kappa_kT=20.0, tension_pN_per_um=10.0), 4)
    0.064
    """
    if kappa_kT <= 0 or tension_pN_per_um <= 0:
        raise ValueError(
            f"kappa_kT={kappa_kT} and tension_pN_per_um={tension_pN_per_um} must be > 0"
        )
    return float(np.sqrt(kappa_kT * KT_PN_UM / (2.0 * tension_pN_per_um)))


def tube_force_pN(*, kappa_kT: float, tension_pN_per_um: float) -> float:
    """Axial force f = 2π√(2κσ) that holds a tube at its equilibrium radius.

    Parameters
    ----------
    kappa_kT : float
        Bending rigidity κ of the membrane, kT.
    tension_pN_per_um : float
        Membrane tension σ, pN/µm.

    Returns
    -------
    float
        Axial force f, pN.

    Examples
    --------
    >>> round(tube_force_pN(kappa_kT=20.0, tension_pN_per_um=10.0), 2)
    8.05
    """
    return float(2 * np.pi * np.sqrt(2.0 * kappa_kT * KT_PN_UM * tension_pN_per_um))


def swelling_energy_closed_form(a, kappa_ratio) -> np.ndarray:
    """Closed-form energy change ΔE/κ of swelling a domain into a sphere (negative: a bulge wins).

    Parameters
    ----------
    a : array_like
        Domain area A_p in units of r0² (a = A_p/r0²).
    kappa_ratio : array_like
        Rigidity ratio ρ = κ_p/κ_l, domain over tube; broadcast against ``a``.

    Returns
    -------
    ndarray
        ΔE/κ_l, dimensionless, with the broadcast shape of ``a`` and ``kappa_ratio``
        (see the module docstring for the formula).

    Examples
    --------
    >>> bool(swelling_energy_closed_form(600.0, 10.0) < 0)
    True
    """
    a = np.asarray(a, dtype=float)
    rho = np.asarray(kappa_ratio, dtype=float)
    return 8 * np.pi * rho - 4 * np.pi * np.sqrt(a / (4 * np.pi)) + a * (1 - rho / 2)


def swelling_diameter_closed_form_um(domain_area_um2, *, kappa_ratio, kappa_kT: float = 20.0,
                                     tension_pN_per_um: float = 10.0
                                     ) -> tuple[np.ndarray, np.ndarray]:
    """The closed-form estimate: a sphere of the domain's area where ΔE < 0, else the tube.

    Parameters
    ----------
    domain_area_um2 : array_like, shape (n_sites,)
        Area A_p of each domain, µm² (negative values are treated as 0).
    kappa_ratio : array_like or float
        Rigidity ratio κ_p/κ_l, domain over tube, broadcast against ``domain_area_um2``.
    kappa_kT : float
        Bending rigidity κ_l of the tube membrane, kT.
    tension_pN_per_um : float
        Membrane tension σ, pN/µm.

    Returns
    -------
    diameter_um : ndarray, shape (n_sites,)
        √(A_p/π) (the diameter of a sphere of area A_p) where swelling is favoured, else the
        tube diameter 2 r0, µm.
    stable : ndarray of bool, shape (n_sites,)
        Whether swelling is favoured (ΔE < 0).

    Examples
    --------
    >>> d, ok = swelling_diameter_closed_form_um([0.5, 2.0], kappa_ratio=10.0)
    >>> d.round(2).tolist(), ok.tolist()
    ([0.4, 0.8], [True, True])
    """
    area = np.asarray(domain_area_um2, dtype=float)
    r0 = tube_radius_um(kappa_kT=kappa_kT, tension_pN_per_um=tension_pN_per_um)
    a = np.maximum(area, 0.0) / r0**2
    stable = swelling_energy_closed_form(a, kappa_ratio) < 0
    diameter = np.where(stable, np.sqrt(np.maximum(area, 0.0) / np.pi), 2 * r0)
    return diameter, stable

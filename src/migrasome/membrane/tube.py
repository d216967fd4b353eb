"""``solve_tube``: the equilibrium shape of a membrane tube that carries a stiff domain.

Model (MODEL.md §7): E = ∫[(κ/2)(2H)² + σ] dA + Δκ̄ ∫_domain K dA + λ·(boundary length) − f·L,
with κ = κ_p on a domain of fixed area A_p and κ = κ_l elsewhere. Lengths are reported in
r0 = √(κ_l/2σ) and energies in κ_l; with ``kappa_kT`` and ``tension_pN_per_um`` the same
numbers are also given in µm, kT and pN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .discrete import geometry, make_mesh
from .physics import KT_PN_UM, tube_radius_um
from .solver import initial_psi, relax

__all__ = ["TubeShape", "solve_tube", "MAX_DOMAIN_AREA_R0SQ", "BULGE_THRESHOLD"]

#: Largest domain area the solver accepts on an infinite tube, r0² (a sphere of radius ≈ 90 r0,
#: ≈ 11 µm across at r0 = 64 nm; beyond that the default mesh is too coarse). assumed.
MAX_DOMAIN_AREA_R0SQ = 1.0e5
#: A shape counts as a bulge when its widest radius exceeds the far tube radius by this
#: factor. assumed: a definition, chosen well above the ≤ 1 % ripples of a plain tube.
BULGE_THRESHOLD = 1.5
#: Arc length of tube kept on each side of the domain of an "infinite" tube, r0. Tube
#: perturbations decay within a few r0; 20 r0 changes energies by < 0.01 % against 40 r0.
INFINITE_TUBE_ARC_R0 = 20.0


@dataclass
class TubeShape:
    """Equilibrium of a tube with a domain. Lengths in r0, energies in κ_l, forces in κ_l/r0.

    Built by :func:`solve_tube`; the properties ending in ``_um``, ``_kT`` and ``_pN`` give the
    physical forms (they need the shape solved with ``kappa_kT`` and ``tension_pN_per_um``).

    Parameters
    ----------
    s_r0, r_r0, z_r0, psi : ndarray, shape (n_nodes,)
        The full meridian (both halves) by arc length: arc length, radius, axial position
        (r0) and tangent angle (rad).
    in_domain : ndarray of bool, shape (n_nodes,)
        Which meridian nodes belong to the stiff domain.
    energy_kappa : float
        Total energy relative to a plain tube under the same force (0 for no domain), κ_l.
    energy_parts_kappa : dict
        ``bending``, ``tension``, ``gaussian``, ``line``, ``force_work`` (κ_l; they sum to the
        total).
    bulge_radius_r0, domain_length_r0, far_radius_r0 : float
        Widest radius, length of the domain along the axis, radius of the tube far from (or
        at the ends of) the domain, r0.
    axial_force : float
        The axial force that holds the tube, κ_l/r0.
    bulge_exists : bool
        A converged equilibrium with a bulge (widest radius ≥ ``BULGE_THRESHOLD`` × far
        radius) was found.
    bulge_stable : bool
        The lowest-energy equilibrium found (from a tube-like and a bulge-like start) is a bulge.
    converged : bool
        The relaxation converged and the meridian is resolved; if False do not use the shape.
    message : str
        The solver's reason to stop, and any resolution warning.
    tube : str
        ``"infinite"`` (pulled at the force f0 = 2π√(2κσ), far end free) or ``"finite"``
        (fixed length ``tube_length_r0``, both ends held at radius r0).
    tube_length_r0 : float or None
        Total length of a finite tube, r0 (``None`` for an infinite tube).
    kappa_ratio : float
        Rigidity ratio κ_p/κ_l.
    domain_area_r0sq : float
        Domain area A_p, r0².
    gaussian_jump : float
        Δκ̄/κ_l.
    line_tension : float
        Line tension of the domain boundary, κ_l/r0.
    n_iter : int
        Minimiser iterations of the kept relaxation.
    energy_trace_kappa : list of float
        Objective after each accepted relaxation step (never increasing within a run), κ_l.
    r0_um : float or None
        The tube radius r0 in µm, for the physical forms.
    kappa_kT : float or None
        Bending rigidity κ_l in kT, for the physical forms.
    """

    s_r0: np.ndarray
    r_r0: np.ndarray
    z_r0: np.ndarray
    psi: np.ndarray
    in_domain: np.ndarray
    energy_kappa: float
    energy_parts_kappa: dict
    bulge_radius_r0: float
    domain_length_r0: float
    far_radius_r0: float
    axial_force: float
    bulge_exists: bool
    bulge_stable: bool
    converged: bool
    message: str
    tube: str
    tube_length_r0: float | None
    kappa_ratio: float
    domain_area_r0sq: float
    gaussian_jump: float
    line_tension: float
    n_iter: int
    energy_trace_kappa: list = field(default_factory=list, repr=False)
    r0_um: float | None = None
    kappa_kT: float | None = None

    # physical forms --------------------------------------------------------------------
    def _need_units(self) -> tuple[float, float]:
        if self.r0_um is None or self.kappa_kT is None:
            raise ValueError("this shape was solved in dimensionless form; pass kappa_kT and "
                             "tension_pN_per_um to solve_tube for physical units")
        return self.r0_um, self.kappa_kT

    @property
    def bulge_radius_um(self) -> float:
        """Widest radius of the shape, µm.

        Raises
        ------
        ValueError
            If the shape was solved in dimensionless form only.
        """
        return self.bulge_radius_r0 * self._need_units()[0]

    @property
    def domain_length_um(self) -> float:
        """Length of the domain along the axis, µm.

        Raises
        ------
        ValueError
            If the shape was solved in dimensionless form only.
        """
        return self.domain_length_r0 * self._need_units()[0]

    @property
    def far_radius_um(self) -> float:
        """Radius of the tube far from the domain, µm.

        Raises
        ------
        ValueError
            If the shape was solved in dimensionless form only.
        """
        return self.far_radius_r0 * self._need_units()[0]

    @property
    def energy_kT(self) -> float:
        """Energy relative to a plain tube, kT.

        Raises
        ------
        ValueError
            If the shape was solved in dimensionless form only.
        """
        return self.energy_kappa * self._need_units()[1]

    @property
    def axial_force_pN(self) -> float:
        """Axial force that holds the tube, pN.

        Raises
        ------
        ValueError
            If the shape was solved in dimensionless form only.
        """
        r0, kappa = self._need_units()
        return self.axial_force * kappa * KT_PN_UM / r0


def _check(name, value, lo=None, hi=None, lo_open=True):
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}={value!r} is not a number") from None
    bad = not np.isfinite(v) or (lo is not None and (v <= lo if lo_open else v < lo)) \
        or (hi is not None and v > hi)
    if bad:
        rng = f"{'>' if lo_open else '≥'} {lo}" if lo is not None else "finite"
        if hi is not None:
            rng += f" and ≤ {hi:g}"
        raise ValueError(f"{name}={value!r} is out of range: must be {rng}")
    return v


def solve_tube(kappa_ratio: float = 10.0, *, domain_area_r0sq: float | None = None,
               domain_area_um2: float | None = None, kappa_kT: float = 20.0,
               tension_pN_per_um: float = 10.0, gaussian_jump: float = 0.0,
               line_tension: float = 0.0, line_tension_pN: float | None = None,
               tube: str = "infinite", tube_length_r0: float = 80.0,
               n_domain: int | None = None, n_tube: int = 36, initial: str = "auto",
               max_iter: int = 20000) -> TubeShape:
    """Equilibrium meridian of a tube carrying a stiff domain, its energy and its bulge.

    Parameters
    ----------
    kappa_ratio : float
        Rigidity ratio κ_p/κ_l, domain over tube (Huang et al. 2019 use 10). In (0, 1e4].
    domain_area_r0sq, domain_area_um2 : float
        Domain area A_p, in r0² or in µm² (give exactly one).
    kappa_kT : float
        Bending rigidity κ_l in kT; with ``tension_pN_per_um`` it sets r0 = √(κ_l/2σ) for
        the physical forms. Default 20 kT (assumed: typical lipid bilayer; with 10 pN/µm it
        gives r0 ≈ 64 nm, the ≈ 60 nm radius of retraction fibres, Huang et al. 2019).
    tension_pN_per_um : float
        Membrane tension σ, pN/µm. Default 10 (assumed, see ``kappa_kT``).
    gaussian_jump : float
        Δκ̄/κ_l = (κ̄_p − κ̄_l)/κ_l. Default 0 (assumed: not measured; κ̄ ≈ −κ per phase
        would give −(kappa_ratio − 1)). Enters as −2πΔκ̄ Σ sin ψ at the two boundaries.
    line_tension, line_tension_pN : float
        Line tension of the domain boundary, in κ_l/r0 or in pN (give at most one). Default 0.
    tube : {"infinite", "finite"}
        Infinite: pulled at f0 = 2π√(2κ_lσ), far ends free. Finite: fixed length
        ``tube_length_r0`` with both ends held at radius r0 (the published set-up).
    tube_length_r0 : float
        Total length of a finite tube, r0 (assumed default 80).
    n_domain, n_tube : int
        Nodes on half the domain and on one tube side. ``n_domain=None`` picks
        max(48, S/2) for an estimated half arc length S (r0) of the domain, capped at 400.
    initial : {"auto", "tube", "bulge"}
        Starting shape; ``auto`` relaxes from both and keeps the lower-energy equilibrium.
    max_iter : int
        Iteration limit of each relaxation.

    Returns
    -------
    TubeShape
        The lowest-energy converged equilibrium found.

    Raises
    ------
    ValueError
        Non-positive rigidity, tension or area, a domain too large for the tube, an unknown
        option. A relaxation that does not converge is reported as ``converged=False``.
    RuntimeError
        If no relaxation reached a feasible shape.

    References
    ----------
    Huang Y et al. 2019 Nat Cell Biol (tetraspanin-enriched macrodomains and the swelling of
    retraction fibres; the κ_p/κ_l ≈ 10 model).

    Examples
    --------
    >>> shape = solve_tube(10.0, domain_area_r0sq=600.0, initial="bulge", n_domain=24,
    ...                    n_tube=12)
    >>> shape.converged, shape.bulge_stable, round(shape.bulge_radius_r0, 1)
    (True, True, 5.5)
    >>> round(shape.bulge_radius_um, 2)
    0.35
    """
    rho = _check("kappa_ratio", kappa_ratio, 0.0, 1e4)
    kt = _check("kappa_kT", kappa_kT, 0.0)
    sig = _check("tension_pN_per_um", tension_pN_per_um, 0.0)
    r0 = tube_radius_um(kappa_kT=kt, tension_pN_per_um=sig)
    if (domain_area_r0sq is None) == (domain_area_um2 is None):
        raise ValueError("give exactly one of domain_area_r0sq and domain_area_um2")
    if domain_area_r0sq is not None:
        a = _check("domain_area_r0sq", domain_area_r0sq, 0.0, MAX_DOMAIN_AREA_R0SQ)
    else:
        a = _check("domain_area_um2", domain_area_um2, 0.0, MAX_DOMAIN_AREA_R0SQ * r0**2) / r0**2
    dkb = _check("gaussian_jump", gaussian_jump)
    if line_tension_pN is not None:
        lam = _check("line_tension_pN", line_tension_pN, 0.0, lo_open=False) * r0 / (kt * KT_PN_UM)
    else:
        lam = _check("line_tension", line_tension, 0.0, lo_open=False)
    if tube not in ("infinite", "finite"):
        raise ValueError(f"tube={tube!r}: must be 'infinite' or 'finite'")
    if initial not in ("auto", "tube", "bulge"):
        raise ValueError(f"initial={initial!r}: must be 'auto', 'tube' or 'bulge'")
    length = None
    if tube == "finite":
        length = _check("tube_length_r0", tube_length_r0, 0.0)
        need = np.sqrt(a / np.pi) + 8.0
        if length < need:
            raise ValueError(
                f"domain_area_r0sq={a:.4g} is larger than a finite tube of length {length:g} r0 "
                f"can hold: tube_length_r0 must be ≥ {need:.4g} (sphere diameter + 8 r0)")
    if n_domain is None:
        r_est = max(1.0, min(rho, np.sqrt(a / (4.0 * np.pi))))
        n_domain = int(min(400, max(48, a / (4.0 * np.pi * r_est) / 2.0)))
    mesh = make_mesh(int(n_domain), int(n_tube))
    s_tube = INFINITE_TUBE_ARC_R0 if length is None else 0.5 * length - 0.25 * np.sqrt(a)
    kinds = ["tube", "bulge"] if initial == "auto" else [initial]
    runs = []
    for kind in kinds:
        rel = relax(mesh, area=a, kappa_ratio=rho, gauss_jump=dkb, line_tension=lam,
                    tube_length=length, s_tube=s_tube, psi0=initial_psi(mesh, a, s_tube, kind),
                    max_iter=max_iter)
        runs.append(_shape(rel, mesh, a))
    ok = [r for r in runs if r[0]["converged"]] or runs
    best = min(ok, key=lambda r: r[0]["energy"])
    conv_runs = [r for r in runs if r[0]["converged"]]
    exists = any(r[0]["bulge"] for r in conv_runs)
    stable = bool(best[0]["converged"] and best[0]["bulge"])
    info, rel, g = best
    if g is None:
        raise RuntimeError(f"no feasible equilibrium found: {info['message']}")
    n = mesh.n_domain
    def mirror(x, sgn=1):
        return np.concatenate([x[:0:-1] if sgn == 1 else -x[:0:-1], x])

    in_dom = np.zeros(len(g.s), bool)
    in_dom[: n + 1] = True
    parts = {k: float(rel.parts[k]) for k in ("bending", "tension", "gaussian", "line",
                                               "force_work")}
    return TubeShape(
        s_r0=mirror(g.s, -1.0), r_r0=mirror(g.r), z_r0=mirror(g.z, -1.0),
        psi=mirror(g.psi, -1.0), in_domain=mirror(in_dom), energy_kappa=float(rel.energy),
        energy_parts_kappa=parts, bulge_radius_r0=float(g.r.max()),
        domain_length_r0=float(2.0 * g.z[n]),
        far_radius_r0=float(rel.r_end), axial_force=float(rel.axial_force),
        bulge_exists=bool(exists), bulge_stable=stable, converged=bool(info["converged"]),
        message=info["message"], tube=tube, tube_length_r0=length, kappa_ratio=rho,
        domain_area_r0sq=a, gaussian_jump=dkb, line_tension=lam, n_iter=rel.n_iter,
        energy_trace_kappa=list(rel.trace), r0_um=r0, kappa_kT=kt)


def _shape(rel, mesh, area):
    """Geometry of a relaxation plus its quality checks."""
    info = dict(energy=rel.energy, converged=rel.converged, message=rel.message, bulge=False)
    try:
        g = geometry(rel.psi, rel.r_end, rel.s_tube, mesh, area=area)
    except ValueError as exc:
        info.update(converged=False, message=str(exc), energy=np.inf)
        return info, rel, None
    jump = float(np.max(np.abs(np.diff(g.psi))))
    if jump > 1.0:  # the meridian turns by > 1 rad between nodes: not resolved
        info.update(converged=False, message=f"{rel.message}; meridian under-resolved "
                                             f"(angle step {jump:.2f} rad), refine the mesh")
    info["bulge"] = bool(g.r.max() >= BULGE_THRESHOLD * rel.r_end)
    return info, rel, g


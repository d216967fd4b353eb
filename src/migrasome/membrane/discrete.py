"""Discrete Helfrich energy of an axisymmetric tube carrying a domain, with its exact gradient.

The meridian is described by its tangent angle ψ(s) against the tube axis, as a function of
arc length s measured from the bulge's equator (the mirror plane z = 0); only the half shape
s ≥ 0 is represented, the other half is its mirror image. With dr/ds = sin ψ and
dz/ds = cos ψ, the principal curvatures are −ψ' (meridian) and cos ψ / r (parallel), so
2H = cos ψ / r − ψ'.

Lengths are in r0 = √(κ_l/2σ) and energies in κ_l, so the tension is σ = 1/2 and the force
that holds a plain tube at r0 is f0 = 2π. The half meridian has two parts on fixed reference
meshes: the domain (u ∈ [0, 1], arc length S_d u) and the tube (v ∈ [0, 1], arc length
S_t v). ψ is piecewise linear between nodes; each segment's energy uses the midpoint rule,
and r is integrated from the far end of the tube (radius r_end) inwards with the midpoint rule.
The domain's arc length S_d is not free: it is the root of the (quadratic) equation that
makes the discrete domain area exactly A_p, so the area constraint is exact at every step.

Everything in this module is vectorised over nodes; the gradient is written out by hand
(reverse mode) and checked against finite differences in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Mesh", "make_mesh", "Geometry", "energy_and_gradient", "geometry",
           "bending_energy_meridian", "F0"]

#: Axial force that holds a plain tube at its equilibrium radius, in κ_l/r0 (= 2π√(2κσ)).
F0 = 2.0 * np.pi


@dataclass(frozen=True)
class Mesh:
    """Reference nodes of the half meridian: domain u ∈ [0, 1], tube v ∈ [0, 1].

    Parameters
    ----------
    u : ndarray, shape (n_domain + 1,)
        Domain nodes, 0 (equator) … 1 (domain boundary), dimensionless.
    v : ndarray, shape (n_tube + 1,)
        Tube nodes, 0 (domain boundary) … 1 (far end), dimensionless.
    """

    u: np.ndarray  # domain nodes, 0 (equator) … 1 (domain boundary)
    v: np.ndarray  # tube nodes, 0 (domain boundary) … 1 (far end)

    @property
    def n_domain(self) -> int:
        """Number of segments on the domain."""
        return len(self.u) - 1

    @property
    def n_tube(self) -> int:
        """Number of segments on the tube."""
        return len(self.v) - 1

    @property
    def n_seg(self) -> int:
        """Number of segments of the half meridian (domain + tube)."""
        return self.n_domain + self.n_tube


def make_mesh(n_domain: int = 80, n_tube: int = 60) -> Mesh:
    """Nodes graded towards the domain boundary, where the neck and its curvature sit.

    The domain uses u = (t + sin(πt/2))/2 (spacing at the boundary ≈ ½ the mean), the tube
    v = 1 − cos(πt/2) blended with uniform spacing (fine at the boundary, coarse far out).

    Parameters
    ----------
    n_domain : int
        Segments on the domain (≥ 4).
    n_tube : int
        Segments on the tube (≥ 4).

    Returns
    -------
    Mesh
        The domain and tube nodes.

    Raises
    ------
    ValueError
        If either count is below 4.

    Examples
    --------
    >>> m = make_mesh(8, 6)
    >>> m.n_seg, float(m.u[-1]), float(m.v[-1])
    (14, 1.0, 1.0)
    """
    if n_domain < 4 or n_tube < 4:
        raise ValueError(f"n_domain={n_domain} and n_tube={n_tube} must both be ≥ 4")
    t = np.linspace(0.0, 1.0, n_domain + 1)
    u = 0.5 * t + 0.5 * np.sin(0.5 * np.pi * t)
    t = np.linspace(0.0, 1.0, n_tube + 1)
    v = 0.25 * t + 0.75 * (1.0 - np.cos(0.5 * np.pi * t))
    u[-1] = v[-1] = 1.0
    return Mesh(u=u, v=v)


@dataclass
class Geometry:
    """Nodal shape of a half meridian (from the equator outwards) in units of r0.

    Parameters
    ----------
    s : ndarray, shape (n_seg + 1,)
        Arc length from the equator, r0.
    r : ndarray, shape (n_seg + 1,)
        Radius, r0.
    z : ndarray, shape (n_seg + 1,)
        Axial position, r0 (0 at the equator).
    psi : ndarray, shape (n_seg + 1,)
        Tangent angle against the axis, rad.
    s_domain : float
        Arc length of the domain part, r0.
    s_tube : float
        Arc length of the tube part, r0.
    """

    s: np.ndarray
    r: np.ndarray
    z: np.ndarray
    psi: np.ndarray
    s_domain: float
    s_tube: float


def _forward(psi, r_end, s_tube, mesh: Mesh, alpha):
    """Shared forward pass: segment lengths, midpoint radii, S_d. Returns a dict or None."""
    nd = mesh.n_domain
    du, dv = np.diff(mesh.u), np.diff(mesh.v)
    psim = 0.5 * (psi[:-1] + psi[1:])
    sm, cm = np.sin(psim), np.cos(psim)
    ts = np.dot(dv, sm[nd:])
    r_b = r_end - s_tube * ts
    um = 0.5 * (mesh.u[:-1] + mesh.u[1:])
    p = np.dot(du * um, sm[:nd])
    disc = r_b * r_b - 4.0 * p * alpha
    if disc <= 0.0 or r_b <= 0.0 or s_tube <= 0.0:
        return None
    d = np.sqrt(disc)
    s_dom = 2.0 * alpha / (r_b + d)
    h = np.concatenate([s_dom * du, s_tube * dv])
    q = h * sm
    # rm_j = r_end − Σ_{k>j} q_k − q_j/2
    tail = np.cumsum(q[::-1])[::-1]  # Σ_{k≥j} q_k
    rm = r_end - tail + 0.5 * q
    if rm.min() <= 1e-6:
        return None
    return dict(du=du, dv=dv, psim=psim, sm=sm, cm=cm, ts=ts, r_b=r_b, um=um, p=p, d=d,
                s_dom=s_dom, h=h, q=q, rm=rm, tail=tail)


def energy_and_gradient(psi, r_end, s_tube, mesh: Mesh, *, area, kappa, gauss_jump=0.0,
                        line_tension=0.0, force=F0, z_target=None, mult=0.0, penalty=0.0,
                        parts=False):
    """Energy of the full (two-sided) shape and its gradient.

    Parameters
    ----------
    psi : ndarray, shape (n_seg + 1,)
        Tangent angle at the nodes, rad, equator first.
    r_end : float
        Radius at the far end of the tube, r0.
    s_tube : float
        Arc length of the tube part of the half meridian, r0.
    mesh : Mesh
        Reference nodes (``mesh.n_seg`` segments).
    area : float
        Domain area A_p of the full shape, r0².
    kappa : tuple(float, float)
        Bending rigidities (domain, tube) in κ_l.
    gauss_jump : float
        Δκ̄ = κ̄_p − κ̄_l in κ_l.
    line_tension : float
        Line tension of the domain boundary, κ_l/r0.
    force : float
        Axial force whose work −f·L is counted, κ_l/r0.
    z_target, mult, penalty : float
        Fixed-length mode: augmented-Lagrangian term mult·(L − L*) + penalty/2·(L − L*)²
        on the full length L (= 2 z_end), with L* = 2 z_target (r0; ``None``: off).
    parts : bool
        Return a dict of energy parts instead of the gradient.

    Returns
    -------
    energy : float
        Energy in κ_l; ``inf`` for an infeasible shape (non-positive radius, no domain arc
        length).
    grad : tuple (g_psi, g_r_end, g_s_tube) or dict
        ``g_psi`` ndarray, shape (n_seg + 1,), and two floats: the gradient of ``energy``. With
        ``parts=True`` a dict ``bending, tension, force_work, gaussian, line`` (κ_l),
        ``length`` (L, r0), ``r_b`` (radius at the domain boundary, r0), ``s_domain`` (r0).

    Examples
    --------
    >>> import numpy as np
    >>> m = make_mesh(8, 8)
    >>> e, (g_psi, g_r, g_s) = energy_and_gradient(np.zeros(m.n_seg + 1), 1.0, 20.0, m,
    ...                                            area=50.0, kappa=(10.0, 1.0))
    >>> bool(np.isfinite(e)), g_psi.shape
    (True, (17,))
    """
    alpha = area / (4.0 * np.pi)
    f = _forward(psi, r_end, s_tube, mesh, alpha)
    if f is None:
        if parts:
            return np.inf, {}
        return np.inf, (np.zeros_like(psi), 0.0, 0.0)
    nd = mesh.n_domain
    h, rm, cm, sm = f["h"], f["rm"], f["cm"], f["sm"]
    k = np.empty_like(h)
    k[:nd], k[nd:] = kappa
    dpsi = np.diff(psi)
    b = cm / rm - dpsi / h
    e_bend = 2.0 * np.pi * np.sum(k * h * rm * b * b)
    e_ten = 2.0 * np.pi * np.sum(h * rm)
    zl = 2.0 * np.sum(h * cm)
    e_force = -force * zl
    e_gauss = -4.0 * np.pi * gauss_jump * np.sin(psi[nd])
    e_line = 4.0 * np.pi * line_tension * f["r_b"]
    e = e_bend + e_ten + e_force + e_gauss + e_line
    gz = -force
    if z_target is not None:
        dz = zl - 2.0 * z_target
        e += mult * dz + 0.5 * penalty * dz * dz
        gz += mult + penalty * dz
    if parts:
        return e, dict(bending=e_bend, tension=e_ten, force_work=e_force, gaussian=e_gauss,
                       line=e_line, length=zl, r_b=f["r_b"], s_domain=f["s_dom"])
    # --- reverse pass (all factors 2 of the full shape included) ---
    two_pi = 2.0 * np.pi
    g_h = two_pi * (k * rm * b * b + 2.0 * k * rm * b * dpsi / h + rm) + 2.0 * gz * cm
    g_rm = two_pi * (k * h * (b * b - 2.0 * b * cm / rm) + h)
    g_cm = two_pi * 2.0 * k * h * b + 2.0 * gz * h
    g_dpsi = -2.0 * two_pi * k * rm * b
    g_psi = np.zeros_like(psi)
    g_psi[nd] += -4.0 * np.pi * gauss_jump * np.cos(psi[nd])
    g_rb = 4.0 * np.pi * line_tension
    # rm = r_end − Σ_{k>j} q_k − q_j/2
    g_rend = np.sum(g_rm)
    cum = np.cumsum(g_rm)
    g_q = -(cum - 0.5 * g_rm)  # Σ_{j<k} g_rm_j + g_rm_k/2
    g_h = g_h + g_q * sm
    g_sm = g_q * h
    du, dv = f["du"], f["dv"]
    g_sd = np.dot(g_h[:nd], du)
    g_st = np.dot(g_h[nd:], dv)
    s_dom, d = f["s_dom"], f["d"]
    g_rb += g_sd * (-s_dom / d)
    g_p = g_sd * s_dom * s_dom / d
    g_sm[:nd] += g_p * du * f["um"]
    g_rend += g_rb
    g_st += -g_rb * f["ts"]
    g_sm[nd:] += -g_rb * s_tube * dv
    g_psim = g_sm * cm - g_cm * sm
    g_psi[:-1] += 0.5 * g_psim - g_dpsi
    g_psi[1:] += 0.5 * g_psim + g_dpsi
    return e, (g_psi, g_rend, g_st)


def geometry(psi, r_end, s_tube, mesh: Mesh, *, area) -> Geometry:
    """Nodal s, r, z of the half meridian (equator at s = z = 0).

    Parameters
    ----------
    psi : ndarray, shape (n_seg + 1,)
        Tangent angle at the nodes, rad.
    r_end : float
        Radius at the far end of the tube, r0.
    s_tube : float
        Arc length of the tube part, r0.
    mesh : Mesh
        Reference nodes.
    area : float
        Domain area A_p of the full shape, r0².

    Returns
    -------
    Geometry
        Nodal arc length, radius, height and angle, in r0.

    Raises
    ------
    ValueError
        If the shape is infeasible (a radius is not positive).
    """
    f = _forward(psi, r_end, s_tube, mesh, area / (4.0 * np.pi))
    if f is None:
        raise ValueError("infeasible shape: a radius is not positive")
    h, _q = f["h"], f["q"]
    r = np.append(r_end - f["tail"], r_end)
    s = np.concatenate([[0.0], np.cumsum(h)])
    z = np.concatenate([[0.0], np.cumsum(h * f["cm"])])
    return Geometry(s=s, r=r, z=z, psi=np.asarray(psi, float), s_domain=float(f["s_dom"]),
                    s_tube=float(s_tube))


def bending_energy_meridian(psi, s, *, r_start=0.0, kappa=1.0) -> float:
    """Bending energy ∫(κ/2)(2H)² dA of any meridian ψ(s), with the solver's quadrature.

    r is integrated from ``r_start`` at s[0] with the midpoint rule, each segment's energy
    taken at its midpoint, exactly as in :func:`energy_and_gradient`. Used to check the
    scheme against closed surfaces (a sphere: 8πκ).

    Parameters
    ----------
    psi : array_like, shape (n_nodes,)
        Tangent angle against the axis at each node, rad.
    s : array_like, shape (n_nodes,)
        Arc length at each node (increasing), any length unit.
    r_start : float
        Radius at ``s[0]``, same unit as ``s``.
    kappa : float
        Bending rigidity; the energy is in its unit.

    Returns
    -------
    float
        Bending energy, in the unit of ``kappa``.

    Examples
    --------
    >>> import numpy as np
    >>> s = np.linspace(0.0, np.pi, 101)  # a unit sphere, pole to pole
    >>> round(bending_energy_meridian(np.pi / 2 - s, s) / (8 * np.pi), 3)
    1.0
    """
    psi, s = np.asarray(psi, float), np.asarray(s, float)
    h = np.diff(s)
    psim = 0.5 * (psi[:-1] + psi[1:])
    r = r_start + np.concatenate([[0.0], np.cumsum(h * np.sin(psim))])
    rm = 0.5 * (r[:-1] + r[1:])
    b = np.cos(psim) / rm - np.diff(psi) / h
    return float(np.pi * kappa * np.sum(h * rm * b * b))

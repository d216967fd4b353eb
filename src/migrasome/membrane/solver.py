"""Relax a tube with a stiff domain to equilibrium (minimise the discrete energy).

The unknowns are the nodal tangent angles ψ (the equator's and the far end's are 0), plus the
far-end radius (infinite tube, force ensemble) or the tube's arc length (finite tube, fixed
length). They are relaxed with L-BFGS-B, whose line search accepts only steps that lower the
objective, so the recorded energy trace never increases. The fixed length of a finite tube is
imposed by an augmented Lagrangian; its multiplier gives the axial force.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .discrete import F0, Mesh, energy_and_gradient

__all__ = ["Relaxation", "relax", "initial_psi", "lbfgs", "LbfgsResult"]


@dataclass
class LbfgsResult:
    """Minimiser outcome: position, value, gradient, iterations, why it stopped.

    Parameters
    ----------
    x : ndarray, shape (n,)
        Last accepted position.
    fun : float
        Objective at ``x``.
    grad : ndarray, shape (n,)
        Gradient at ``x``.
    nit : int
        Iterations done.
    message : str
        Why it stopped.
    success : bool
        Whether it stopped on a tolerance rather than a failure or the iteration limit.
    """

    x: np.ndarray
    fun: float
    grad: np.ndarray
    nit: int
    message: str
    success: bool


def lbfgs(fun, x0, *, gtol=1e-8, max_iter=20000, memory=20, trace=None) -> LbfgsResult:
    """Limited-memory BFGS with a backtracking (Armijo) line search.

    ``fun(x)`` returns ``(f, g)``, or ``(inf, None)`` where x is infeasible; such steps are
    halved until they are feasible and lower f by at least 1e-4 of the predicted decrease,
    so the sequence of accepted values (appended to ``trace``) never increases.

    Parameters
    ----------
    fun : callable
        ``fun(x) -> (f, g)`` with ``x`` and ``g`` ndarray of shape (n,).
    x0 : array_like, shape (n,)
        Starting point (must be feasible).
    gtol : float
        Stop when max |g| falls below this.
    max_iter : int
        Iteration limit.
    memory : int
        Number of correction pairs kept.
    trace : list, optional
        Accepted objective values are appended to it.

    Returns
    -------
    LbfgsResult
        The last accepted point and why the iteration stopped.

    Raises
    ------
    ValueError
        If ``fun(x0)`` is not finite.

    Examples
    --------
    >>> import numpy as np
    >>> res = lbfgs(lambda x: (float(np.sum((x - 3.0) ** 2)), 2.0 * (x - 3.0)), np.zeros(2))
    >>> res.success, np.round(res.x, 6).tolist()
    (True, [3.0, 3.0])
    """
    x = np.asarray(x0, float).copy()
    f, g = fun(x)
    if not np.isfinite(f):
        raise ValueError("the starting shape is infeasible (a radius is not positive)")
    trace = [] if trace is None else trace
    trace.append(float(f))
    ss: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    step0 = min(1.0, 1.0 / max(np.max(np.abs(g)), 1e-300))
    stall = 0
    for it in range(1, max_iter + 1):
        if np.max(np.abs(g)) < gtol:
            return LbfgsResult(x, f, g, it - 1, "gradient below tolerance", True)
        q = g.copy()
        alphas = []
        for s_, y_ in zip(reversed(ss), reversed(ys)):
            a_ = np.dot(s_, q) / np.dot(y_, s_)
            alphas.append(a_)
            q -= a_ * y_
        if ss:
            q *= np.dot(ss[-1], ys[-1]) / np.dot(ys[-1], ys[-1])
        for (s_, y_), a_ in zip(zip(ss, ys), reversed(alphas)):
            q += s_ * (a_ - np.dot(y_, q) / np.dot(y_, s_))
        d = -q
        slope = np.dot(g, d)
        if slope >= 0:  # not a descent direction: restart from steepest descent
            ss, ys = [], []
            d, slope = -g, -np.dot(g, g)
        t = 1.0 if ss else step0
        for _ in range(60):
            f1, g1 = fun(x + t * d)
            if np.isfinite(f1) and f1 <= f + 1e-4 * t * slope:
                break
            t *= 0.5 if not np.isfinite(f1) else max(0.1, min(0.5, -0.5 * slope * t
                                                               / (f1 - f - slope * t)))
        else:
            return LbfgsResult(x, f, g, it - 1, "line search failed", False)
        s_, y_ = t * d, g1 - g
        if np.dot(s_, y_) > 1e-12 * np.dot(y_, y_):
            ss.append(s_)
            ys.append(y_)
            if len(ss) > memory:
                ss.pop(0)
                ys.pop(0)
        stall = stall + 1 if f - f1 <= 1e-15 * max(1.0, abs(f)) else 0
        x, f, g = x + s_, f1, g1
        trace.append(float(f))
        if stall >= 5:
            return LbfgsResult(x, f, g, it, "no further decrease", True)
    return LbfgsResult(x, f, g, max_iter, "iteration limit reached", False)


@dataclass
class Relaxation:
    """Outcome of one relaxation (dimensionless: lengths in r0, energies in κ_l).

    Parameters
    ----------
    psi : ndarray, shape (n_seg + 1,)
        Relaxed tangent angles at the nodes, rad.
    r_end : float
        Radius at the far end of the tube, r0.
    s_tube : float
        Arc length of the tube part of the half meridian, r0.
    energy : float
        Energy of the full shape, κ_l.
    parts : dict
        Energy parts, as ``energy_and_gradient(..., parts=True)`` returns them.
    converged : bool
        Stationary, at the target length (finite tube), and no solver failure.
    message : str
        The minimiser's reason to stop.
    n_iter : int
        Iterations, summed over augmented-Lagrangian rounds.
    axial_force : float
        Force holding the tube, κ_l/r0.
    trace : list of float
        Objective after each accepted step.
    """

    psi: np.ndarray
    r_end: float
    s_tube: float
    energy: float
    parts: dict
    converged: bool
    message: str
    n_iter: int
    axial_force: float
    trace: list = field(default_factory=list)


def initial_psi(mesh: Mesh, area: float, s_tube: float, kind: str) -> np.ndarray:
    """Starting meridian: ``"tube"`` (a cylinder) or ``"bulge"`` (an arc with a neck).

    Parameters
    ----------
    mesh : Mesh
        Reference nodes.
    area : float
        Domain area A_p, r0² (small domains always start as a tube).
    s_tube : float
        Arc length of the tube part, r0.
    kind : {"tube", "bulge"}
        Shape to start from.

    Returns
    -------
    ndarray, shape (mesh.n_seg + 1,)
        Tangent angles at the nodes, rad.
    """
    psi = np.zeros(mesh.n_seg + 1)
    r_sphere = np.sqrt(area / (4.0 * np.pi))
    if kind == "tube" or r_sphere < 1.5:
        return psi
    theta = 0.5 * np.pi * (1.0 - 0.7 / r_sphere)
    nd = mesh.n_domain
    psi[: nd + 1] = -theta * mesh.u
    s = mesh.v * s_tube
    psi[nd:] = -theta * np.clip(1.0 - s / 1.5, 0.0, 1.0)
    return psi


def relax(mesh: Mesh, *, area, kappa_ratio, gauss_jump=0.0, line_tension=0.0,
          tube_length=None, s_tube=20.0, psi0=None, r_end0=1.0, gtol=1e-8,
          max_iter=20000) -> Relaxation:
    """Minimise the energy from ``psi0``; ``tube_length=None`` means an infinite tube.

    For an infinite tube the far end sits ``s_tube`` (arc length) beyond the domain with
    ψ = 0 and a free radius, and the force f0 = 2π does work −f0·L. For a finite tube of
    total length ``tube_length`` both ends are held at radius 1 with ψ = 0.

    Parameters
    ----------
    mesh : Mesh
        Reference nodes.
    area : float
        Domain area A_p, r0².
    kappa_ratio : float
        Rigidity ratio κ_p/κ_l.
    gauss_jump : float
        Δκ̄/κ_l at the domain boundary.
    line_tension : float
        Line tension of the domain boundary, κ_l/r0.
    tube_length : float, optional
        Total length of a finite tube, r0; ``None``: infinite tube.
    s_tube : float
        Arc length of the tube part of the half meridian, r0 (start value for a finite tube).
    psi0 : ndarray, shape (mesh.n_seg + 1,), optional
        Starting tangent angles, rad; default a cylinder.
    r_end0 : float
        Starting far-end radius of an infinite tube, r0.
    gtol : float
        Gradient tolerance of the minimiser.
    max_iter : int
        Iteration limit of each minimisation.

    Returns
    -------
    Relaxation
        The relaxed shape, its energy (κ_l) and axial force (κ_l/r0).

    Examples
    --------
    >>> import numpy as np
    >>> from migrasome.membrane.discrete import make_mesh
    >>> m = make_mesh(24, 12)
    >>> rel = relax(m, area=600.0, kappa_ratio=10.0, psi0=initial_psi(m, 600.0, 20.0, "bulge"))
    >>> rel.converged, rel.axial_force == 2 * np.pi
    (True, True)
    """
    n = mesh.n_seg + 1
    kappa = (float(kappa_ratio), 1.0)
    finite = tube_length is not None
    psi0 = np.zeros(n) if psi0 is None else np.asarray(psi0, float).copy()
    free = slice(1, n - 1)
    kw = dict(area=area, kappa=kappa, gauss_jump=gauss_jump, line_tension=line_tension)
    # Diagonal preconditioning from the bending stiffness of each node (scale-free steps).
    du = np.concatenate([np.diff(mesh.u) * max(area, 1.0) ** 0.5, np.diff(mesh.v) * s_tube])
    kseg = np.where(np.arange(mesh.n_seg) < mesh.n_domain, kappa[0], 1.0)
    stiff = 4.0 * np.pi * kseg * np.maximum(1.0, np.sqrt(area / 4 / np.pi)) / du
    d = np.zeros(n)
    d[:-1] += stiff
    d[1:] += stiff
    scale = np.append(np.sqrt(d[free]), np.sqrt(20.0 if finite else 4.0 * np.pi * s_tube))
    state = dict(psi=psi0, r_end=1.0 if finite else float(r_end0), s_tube=float(s_tube))
    trace: list[float] = []

    def unpack(x):
        psi = state["psi"].copy()
        y = x / scale
        psi[free] = y[: n - 2]
        if finite:
            return psi, 1.0, y[-1]
        return psi, y[-1], state["s_tube"]

    def run(extra):
        def fun(x):
            psi, r_end, st = unpack(x)
            e, (gp, gr, gs) = energy_and_gradient(psi, r_end, st, mesh, **kw, **extra)
            if not np.isfinite(e):
                return np.inf, None
            g = np.empty_like(x)
            g[: n - 2] = gp[free]
            g[-1] = gs if finite else gr
            return e, g / scale

        x0 = scale * np.append(state["psi"][free],
                               state["s_tube"] if finite else state["r_end"])
        res = lbfgs(fun, x0, gtol=gtol, max_iter=max_iter, trace=trace)
        psi, r_end, st = unpack(res.x)
        state.update(psi=psi, r_end=float(r_end), s_tube=float(st))
        gnorm = float(np.max(np.abs(res.grad)))
        return res, gnorm

    if not finite:
        res, gnorm = run({})
        n_iter = res.nit
        msg = str(res.message)
        force = F0
    else:
        z_target = 0.5 * tube_length
        mult, pen, n_iter = 0.0, 20.0, 0
        for _ in range(30):
            extra = dict(z_target=z_target, mult=mult, penalty=pen)
            res, gnorm = run(extra)
            n_iter += res.nit
            _, p = energy_and_gradient(state["psi"], 1.0, state["s_tube"], mesh, **kw,
                                       parts=True)
            dz = p["length"] - tube_length
            mult += pen * dz
            if abs(dz) < 1e-7 * tube_length:
                break
        msg = f"{res.message}; length error {dz:.2e}"
        force = F0 - mult
    e, parts = energy_and_gradient(state["psi"], state["r_end"], state["s_tube"], mesh, **kw,
                                   parts=True)
    ok_length = (not finite) or abs(parts["length"] - tube_length) < 1e-5 * tube_length
    # stationary to 1e-6 of the energy scale (gradient in preconditioned variables)
    converged = bool(np.isfinite(e) and gnorm < 1e-6 * max(10.0, abs(e)) and ok_length
                     and "failed" not in msg and "limit" not in msg)
    return Relaxation(psi=state["psi"], r_end=state["r_end"], s_tube=state["s_tube"],
                      energy=float(e), parts=parts, converged=converged, message=msg,
                      n_iter=int(n_iter), axial_force=float(force), trace=trace)

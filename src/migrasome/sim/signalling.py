"""Cells that read the field: recipients by chemotaxis, embryo outcomes, injections (§5).

Recipients (dorsal forerunner cells, CD34+ cells, endothelial cells) are a ``Pool`` of their
own: they do not make migrasomes, they read one species of the field. Their polarity turns
towards the gradient of receptor occupancy ``θ = c / (K + c)`` (a receptor-based chemotaxis
model: the cell compares occupancy across its body), so the drive is linear in the signal
when ``c ≪ K`` — fewer migrasomes, weaker guidance — and saturates when ``c ≫ K``.

Zebrafish (Jiang 2019): mesendoderm cells converge dorsally and leave migrasomes behind;
most end up beneath the shield, where they release Cxcl12. DFCs, present from shield stage
(``recipients.start_min``), climb the occupancy gradient. Because the receptor is far from
saturated, guidance is graded in the number of migrasomes: 3–4× fewer migrasomes (tspan4a
or tspan7 mutants) give a 3–4× weaker drive and fewer clustered DFCs. The fraction of DFCs
inside the cluster zone at bud stage sets the chance that Kupffer's vesicle (KV) fails (a
size threshold, Gokey 2016, smoothed by embryo-to-embryo variation); a failed KV
randomises left–right asymmetry.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..codes import Fate, Stage
from .field import Field, sample, sample_gradient
from .state import Pool

__all__ = ["make_recipients", "occupancy_gradient", "step_recipients", "convergence_bias",
           "cluster_stats", "kv_failure_probability", "embryo_outcome", "wilson_ci",
           "inject_migrasomes"]

RECIPIENT_COLUMNS: dict[str, object] = {
    "cell_type": object, "x_um": float, "y_um": float, "theta_rad": float, "radius_um": float,
    "speed_um_per_min": float}


def make_recipients(rp, rng, width_um: float, height_um: float) -> Pool:
    """``rp.n`` recipient cells placed uniformly in the start box, random polarity.

    Parameters
    ----------
    rp : RecipientParams
        The recipients' parameters (start box in µm, radius in µm, speed in µm/min).
    rng : numpy.random.Generator
        Source of positions and polarities.
    width_um, height_um : float
        Size of the substrate, µm (the start box is clipped to it).

    Returns
    -------
    Pool
        ``recipient_id`` pool with ``cell_type, x_um, y_um, theta_rad, radius_um,
        speed_um_per_min``, ``rp.n`` rows.

    Examples
    --------
    >>> import numpy as np
    >>> from migrasome.parameters import RecipientParams
    >>> pool = make_recipients(RecipientParams(n=5), np.random.default_rng(0), 600.0, 400.0)
    >>> len(pool), bool((pool["x_um"] >= 150).all() and (pool["x_um"] <= 450).all())
    (5, True)
    """
    pool = Pool("recipient_id", RECIPIENT_COLUMNS)
    n = rp.n
    x0, x1 = np.clip(sorted(rp.start_x_um), 0, width_um)
    y0, y1 = np.clip(sorted(rp.start_y_um), 0, height_um)
    pool.append(n, cell_type=rp.cell_type, x_um=rng.uniform(x0, x1, n),
                y_um=rng.uniform(y0, y1, n), theta_rad=rng.uniform(-np.pi, np.pi, n),
                radius_um=rp.radius_um, speed_um_per_min=rp.speed_um_per_min)
    return pool


def occupancy_gradient(f: Field, species: int, x_um, y_um,
                       kd: float) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of receptor occupancy ``c/(K+c)`` at points.

    Parameters
    ----------
    f : Field
        The signal field.
    species : int
        Row of the species read.
    x_um, y_um : array_like, shape (n,)
        Positions, µm.
    kd : float
        Receptor half-occupancy concentration K, au/µm².

    Returns
    -------
    gx, gy : ndarray, shape (n,)
        Occupancy gradient, 1/µm.
    """
    c = sample(f, x_um, y_um)[species]
    gx, gy = sample_gradient(f, x_um, y_um)
    w = kd / (kd + c) ** 2
    return gx[species] * w, gy[species] * w


def _reflect(pos, theta, size, horizontal):
    lo, hi = pos < 0, pos > size
    pos = np.clip(np.where(lo, -pos, np.where(hi, 2 * size - pos, pos)), 0, size)
    flip = (np.pi - theta) if horizontal else -theta
    return pos, np.where(lo | hi, flip, theta)


def step_recipients(pool: Pool, f: Field | None, rp, dt_min: float, rng, width_um: float,
                    height_um: float) -> None:
    """Persistent random walk with chemotactic turning, reflecting walls (in place).

    ``dθ = g (−∂ₓθ_occ sin θ + ∂ᵧθ_occ cos θ) dt / τ + √(2 dt / τ) ξ``, speed constant.

    Parameters
    ----------
    pool : Pool
        Recipient cells; positions and polarities updated in place.
    f : Field or None
        The signal field (``None``: no chemotaxis).
    rp : RecipientParams
        Gain g (µm), persistence τ (min), receptor K (au/µm²), species.
    dt_min : float
        Time step, min.
    rng : numpy.random.Generator
        Source of the angular noise.
    width_um, height_um : float
        Size of the substrate, µm.
    """
    n = len(pool)
    if n == 0:
        return
    th = pool["theta_rad"]
    if f is not None and rp.chemotactic_gain_um > 0:
        s = f.index(rp.species)
        gx, gy = occupancy_gradient(f, s, pool["x_um"], pool["y_um"], rp.receptor_kd_au_per_um2)
        # gain (µm) × occupancy gradient (1/µm) × speed/length-scale → turning rate (1/min)
        turn = rp.chemotactic_gain_um * (-gx * np.sin(th) + gy * np.cos(th)) / rp.persistence_min
        th = th + turn * dt_min
    th = th + np.sqrt(2 * dt_min / rp.persistence_min) * rng.standard_normal(n)
    v = pool["speed_um_per_min"]
    x = pool["x_um"] + v * np.cos(th) * dt_min
    y = pool["y_um"] + v * np.sin(th) * dt_min
    x, th = _reflect(x, th, width_um, True)
    y, th = _reflect(y, th, height_um, False)
    pool["x_um"], pool["y_um"] = x, y
    pool["theta_rad"] = np.angle(np.exp(1j * th))


def convergence_bias(x_um, y_um, cx: float, cy: float, strength: float,
                     radius_um: float) -> tuple[np.ndarray, np.ndarray]:
    """Turning bias of producer cells towards a point, zero inside ``radius_um``.

    Parameters
    ----------
    x_um, y_um : array_like, shape (n,)
        Cell positions, µm.
    cx, cy : float
        The convergence point, µm.
    strength : float
        Bias strength, 1/min.
    radius_um : float
        Radius around the point within which there is no pull, µm.

    Returns
    -------
    bias_x, bias_y : ndarray, shape (n,)
        A unit vector to the point × strength, 1/min.

    References
    ----------
    Solnica-Krezel L 2005 Curr Biol (dorsal convergence of mesendoderm).

    Examples
    --------
    >>> bx, by = convergence_bias([0.0, 95.0], [0.0, 0.0], 100.0, 0.0, 2.0, 10.0)
    >>> bx.tolist(), by.tolist()
    ([2.0, 0.0], [0.0, 0.0])
    """
    dx, dy = cx - np.asarray(x_um), cy - np.asarray(y_um)
    r = np.hypot(dx, dy)
    on = (r > radius_um) & (r > 0)
    s = np.where(on, strength / np.maximum(r, 1e-12), 0.0)
    return dx * s, dy * s


def cluster_stats(x_um, y_um, tx: float, ty: float, radius_um: float) -> dict:
    """Fraction of cells within ``radius_um`` of the target and the cluster's spread.

    Parameters
    ----------
    x_um, y_um : array_like, shape (n,)
        Cell positions, µm.
    tx, ty : float
        The target, µm.
    radius_um : float
        Radius of the cluster zone, µm.

    Returns
    -------
    dict
        ``clustered_fraction`` (in [0, 1]), ``spread_um`` (RMS distance from the cells' mean,
        µm), ``offset_um`` (distance of the mean from the target, µm); NaN without cells.

    Examples
    --------
    >>> cluster_stats([0.0, 3.0, 50.0], [0.0, 4.0, 0.0], 0.0, 0.0, 10.0)["clustered_fraction"]
    0.6666666666666666
    """
    x, y = np.asarray(x_um), np.asarray(y_um)
    if x.size == 0:
        return {"clustered_fraction": np.nan, "spread_um": np.nan, "offset_um": np.nan}
    r = np.hypot(x - tx, y - ty)
    return {"clustered_fraction": float((r <= radius_um).mean()),
            "spread_um": float(np.sqrt(np.var(x) + np.var(y))),
            "offset_um": float(np.hypot(x.mean() - tx, y.mean() - ty))}


def kv_failure_probability(clustered_fraction, ep) -> np.ndarray:
    """P(Kupffer's vesicle fails) given the clustered DFC fraction.

    A KV needs enough DFCs (Gokey 2016: a size threshold for robust left–right patterning);
    the threshold ``ep.kv_half_fraction`` is smoothed by a logistic of width
    ``ep.kv_steepness``, above a background ``ep.kv_failure_floor``.

    Parameters
    ----------
    clustered_fraction : array_like
        Fraction of DFCs in the cluster zone, in [0, 1].
    ep : EmbryoParams
        Threshold, width and floor (fractions).

    Returns
    -------
    ndarray
        Probability, same shape as ``clustered_fraction``.

    References
    ----------
    Gokey JJ et al. 2016 Dev Dyn; Jiang D et al. 2019 Nat Cell Biol.

    Examples
    --------
    >>> from migrasome.parameters import EmbryoParams
    >>> ep = EmbryoParams()
    >>> float(kv_failure_probability(0.0, ep)) > 0.9 > float(kv_failure_probability(0.8, ep))
    True
    """
    q = np.asarray(clustered_fraction, float)
    core = 1.0 / (1.0 + np.exp((q - ep.kv_half_fraction) / ep.kv_steepness))
    return ep.kv_failure_floor + (1.0 - ep.kv_failure_floor) * core


def embryo_outcome(clustered_fraction: float, ep, rng) -> dict:
    """One embryo: KV failure → organ defect; randomised LR → laterality defect.

    Parameters
    ----------
    clustered_fraction : float
        Fraction of DFCs in the cluster zone at bud stage.
    ep : EmbryoParams
        The embryo parameters.
    rng : numpy.random.Generator
        Source of the two draws.

    Returns
    -------
    dict
        ``p_organ_defect``, ``p_laterality_defect`` (probabilities), ``organ_defect``,
        ``laterality_defect`` (bool draws).
    """
    p = float(kv_failure_probability(clustered_fraction, ep))
    fail = bool(rng.random() < p)
    lat = bool(fail and rng.random() < ep.laterality_given_defect)
    return {"p_organ_defect": p, "p_laterality_defect": p * ep.laterality_given_defect,
            "organ_defect": fail, "laterality_defect": lat}


def wilson_ci(k: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """95 % Wilson score interval of a proportion ``k / n``.

    Parameters
    ----------
    k : int
        Successes.
    n : int
        Trials (``n ≤ 0`` gives NaNs).
    z : float
        Normal quantile (1.96 for 95 %).

    Returns
    -------
    low, high : float
        Interval bounds, in [0, 1].

    References
    ----------
    Wilson EB 1927 J Am Stat Assoc.

    Examples
    --------
    >>> [round(v, 3) for v in wilson_ci(12, 24)]
    [0.314, 0.686]
    """
    if n <= 0:
        return (np.nan, np.nan)
    ph = k / n
    den = 1 + z * z / n
    mid = (ph + z * z / (2 * n)) / den
    half = z * np.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / den
    return (float(max(0.0, mid - half)), float(min(1.0, mid + half)))


def inject_migrasomes(sites, ip, cx: float, cy: float, t_min: float, rng, width_um: float,
                      height_um: float) -> np.ndarray:
    """Add ``ip.n_migrasomes`` released migrasomes around ``(cx, cy)``.

    They have no cell (``cell_id = -1``) and no fibre; the cargo module fills them with
    the donor cell type's cargo.

    Parameters
    ----------
    sites : Pool
        The sites; the new rows are appended in place.
    ip : InjectionParams
        Number, diameter (µm) and spread (µm, Gaussian SD) of the bolus.
    cx, cy : float
        Injection point, µm.
    t_min : float
        Injection time, min (their release time).
    rng : numpy.random.Generator
        Source of the positions.
    width_um, height_um : float
        Size of the substrate, µm (positions are clipped to it).

    Returns
    -------
    ndarray of int, shape (ip.n_migrasomes,)
        Ids of the injected migrasomes.

    References
    ----------
    Jiang D et al. 2019 Nat Cell Biol (injection beneath the shield).
    """
    n = ip.n_migrasomes
    x = np.clip(cx + ip.spread_um * rng.standard_normal(n), 0, width_um)
    y = np.clip(cy + ip.spread_um * rng.standard_normal(n), 0, height_um)
    vals = {"cell_id": -1, "fiber_id": -1, "x_um": x, "y_um": y, "attached": False,
            "stage": Stage.RELEASED, "diameter_um": ip.diameter_um,
            "max_diameter_um": ip.diameter_um, "t_release_min": t_min, "fate": Fate.PRESENT}
    for c in ("stabilized", "injected"):
        if c in sites.cols:
            vals[c] = True
    for c in ("t_created_min", "t_growth_onset_min", "t_full_size_min"):
        if c in sites.cols:
            vals[c] = t_min
    for c, dt in sites.dtypes.items():  # biogenesis levels of an injected vesicle: none
        if dt.kind == "f" and c not in vals and not c.startswith("t_"):
            vals[c] = 0.0
    vals = {k: v for k, v in vals.items() if k in sites.cols}
    return sites.append(n, **vals)


class SignallingModule:
    """The field, recipient cells, chemotaxis of responsive engine cells, embryo outcome.

    Parameters
    ----------
    shared : Shared
        State shared with the other function modules (field, recipients, ledger).
    cargo_module : CargoModule, optional
        Fills injected migrasomes with cargo, when cargo is on.
    """

    def __init__(self, shared, cargo_module=None):
        self.sh, self.cargo = shared, cargo_module
        self.rec_frames, self.field_frames, self.injected = [], [], False

    def init(self, sim) -> None:
        """Add this module's columns and state before the first step.

        Parameters
        ----------
        sim : Simulation
            The engine (its pools, scenario and generator).

        Raises
        ------
        ValueError
            If a field species lacks a diffusion coefficient or decay rate.
        """
        sc, sh = sim.scenario, self.sh
        if sc.field.enabled:
            fp = sc.field
            missing = [s for s in sh.species if s not in fp.diffusion_um2_per_min
                       or s not in fp.decay_per_min]
            if missing:
                raise ValueError(f"field species {missing} need entries in "
                                 "field.diffusion_um2_per_min and field.decay_per_min")
            from .field import make_field
            sh.field = make_field(sh.species, sim.width_um, sim.height_um, fp.grid_spacing_um,
                                  [fp.diffusion_um2_per_min[s] for s in sh.species],
                                  [fp.decay_per_min[s] for s in sh.species])
        if sc.signalling.enabled and sc.signalling.recipients.n > 0:
            sh.recipients = make_recipients(sc.signalling.recipients, sim.rng, sim.width_um,
                                            sim.height_um)
        for c in ("bias_x", "bias_y"):
            sim.cells.add_column(c, float, 0.0)

    def step(self, sim) -> None:
        """Advance this module by one engine step.

        Parameters
        ----------
        sim : Simulation
            The engine, at the end of its mechanism step (``sim.t_min``, ``sim.dt_min`` in min).
        """
        from .field import apply_uptake, diffuse_decay
        sc, sh, cells = sim.scenario, self.sh, sim.cells
        sp = sc.signalling
        ip = sp.injection
        if ip.n_migrasomes > 0 and not self.injected and sim.t_min >= ip.t_min:
            ids = inject_migrasomes(sim.sites, ip, sp.convergence_x_um, sp.convergence_y_um,
                                    sim.t_min, sim.rng, sim.width_um, sim.height_um)
            if self.cargo is not None:
                self.cargo.fill_injected(sim, ids)
            self.injected = True
        bx, by = convergence_bias(cells["x_um"], cells["y_um"], sp.convergence_x_um,
                                  sp.convergence_y_um, sp.convergence_bias,
                                  sp.convergence_radius_um)
        f = sh.field
        if f is not None and sp.chemotaxis_cell_types and sc.cells.chemotaxis_gain > 0:
            kd = sp.recipients.receptor_kd_au_per_um2
            for ct, species in sp.chemotaxis_cell_types.items():  # a few cell types
                on = cells["cell_type"] == ct
                if on.any():
                    gx, gy = occupancy_gradient(f, f.index(species), cells["x_um"][on],
                                                cells["y_um"][on], kd)
                    bx[on] += sc.cells.chemotaxis_gain * gx
                    by[on] += sc.cells.chemotaxis_gain * gy
        cells["bias_x"], cells["bias_y"] = bx, by
        if "received_protein_au" in cells.cols and sp.activation_speed_gain > 0:
            a = sp.recipients.activation_per_au * (cells["received_protein_au"]
                                                   + cells["translated_protein_au"])
            cells["motility_factor"] = cells["motility_factor"] * (
                1 + sp.activation_speed_gain * a / (1 + a))
        rec = sh.recipients
        if f is not None:
            fp = sc.field
            if fp.uptake_per_min > 0:
                xs = [cells["x_um"]] + ([rec["x_um"]] if rec is not None else [])
                ys = [cells["y_um"]] + ([rec["y_um"]] if rec is not None else [])
                got = apply_uptake(f, np.concatenate(xs), np.concatenate(ys),
                                   np.full(len(f.species), fp.uptake_per_min), sim.dt_min)
                if rec is not None and "received_signal_au" in rec.cols:
                    rec["received_signal_au"] = rec["received_signal_au"] + got[:, len(cells):
                                                                                 ].sum(axis=0)
            diffuse_decay(f, sim.dt_min)
        if rec is not None and sim.t_min > sp.recipients.start_min:
            step_recipients(rec, f, sp.recipients, sim.dt_min, sim.rng, sim.width_um,
                            sim.height_um)
        if sp.embryo.enabled and sim.steps_done == sim.n_steps - 1:
            self._score_embryo(sim)

    def _score_embryo(self, sim):
        sp, rec = sim.scenario.signalling, self.sh.recipients
        rp = sp.recipients
        xs = rec["x_um"] if rec is not None else np.empty(0)
        ys = rec["y_um"] if rec is not None else np.empty(0)
        st = cluster_stats(xs, ys, rp.target_x_um, rp.target_y_um, rp.cluster_radius_um)
        out = embryo_outcome(st["clustered_fraction"], sp.embryo, sim.rng)
        s = sim.sites.to_frame()
        inj = s["injected"].astype(bool) if "injected" in s else pd.Series(False, index=s.index)
        own = s["stabilized"].astype(bool) & ~inj
        row = {"seed": sim.scenario.seed,
               "condition": "+".join(sim.scenario.perturbations) or "wild type",
               "n_dfc": int(len(xs)), "dfc_clustered_fraction": st["clustered_fraction"],
               "dfc_spread_um": st["spread_um"], "dfc_offset_um": st["offset_um"],
               "n_migrasomes_formed": int(own.sum()),
               "n_injected": int(inj.sum())}
        for name in self.sh.species:
            row[f"{name}_loaded_au"] = self.sh.ledger.get(f"{name}:cell->migrasome")
        row.update(out)
        self.sh.embryo = row

    def record(self, sim, frame) -> None:
        """Record this module's state at a recorded frame.

        Parameters
        ----------
        sim : Simulation
            The engine.
        frame : int
            The recorded frame number.
        """
        rec, f = self.sh.recipients, self.sh.field
        if rec is not None and len(rec):
            d = {"recipient_id": rec.ids, "frame": frame, "t_min": sim.t_min,
                 "cell_type": rec["cell_type"].astype(str), "x_um": rec["x_um"].copy(),
                 "y_um": rec["y_um"].copy()}
            for c in ("n_taken_up", "received_protein_au", "translated_protein_au",
                      "received_signal_au"):
                if c in rec.cols:
                    d[c] = rec[c].copy()
            self.rec_frames.append(pd.DataFrame(d))
        if f is not None:
            k = sim.scenario.field.record_coarsen
            ny, nx = f.shape
            my, mx = ny // k, nx // k
            a = f.amount[:, :my * k, :nx * k].reshape(len(f.species), my, k, mx, k).sum((2, 4))
            c = a / (k * f.h_um) ** 2
            yy, xx = np.meshgrid((np.arange(my) + 0.5) * k * f.h_um,
                                 (np.arange(mx) + 0.5) * k * f.h_um, indexing="ij")
            for s, name in enumerate(f.species):
                self.field_frames.append(pd.DataFrame({
                    "frame": frame, "t_min": sim.t_min, "species": name,
                    "x_um": xx.ravel(), "y_um": yy.ravel(),
                    "concentration_au_per_um2": c[s].ravel()}))

    def tables(self) -> dict[str, pd.DataFrame]:
        """This module's tables for the Results.

        Returns
        -------
        dict of str to DataFrame
            ``recipient_frames``, ``field_frames``, ``field_balance``, ``embryos`` (those that
            apply).
        """
        out = {}
        if self.rec_frames:
            out["recipient_frames"] = pd.concat(self.rec_frames, ignore_index=True)
        if self.field_frames:
            out["field_frames"] = pd.concat(self.field_frames, ignore_index=True)
        f = self.sh.field
        if f is not None:
            out["field_balance"] = pd.DataFrame({
                "species": list(f.species), "on_grid_au": f.total(), "deposited_au": f.deposited,
                "decayed_au": f.decayed, "taken_up_au": f.taken_up})
        if self.sh.embryo is not None:
            out["embryos"] = pd.DataFrame([self.sh.embryo])
        return out

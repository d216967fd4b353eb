"""Migrasome biogenesis at each site: nucleation → maturation → expansion (MODEL.md §4).

Every RF tip and branch point is a candidate site. Per site, vectorised over all sites:

1. Nucleation (Ding 2023): PIP5K1A makes PI(4,5)P2 (P), P recruits Rab35 (R), R recruits
   and concentrates integrin α5 — more generally the integrin paired with the substrate's
   ECM (Wu 2017) — into a cluster I. The site anchors when I reaches a threshold.
2. Maturation (Liang 2023): SMS2 foci, laid down at the leading edge and left on the
   substrate, turn ceramide into sphingomyelin (S) at the sites near them; growth starts
   when S reaches a threshold. Junctions start ahead (Dharan 2023: tension jumps there).
3. Expansion (Huang 2019; Dharan 2023): tetraspanins with cholesterol are recruited from
   the fibre's membrane supply S into a TEMA of area A, at a rate that rises with the
   site's enrichment E: dA/dt = r·E·(1 − A/S) − r·E½·A/S, so A → S·E/(E + E½) and both the
   plateau and the time to reach it follow the tetraspanin level and cholesterol; the
   swelling is kept only if the tetraspanin enrichment E (cooperative in tetraspanins and
   cholesterol) reaches a threshold. E also sets the domain's rigidity,
   κ_p/κ_l = 1 + (ρ_max − 1)·E/(E + 1), and the swelling's size and stability come from
   the membrane mechanics (``migrasome.membrane``) given A and κ_p/κ_l: a stiff
   domain saturates at a radius ≈ (κ_p/κ_l)·r0, so rigidity sets size.

Each level relaxes exponentially towards its target (exact for a constant target), so the
kinetics are stable for any time step. Site-to-site variation enters as log-normal factors
drawn once per site (ligand density, SMS2 activity, TSPAN4 supply).
"""

from __future__ import annotations

import numpy as np

from ..codes import SiteType, Stage
from ..membrane import swelling_diameter_um
from .fibers import tetraspanin_level
from .foci import FocusGrid
from .kinetics import hill_norm, relax
from .motility import ecm_ligand, reference_scenario, rock1_response, site_pairing

__all__ = ["SITE_COLUMNS", "SiteRates", "site_rates", "new_site_values", "new_sites",
           "step_sites"]

SITE_COLUMNS = {
    "cell_id": np.int64, "fiber_id": np.int64, "site_type": np.int64, "stage": np.int64,
    "x_um": float, "y_um": float, "junction_frac": float, "attached": bool,
    "pip2": float, "rab35": float, "integrin": float, "sm": float, "enrich": float,
    "domain_area_um2": float, "diameter_um": float, "max_diameter_um": float,
    "anchor_noise": float, "sms2_noise": float, "area_noise": float, "enrich_noise": float,
    "focus": bool, "stabilized": bool,
    "t_created_min": float, "t_nucleation_min": float, "t_growth_onset_min": float,
    "t_full_size_min": float, "t_release_min": float, "t_breakdown_min": float,
    "fate": np.int64,
}

#: The stages as plain ints: NumPy looks up its protocols on an operand's class, which for
#: an enum member runs ``EnumType.__getattr__`` in Python on every use (Python 3.11).
_NUCLEATING, _MATURING, _EXPANDING, _FULL, _ABORTED = (int(s) for s in (
    Stage.NUCLEATING, Stage.MATURING, Stage.EXPANDING, Stage.FULL, Stage.ABORTED))


_TIP, _BRANCH = int(SiteType.TIP), int(SiteType.BRANCH)


class SiteRates:
    """Per-scenario targets and rates of the site kinetics (derived once per run).

    Parameters
    ----------
    scenario : Scenario
        The run's scenario; its wild-type reference comes from
        :func:`~migrasome.sim.motility.reference_scenario`.

    Attributes
    ----------
    p : BiogenesisParams
        The scenario's biogenesis parameters.
    pip2_target : float
        PI(4,5)P2 level sites relax to (PIP5K1A level, relative to wild type).
    anchor_target : float
        Integrin cluster the paired integrin can form, relative to wild-type α5 on 10 µg/ml
        fibronectin, times the ROCK1 response.
    rab35 : float
        Rab35 level, relative to wild type.
    enrich_target : float
        Median tetraspanin enrichment (1 at wild type).
    area_scale : float
        Membrane supply S a median site can recruit into its TEMA, µm² (the plateau area
        is S·E/(E + E½), so it rises with the site's tetraspanin enrichment E).
    sms2 : float
        SMS2 level, relative to wild type.

    References
    ----------
    Ding T et al. 2023 Nat Cell Biol (PIP5K1A → PI(4,5)P2 → Rab35 → integrin α5);
    Wu D et al. 2017 J Cell Biol (integrin–ECM pairing); Lu P et al. 2020 Cell Discov (ROCK1);
    Huang Y et al. 2019 Nat Cell Biol (tetraspanins and cholesterol).
    """

    def __init__(self, scenario):
        m, b = scenario.molecules, scenario.biogenesis
        self.p = b
        self.pip2_target = m.PIP5K1A
        # integrin cluster the paired integrin can form at WT Rab35: α·β1·ECM·ROCK1, relative
        # to the reference (WT α5 on 10 µg/ml fibronectin; ROCK1 governs adhesion to FN,
        # Lu 2020)
        ref = reference_scenario(scenario)
        ref_anchor = site_pairing(ref) * ecm_ligand(ref)
        rock = rock1_response(scenario)
        self.anchor_target = site_pairing(scenario) * ecm_ligand(scenario) / ref_anchor * rock
        self.rab35 = m.Rab35
        t = tetraspanin_level(scenario)
        kc, nc = b.cholesterol_half, b.cholesterol_hill
        c = m.cholesterol
        ht = t**b.tetraspanin_exponent
        hc = hill_norm(c, kc, nc)
        self.enrich_target = ht * hc  # 1 at wild type
        self.area_scale = b.domain_area_um2
        self.sms2 = m.SMS2
        self._decays: tuple[float, dict[str, float]] | None = None

    def decays(self, dt: float) -> dict[str, float]:
        """Factors ``exp(−rate·dt)`` of the levels that relax at a fixed rate.

        Parameters
        ----------
        dt : float
            Time step, min.

        Returns
        -------
        dict of str to float
            ``pip2``, ``rab35``, ``integrin`` and ``enrich`` → factor (computed once per
            step size).
        """
        got = getattr(self, "_decays", None)  # absent in checkpoints of older versions
        if got is None or got[0] != dt:
            p = self.p
            rates = {"pip2": p.pip2_rate_per_min, "rab35": p.rab35_rate_per_min,
                     "integrin": p.integrin_rate_per_min, "enrich": 1.0 / p.growth_time_min}
            got = self._decays = (dt, {k: np.exp(-r * dt) for k, r in rates.items()})
        return got[1]


def site_rates(scenario) -> SiteRates:
    """The targets and rates of the site kinetics for ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        The run's scenario.

    Returns
    -------
    SiteRates
        Targets and rates, derived once per run.
    """
    return SiteRates(scenario)


def new_sites(fibers, fiber_ids: np.ndarray, branch: np.ndarray, jx: np.ndarray,
              jy: np.ndarray, foci: FocusGrid, rng: np.random.Generator,
              scenario, t: float) -> dict[str, np.ndarray]:
    """The sites that new fibres bring: one at each new fibre's adhesion and one at each junction.

    A tip site sits at a new fibre's adhesion; a branch site at each new junction.

    Parameters
    ----------
    fibers : Pool
        The fibres, the new ones included.
    fiber_ids : ndarray of int, shape (n,)
        Ids of the fibres made in this step.
    branch : ndarray of bool, shape (n,)
        Which of them joined another fibre.
    jx, jy : ndarray, shape (n,)
        Junction positions, µm (NaN for root fibres).
    foci : FocusGrid
        The SMS2 foci on the substrate (a site counts only its own cell's live foci).
    rng : numpy.random.Generator
        Source of the per-site noise factors.
    scenario : Scenario
        The run's scenario.
    t : float
        Time, min.

    Returns
    -------
    dict of str to ndarray
        Column values of the new sites, each of shape (n_tip + n_branch,) (empty dict when
        there are none), for ``Pool.append``: tips first, then branch points.
    """
    if fiber_ids.size == 0:
        return {}
    rows = fibers.index_of(fiber_ids)
    ok = rows >= 0
    okb = ok & branch
    fid = np.concatenate([fiber_ids[ok], fiber_ids[okb]])
    rows = fibers.index_of(fid)
    n_tip = int(ok.sum())
    x = np.concatenate([fibers["anchor_x_um"][rows[:n_tip]], jx[okb]])
    y = np.concatenate([fibers["anchor_y_um"][rows[:n_tip]], jy[okb]])
    kind = np.concatenate([np.full(n_tip, _TIP, np.int64),
                           np.full(len(fid) - n_tip, _BRANCH, np.int64)])
    vals = new_site_values(len(fid), kind, rng, scenario)
    cid = fibers["cell_id"][rows]
    return dict(cell_id=cid, fiber_id=fid, x_um=x, y_um=y, attached=fibers["attached"][rows],
                focus=foci.covers(x, y, cid, t_min=t), **vals)


def new_site_values(n: int, site_type: np.ndarray, rng, scenario) -> dict[str, np.ndarray]:
    """Initial per-site state: all levels zero, noise factors drawn, branch head start.

    Parameters
    ----------
    n : int
        Number of new sites.
    site_type : ndarray of int, shape (n,)
        :class:`~migrasome.codes.SiteType` of each.
    rng : numpy.random.Generator
        Source of the mean-one log-normal factors (anchor, SMS2, area) and the enrichment
        factor.
    scenario : Scenario
        The run's scenario (``biogenesis`` section).

    Returns
    -------
    dict of str to ndarray
        ``site_type``, ``stage`` and the kinetic columns of ``SITE_COLUMNS``, each of shape
        (n,); levels relative to wild type, ``domain_area_um2`` in µm², diameters in µm.

    References
    ----------
    Dharan R et al. 2023 Nat Commun (junctions start ahead: the branch head start of sphingomyelin).

    Examples
    --------
    >>> import numpy as np
    >>> from migrasome.codes import SiteType
    >>> from migrasome.scenario import Scenario
    >>> kind = np.array([SiteType.TIP, SiteType.BRANCH])
    >>> v = new_site_values(2, kind, np.random.default_rng(0), Scenario())
    >>> v["sm"].tolist()  # junctions start with a head start of sphingomyelin
    [0.0, 0.3]
    """
    b = scenario.biogenesis
    ln = lambda s: rng.lognormal(-s * s / 2, s, n)  # mean-one log-normal
    sig_a = np.sqrt(np.log1p(b.domain_area_cv**2))
    return {
        "site_type": site_type, "stage": np.zeros(n, np.int64),
        "anchor_noise": ln(b.anchor_spread), "sms2_noise": ln(b.sms2_spread),
        "enrich_noise": rng.lognormal(0.0, b.enrichment_spread, n), "area_noise": ln(sig_a),
        "sm": np.where(site_type == _BRANCH, b.branch_head_start, 0.0),
        "pip2": np.zeros(n), "rab35": np.zeros(n), "integrin": np.zeros(n),
        "enrich": np.zeros(n), "domain_area_um2": np.zeros(n), "diameter_um": np.zeros(n),
        "max_diameter_um": np.zeros(n),
    }


def step_sites(sites, rates: SiteRates, scenario, t: float, dt: float) -> None:
    """Advance the kinetics of every site by ``dt`` minutes, in place.

    Nucleation (PI(4,5)P2 → Rab35 → integrin cluster), maturation (sphingomyelin from SMS2)
    and expansion (TEMA area, tetraspanin enrichment, swelling size from
    :func:`~migrasome.membrane.swelling_diameter_um`), then the stage transitions and
    time-outs.

    Parameters
    ----------
    sites : Pool
        The sites (``SITE_COLUMNS``), n_sites rows; updated in place.
    rates : SiteRates
        The run's targets and rates.
    scenario : Scenario
        The run's scenario (``membrane`` section: κ in kT, σ in pN/µm).
    t : float
        Time at the end of the step, min (stamped on events).
    dt : float
        Time step, min.

    References
    ----------
    Ding T et al. 2023 Nat Cell Biol; Liang H et al. 2023 Nat Cell Biol; Huang Y et al.
    2019 Nat Cell Biol; Dharan R et al. 2023 Nat Commun.

    Examples
    --------
    >>> import numpy as np
    >>> from migrasome.codes import SiteType, Stage
    >>> from migrasome.scenario import Scenario
    >>> from migrasome.sim.state import Pool
    >>> scenario = Scenario()
    >>> sites = Pool("site_id", SITE_COLUMNS)
    >>> v = new_site_values(1, np.array([SiteType.TIP]), np.random.default_rng(0), scenario)
    >>> v.update(anchor_noise=np.ones(1), sms2_noise=np.ones(1), area_noise=np.ones(1),
    ...          enrich_noise=np.full(1, 2.0))
    >>> _ = sites.append(1, attached=True, focus=True, t_created_min=0.0, **v)
    >>> rates = site_rates(scenario)
    >>> for k in range(1, 241):  # 2 h in steps of 0.5 min
    ...     step_sites(sites, rates, scenario, 0.5 * k, 0.5)
    >>> Stage(sites["stage"][0]).name, sites["t_nucleation_min"].tolist()
    ('FULL', [16.5])
    >>> sites["t_full_size_min"].tolist()  # from the growth onset, once SM has built up
    [84.5]
    >>> round(float(sites["diameter_um"][0]), 2)
    1.18
    """
    p = rates.p
    dec = rates.decays(dt)
    st = sites["stage"]
    live = sites["attached"] & (st >= _NUCLEATING) & (st <= _FULL)
    nuc = live & (st == _NUCLEATING)
    mat = live & (st == _MATURING)
    grow = live & (st >= _EXPANDING)

    # 1. nucleation chain (runs at every live site so the cluster persists)
    pip2 = _relaxed(sites["pip2"], rates.pip2_target, dec["pip2"])
    rab = _relaxed(sites["rab35"], rates.rab35 * hill_norm(pip2, p.pip2_half), dec["rab35"])
    rab_act = hill_norm(rab, p.rab35_half)
    integ = _relaxed(sites["integrin"], rates.anchor_target * sites["anchor_noise"] * rab_act,
                     dec["integrin"])
    np.copyto(sites["pip2"], pip2, where=live)
    np.copyto(sites["rab35"], rab, where=live)
    np.copyto(sites["integrin"], integ, where=live)
    anchored = nuc & (integ >= p.nucleation_threshold)
    sites["t_nucleation_min"][anchored] = t

    # 2. maturation: sphingomyelin accumulates from SMS2 (a focus nearby, or the basal
    #    rate); growth starts once it reaches the threshold (1 by definition), so less SMS2
    #    means a later onset, and more sites lose the race against RF breakage
    focus = np.where(sites["focus"], 1.0, p.sms2_basal)
    sm = sites["sm"]
    sm += mat * rates.sms2 * focus * sites["sms2_noise"] * p.sm_rate_per_min * dt
    onset = mat & (sm >= 1.0)
    sites["t_growth_onset_min"][onset] = t

    # 3. expansion: tetraspanins and cholesterol are recruited into the TEMA from the
    #    fibre's membrane supply S. Recruitment runs at a rate proportional to the site's
    #    enrichment E and loses to dissociation (E½): dA/dt = r·E·(1 − A/S) − r·E½·A/S with
    #    r = S/((1 + E½)·τ), so a richer site grows faster and holds more of its supply;
    #    size and growth time both come out of the tetraspanin level, cholesterol and time.
    #    Only the growing sites are computed (element by element as over all sites).
    g = np.flatnonzero(grow)
    full = g[:0]
    if g.size:
        e_old = sites["enrich"][g]
        e_final = rates.enrich_target * sites["enrich_noise"][g]
        enrich = _relaxed(e_old, e_final, dec["enrich"])
        e_half = p.enrichment_half
        supply = rates.area_scale * sites["area_noise"][g]
        e_mid = 0.5 * (e_old + enrich)  # midpoint enrichment over the step
        area = relax(sites["domain_area_um2"][g], supply * e_mid / (e_mid + e_half),
                     (e_mid + e_half) / ((1.0 + e_half) * p.growth_time_min), dt)
        plateau = supply * e_final / (e_final + e_half)
        sites["enrich"][g] = enrich
        sites["domain_area_um2"][g] = area
        # the domain's rigidity rises with its tetraspanin enrichment (TEMs → TEMA,
        # Huang 2019)
        rho = 1.0 + (p.kappa_ratio_max - 1.0) * enrich / (enrich + 1.0)
        diam, stable = swelling_diameter_um(
            area, kappa_ratio=rho, kappa_kT=scenario.membrane.kappa_kT,
            tension_pN_per_um=scenario.membrane.tension_pN_per_um)
        stab = sites["stabilized"]
        stab[g[stable & (enrich >= p.enrichment_threshold)]] = True
        # a swelling without enough tetraspanin stays a sub-resolution bump of the RF
        sites["diameter_um"][g] = np.where(stab[g], diam, 0.0)
        full = g[(st[g] == _EXPANDING) & (area >= p.full_size_fraction * plateau)]
        sites["t_full_size_min"][full] = t
    np.maximum(sites["max_diameter_um"], sites["diameter_um"], out=sites["max_diameter_um"])

    # sites that never anchored or never matured in time are abandoned (masks of the
    # stages at the start of the step, so each site moves on at most one stage)
    timeout = (nuc | mat) & (t - sites["t_created_min"] > p.nucleation_timeout_min)
    timeout &= ~anchored
    timeout &= ~onset
    st[anchored] = _MATURING
    st[onset] = _EXPANDING
    st[full] = _FULL
    st[timeout] = _ABORTED


def _relaxed(x, target, decay):
    """:func:`~migrasome.sim.kinetics.relax` with its factor ``exp(−rate·dt)`` given."""
    return target + (x - target) * decay

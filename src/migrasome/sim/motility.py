"""Cell migration: a persistent random walk with turning, rear width and adhesion (MODEL.md §2).

Owns how cells move and what sets it: speed comes from the cell's motors (myosin II,
Arp2/3), vimentin and how strongly it adheres (biphasic, Palecek 1997); persistence from
angular diffusion D_θ = 1/τ_p; turning cells have narrower rears (Fan 2022), measured by the
smoothed rate of change of polarity. Also the integrin–ECM pairing and the wild-type
reference scenario that adhesion-dependent rates scale from.
"""

from __future__ import annotations

import numpy as np

from .._ufuncs import clip
from ..parameters import EcmParams, MoleculeLevels
from .kinetics import hill_norm

__all__ = ["ecm_ligand", "specific_adhesion", "rock1_response", "reference_scenario",
           "site_pairing", "site_pairs", "adhesion_pairs", "SITE_INTEGRIN", "motility_factors",
           "init_cells_arrays", "step_motility", "rear_points"]

#: Integrin–ECM pairs that anchor a migrasome site (Wu 2017 J Cell Biol: α5–fibronectin,
#: α3–laminin-511, α1–collagen IV and, more weakly, collagen I). On fibronectin Rab35
#: recruits α5 itself (Ding 2023). Affinities other than 1 are scenario parameters
#: (``ecm.*_affinity``).
SITE_INTEGRIN = {
    "fibronectin": ("ITGA5",),
    "laminin-511": ("ITGA3",),
    "collagen-IV": ("ITGA1",),
    "collagen-I": ("ITGA1",),
    "uncoated": (),
}


def site_pairs(scenario) -> dict[str, float]:
    """Integrin → relative affinity of the pairs that anchor a site on this coating.

    Parameters
    ----------
    scenario : Scenario
        The run's scenario (``ecm``).

    Returns
    -------
    dict of str to float
        Integrin level name (a ``molecules`` field) → affinity, relative to α5–fibronectin.
    """
    e = scenario.ecm
    scale = e.collagen1_affinity if e.coating == "collagen-I" else 1.0
    return {a: scale for a in SITE_INTEGRIN[e.coating]}


def adhesion_pairs(scenario) -> dict[str, float]:
    """The integrin–ECM pairs that make adhesions, and so RF anchors.

    The site pairs plus αv on fibronectin (Hynes 2002 Cell).

    Parameters
    ----------
    scenario : Scenario
        The run's scenario (``ecm``).

    Returns
    -------
    dict of str to float
        Integrin level name → affinity, relative to α5–fibronectin.
    """
    pairs = site_pairs(scenario)
    if scenario.ecm.coating == "fibronectin":
        pairs["ITGAV"] = scenario.ecm.itgav_fibronectin_affinity
    return pairs


def ecm_ligand(scenario) -> float:
    """Ligand density on the substrate, 0–1 (Langmuir in coating concentration).

    Parameters
    ----------
    scenario : Scenario
        The run's scenario (``ecm`` section: coating, concentration and half-saturation in
        µg/ml).

    Returns
    -------
    float
        Ligand density c / (c + K), dimensionless in [0, 1); 0 on an uncoated dish.

    Examples
    --------
    >>> from migrasome.scenario import Scenario
    >>> ecm_ligand(Scenario())  # 10 µg/ml fibronectin, K = 10 µg/ml
    0.5
    """
    c = scenario.ecm.concentration_ug_per_ml
    if scenario.ecm.coating == "uncoated":
        return 0.0
    return c / (c + scenario.ecm.half_saturation_ug_per_ml)


def specific_adhesion(scenario) -> float:
    """Integrin–ECM pairing (relative): Σ_j min(α_j, β1)·affinity_j·ligand.

    β1 pairs with every α named here, so the scarcer of the two sets the number of dimers.
    At wild-type NRK levels on 10 µg/ml fibronectin it is 0.75 (see ``reference_scenario``).

    Parameters
    ----------
    scenario : Scenario
        The run's scenario (``molecules`` levels relative to wild type, ``ecm``).

    Returns
    -------
    float
        Specific adhesiveness, dimensionless (relative units).

    References
    ----------
    Wu D et al. 2017 J Cell Biol (integrin–ECM pairs); Hynes RO 2002 Cell (αv binds
    fibronectin).

    Examples
    --------
    >>> from migrasome.scenario import Scenario
    >>> specific_adhesion(Scenario())
    0.75
    """
    return _pairing(scenario.molecules, adhesion_pairs(scenario)) * ecm_ligand(scenario)


def site_pairing(scenario) -> float:
    """Integrin–ECM pairing that anchors a migrasome site.

    Σ_j min(α_j, β1)·affinity_j over the site pairs of ``SITE_INTEGRIN``.

    Parameters
    ----------
    scenario : Scenario
        The run's scenario.

    Returns
    -------
    float
        Relative pairing; 1 for α5 on fibronectin at wild type.

    References
    ----------
    Wu D et al. 2017 J Cell Biol; Ding T et al. 2023 Nat Cell Biol.
    """
    return _pairing(scenario.molecules, site_pairs(scenario))


def reference_scenario(scenario):
    """The scenario at its reference condition: wild-type levels on 10 µg/ml fibronectin.

    Wild-type molecule levels on the default coating, with the scenario's own adsorption
    constant. Read-outs that scale from a reference (RF anchor density, site anchoring) divide
    by the value of this scenario, so no reference number is typed in by hand.

    Parameters
    ----------
    scenario : Scenario
        The run's scenario.

    Returns
    -------
    Scenario
        A copy with default ``molecules`` and ``ecm`` (``half_saturation_ug_per_ml`` kept).

    Examples
    --------
    >>> from migrasome.scenario import Scenario
    >>> s = Scenario().with_changes(**{"ecm.coating": "laminin-511", "molecules.ITGA5": 0.5})
    >>> ref = reference_scenario(s)
    >>> ref.ecm.coating, ref.molecules.ITGA5
    ('fibronectin', 1.0)
    """
    ecm = scenario.ecm.model_copy(update={"coating": "fibronectin",
                                          "concentration_ug_per_ml": EcmParams().
                                          concentration_ug_per_ml})
    return scenario.model_copy(update={"molecules": MoleculeLevels(), "ecm": ecm})


def _pairing(m, pairs: dict[str, float]) -> float:
    # β1 pairs with every α named here, so the scarcer of the two sets the number of dimers
    return sum(min(getattr(m, a), m.ITGB1) * k for a, k in pairs.items())


def rock1_response(scenario) -> float:
    """How strongly integrin–ECM bonds hold, from ROCK1 activity (1 at wild type).

    ROCK1 drives the actomyosin tension that matures integrin–fibronectin bonds into strong
    adhesions (Bhadriraju 2007; Lu 2020: ROCK1 regulates adhesion to fibronectin). It
    scales the strength of adhesions — the cell's adhesiveness in its speed, and the
    integrin cluster that anchors a migrasome site — but not the number of bonds that
    anchor RFs, so a ROCK1 inhibitor leaves RF formation nearly unchanged (Lu 2020).

    Parameters
    ----------
    scenario : Scenario
        The run's scenario (``molecules.ROCK1`` relative to wild type,
        ``biogenesis.rock1_half``).

    Returns
    -------
    float
        Hill response (n = 2) normalised to 1 at wild type, dimensionless.

    References
    ----------
    Lu P et al. 2020 Cell Discov 6:51; Bhadriraju K et al. 2007 Exp Cell Res 313:3616.

    Examples
    --------
    >>> from migrasome.scenario import Scenario
    >>> s = Scenario()
    >>> rock1_response(s)
    1.0
    >>> round(rock1_response(s.with_changes(**{"molecules.ROCK1": 0.2})), 3)
    0.335
    """
    return float(hill_norm(scenario.molecules.ROCK1, scenario.biogenesis.rock1_half, 2))


def motility_factors(scenario) -> tuple[float, float]:
    """(speed factor, persistence factor) from motors, vimentin and adhesion.

    Motor activity responds cooperatively (``cells.motor_half``; blebbistatin and CK-666
    nearly stop cells, Ma 2015); vimentin loss lowers speed to 60 % and persistence
    to 50 % (Fan 2022, fig≈); speed is biphasic in adhesiveness α, ∝ (α/α₀)·e^{1−α/α₀}
    (Palecek 1997 Nature), with α = specific adhesion × its ROCK1-set strength
    (:func:`rock1_response`) + non-specific adhesion.

    Parameters
    ----------
    scenario : Scenario
        The run's scenario (``molecules``, ``ecm``, ``cells``).

    Returns
    -------
    speed_factor : float
        Multiplies each cell's intrinsic speed, dimensionless.
    persistence_factor : float
        Multiplies the persistence time, dimensionless (1 at wild-type vimentin).

    References
    ----------
    Palecek SP et al. 1997 Nature; Fan C et al. 2022 J Cell Biol; Ma L et al. 2015 Cell Res.

    Examples
    --------
    >>> from migrasome.scenario import Scenario
    >>> speed, persistence = motility_factors(Scenario())
    >>> round(speed, 3), persistence
    (0.517, 1.0)
    """
    m = scenario.molecules
    p = scenario.cells
    motors = float(hill_norm(m.myosin_II, p.motor_half, 2) * hill_norm(m.arp23, p.motor_half, 2))
    vim = min(m.vimentin, 1.0)
    alpha = specific_adhesion(scenario) * rock1_response(scenario) + p.nonspecific_adhesion
    a = alpha / p.adhesion_optimum
    adhesion = a * np.exp(1.0 - a)
    speed = (1 - p.vimentin_speed_loss) + p.vimentin_speed_loss * vim
    persistence = (1 - p.vimentin_persistence_loss) + p.vimentin_persistence_loss * vim
    return motors * speed * float(adhesion), persistence


def init_cells_arrays(scenario, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Initial positions, polarities and intrinsic speeds of ``n_cells`` cells.

    Parameters
    ----------
    scenario : Scenario
        The run's scenario (``cells``, ``run`` sections).
    rng : numpy.random.Generator
        Source of positions, polarities and log-normal speeds.

    Returns
    -------
    dict of str to ndarray
        ``x_um, y_um`` (µm, inside the dish), ``theta_rad`` (rad), ``base_speed_um_per_min``
        (µm/min) and ``radius_um`` (µm), each of shape (n_cells,).

    Examples
    --------
    >>> import numpy as np
    >>> from migrasome.scenario import Scenario
    >>> a = init_cells_arrays(Scenario(), np.random.default_rng(0))
    >>> sorted(a), a["x_um"].shape
    (['base_speed_um_per_min', 'radius_um', 'theta_rad', 'x_um', 'y_um'], (30,))
    """
    n = scenario.cells.n_cells
    r = scenario.cells.radius_um
    w, h = scenario.run.width_um, scenario.run.height_um
    cv = scenario.cells.speed_cv
    sigma = np.sqrt(np.log1p(cv**2))
    base = scenario.cells.speed_um_per_min * rng.lognormal(-sigma**2 / 2, sigma, n)
    return {
        "x_um": rng.uniform(min(r, w / 2), max(w - r, w / 2), n),
        "y_um": rng.uniform(min(r, h / 2), max(h - r, h / 2), n),
        "theta_rad": rng.uniform(-np.pi, np.pi, n),
        "base_speed_um_per_min": base,
        "radius_um": np.full(n, r),
    }


def step_motility(cells, scenario, rng: np.random.Generator, dt: float,
                  speed_factor: float, persistence_factor: float) -> None:
    """Advance every cell by ``dt`` minutes, in place on the ``cells`` pool.

    Updates ``theta_rad`` (angular diffusion plus the chemotactic bias ``bias_x, bias_y``,
    1/min), ``x_um, y_um`` (reflecting walls), ``speed_um_per_min``, the turning rate
    ``turn_rate_rad_per_min`` and ``rear_width_um``.

    Parameters
    ----------
    cells : Pool
        The cells, n_cells rows; updated in place.
    scenario : Scenario
        The run's scenario (``cells``: persistence in min, rear width in µm; ``run``: dish
        size in µm).
    rng : numpy.random.Generator
        Source of the angular noise.
    dt : float
        Time step, min.
    speed_factor, persistence_factor : float
        From :func:`motility_factors`, dimensionless.

    References
    ----------
    Fan C et al. 2022 J Cell Biol (turning cells have narrow rears).
    """
    p = scenario.cells
    n = len(cells)
    d_theta = 1.0 / (p.persistence_min * persistence_factor)
    theta = cells["theta_rad"]
    bias = -cells["bias_x"] * np.sin(theta) + cells["bias_y"] * np.cos(theta)
    theta = theta + bias * dt + np.sqrt(2 * d_theta * dt) * rng.standard_normal(n)
    speed = cells["base_speed_um_per_min"] * speed_factor * cells["motility_factor"]
    cos, sin = np.cos(theta), np.sin(theta)
    x = cells["x_um"] + speed * cos * dt
    y = cells["y_um"] + speed * sin * dt
    # reflecting walls; the polarity turns only where a cell hit one
    x, hit_x = _reflect(x, scenario.run.width_um)
    if hit_x.any():
        theta = np.where(hit_x, np.pi - theta, theta)
    y, hit_y = _reflect(y, scenario.run.height_um)
    if hit_y.any():
        theta = np.where(hit_y, -theta, theta)
    if hit_x.any() or hit_y.any():
        cos, sin = np.cos(theta), np.sin(theta)
    # smoothed polarity vector: its lag behind the current polarity measures turning
    a = min(dt / p.turn_window_min, 1.0)
    ux, uy = cells["pol_x"], cells["pol_y"]
    ux += a * (cos - ux)
    uy += a * (sin - uy)
    lag = np.abs(np.arctan2(cos * uy - sin * ux, cos * ux + sin * uy))
    turn = lag / p.turn_window_min
    z = np.exp(1j * theta)  # the angle wrapped to (-π, π], as np.angle(z) computes it
    cells["theta_rad"] = np.arctan2(z.imag, z.real)
    cells["x_um"], cells["y_um"] = x, y
    cells["speed_um_per_min"] = speed
    cells["turn_rate_rad_per_min"] = turn
    cells["rear_width_um"] = p.rear_width_um / (1.0 + turn * p.turn_narrowing_min)


def _reflect(pos, size):
    """Positions reflected back into [0, size], and which of them hit a wall."""
    lo, hi = pos < 0, pos > size
    hit = lo | hi
    if hit.any():
        pos = np.where(lo, -pos, np.where(hi, 2 * size - pos, pos))
    return clip(pos, 0, size), hit


def rear_points(cells, idx: np.ndarray, offset_um: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points on the rear edge of cells ``idx`` at lateral offsets ``offset_um``.

    The offset is clipped to the current rear half-width, so a narrowing rear pulls its
    fibres' attachment points inwards.

    Parameters
    ----------
    cells : Pool
        The cells, with ``x_um, y_um, theta_rad, radius_um, rear_width_um``.
    idx : ndarray of int, shape (n,)
        Cell rows.
    offset_um : ndarray, shape (n,)
        Lateral offsets from the rear's centre, µm.

    Returns
    -------
    x_um, y_um : ndarray, shape (n,)
        The points, µm.
    """
    th = cells["theta_rad"][idx]
    r = cells["radius_um"][idx]
    half = cells["rear_width_um"][idx] / 2
    u = clip(offset_um, -half, half)
    cos, sin = np.cos(th), np.sin(th)
    x = cells["x_um"][idx] - r * cos - u * sin
    y = cells["y_um"][idx] - r * sin + u * cos
    return x, y

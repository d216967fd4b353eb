"""Cell migration: a persistent random walk with turning, rear width and adhesion (MODEL.md §2).

Speed comes from the cell's motors (myosin II, Arp2/3), vimentin and how strongly it adheres
(biphasic, Palecek 1997); persistence from angular diffusion D_θ = 1/τ_p; turning cells
have narrower rears (Fan 2022), measured by the smoothed rate of change of polarity.
"""

from __future__ import annotations

import numpy as np

from ..parameters import EcmParams, MoleculeLevels
from .kinetics import hill_norm

__all__ = ["ecm_ligand", "specific_adhesion", "reference_scenario", "site_pairing",
           "site_pairs", "adhesion_pairs", "SITE_INTEGRIN", "motility_factors",
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
    """Integrin → relative affinity of the pairs that anchor a site on this coating."""
    e = scenario.ecm
    scale = e.collagen1_affinity if e.coating == "collagen-I" else 1.0
    return {a: scale for a in SITE_INTEGRIN[e.coating]}


def adhesion_pairs(scenario) -> dict[str, float]:
    """The pairs that make adhesions and so RF anchors: the site pairs plus αv on
    fibronectin (Hynes 2002)."""
    pairs = site_pairs(scenario)
    if scenario.ecm.coating == "fibronectin":
        pairs["ITGAV"] = scenario.ecm.itgav_fibronectin_affinity
    return pairs


def ecm_ligand(scenario) -> float:
    """Ligand density on the substrate, 0–1 (Langmuir in coating concentration)."""
    c = scenario.ecm.concentration_ug_per_ml
    if scenario.ecm.coating == "uncoated":
        return 0.0
    return c / (c + scenario.ecm.half_saturation_ug_per_ml)


def specific_adhesion(scenario) -> float:
    """Integrin–ECM pairing (relative): Σ_j min(α_j, β1)·affinity_j·ligand.

    β1 pairs with every α named here, so the scarcer of the two sets the number of dimers.
    At wild-type NRK levels on 10 µg/ml fibronectin it is 0.75 (see ``reference_scenario``).
    """
    return _pairing(scenario.molecules, adhesion_pairs(scenario)) * ecm_ligand(scenario)


def site_pairing(scenario) -> float:
    """Integrin–ECM pairing that anchors a migrasome site: Σ_j min(α_j, β1)·affinity_j over
    the site pairs of ``SITE_INTEGRIN`` (relative; 1 for α5 on fibronectin at wild type)."""
    return _pairing(scenario.molecules, site_pairs(scenario))


def reference_scenario(scenario):
    """The scenario at its reference condition: wild-type levels on the default coating
    (10 µg/ml fibronectin), with the scenario's own adsorption constant.

    Read-outs that scale from a reference (RF anchor density, site anchoring) divide by the
    value of this scenario, so no reference number is typed in by hand.
    """
    ecm = scenario.ecm.model_copy(update={"coating": "fibronectin",
                                          "concentration_ug_per_ml": EcmParams().
                                          concentration_ug_per_ml})
    return scenario.model_copy(update={"molecules": MoleculeLevels(), "ecm": ecm})


def _pairing(m, pairs: dict[str, float]) -> float:
    # β1 pairs with every α named here, so the scarcer of the two sets the number of dimers
    return sum(min(getattr(m, a), m.ITGB1) * k for a, k in pairs.items())


def motility_factors(scenario) -> tuple[float, float]:
    """(speed factor, persistence factor) from motors, vimentin and adhesion.

    Motor activity responds cooperatively (``cells.motor_half``; blebbistatin and CK-666
    nearly stop cells, Ma 2015); vimentin loss lowers speed to 60 % and persistence
    to 50 % (Fan 2022, fig≈); speed is biphasic in adhesiveness α, ∝ (α/α₀)·e^{1−α/α₀}
    (Palecek 1997 Nature), with α = specific + non-specific adhesion.
    """
    m = scenario.molecules
    p = scenario.cells
    motors = float(hill_norm(m.myosin_II, p.motor_half, 2) * hill_norm(m.arp23, p.motor_half, 2))
    vim = min(m.vimentin, 1.0)
    alpha = specific_adhesion(scenario) + p.nonspecific_adhesion
    a = alpha / p.adhesion_optimum
    adhesion = a * np.exp(1.0 - a)
    speed = (1 - p.vimentin_speed_loss) + p.vimentin_speed_loss * vim
    persistence = (1 - p.vimentin_persistence_loss) + p.vimentin_persistence_loss * vim
    return motors * speed * float(adhesion), persistence


def init_cells_arrays(scenario, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Initial positions, polarities and intrinsic speeds of ``n_cells`` cells."""
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
    """
    p = scenario.cells
    n = len(cells)
    d_theta = 1.0 / (p.persistence_min * persistence_factor)
    theta = cells["theta_rad"]
    bias = -cells["bias_x"] * np.sin(theta) + cells["bias_y"] * np.cos(theta)
    theta = theta + bias * dt + np.sqrt(2 * d_theta * dt) * rng.standard_normal(n)
    speed = cells["base_speed_um_per_min"] * speed_factor * cells["motility_factor"]
    x = cells["x_um"] + speed * np.cos(theta) * dt
    y = cells["y_um"] + speed * np.sin(theta) * dt
    x, theta = _reflect(x, theta, scenario.run.width_um, horizontal=True)
    y, theta = _reflect(y, theta, scenario.run.height_um, horizontal=False)
    # smoothed polarity vector: its lag behind the current polarity measures turning
    a = min(dt / p.turn_window_min, 1.0)
    ux = cells["pol_x"] + a * (np.cos(theta) - cells["pol_x"])
    uy = cells["pol_y"] + a * (np.sin(theta) - cells["pol_y"])
    lag = np.abs(np.arctan2(np.cos(theta) * uy - np.sin(theta) * ux,
                            np.cos(theta) * ux + np.sin(theta) * uy))
    turn = lag / p.turn_window_min
    cells["theta_rad"] = np.angle(np.exp(1j * theta))
    cells["x_um"], cells["y_um"] = x, y
    cells["pol_x"], cells["pol_y"] = ux, uy
    cells["speed_um_per_min"] = speed
    cells["turn_rate_rad_per_min"] = turn
    cells["rear_width_um"] = p.rear_width_um / (1.0 + turn * p.turn_narrowing_min)


def _reflect(pos, theta, size, *, horizontal: bool):
    lo, hi = pos < 0, pos > size
    pos = np.where(lo, -pos, np.where(hi, 2 * size - pos, pos))
    hit = lo | hi
    theta = np.where(hit, (np.pi - theta) if horizontal else -theta, theta)
    return np.clip(pos, 0, size), theta


def rear_points(cells, idx: np.ndarray, offset_um: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Points on the rear edge of cells ``idx`` at lateral offsets ``offset_um``.

    The offset is clipped to the current rear half-width, so a narrowing rear pulls its
    fibres' attachment points inwards.
    """
    th = cells["theta_rad"][idx]
    r = cells["radius_um"][idx]
    half = cells["rear_width_um"][idx] / 2
    u = np.clip(offset_um, -half, half)
    x = cells["x_um"][idx] - r * np.cos(th) - u * np.sin(th)
    y = cells["y_um"][idx] - r * np.sin(th) + u * np.cos(th)
    return x, y

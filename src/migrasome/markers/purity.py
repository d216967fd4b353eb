"""Purity: expected marker profiles of fractions, from a simulated migrasome population.

A profile is the abundance of each marker per unit protein relative to the whole-cell
lysate (lysate = 1 for every marker). Three reference profiles:

``migrasome``  built from a simulated population (``migrasomes`` table: ``max_diameter_um``,
               ``domain_area_um2``; ``cargo`` table if present: filled volume, inner
               vesicles; ``cells``: ``radius_um``). Membrane markers scale with membrane area
               per protein (π d² against the cytosol the migrasome took up), TSPAN4/TSPAN7
               with the tetraspanin domain, exosome markers with the inner vesicles' membrane;
``exosome``    a small-EV fraction (constants below, each with its source or reason);
``cell_body``  the lysate itself (all 1).

A fraction with contamination is the protein-mass mixture of the three. The estimator fits a
measured log2 profile (sample / lysate) with non-negative mixture weights and a free scale
(median normalisation leaves one), in log2 space, and bootstraps the markers for an error.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import least_squares, nnls

from .sets import SETS, load_marker_sets, set_members

__all__ = ["PROFILE_PARAMS", "reference_profiles", "expected_profile", "estimate_purity",
           "purity_table",
           "BACKGROUND_ROWS"]

#: Profile parameters: (value, source). Relative abundances are per unit protein, lysate = 1.
PROFILE_PARAMS: dict[str, tuple[float, str]] = {
    "membrane_protein_share": (0.25, "assumed: ≈ a quarter of a cell's protein mass is in "
                               "membranes"),
    "cell_radius_um": (10.0, "assumed: used only when the Results has no cells table"),
    "tspan_domain_enrichment": (5.0, "assumed: TSPAN4/7 concentrate in the TEMA domain "
                                "(Huang 2019); a few-fold over the plasma membrane"),
    "integrin_enrichment": (3.0, "assumed value; integrin α5/β1 are enriched on migrasomes "
                            "relative to RFs (Wu 2017)"),
    "specific_enrichment": (5.0, "assumed value; NDST1, EOGT, PIGK, CPQ are enriched in "
                            "migrasomes (Zhao 2019)"),
    "inner_vesicle_diameter_um": (0.075, "Ma 2015 (inner vesicles 50–100 nm): midpoint"),
    "inner_vesicle_exosome_markers": (2.0, "assumed: inner vesicles (which may be exosome-"
                                      "like, Zhang 2024 citing Ma 2015) carry small-EV "
                                      "tetraspanins at generic-membrane level; migrasomes lack "
                                      "the MVB marker LAMP1 (Ma 2015)"),
    "migrasome_exosome_floor": (0.1, "assumed: migrasomes lack LAMP1 (Ma 2015); CD9/CD81 "
                                "only at a plasma-membrane trace"),
    "migrasome_cell_body_floor": (0.02, "assumed: trace nuclear/Golgi protein in a purified "
                                  "vesicle fraction"),
    "exosome_markers": (20.0, "assumed value; CD63/CD9/CD81, LAMP1/2 define exosomes "
                        "(Zhang 2024 Table 1)"),
    "exosome_migrasome_membrane": (2.0, "assumed value; TSPAN4 and integrins are abundant "
                                   "on exosome membranes (Zhang 2024, section 8)"),
    "exosome_specific": (0.05, "assumed value; NDST1, EOGT, PIGK, CPQ absent or barely "
                         "detectable in exosomes (Zhao 2019)"),
    "exosome_cell_body": (0.02, "assumed value; non-EV compartments are depleted from EVs "
                          "(MISEV2018 category 4)"),
    "exosome_cytosol": (0.5, "assumed: small EVs hold little cytosol per membrane"),
    "exosome_membrane": (2.0, "assumed: generic membrane proteins, as for TSPAN4/integrins"),
}

#: Pseudo-markers for proteins in no set: cytosolic and membrane background.
BACKGROUND_ROWS = ("_cytosol", "_membrane")
_TSPAN = {"TSPAN4", "TSPAN7"}
_INTEGRIN = {"ITGA5", "ITGB1"}


def _p(name: str, over: dict | None) -> float:
    return float((over or {}).get(name, PROFILE_PARAMS[name][0]))


def _population(results) -> dict[str, Any]:
    """Summed areas, volumes and vesicle membrane of a simulated migrasome population."""
    mig = results.migrasomes
    d = mig["max_diameter_um"].to_numpy(float)
    ok = np.isfinite(d) & (d > 0)
    if not ok.any():
        raise ValueError("the Results has no migrasome with a diameter "
                         "(migrasomes.max_diameter_um); simulate longer or more cells")
    mig = mig[ok]
    d = d[ok]
    area = np.pi * d ** 2
    dom = mig["domain_area_um2"].to_numpy(float) if "domain_area_um2" in mig else area
    dom = np.where(np.isfinite(dom), np.minimum(dom, area), 0.0)
    vol = np.pi / 6 * d ** 3
    n_ves = 0.0
    cargo = results.tables.get("cargo") if hasattr(results, "tables") else None
    if cargo is not None and len(cargo):
        c = cargo.set_index("migrasome_id")
        ids = mig["migrasome_id"]
        if "cargo_volume_um3" in c:
            filled = ids.map(c["cargo_volume_um3"]).to_numpy(float)
            vol = np.where(np.isfinite(filled) & (filled > 0), filled, vol)
        if "n_vesicles" in c:
            n_ves = float(np.nansum(ids.map(c["n_vesicles"]).to_numpy(float)))
    cells = results.tables.get("cells") if hasattr(results, "tables") else None
    r = (float(np.nanmedian(cells["radius_um"])) if cells is not None and len(cells)
         else None)
    out: dict[str, Any] = {
        "area": float(area.sum()), "domain": float(dom.sum()), "volume": float(vol.sum()),
        "n_vesicles": n_ves, "cell_radius_um": r, "n": int(ok.sum())}
    return out


def reference_profiles(results=None, *, markers: pd.DataFrame | None = None,
                       params: dict | None = None) -> pd.DataFrame:
    """The three reference profiles (markers × ``migrasome, exosome, cell_body``).

    Parameters
    ----------
    results : Results, optional
        A simulation (``migrasome.simulate``). Default: a 6 h, 20-cell run of the
        ``monocyte-angiogenesis`` preset (it records cargo), seed 0.
    markers : DataFrame, optional
        Marker table (default: the shipped, scored markers).
    params : dict, optional
        Overrides of :data:`PROFILE_PARAMS` values.

    Returns
    -------
    DataFrame
        Rows: marker symbols, then ``_cytosol`` and ``_membrane``; attrs["population"]
        holds the population summary.

    Examples
    --------
    >>> import migrasome
    >>> from migrasome.markers import reference_profiles
    >>> res = migrasome.simulate("monocyte-angiogenesis", hours=3, cells=6, seed=1)
    >>> prof = reference_profiles(res)
    >>> bool(prof.loc["NDST1", "migrasome"] > 10 * prof.loc["NDST1", "exosome"])
    True
    """
    if results is None:
        from ..simulation import simulate

        results = simulate("monocyte-angiogenesis", hours=6, cells=20, seed=0)
    markers = load_marker_sets() if markers is None else markers
    members = set_members(markers)
    pop = _population(results)
    r = pop["cell_radius_um"] or _p("cell_radius_um", params)
    phi = _p("membrane_protein_share", params)
    lam = phi * r / (3 * (1 - phi))  # membrane protein per µm² over cytosolic per µm³ (µm)
    area_c, vol_c = 4 * np.pi * r ** 2, 4 / 3 * np.pi * r ** 3
    prot_c = vol_c + lam * area_c
    ves_area = pop["n_vesicles"] * np.pi * _p("inner_vesicle_diameter_um", params) ** 2
    prot = pop["volume"] + lam * (pop["area"] + ves_area)
    per_area_c = lam * area_c / prot_c
    mem = lam * pop["area"] / prot / per_area_c
    cyto = pop["volume"] / prot / (vol_c / prot_c)
    e_t = _p("tspan_domain_enrichment", params)
    tspan = lam * (pop["area"] + (e_t - 1) * pop["domain"]) / prot / per_area_c
    ves = (_p("migrasome_exosome_floor", params) + _p("inner_vesicle_exosome_markers", params)
           * lam * ves_area / prot / per_area_c)
    mig, exo = {}, {}
    for s, syms in members.items():
        for g in syms:
            if s == "migrasome":
                if g in _TSPAN:
                    mig[g] = tspan
                elif g in _INTEGRIN:
                    mig[g] = _p("integrin_enrichment", params) * mem
                else:
                    mig[g] = _p("specific_enrichment", params) * mem
                exo[g] = (_p("exosome_migrasome_membrane", params) if g in _TSPAN | _INTEGRIN
                          else _p("exosome_specific", params))
            elif s == "exosome":
                mig[g], exo[g] = ves, _p("exosome_markers", params)
            elif s == "cell_body":
                mig[g] = _p("migrasome_cell_body_floor", params)
                exo[g] = _p("exosome_cell_body", params)
            else:  # a user set: no model, neutral
                mig[g], exo[g] = 1.0, 1.0
    mig["_cytosol"], exo["_cytosol"] = cyto, _p("exosome_cytosol", params)
    mig["_membrane"], exo["_membrane"] = mem, _p("exosome_membrane", params)
    prof = pd.DataFrame({"migrasome": mig, "exosome": exo})
    prof["cell_body"] = 1.0
    prof.attrs["population"] = pop
    return prof[list(SETS)]


def expected_profile(profiles: pd.DataFrame, *, debris_fraction: float = 0.0,
                     exosome_fraction: float = 0.0) -> pd.Series:
    """The profile of a migrasome fraction contaminated by cell debris and exosomes.

    Parameters
    ----------
    profiles : DataFrame
        From :func:`reference_profiles`.
    debris_fraction, exosome_fraction : float
        Protein-mass fractions of cell-body material and exosomes (the rest is migrasomes).

    Returns
    -------
    Series
        Abundance per marker relative to the lysate.

    Examples
    --------
    >>> import pandas as pd
    >>> prof = pd.DataFrame({"migrasome": [8.0], "exosome": [0.1], "cell_body": [1.0]},
    ...                     index=["NDST1"])
    >>> float(expected_profile(prof, debris_fraction=0.5)["NDST1"])
    4.5
    """
    for name, v in (("debris_fraction", debris_fraction), ("exosome_fraction",
                                                           exosome_fraction)):
        if not 0 <= v <= 1:
            raise ValueError(f"{name} must be in [0, 1], got {v}")
    if debris_fraction + exosome_fraction > 1:
        raise ValueError("debris_fraction + exosome_fraction must be ≤ 1, got "
                         f"{debris_fraction + exosome_fraction}")
    w = np.array([1 - debris_fraction - exosome_fraction, exosome_fraction, debris_fraction])
    return profiles[list(SETS)] @ w


def _fit(y: np.ndarray, P: np.ndarray) -> np.ndarray:
    a0, _ = nnls(P, np.exp2(y))
    a0 = np.maximum(a0, 1e-3 * max(a0.max(), 1e-6))

    def res(a):
        return np.log2(np.maximum(P @ a, 1e-12)) - y

    return least_squares(res, a0, bounds=(0, np.inf), method="trf").x


def estimate_purity(log2_ratio: pd.Series, profiles: pd.DataFrame, *, n_boot: int = 200,
                    seed: int = 0) -> dict:
    """Mixture fractions of a measured profile: migrasome purity with a bootstrap error.

    Parameters
    ----------
    log2_ratio : Series
        Log2 abundance of each marker in the fraction relative to the whole-cell lysate
        (any constant offset is fine); NaN markers are left out.
    profiles : DataFrame
        From :func:`reference_profiles`.
    n_boot : int
        Bootstrap resamples of the markers (seeded Generator).
    seed : int

    Returns
    -------
    dict
        ``purity`` (migrasome protein fraction), ``purity_se``, ``purity_low``,
        ``purity_high`` (2.5–97.5 % of the bootstrap), ``exosome_fraction``,
        ``cell_body_fraction``, ``n_markers``, ``rms_residual_log2``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> prof = pd.DataFrame({"migrasome": [8, 8, .1, .1, .02, .02],
    ...                      "exosome": [.05, .05, 20, 20, .02, .02], "cell_body": 1.0},
    ...                     index=list("abcdef"))
    >>> y = np.log2(expected_profile(prof, debris_fraction=0.3))
    >>> round(estimate_purity(y, prof, n_boot=20)["purity"], 2)
    0.7
    """
    y = pd.Series(log2_ratio, dtype=float)
    common = [g for g in y.index if g in profiles.index and np.isfinite(y[g])]
    out = {"purity": np.nan, "purity_se": np.nan, "purity_low": np.nan,
           "purity_high": np.nan, "exosome_fraction": np.nan, "cell_body_fraction": np.nan,
           "n_markers": len(common), "rms_residual_log2": np.nan}
    if len(common) < 4:
        return out
    P = profiles.loc[common, list(SETS)].to_numpy(float)
    yv = y[common].to_numpy(float)
    a = _fit(yv, P)
    f = a / a.sum() if a.sum() > 0 else np.full(3, np.nan)
    resid = np.log2(np.maximum(P @ a, 1e-12)) - yv
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(n_boot):
        i = rng.integers(0, len(yv), len(yv))
        if len(np.unique(i)) < 3:
            continue
        b = _fit(yv[i], P[i])
        if b.sum() > 0:
            boot.append(b[0] / b.sum())
    boot_a = np.array(boot)
    out.update(purity=float(f[0]), exosome_fraction=float(f[1]),
               cell_body_fraction=float(f[2]), rms_residual_log2=float(np.sqrt(np.mean(
                   resid ** 2))))
    if len(boot_a) >= 2:
        out.update(purity_se=float(boot_a.std(ddof=1)),
                   purity_low=float(np.percentile(boot_a, 2.5)),
                   purity_high=float(np.percentile(boot_a, 97.5)))
    return out


def purity_table(result, profiles: pd.DataFrame, *, n_boot: int = 200, seed: int = 0,
                 anchor_background: bool = True) -> pd.DataFrame:
    """Purity of every sample of a :class:`MarkerScores` whose reference is a lysate.

    Parameters
    ----------
    result : MarkerScores
        Scored against a declared whole-cell-lysate reference.
    profiles : DataFrame
        From :func:`reference_profiles`.
    n_boot, seed : int
        Bootstrap of the markers.
    anchor_background : bool
        Also fit the median log2 ratio of the proteins in no set as the ``_cytosol``
        profile (the median protein of a proteome is taken to be a soluble one); this pins
        the free scale that median normalisation leaves.

    Returns
    -------
    DataFrame, one row per sample other than the reference
        ``sample``, the fields of :func:`estimate_purity` and ``dominant`` (the fraction
        with the largest protein share: ``migrasome``, ``exosome``, ``cell-body``).
    """
    if result.reference is None:
        raise ValueError("purity needs a declared whole-cell-lysate reference sample")
    rows = []
    for s in result.log2_ratio.columns:
        if s == result.reference:
            continue
        y = result.log2_ratio[s].copy()
        bg = result.background_log2.get(s, np.nan)
        if anchor_background and np.isfinite(bg):
            y["_cytosol"] = bg
        est = estimate_purity(y, profiles, n_boot=n_boot, seed=seed)
        frac = {"migrasome": est["purity"], "exosome": est["exosome_fraction"],
                "cell-body": est["cell_body_fraction"]}
        dominant = (max(frac, key=lambda k: frac[k]) if all(np.isfinite(v) for v in frac.values())
                    else "unclear")
        rows.append({"sample": s, **est, "dominant": dominant})
    return pd.DataFrame(rows)

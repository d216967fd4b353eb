"""Parameters of the migrasome machinery: molecules, fibres, biogenesis, membrane.

Molecular levels, retraction fibres, biogenesis kinetics at each site, and the membrane
(MODEL.md §3, §4, §7).
"""

from __future__ import annotations

from .base import CALIBRATED, Section, param

__all__ = ["MoleculeLevels", "FiberParams", "BiogenesisParams", "MembraneParams"]


class MoleculeLevels(Section):
    """Levels relative to wild type (1.0) of the cell type.

    Each field's source (a paper, or "assumed" with the reason) sits beside its value and is
    listed by :func:`~migrasome.parameters.sources_table` (the report's parameter table).

    Parameters
    ----------
    TSPAN4 : float
        TSPAN4 level.
    TSPAN7 : float
        TSPAN7 level.
    other_tetraspanins : float
        Other migrasome-promoting tetraspanins, relative to TSPAN4.
    cholesterol : float
        Membrane cholesterol.
    SMS2 : float
        Sphingomyelin synthase 2 activity.
    PIP5K1A : float
        PIP5K1A level.
    Rab35 : float
        Rab35 level.
    ITGA5 : float
        Integrin α5 (fibronectin receptor).
    ITGA3 : float
        Integrin α3 (laminin-511 receptor).
    ITGA1 : float
        Integrin α1 (collagen receptor).
    ITGAV : float
        Integrin αv (also binds fibronectin).
    ITGB1 : float
        Integrin β1 (pairs with the α subunits above).
    ROCK1 : float
        ROCK1 activity.
    myosin_II : float
        Myosin II activity.
    arp23 : float
        Arp2/3 activity.
    vimentin : float
        Vimentin level.

    Examples
    --------
    >>> MoleculeLevels(TSPAN4=8.0).TSPAN4, MoleculeLevels().ITGA3
    (8.0, 0.458)
    """

    TSPAN4: float = param(1.0, "wild type", ge=0, le=100)
    TSPAN7: float = param(1.0, "wild type", ge=0, le=100)
    other_tetraspanins: float = param(
        0.35, "assumed: tetraspanins other than TSPAN4/7 (Huang 2019: 14 of 33 promote "
        "migrasomes) relative to TSPAN4", ge=0, le=100)
    cholesterol: float = param(1.0, "wild type", ge=0, le=10)
    SMS2: float = param(1.0, "wild type", ge=0, le=100)
    PIP5K1A: float = param(1.0, "wild type", ge=0, le=100)
    Rab35: float = param(1.0, "wild type", ge=0, le=100)
    ITGA5: float = param(1.0, "wild type (NRK express α5 highly, Wu 2017)", ge=0, le=100)
    ITGA3: float = param(0.458, "fitted: NRK α3 vs α5, from migrasomes on laminin-511 "
                         "(Wu 2017, fig≈ 2 vs 7)" + CALIBRATED, ge=0, le=100,
        fitted_to=('wu2017_laminin',))
    ITGA1: float = param(0.502, "fitted: NRK α1, from migrasomes on collagen (Wu 2017)"
                         + CALIBRATED,
                         ge=0, le=100,
        fitted_to=('wu2017_collagen1',))
    ITGAV: float = param(1.0, "wild type (αv integrins also bind fibronectin)", ge=0, le=100)
    ITGB1: float = param(1.0, "wild type", ge=0, le=100)
    ROCK1: float = param(1.0, "wild type", ge=0, le=100)
    myosin_II: float = param(1.0, "wild type (activity)", ge=0, le=10)
    arp23: float = param(1.0, "wild type (activity)", ge=0, le=10)
    vimentin: float = param(1.0, "wild type", ge=0, le=10)


class FiberParams(Section):
    """Retraction fibres: adhesion density, joining into networks, breakage (MODEL.md §3).

    Each field's source (a paper, or "assumed" with the reason) sits beside its value and is
    listed by :func:`~migrasome.parameters.sources_table` (the report's parameter table).

    Parameters
    ----------
    adhesion_density_per_um2 : float
        RF-anchoring adhesions per area swept by the rear, at saturating ligand, 1/µm².
    join_distance_um : float
        A new RF whose adhesion lies this close to an RF of its cell joins it, µm.
    max_depth : int
        Deepest level of branches of branches.
    break_time_min : float
        Ageing time τ of the RF membrane, min: a section's rupture rate rises as
        (age/τ)^m.
    break_age_exponent : float
        Exponent m of the age rise of the rupture rate.
    break_length_um : float
        Length ℓ of RF whose rupture rate is 1/τ at age τ, µm (the rate is per length).
    bell_distance_nm : float
        Bell distance x_β of the tube's rupture: the rate rises as exp(F·x_β/kT) with the
        tube force F = 2π√(2κσ).
    max_junction_frac : float
        Largest fraction along its parent at which a branch joins.
    tspan4_stabilization : float
        Exponent of the tetraspanin level dividing the RF rupture rate.
    """

    adhesion_density_per_um2: float = param(
        0.0143, "fitted: RF-anchoring adhesions per µm² at saturating ligand, to ≈7 "
        "migrasomes per NRK cell on fibronectin (Wu 2017, fig≈) and the Chen 2019 dose "
        "ratios (with cells.adhesion_optimum)" + CALIBRATED,
        unit="1/µm²", gt=0, fitted_to=('wu2017_nrk_fn', 'chen2019_fn_low',
                                       'chen2019_fn_high'))
    join_distance_um: float = param(
        1.5, "assumed: RFs closer than ~1–2 µm merge (Wu 2017 images of RF networks)",
        unit="µm", ge=0, le=20)
    max_depth: int = param(4, "assumed: branches of branches, to bound the network depth",
                           ge=0, le=16)
    break_time_min: float = param(
        110.0, "assumed: ageing time of the RF membrane; with break_length_um gives RF "
        "lives of ≈1.5–2 h (Wang 2022)", unit="min", gt=0, le=10000)
    break_age_exponent: float = param(
        0.5, "assumed: the rupture rate of an RF section rises with its age (Wang 2022: the "
        "oldest, far sections break first); with the length an RF gains as the cell moves "
        "on, the break age is then ≈Weibull with shape m + 2 = 2.5", ge=0, le=10)
    break_length_um: float = param(
        24.0, "assumed: RF length whose rupture rate is 1/τ at age τ; a WT RF is ≈45 µm "
        "when it breaks (rupture is per length: a longer RF has more places to fail)",
        unit="µm", gt=0, le=10000)
    bell_distance_nm: float = param(
        0.5, "assumed: Bell distance of membrane-tube rupture under force (Bell 1978 "
        "Science; Evans 2003 Biophys J: sub-nm for lipid bilayers), so a tenser, "
        "stiffer tube breaks sooner", unit="nm", ge=0, le=10)
    max_junction_frac: float = param(
        0.9, "assumed: largest fraction along its parent at which a branch joins (the two "
        "tubes zip together over the stretch nearest the cell)", gt=0, le=1)
    tspan4_stabilization: float = param(
        0.964, "fitted: Wang 2022: TSPAN4 OE lengthens total RF length ≈2.7× (exponent of "
        "the tetraspanin level dividing the RF rupture rate: tetraspanin webs reinforce the "
        "tube; assumed form)" + CALIBRATED,
        ge=0, le=5,
        fitted_to=('wang2022_rf_length',))


class BiogenesisParams(Section):
    """Biogenesis kinetics at each site: nucleation, maturation, expansion (MODEL.md §4).

    Each field's source (a paper, or "assumed" with the reason) sits beside its value and is
    listed by :func:`~migrasome.parameters.sources_table` (the report's parameter table).

    Parameters
    ----------
    pip2_rate_per_min : float
        Rate at which PI(4,5)P2 relaxes to its target, 1/min.
    rab35_rate_per_min : float
        Rate at which Rab35 relaxes to its target, 1/min.
    integrin_rate_per_min : float
        Rate at which the integrin cluster relaxes to its target, 1/min.
    nucleation_threshold : float
        Integrin cluster (relative to wild type) that anchors a site.
    nucleation_timeout_min : float
        A site not anchored or matured by then is abandoned, min.
    sm_rate_per_min : float
        Sphingomyelin synthesis at a wild-type SMS2 focus (threshold 1), 1/min.
    sms2_focus_density_per_um2 : float
        SMS2 foci per area of leading-edge path, 1/µm².
    sms2_focus_lifetime_min : float
        How long an SMS2 focus lasts on the substrate, min.
    sms2_focus_radius_um : float
        Radius within which a focus serves a site, µm.
    sms2_basal : float
        Sphingomyelin synthesis at a site without a focus, relative to one with.
    growth_time_min : float
        Time constant of TEMA growth and tetraspanin enrichment, min.
    full_size_fraction : float
        Fraction of the plateau area counted as full size.
    domain_area_um2 : float
        Membrane supply S a median site can recruit into its TEMA, µm²; the plateau area
        is S·E/(E + E½).
    enrichment_half : float
        Enrichment E½ at which recruitment and dissociation balance at half the supply.
    domain_area_cv : float
        Site-to-site coefficient of variation of the supply.
    kappa_ratio_max : float
        Largest domain rigidity ratio κ_p/κ_l (full enrichment).
    tetraspanin_exponent : float
        Cooperativity of TEMA assembly in the tetraspanin level.
    cholesterol_half : float
        Cholesterol level (relative) at which TEMA assembly is half-maximal.
    cholesterol_hill : float
        Hill coefficient of the cholesterol response.
    branch_head_start : float
        Sphingomyelin a branch-point site starts with (threshold 1).
    degradation_time_min : float
        Mean time from release to breakdown, min.
    anchor_spread : float
        Log-normal σ of site-to-site integrin supply.
    sms2_spread : float
        Log-normal σ of site-to-site SMS2 activity.
    enrichment_spread : float
        Log-normal σ of site-to-site tetraspanin supply.
    enrichment_threshold : float
        Tetraspanin enrichment (relative to the wild-type median) a swelling needs to be kept.
    pip2_half : float
        PI(4,5)P2 level at which Rab35 recruitment is half-saturated, relative.
    rab35_half : float
        Active Rab35 at which integrin α5 recruitment is half-saturated, relative.
    rock1_half : float
        ROCK1 activity at which adhesion strength is half-saturated, relative.
    """

    pip2_rate_per_min: float = param(0.1, "assumed: PIP5K1A makes PI(4,5)P2 in ~10 min "
                                     "(Ding 2023 Nat Cell Biol)", unit="1/min", gt=0)
    rab35_rate_per_min: float = param(0.1, "assumed: Rab35 follows PI(4,5)P2 in ~10 min "
                                      "(Ding 2023)", unit="1/min", gt=0)
    integrin_rate_per_min: float = param(0.08, "assumed: α5 clusters in ~10–15 min "
                                         "(Ding 2023; Wu 2017)", unit="1/min", gt=0)
    nucleation_threshold: float = param(
        0.335, "fitted: α5 cluster (rel. to WT steady state) that anchors a site, to the "
        "ITGA5-KD phenotype (Wu 2017 ≈0.5×)" + CALIBRATED, gt=0, le=1,
        fitted_to=('wu2017_itga5kd',))
    nucleation_timeout_min: float = param(
        90.0, "assumed: a site that has not anchored by then is abandoned", unit="min", gt=0)
    sm_rate_per_min: float = param(
        0.08, "assumed: at a WT SMS2 focus, sphingomyelin reaches the growth threshold in "
        "~12 min (Liang 2023 Nat Cell Biol)", unit="1/min", gt=0)
    sms2_focus_density_per_um2: float = param(
        0.15, "assumed: SMS2 foci per µm² of leading-edge path; Liang 2023 (foci mark "
        "future migrasome sites)", unit="1/µm²", ge=0)
    sms2_focus_lifetime_min: float = param(
        120.0, "assumed: a focus outlasts the ≈45 min the cell body takes to pass over it and "
        "lives about as long as the RFs that grow from under it (Liang 2023 does not give "
        "a lifetime)", unit="min", gt=0, le=10000)
    sms2_focus_radius_um: float = param(3.0, "assumed: a focus serves sites within ~3 µm",
                                        unit="µm", gt=0)
    sms2_basal: float = param(0.35, "assumed: SM synthesis at a site without a focus "
                              "(Liang 2023: SMS2-KD lowers but does not abolish)", ge=0, le=1)
    growth_time_min: float = param(
        20.0, "Ma 2015 Cell Res; Wu 2017 (α5 puncta grow to full size in ≈1–2 h, fig≈)",
        unit="min", gt=0)
    full_size_fraction: float = param(0.9, "assumed: 'full size' when 90 % of the plateau",
                                      gt=0.5, lt=1)
    domain_area_um2: float = param(
        10.0, "assumed: membrane supply (µm²) a site can recruit into its TEMA; with "
        "enrichment_half 1 the median WT plateau is half of it, π d² ≈ 5 µm² for d ≈ 1.2 µm "
        "(Ma 2015: 0.5–3 µm)", unit="µm²", gt=0)
    enrichment_half: float = param(
        1.0, "assumed: enrichment E½ at which recruitment into the TEMA and dissociation "
        "from it balance at half the supply (the WT median, so a site with more TSPAN4 "
        "grows bigger and faster; Huang 2019 TSPAN4-OE gives larger migrasomes)",
        gt=0, le=100)
    domain_area_cv: float = param(0.55, "assumed: site-to-site spread giving 0.5–3 µm "
                                  "(Ma 2015; MODEL.md §4)", ge=0, le=3)
    kappa_ratio_max: float = param(
        21.0, "assumed: gives κ_p/κ_l = 11 at the median WT enrichment, near the published "
        "model's 10 (Huang 2019 Nat Cell Biol)", gt=1, le=100)
    tetraspanin_exponent: float = param(
        1.59, "fitted: TEMs assemble TEMAs cooperatively (Huang 2019); with the site "
        "spread, to tspan4a loss ≈3–4× fewer (Jiang 2019) and TSPAN4-OE ≈3.5× more (Wang "
        "2022)" + CALIBRATED, gt=0, le=10,
        fitted_to=('wang2022_tspan4oe', 'jiang2019_tspan4a'))
    cholesterol_half: float = param(0.601, "fitted: cholesterol needed for TEMA, to "
                                    "Huang 2019 (MβCD blocks)" + CALIBRATED, gt=0,
        fitted_to=('huang2019_mbcd',))
    cholesterol_hill: float = param(4.0, "assumed: steep, Huang 2019 (depletion blocks)",
                                    gt=0, le=10)
    branch_head_start: float = param(
        0.3, "Dharan 2023: tension jumps at junctions start swellings (SM head start, "
        "assumed size)", ge=0, le=1)
    anchor_spread: float = param(
        0.522, "fitted: log-normal σ of site-to-site integrin supply (ligand density "
        "under the adhesion); sets how graded the ITGA5-KD phenotype is (Wu 2017 ≈0.5×)"
        "" + CALIBRATED,
        gt=0, le=3, fitted_to=("wu2017_itga5kd",))
    sms2_spread: float = param(
        0.35, "assumed: log-normal σ of site-to-site SMS2 activity", gt=0, le=3)
    enrichment_spread: float = param(
        1.16, "fitted: log-normal σ of site-to-site tetraspanin supply; sets how graded "
        "the tetraspanin phenotypes are" + CALIBRATED, gt=0, le=5,
        fitted_to=("jiang2019_tspan4a", "wang2022_tspan4oe"))
    enrichment_threshold: float = param(
        1.0, "assumed: tetraspanin enrichment (relative to the wild-type median) a swelling "
        "needs to be kept, so half of wild-type swellings are kept (Dharan 2023: without "
        "TSPAN4 enrichment swellings do not become migrasomes)", gt=0, le=100)
    pip2_half: float = param(
        1.01, "fitted: PI(4,5)P2 level (relative) at which Rab35 recruitment is "
        "half-saturated (Ding 2023: PIP5K1A → PI(4,5)P2 → Rab35)" + CALIBRATED, gt=0, le=100,
        fitted_to=("ding2023_pip5k1a_kd",))
    rab35_half: float = param(
        1.45, "fitted: active Rab35 (relative) at which integrin α5 recruitment is "
        "half-saturated (Ding 2023)" + CALIBRATED, gt=0, le=100, fitted_to=("ding2023_rab35_kd",))
    rock1_half: float = param(
        0.3, "assumed: ROCK1 activity (relative) at which the strength of integrin–ECM "
        "adhesions (the cell's and the site's cluster) is half-saturated, as for the "
        "motors (Lu 2020: ROCK1 regulates adhesion to fibronectin and its inhibition "
        "blocks migrasomes)",
        gt=0, le=10)
    degradation_time_min: float = param(
        200.0, "Wu 2017 J Cell Biol: migrasomes live ≈200 min (text); mean time from "
        "release to breakdown, assumed", unit="min", gt=0)


class MembraneParams(Section):
    """The RF membrane: bending rigidity (kT) and tension (pN/µm) (MODEL.md §3, §7).

    Each field's source (a paper, or "assumed" with the reason) sits beside its value and is
    listed by :func:`~migrasome.parameters.sources_table` (the report's parameter table).

    Parameters
    ----------
    kappa_kT : float
        Bending rigidity κ of the RF membrane, kT.
    tension_pN_per_um : float
        Membrane tension σ, pN/µm.
    """

    kappa_kT: float = param(20.0, "MODEL.md §3: κ ≈ 20–25 kT", unit="kT", gt=0, le=1000)
    tension_pN_per_um: float = param(10.0, "MODEL.md §3: σ ≈ 10 pN/µm", unit="pN/µm", gt=0,
                                     le=10000)

"""Parameters of migrasome functions: cargo, mitocytosis, the signalling field (MODEL.md §5).

Amounts of protein and signalling molecules are in arbitrary units (au); a species'
concentration in the field is in au/µm² (the substrate is 2-D).
"""

from __future__ import annotations

from .base import CALIBRATED_EMBRYO, Section, param

__all__ = ["CargoParams", "MitochondriaParams", "FieldParams", "SignallingParams",
           "RecipientParams", "EmbryoParams", "InjectionParams"]

_SPECIES = ["cxcl12", "vegfa", "tgfb1"]


class CargoParams(Section):
    """What fills a migrasome while it is connected, and what happens after release.

    Each field's source (a paper, or "assumed" with the reason) sits beside its value and is
    listed by :func:`~migrasome.parameters.sources_table` (the report's parameter table).

    Parameters
    ----------
    enabled : bool
        Run the cargo module.
    cell_volume_um3 : float
        Cytoplasmic volume of a cell, µm³.
    protein_au_per_um3 : float
        Cytosolic protein concentration at the set point, au/µm³.
    protein_synthesis_per_min : float
        Rate at which cell pools relax back to their set points, 1/min.
    vesicles_per_um3 : float
        Small inner vesicles taken in per migrasome volume, 1/µm³.
    cell_vesicle_pool : int
        Small cytoplasmic vesicles per cell at the set point.
    rna_granules_per_um3 : float
        RNA granules taken in per migrasome volume (Poisson mean), 1/µm³.
    cell_mrna_copies : int
        Copies of the tracked transcript per cell at the set point.
    mrna_copies_per_granule : int
        Copies of the tracked transcript per RNA granule.
    signal_au_per_um3 : dict of str to dict of str to float
        Signal loaded per migrasome volume, by cell type then species, au/µm³.
    rupture_per_min : float
        Rupture hazard of a released migrasome, 1/min.
    uptake_distance_um : float
        Reach beyond a cell's edge within which it takes migrasomes up, µm.
    uptake_per_min : float
        Uptake hazard of a migrasome within reach of a cell, 1/min.
    uptake_cell_types : list of str
        Cell types that take migrasomes up (empty: all).
    translation_delay_min : float
        Mean delay before transferred mRNA is translated, min.
    protein_au_per_mrna : float
        Protein made per transferred mRNA copy, au.
    """

    enabled: bool = param(False, "assumed: off unless a preset asks for cargo")
    cell_volume_um3: float = param(
        2000.0, "assumed: spread cell of radius 15 µm and mean height ≈3 µm", unit="µm³",
        gt=0)
    protein_au_per_um3: float = param(
        1.0, "Ma 2015 Cell Res: cytosolic GFP fills migrasomes at the cytosol's "
        "concentration (migracytosis); unit amount per µm³ assumed", unit="au/µm³", gt=0)
    protein_synthesis_per_min: float = param(
        0.005, "assumed: cytosolic protein turnover of hours (half-life ≈2 h)",
        unit="1/min", ge=0)
    vesicles_per_um3: float = param(
        21.6, "fitted: Ma 2015 Cell Res; Zhu 2021: 10–300 small vesicles per migrasome, "
        "≈60 in an embryo migrasome" + CALIBRATED_EMBRYO, unit="1/µm³", ge=0,
        fitted_to=("ma2015_vesicles",))
    cell_vesicle_pool: int = param(
        20000, "assumed: small cytoplasmic vesicles per cell, refilled by synthesis", ge=0)
    rna_granules_per_um3: float = param(
        0.142, "fitted: Zhu 2021 Cell Res: ≈30 % of migrasomes carry RNA (Poisson granules "
        "per volume)" + CALIBRATED_EMBRYO, unit="1/µm³", ge=0,
        fitted_to=("zhu2021_rna_fraction",))
    cell_mrna_copies: int = param(
        2000, "assumed: copies of the tracked transcript per cell, refilled by transcription",
        ge=0)
    mrna_copies_per_granule: int = param(
        20, "assumed: copies of a tracked transcript (e.g. Pten) per RNA granule", ge=1)
    signal_au_per_um3: dict[str, dict[str, float]] = param(
        {"zebrafish-mesendoderm": {"cxcl12": 10.0},
         "monocyte": {"vegfa": 10.0, "cxcl12": 4.0},
         "MSC": {"cxcl12": 10.0},
         "RPE": {"tgfb1": 6.0}},
        "Jiang 2019 (Cxcl12 enriched in zebrafish migrasomes); Zhang C. 2022 (monocyte "
        "migrasomes rich in VEGFA, CXCL12); Deniz 2023 (MSC: CXCL12); Wu 2022 (RPE: TGF-β1 "
        "pathway); amounts assumed", unit="au/µm³")
    rupture_per_min: float = param(
        0.002, "Ma Y. 2023: released migrasomes rupture and free their inner vesicles "
        "(MDNPs); rate assumed (a minority of migrasomes within their ≈200 min life)",
        unit="1/min", ge=0)
    uptake_distance_um: float = param(
        5.0, "assumed: a cell engulfs migrasomes within ≈5 µm of its edge", unit="µm", ge=0)
    uptake_per_min: float = param(
        0.01, "Zhu 2021 Cell Res: recipients take up migrasomes over hours; rate assumed",
        unit="1/min", ge=0)
    uptake_cell_types: list[str] = param(
        [], "assumed: empty = every cell type can take up migrasomes")
    translation_delay_min: float = param(
        240.0, "Zhu 2021 Cell Res: Pten protein from transferred mRNA in recipients within "
        "~6 h; mean delay assumed", unit="min", gt=0)
    protein_au_per_mrna: float = param(
        0.5, "assumed: protein made per transferred mRNA copy", unit="au", ge=0)


class MitochondriaParams(Section):
    """Mitochondrial damage, mitocytosis and mitophagy (Jiao et al. 2021 Cell).

    Each field's source (a paper, or "assumed" with the reason) sits beside its value and is
    listed by :func:`~migrasome.parameters.sources_table` (the report's parameter table).

    Parameters
    ----------
    enabled : bool
        Run the mitochondria module.
    n_per_cell : int
        Mitochondria per cell at the set point.
    cccp_uM : float
        CCCP dose, µM.
    damage_basal_per_min : float
        Basal damage rate of healthy mitochondria, 1/min.
    damage_per_uM_per_min : float
        Extra damage rate per µM CCCP, 1/(µM·min).
    entry_per_migrasome_per_min : float
        Entry rate of a damaged mitochondrion per attached migrasome, 1/min.
    healthy_entry_ratio : float
        Entry of healthy mitochondria relative to damaged ones.
    mitophagy_basal_per_min : float
        Basal mitophagy rate of damaged mitochondria, 1/min.
    mitophagy_max_per_min : float
        Extra mitophagy rate at saturating CCCP, 1/min.
    mitophagy_ec50_uM : float
        CCCP dose of half-maximal extra mitophagy, µM.
    mitophagy_hill : float
        Hill coefficient of mitophagy in dose.
    motility_ic50_uM : float
        CCCP dose that halves cell speed, µM.
    motility_hill : float
        Hill coefficient of the speed loss in dose.
    biogenesis_per_min : float
        Rate at which biogenesis refills the pool towards its set point, 1/min.
    """

    enabled: bool = param(False, "assumed: off unless a preset asks for mitochondria")
    n_per_cell: int = param(200, "assumed: a few hundred mitochondria per fibroblast", ge=1)
    cccp_uM: float = param(0.0, "condition: CCCP dose (Jiao 2021 used mild doses for "
                           "mitocytosis, 10 µM for mitophagy)", unit="µM", ge=0, le=100)
    damage_basal_per_min: float = param(
        2e-4, "assumed: physiological damage load of migrating cells (Jiao 2021)",
        unit="1/min", ge=0)
    damage_per_uM_per_min: float = param(
        1e-3, "assumed: CCCP depolarises mitochondria in proportion to dose", unit="1/(µM·min)",
        ge=0)
    entry_per_migrasome_per_min: float = param(
        0.004, "Jiao 2021 Cell: damaged mitochondria at the periphery enter growing "
        "migrasomes (rate assumed)", unit="1/min", ge=0)
    healthy_entry_ratio: float = param(
        0.05, "Jiao 2021 Cell: healthy mitochondria bind inward motors and stay central; "
        "their entry relative to damaged ones assumed", ge=0, le=1)
    mitophagy_basal_per_min: float = param(
        5e-4, "assumed: basal mitophagy of damaged mitochondria", unit="1/min", ge=0)
    mitophagy_max_per_min: float = param(
        0.03, "Narendra 2008 J Cell Biol: PINK1/Parkin mitophagy at 10 µM CCCP within hours; "
        "rate assumed", unit="1/min", ge=0)
    mitophagy_ec50_uM: float = param(
        5.0, "assumed: Parkin recruitment needs strong depolarisation (Narendra 2008)",
        unit="µM", gt=0)
    mitophagy_hill: float = param(4.0, "assumed: switch-like Parkin recruitment", gt=0)
    motility_ic50_uM: float = param(
        5.0, "Jiao 2021 Cell: cells barely migrate at 10 µM CCCP; mild doses keep migration",
        unit="µM", gt=0)
    motility_hill: float = param(3.0, "assumed: motility falls steeply between 2 and 10 µM",
                                 gt=0)
    biogenesis_per_min: float = param(
        0.002, "assumed: mitochondrial biogenesis restores the pool over ≈8 h",
        unit="1/min", ge=0)


class FieldParams(Section):
    """Released signals on a grid: diffusion, decay, uptake.

    Each field's source (a paper, or "assumed" with the reason) sits beside its value and is
    listed by :func:`~migrasome.parameters.sources_table` (the report's parameter table).

    Parameters
    ----------
    enabled : bool
        Run the signal field.
    species : list of str
        Signalling species carried.
    grid_spacing_um : float
        Grid spacing of the field, µm.
    diffusion_um2_per_min : dict of str to float
        Diffusion coefficient of each species, µm²/min.
    decay_per_min : dict of str to float
        First-order decay rate of each species, 1/min.
    uptake_per_min : float
        Clearance rate by each cell, at the grid cells it covers, 1/min.
    release_per_min : float
        Leak rate of signal from an intact released migrasome, 1/min.
    record_coarsen : int
        The recorded field keeps every n-th grid cell per axis.

    Examples
    --------
    >>> FieldParams().species, FieldParams().decay_per_min["cxcl12"]
    (['cxcl12', 'vegfa', 'tgfb1'], 0.02)
    """

    enabled: bool = param(False, "assumed: off unless a preset asks for the field")
    species: list[str] = param(list(_SPECIES), "MODEL.md §5 (Cxcl12, VEGFA, TGF-β1)")
    grid_spacing_um: float = param(5.0, "assumed: resolves gradients over a cell (r ≈ 10 µm)",
                                   unit="µm", gt=0.1, le=100)
    diffusion_um2_per_min: dict[str, float] = param(
        {"cxcl12": 60.0, "vegfa": 120.0, "tgfb1": 120.0},
        "assumed: effective D of ECM-binding ligands ≈1–2 µm²/s (Fgf8 in zebrafish ≈4 µm²/s, "
        "Yu 2009 Nature; chemokines bind heparan sulfate and move slower)", unit="µm²/min")
    decay_per_min: dict[str, float] = param(
        {"cxcl12": 0.02, "vegfa": 0.02, "tgfb1": 0.02},
        "assumed: ligand half-life ≈35 min in tissue (Yu 2009 Nature: Fgf8 ≈ 0.006/min free "
        "plus receptor clearance)", unit="1/min")
    uptake_per_min: float = param(
        0.05, "assumed: receptor-mediated clearance by each cell it covers", unit="1/min", ge=0)
    release_per_min: float = param(
        0.01, "assumed: signal leaks from an intact released migrasome over ≈100 min "
        "(Jiang 2019: migrasomes act as local signalling centres)", unit="1/min", ge=0)
    record_coarsen: int = param(4, "assumed: field_frames keep every 4th grid cell per axis",
                                ge=1, le=64)


class RecipientParams(Section):
    """A population of cells that read the field by chemotaxis (DFCs, CD34+ cells, ...).

    Each field's source (a paper, or "assumed" with the reason) sits beside its value and is
    listed by :func:`~migrasome.parameters.sources_table` (the report's parameter table).

    Parameters
    ----------
    cell_type : str
        Name of the recipient cell type.
    n : int
        Number of recipient cells.
    species : str
        Species whose gradient they climb.
    speed_um_per_min : float
        Speed, µm/min.
    persistence_min : float
        Persistence time of the random walk, min.
    radius_um : float
        Radius, µm.
    start_min : float
        Time from which recipients move, min.
    receptor_kd_au_per_um2 : float
        Receptor half-occupancy concentration K, au/µm².
    chemotactic_gain_um : float
        Turning per unit occupancy gradient, µm.
    start_x_um : list of float
        Start box, x range (two values), µm.
    start_y_um : list of float
        Start box, y range (two values), µm.
    target_x_um : float
        Centre of the cluster zone, x, µm.
    target_y_um : float
        Centre of the cluster zone, y, µm.
    cluster_radius_um : float
        Radius of the cluster zone, µm.
    activation_per_au : float
        Response per au of cargo protein taken up (1/au).
    """

    cell_type: str = param("DFC", "Jiang 2019: dorsal forerunner cells read Cxcl12")
    n: int = param(0, "assumed: none unless a preset adds recipients", ge=0, le=100000)
    species: str = param("cxcl12", "Jiang 2019 (Cxcl12 → DFCs); Deniz 2023 (CXCL12 → CD34+)")
    speed_um_per_min: float = param(1.1, "Jiang 2019: zebrafish gastrula cells ≈1.1 µm/min",
                                    unit="µm/min", ge=0)
    persistence_min: float = param(10.0, "assumed: gastrula cells turn every ≈10 min",
                                   unit="min", gt=0)
    radius_um: float = param(8.0, "assumed: small round embryonic cells", unit="µm", gt=0)
    start_min: float = param(
        0.0, "assumed: recipients move from the start of the run (zebrafish: DFCs from "
        "shield stage, Oteíza 2008 Development)", unit="min", ge=0)
    receptor_kd_au_per_um2: float = param(
        0.002, "assumed: receptor half-occupancy concentration (Cxcr4-like)", unit="au/µm²",
        gt=0)
    chemotactic_gain_um: float = param(
        3000.0, "assumed: polarity turning per unit occupancy gradient (µm × 1/µm)", unit="µm",
        ge=0)
    start_x_um: list[float] = param([150.0, 450.0], "assumed: start box, x range",
                                    unit="µm")
    start_y_um: list[float] = param([40.0, 120.0], "assumed: start box, y range", unit="µm")
    target_x_um: float = param(300.0, "Jiang 2019: DFCs cluster vegetally next to the shield",
                               unit="µm")
    target_y_um: float = param(150.0, "Jiang 2019 (see target_x_um)", unit="µm")
    cluster_radius_um: float = param(40.0, "assumed: a DFC cluster ≈80 µm across (20–30 "
                                     "cells of ≈8 µm radius, loosely packed)", unit="µm", gt=0)
    activation_per_au: float = param(
        0.02, "assumed: response (e.g. proliferation/migration boost) per au of cargo "
        "protein taken up (Zhu 2021; Wu 2022)", ge=0)


class EmbryoParams(Section):
    """From DFC clustering to Kupffer's vesicle and organ laterality (zebrafish).

    Each field's source (a paper, or "assumed" with the reason) sits beside its value and is
    listed by :func:`~migrasome.parameters.sources_table` (the report's parameter table).

    Parameters
    ----------
    enabled : bool
        Score embryos at the last step.
    kv_half_fraction : float
        Clustered DFC fraction at which KV failure is half-way.
    kv_steepness : float
        Width of the KV-failure threshold, in clustered fraction.
    laterality_given_defect : float
        Fraction of failed-KV embryos with a laterality defect.
    n_embryos : int
        Embryos per condition (replicates).
    kv_failure_floor : float
        Background probability of organ defects.
    """

    enabled: bool = param(False, "assumed: only the zebrafish preset scores embryos")
    kv_half_fraction: float = param(
        0.286, "fitted: Gokey 2016 Dev Dyn: Kupffer's vesicle needs a threshold size "
        "(enough DFCs) for robust left–right patterning; the threshold, as a fraction of "
        "DFCs in the cluster zone, to the mutant and injection rates of Jiang 2019 (the "
        "wild-type rate is then a prediction)" + CALIBRATED_EMBRYO, ge=0, le=1,
        fitted_to=("jiang2019_mutant_defects", "jiang2019_injection"))
    kv_steepness: float = param(
        0.05, "assumed: width of the KV-failure threshold (in clustered fraction), for "
        "embryo-to-embryo variation in DFC proliferation and cilia; calibrated with "
        "kv_half_fraction", gt=0, le=1)
    laterality_given_defect: float = param(
        0.5, "assumed: a failed KV randomises left–right; half of randomised embryos still "
        "look normal (Jiang 2019: ≈30 % laterality of ≈65 % organ defects)", ge=0, le=1)
    n_embryos: int = param(24, "assumed: embryos per condition a run scores (replicates)",
                           ge=1, le=10000)
    kv_failure_floor: float = param(
        0.03, "assumed: wild-type background of organ defects (Jiang 2019: low in WT)",
        ge=0, le=1)


class InjectionParams(Section):
    """Wild-type migrasomes injected into the cavity beneath the shield (Jiang 2019).

    Each field's source (a paper, or "assumed" with the reason) sits beside its value and is
    listed by :func:`~migrasome.parameters.sources_table` (the report's parameter table).

    Parameters
    ----------
    n_migrasomes : int
        Number of migrasomes injected (0: none).
    t_min : float
        Time of the injection, min.
    donor_cell_type : str
        Cell type whose cargo the injected migrasomes carry.
    diameter_um : float
        Diameter of the injected migrasomes, µm.
    spread_um : float
        Spread (SD) of the injected bolus around the convergence point, µm.
    """

    n_migrasomes: int = param(0, "condition: none unless the injection perturbation is on",
                              ge=0, le=100000)
    t_min: float = param(0.0, "Jiang 2019: injected beneath the shield (the zebrafish preset "
                         "sets shield stage, t = 90 min)", unit="min", ge=0)
    donor_cell_type: str = param("zebrafish-mesendoderm", "Jiang 2019: WT embryo migrasomes")
    diameter_um: float = param(1.7, "Jiang 2019: in-vivo mean diameter ≈1.7 µm, fig≈",
                               unit="µm", gt=0)
    spread_um: float = param(40.0, "assumed: injected bolus spreads ≈40 µm in the cavity",
                             unit="µm", gt=0)


class SignallingParams(Section):
    """Recipient cells reading the field, producer convergence, embryo outcome, injection.

    Each field's source (a paper, or "assumed" with the reason) sits beside its value and is
    listed by :func:`~migrasome.parameters.sources_table` (the report's parameter table).

    Parameters
    ----------
    enabled : bool
        Run recipients, convergence and embryo scoring.
    chemotaxis_cell_types : dict of str to str
        Engine cell types (key) that follow a species (value).
    convergence_x_um : float
        Point producer cells converge to, x, µm.
    convergence_y_um : float
        Point producer cells converge to, y, µm.
    convergence_bias : float
        Strength of the turning bias towards that point (0: off).
    convergence_radius_um : float
        Radius around the point within which there is no pull, µm.
    activation_speed_gain : float
        Largest relative speed gain of cells that took up cargo (0: off).
    recipients : RecipientParams
        The recipient cells.
    embryo : EmbryoParams
        Embryo scoring.
    injection : InjectionParams
        Migrasome injection.
    """

    enabled: bool = param(False, "assumed: off unless a preset asks for signalling")
    chemotaxis_cell_types: dict[str, str] = param(
        {}, "assumed: engine cell types (key) that follow a species (value), e.g. RPE → "
        "tgfb1 (Wu 2022: migrasomes activate RPE migration)")
    convergence_x_um: float = param(300.0, "Jiang 2019: migrasomes gather in the cavity "
                                    "beneath the embryonic shield", unit="µm")
    convergence_y_um: float = param(210.0, "Jiang 2019 (see convergence_x_um)", unit="µm")
    convergence_bias: float = param(
        0.0, "Solnica-Krezel 2005: mesendoderm converges dorsally; strength assumed "
        "(0 = off)", ge=0, le=10)
    convergence_radius_um: float = param(60.0, "assumed: cells inside this radius of the "
                                         "convergence point feel no pull", unit="µm", ge=0)
    activation_speed_gain: float = param(
        0.0, "Wu 2022: RPE cells that take up migrasomes migrate more; maximal relative speed "
        "gain assumed (0 = off)", ge=0, le=10)
    recipients: RecipientParams = RecipientParams()
    embryo: EmbryoParams = EmbryoParams()
    injection: InjectionParams = InjectionParams()

"""Named perturbations: changes of molecular levels, physical parameters or environment.

Each one changes inputs of the mechanism — never an outcome — and carries its source.
They compose in the order given: ``scale`` multiplies, ``set`` replaces. A perturbation
with a ``dose_path`` takes a value, ``NAME:VALUE`` (e.g. ``fibronectin:20``); that value is
written to ``dose_path`` after the perturbation's own changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .parameters import ScenarioError, get_path, set_path
from .scenario import Scenario

__all__ = ["Perturbation", "PERTURBATIONS", "apply_perturbations", "list_perturbations"]


@dataclass(frozen=True)
class Perturbation:
    """A named change of scenario inputs: ``scale`` multiplies, ``set`` replaces.

    With a ``dose_path`` it takes ``NAME:VALUE`` and writes the value there.

    Parameters
    ----------
    name : str
        What users type (``"ITGA5-KD"``, ``"fibronectin"``).
    description : str
        One line, with the level or dose it stands for.
    source : str
        The paper the change comes from (and ``level assumed`` where the size is assumed).
    scale : dict of str to float
        Dotted scenario paths and the factor each is multiplied by.
    set : dict of str to object
        Dotted scenario paths and the value each is set to.
    dose_path : str, optional
        Where the value of ``NAME:VALUE`` is written.
    dose_unit : str
        Unit of that value (e.g. ``"µg/ml"``).
    """

    name: str
    description: str
    source: str
    scale: dict[str, float] = field(default_factory=dict)
    set: dict[str, object] = field(default_factory=dict)
    dose_path: str | None = None
    dose_unit: str = ""


_P = Perturbation
_BUILTIN = [
    _P("TSPAN4-OE", "TSPAN4 over-expression (×8 level)",
       "Huang 2019 Nat Cell Biol; Wang 2022 (≈3.5× migrasomes in L929, fig≈); level assumed",
       scale={"molecules.TSPAN4": 8.0}),
    _P("TSPAN4-KD", "TSPAN4 knockdown (20 % left)", "Huang 2019 Nat Cell Biol; level assumed",
       scale={"molecules.TSPAN4": 0.2}),
    _P("TSPAN4-KO", "TSPAN4 knockout", "Huang 2019 Nat Cell Biol",
       set={"molecules.TSPAN4": 0.0}),
    _P("TSPAN7-KO", "TSPAN7 loss", "Jiang 2019 Nat Cell Biol (zebrafish tspan7)",
       set={"molecules.TSPAN7": 0.0}),
    _P("tspan4a-mutant", "zebrafish tspan4a mutant (TSPAN4 ortholog lost)",
       "Jiang 2019 Nat Cell Biol", set={"molecules.TSPAN4": 0.0}),
    _P("tspan7-mutant", "zebrafish tspan7 mutant", "Jiang 2019 Nat Cell Biol",
       set={"molecules.TSPAN7": 0.0}),
    _P("MbCD", "cholesterol depletion with methyl-β-cyclodextrin (30 % left)",
       "Huang 2019 Nat Cell Biol (migrasomes blocked); level assumed",
       scale={"molecules.cholesterol": 0.3}),
    _P("cholesterol-depleted-serum", "culture in lipoprotein-deficient serum (50 % left)",
       "Wang 2022 (fewer migrasomes); level assumed", scale={"molecules.cholesterol": 0.5}),
    _P("SMS2-KD", "SMS2 knockdown (20 % left)", "Liang 2023 Nat Cell Biol; level assumed",
       scale={"molecules.SMS2": 0.2}),
    _P("SMS2-inhibitor", "SMS2 inhibitor (10 % activity left)",
       "Liang 2023 Nat Cell Biol; level assumed", scale={"molecules.SMS2": 0.1}),
    _P("PIP5K1A-KD", "PIP5K1A knockdown (20 % left)", "Ding 2023 Nat Cell Biol; level assumed",
       scale={"molecules.PIP5K1A": 0.2}),
    _P("Rab35-KD", "Rab35 knockdown (20 % left)", "Ding 2023 Nat Cell Biol; level assumed",
       scale={"molecules.Rab35": 0.2}),
    _P("Rab35-DN", "dominant-negative Rab35 (5 % active left)",
       "Ding 2023 Nat Cell Biol; level assumed", scale={"molecules.Rab35": 0.05}),
    _P("ITGA5-KD", "integrin α5 knockdown (50 % left)",
       "Wu 2017 J Cell Biol (≈0.5× migrasomes on fibronectin, fig≈); level assumed",
       scale={"molecules.ITGA5": 0.5}),
    _P("ITGB1-KD", "integrin β1 knockdown (30 % left)", "Wu 2017 J Cell Biol; level assumed",
       scale={"molecules.ITGB1": 0.3}),
    _P("ROCK1-inhibitor", "SAR407899, ROCK1 inhibitor (20 % activity left)",
       "Lu 2020 (blocks migrasomes, RFs little changed); level assumed",
       scale={"molecules.ROCK1": 0.2}),
    _P("blebbistatin", "myosin II inhibitor (15 % activity left)",
       "Ma 2015 Cell Res (no migration, no migrasomes); level assumed",
       scale={"molecules.myosin_II": 0.15}),
    _P("CK-666", "Arp2/3 inhibitor (20 % activity left)",
       "Ma 2015 Cell Res; level assumed", scale={"molecules.arp23": 0.2}),
    _P("vimentin-KO", "vimentin knockout", "Fan 2022 J Cell Biol (slower, less persistent)",
       set={"molecules.vimentin": 0.0}),
    _P("TGF-beta1", "TGF-β1 stimulation: Smad2/3 raises TSPAN4 (×2.5)",
       "Wu 2022 (RPE cells, proliferative vitreoretinopathy); level assumed",
       scale={"molecules.TSPAN4": 2.5}),
    _P("fibronectin", "fibronectin coating at a dose, µg/ml (fibronectin:20)",
       "Wu 2017 J Cell Biol; Chen 2019 (dose–response)", set={"ecm.coating": "fibronectin"},
       dose_path="ecm.concentration_ug_per_ml", dose_unit="µg/ml"),
    _P("laminin-511", "laminin-511 coating (10 µg/ml, or laminin-511:DOSE)",
       "Wu 2017 J Cell Biol", set={"ecm.coating": "laminin-511"},
       dose_path="ecm.concentration_ug_per_ml", dose_unit="µg/ml"),
    _P("collagen-I", "collagen I coating (10 µg/ml, or collagen-I:DOSE)", "Wu 2017 J Cell Biol",
       set={"ecm.coating": "collagen-I"}, dose_path="ecm.concentration_ug_per_ml",
       dose_unit="µg/ml"),
    _P("collagen-IV", "collagen IV coating (10 µg/ml, or collagen-IV:DOSE)",
       "Wu 2017 J Cell Biol", set={"ecm.coating": "collagen-IV"},
       dose_path="ecm.concentration_ug_per_ml", dose_unit="µg/ml"),
    _P("uncoated", "uncoated glass", "Wu 2017 J Cell Biol (≈0 migrasomes)",
       set={"ecm.coating": "uncoated", "ecm.concentration_ug_per_ml": 0.0}),
    # function modules (MODEL.md §5)
    _P("CCCP", "mitochondrial uncoupler CCCP at a dose, µM (CCCP:2 mild, "
       "CCCP:10 strong)", "Jiao 2021 Cell (mild stress → mitocytosis; 10 µM → "
       "little migration, mitophagy)", set={"mitochondria.enabled": True},
       dose_path="mitochondria.cccp_uM", dose_unit="µM"),
    _P("migrasome-injection", "WT migrasomes injected beneath the shield "
       "(migrasome-injection:N, default 50)",
       "Jiang 2019 Nat Cell Biol (injection rescues mutant organ defects); "
       "number assumed", set={"signalling.injection.n_migrasomes": 50},
       dose_path="signalling.injection.n_migrasomes", dose_unit="migrasomes"),
    _P("no-rupture", "released migrasomes do not rupture (no MDNPs)",
       "assumed: a control for Ma Y. 2023 MDNP release",
       set={"cargo.rupture_per_min": 0.0}),
    _P("no-uptake", "recipient cells do not take up migrasomes",
       "assumed: a control for Zhu 2021 lateral transfer",
       set={"cargo.uptake_per_min": 0.0}),
]

PERTURBATIONS: dict[str, Perturbation] = {p.name: p for p in _BUILTIN}


def list_perturbations() -> dict[str, Perturbation]:
    """Every named perturbation.

    Returns
    -------
    dict of str to Perturbation
        A copy of ``PERTURBATIONS``, by name.

    Examples
    --------
    >>> p = list_perturbations()["ITGA5-KD"]
    >>> p.scale
    {'molecules.ITGA5': 0.5}
    """
    return dict(PERTURBATIONS)


def _parse(spec: str) -> tuple[Perturbation, float | int | None]:
    name, _, dose = spec.partition(":")
    key = {k.lower(): k for k in PERTURBATIONS}.get(name.strip().lower())
    if key is None:
        raise ScenarioError(f"unknown perturbation {name!r}; choose from: "
                            + ", ".join(PERTURBATIONS) + " (see `migrasome perturbations`)")
    p = PERTURBATIONS[key]
    if not dose:
        return p, None
    if p.dose_path is None:
        raise ScenarioError(f"perturbation {p.name!r} takes no dose (got {spec!r})")
    value: float | int
    try:
        value = int(dose)  # a count stays a count (strict types)
    except ValueError:
        try:
            value = float(dose)
        except ValueError:
            value = math.nan
    if not math.isfinite(value):
        raise ScenarioError(f"dose of {p.name!r} must be a finite number in {p.dose_unit}, "
                            f"got {dose!r}")
    return p, value


def apply_perturbations(scenario: Scenario, names: list[str] | tuple[str, ...]) -> Scenario:
    """A copy of ``scenario`` with the perturbations applied in order and recorded.

    Parameters
    ----------
    scenario : Scenario
        The scenario to change (not modified).
    names : list of str, or str
        Perturbation names (case-insensitive), each optionally ``NAME:VALUE`` for those with
        a dose (value in the perturbation's ``dose_unit``).

    Returns
    -------
    Scenario
        Validated, with ``perturbations`` extended by ``names``.

    Raises
    ------
    ScenarioError
        For an unknown name, a dose given to a perturbation that takes none, a dose that is
        not a number, or a result outside a parameter's bounds.

    Examples
    --------
    >>> from migrasome.scenario import Scenario
    >>> s = apply_perturbations(Scenario(), ["ITGA5-KD", "fibronectin:20"])
    >>> s.molecules.ITGA5, s.ecm.concentration_ug_per_ml, s.perturbations
    (0.5, 20.0, ['ITGA5-KD', 'fibronectin:20'])
    """
    if isinstance(names, str):
        names = [names]
    data = scenario.model_dump(mode="json")
    for spec in names:
        p, dose = _parse(spec)
        for path, factor in p.scale.items():
            set_path(data, path, get_path(data, path) * factor)
        for path, value in p.set.items():
            set_path(data, path, value)
        if dose is not None and p.dose_path is not None:
            set_path(data, p.dose_path, dose)
    data["perturbations"] = list(scenario.perturbations) + list(names)
    return Scenario.from_dict(data, origin=f"{scenario.name} + {', '.join(names)}")

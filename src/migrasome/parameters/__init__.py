"""Every parameter of a scenario, grouped by what it describes.

``base``       the parameter helper (value, unit, bounds, source), dotted-path get/set
``culture``    the run and the dish, the cells and their migration, the ECM coating
``biology``    molecular levels, retraction fibres, biogenesis kinetics, the membrane
``functions``  cargo, mitochondria, the signalling field, recipients, embryos, injection
"""

from .base import (
    STATUSES,
    ScenarioError,
    Section,
    explain_validation,
    get_path,
    param,
    set_path,
    sources_table,
)
from .biology import BiogenesisParams, FiberParams, MembraneParams, MoleculeLevels
from .culture import ECM_TYPES, CellParams, EcmParams, RunParams
from .functions import (
    CargoParams,
    EmbryoParams,
    FieldParams,
    InjectionParams,
    MitochondriaParams,
    RecipientParams,
    SignallingParams,
)

__all__ = [
    "STATUSES", "ScenarioError", "Section", "param", "sources_table", "get_path", "set_path",
    "explain_validation", "RunParams", "CellParams", "EcmParams", "ECM_TYPES",
    "MoleculeLevels", "FiberParams", "BiogenesisParams", "MembraneParams", "CargoParams",
    "MitochondriaParams", "FieldParams", "RecipientParams", "EmbryoParams", "InjectionParams",
    "SignallingParams",
]

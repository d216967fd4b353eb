"""Membrane mechanics of a retraction fibre carrying a stiff tetraspanin domain (MODEL.md §7).

Owns the physics of RF membranes: ``solve_tube`` relaxes the axisymmetric Helfrich shape of
a tube with a domain; ``swelling_diameter_um`` is the interface the simulation's expansion
step calls (it interpolates a table of ``solve_tube`` results, see ``membrane.table``).
Layers import downward only: ``physics`` (constants, closed forms) and ``discrete`` (the
energy) at the bottom, then ``solver`` (relaxation), ``tube`` (``solve_tube``), ``table`` and
``swelling``.
"""

from .physics import (
    KT_PN_UM,
    swelling_diameter_closed_form_um,
    swelling_energy_closed_form,
    tube_force_pN,
    tube_radius_um,
)
from .swelling import swelling_diameter_um
from .table import build_swelling_table, load_swelling_table, lookup_swelling, phase_diagram
from .tube import TubeShape, solve_tube

__all__ = [
    "solve_tube", "TubeShape", "swelling_diameter_um", "swelling_diameter_closed_form_um",
    "swelling_energy_closed_form", "tube_radius_um", "tube_force_pN", "KT_PN_UM",
    "build_swelling_table", "load_swelling_table", "lookup_swelling", "phase_diagram",
]

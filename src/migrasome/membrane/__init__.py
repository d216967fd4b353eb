"""Membrane mechanics of a retraction fibre carrying a stiff tetraspanin domain (MODEL.md §7).

``swelling_diameter_um`` is the interface the simulation's expansion step calls.
"""

from .swelling import swelling_diameter_um, tube_radius_um, tube_force_pN, KT_PN_UM

__all__ = ["swelling_diameter_um", "tube_radius_um", "tube_force_pN", "KT_PN_UM"]

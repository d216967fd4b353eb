"""Declared families of randomised scenes: what varies, over which range.

A family is a set of ranges a scene's settings are drawn from.  Families are split into
those the detector may be trained and tuned on (``TRAINING``) and those kept out of any
tuning (``HELD_OUT``), on which the validation benchmark reports separately: the held-out
figures say how the analysis does on kinds of movies it was not tuned to.

Every range is ``(low, high)`` and drawn uniformly per movie (log-uniformly for pixel size
and SNR) unless stated.  The ranges are assumed, chosen to span what published migrasome
movies show (Ma et al. 2015 Cell Res.; Huang et al. 2019 Nat. Cell Biol.; Jiang et al. 2019
Nat. Cell Biol.): NRK/L929 cells of 10–25 µm, RFs of 5–40 µm, migrasomes 0.5–3 µm, wide-field
and confocal objectives of NA 0.8–1.45 at 0.06–0.2 µm per pixel.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

__all__ = ["Family", "FAMILIES", "TRAINING", "HELD_OUT", "family"]


@dataclass(frozen=True)
class Family:
    """Ranges of the settings of one family of scenes (lengths µm, times frames).

    Attributes
    ----------
    name : str
    pixel_size_um : (float, float)
        Drawn log-uniformly.
    numerical_aperture : (float, float)
    modality : tuple of str
        Drawn from these (``widefield``, ``confocal``).
    snr : (float, float)
        Peak of a 1 µm migrasome above background over the background noise (log-uniform).
    n_cells : (int, int)
    cell_radius_um : (float, float)
    lobes : float
        Largest relative amplitude of the shape harmonics (0 round, 0.35 deeply lobed).
    overlap : float
        Probability that a cell is placed against an earlier one (touching or overlapping).
    rim : (float, float)
        Brightness of the cell edge relative to the body (membrane seen edge-on).
    fibers_per_cell : (int, int)
    fiber_length_um : (float, float)
    curvature : float
        Heading diffusion of a fibre, rad per √µm.
    branch_prob, rear_spread_rad : float
        Chance that a fibre branches; spread of the fibres' directions about the rear.
    tip_prob, branch_site_prob, along_per_fiber : float
        Migrasome at a tip, at a branch point; expected number along a fibre.
    touch_prob : float
        Chance a migrasome has a touching neighbour.
    edge_prob, under_prob : float
        Chance per fibre of a migrasome at the cell edge; per cell of one under the body.
    debris_per_100um2 : (float, float)
        Exosome-sized puncta (0.1–0.45 µm), off and on fibres.
    gradient, vignette, haze : (float, float)
        Illumination ramp across the field and fall-off to the corners (fractions), and
        out-of-focus haze (fraction of the cells' light spread over 3–8 µm).
    bleach_per_frame : (float, float)
    release_prob : float
        Chance that a fibre breaks (is gone) during the movie.
    fiber_brightness : (float, float)
        Photons per µm of fibre relative to a 1 µm migrasome's peak.
    breakdown_prob : float
        Chance that a migrasome breaks down (is gone) during the movie; 0 in every declared
        family (so their movies and the classifier's training data do not depend on it).
    lifetime_frames : (float, float)
        Growth onset to breakdown, frames, for those that break down.
    """

    name: str
    pixel_size_um: tuple = (0.1, 0.16)
    numerical_aperture: tuple = (1.2, 1.45)
    modality: tuple = ("widefield",)
    snr: tuple = (5.0, 15.0)
    n_cells: tuple = (1, 3)
    cell_radius_um: tuple = (6.0, 10.0)
    lobes: float = 0.15
    overlap: float = 0.0
    rim: tuple = (0.0, 0.5)
    fibers_per_cell: tuple = (2, 5)
    fiber_length_um: tuple = (5.0, 18.0)
    curvature: float = 0.15
    branch_prob: float = 0.3
    rear_spread_rad: float = 0.9
    tip_prob: float = 0.7
    branch_site_prob: float = 0.5
    along_per_fiber: float = 0.3
    touch_prob: float = 0.1
    edge_prob: float = 0.1
    under_prob: float = 0.2
    debris_per_100um2: tuple = (0.0, 1.0)
    gradient: tuple = (0.0, 0.2)
    vignette: tuple = (0.0, 0.2)
    haze: tuple = (0.0, 0.1)
    bleach_per_frame: tuple = (0.0, 0.01)
    release_prob: float = 0.2
    fiber_brightness: tuple = (0.15, 0.5)
    breakdown_prob: float = 0.0
    lifetime_frames: tuple = (4.0, 10.0)
    tags: tuple = field(default=())


_BASE = Family("base")

FAMILIES: dict[str, Family] = {f.name: f for f in (
    # -- training families -------------------------------------------------------------------
    replace(_BASE, name="sparse-widefield"),
    replace(_BASE, name="lobed-overlapping", lobes=0.35, overlap=0.7, rim=(0.3, 1.2),
            n_cells=(2, 4), edge_prob=0.3),
    replace(_BASE, name="dense-network", fibers_per_cell=(5, 10), curvature=0.3,
            branch_prob=0.6, rear_spread_rad=1.6, along_per_fiber=0.6, touch_prob=0.25),
    replace(_BASE, name="fine-confocal", pixel_size_um=(0.06, 0.1), modality=("confocal",),
            numerical_aperture=(1.3, 1.45), bleach_per_frame=(0.005, 0.03)),
    replace(_BASE, name="debris-gradient", debris_per_100um2=(1.0, 4.0), gradient=(0.2, 0.5),
            vignette=(0.1, 0.4), haze=(0.05, 0.3)),
    # -- held-out families: never used for training or tuning --------------------------------
    replace(_BASE, name="coarse-hazy", pixel_size_um=(0.16, 0.2),
            numerical_aperture=(0.8, 1.0), haze=(0.2, 0.5), gradient=(0.2, 0.5),
            vignette=(0.2, 0.4), rim=(0.2, 0.8), tags=("held-out",)),
    replace(_BASE, name="crowded-touching", modality=("confocal", "widefield"),
            pixel_size_um=(0.08, 0.14), fibers_per_cell=(5, 9), curvature=0.35,
            branch_prob=0.6, rear_spread_rad=2.0, touch_prob=0.5, along_per_fiber=0.8,
            debris_per_100um2=(1.0, 3.0), bleach_per_frame=(0.01, 0.03), tags=("held-out",)),
    replace(_BASE, name="edges-lobes-debris", lobes=0.3, overlap=0.5, rim=(0.5, 1.5),
            edge_prob=0.5, under_prob=0.5, debris_per_100um2=(2.0, 5.0),
            pixel_size_um=(0.12, 0.18), tags=("held-out",)),
)}

TRAINING = tuple(n for n, f in FAMILIES.items() if "held-out" not in f.tags)
HELD_OUT = tuple(n for n, f in FAMILIES.items() if "held-out" in f.tags)


def family(name: str | Family) -> Family:
    """The family of this name (a Family is returned as is)."""
    if isinstance(name, Family):
        return name
    if name not in FAMILIES:
        raise ValueError(f"family={name!r}: known families are {sorted(FAMILIES)}")
    return FAMILIES[name]

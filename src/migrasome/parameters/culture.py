"""Parameters of the culture: the run and the dish, the cells and how they migrate, the ECM."""

from __future__ import annotations

from typing import Literal

from .base import CALIBRATED, Section, param

__all__ = ["RunParams", "CellParams", "EcmParams", "ECM_TYPES"]

ECM_TYPES = ("fibronectin", "laminin-511", "collagen-I", "collagen-IV", "uncoated")


class RunParams(Section):
    """The run and the dish: duration (h), time step and recording interval (min), size (µm).

    Each field's source (a paper, or "assumed" with the reason) sits beside its value and is
    listed by :func:`~migrasome.parameters.sources_table` (the report's parameter table).

    Parameters
    ----------
    hours : float
        Duration of the run, h.
    dt_min : float
        Time step, min.
    record_every_min : float
        Interval between recorded frames, min.
    width_um : float
        Width of the dish region simulated, µm.
    height_um : float
        Height of the dish region simulated, µm.
    """

    hours: float = param(12.0, "Wu 2017 J Cell Biol: migrasomes counted after ~12 h culture",
                         unit="h", gt=0, le=168)
    dt_min: float = param(0.5, "assumed: ≪ persistence (30 min) and growth (20 min) times",
                          unit="min", gt=0, le=5)
    record_every_min: float = param(5.0, "Ma 2015 Cell Res: time-lapse every 1–8 min",
                                    unit="min", gt=0, le=120)
    width_um: float = param(800.0, "assumed: a sparse dish region several cell paths wide",
                            unit="µm", gt=50, le=20000)
    height_um: float = param(800.0, "assumed: as width", unit="µm", gt=50, le=20000)


class CellParams(Section):
    """The cells and how they migrate: number, size, speed, persistence, adhesion (MODEL.md §2).

    Each field's source (a paper, or "assumed" with the reason) sits beside its value and is
    listed by :func:`~migrasome.parameters.sources_table` (the report's parameter table).

    Parameters
    ----------
    cell_type : str
        Cell type name (selects cargo signals, uptake and chemotaxis rules).
    n_cells : int
        Number of cells.
    radius_um : float
        Cell radius, µm.
    speed_um_per_min : float
        Mean intrinsic speed at optimal adhesion, µm/min.
    speed_cv : float
        Cell-to-cell coefficient of variation of speed.
    persistence_min : float
        Persistence time of the random walk (1 / angular diffusion), min.
    rear_width_um : float
        Width of the rear of a cell moving straight, µm.
    turn_narrowing_min : float
        How strongly turning narrows the rear, w / (1 + |dθ/dt|·τ), min.
    adhesion_optimum : float
        Adhesiveness at which speed peaks (relative units).
    nonspecific_adhesion : float
        Adhesiveness without integrin–ECM pairs (relative units).
    chemotaxis_gain : float
        Turning per unit occupancy gradient for chemotactic cell types.
    motor_half : float
        Motor activity (myosin II, Arp2/3) at which migration is half-saturated, relative.
    turn_window_min : float
        Window over which the turning rate is measured, min.
    vimentin_speed_loss : float
        Fraction of speed lost without vimentin.
    vimentin_persistence_loss : float
        Fraction of persistence lost without vimentin.
    """

    cell_type: str = param("NRK", "Wu 2017 J Cell Biol: NRK cells on fibronectin")
    n_cells: int = param(30, "assumed: a few dozen cells per field, sparse culture", ge=1,
                         le=1_000_000)
    radius_um: float = param(15.0, "assumed: spread fibroblast, MODEL.md §2 (10–20 µm)",
                             unit="µm", gt=1, le=100)
    speed_um_per_min: float = param(
        1.2, "Fan 2022 J Cell Biol (3T3 ≈0.7 µm/min on FN); peak of the adhesion curve, "
        "assumed",
        unit="µm/min", ge=0, le=20)
    speed_cv: float = param(0.25, "assumed: cell-to-cell spread of speed in a dish",
                            ge=0, le=2)
    persistence_min: float = param(40.0, "Fan 2022 J Cell Biol, fig≈ (directionality)",
                                   unit="min", gt=0, le=10000)
    rear_width_um: float = param(22.0, "assumed: polarised fibroblast rear ≈ cell diameter",
                                 unit="µm", gt=0, le=200)
    turn_narrowing_min: float = param(
        60.0, "assumed: rear narrows as w/(1+|dθ/dt|·τ); Fan 2022 (turning cells, narrow rear)",
        unit="min", ge=0, le=10000)
    adhesion_optimum: float = param(
        0.324, "fitted: Palecek 1997 Nature: speed is biphasic in adhesiveness; the "
        "optimum (with the RF adhesion density) puts migrasomes' peak near 10 µg/ml (Chen "
        "2019)" + CALIBRATED,
        gt=0, fitted_to=("chen2019_fn_low", "chen2019_fn_high"))
    motor_half: float = param(
        0.3, "assumed: motor activity (myosin II, Arp2/3; relative) at which migration is "
        "half-saturated, cooperatively (Hill 2): cells crawl until most motor activity is "
        "gone (Ma 2015: blebbistatin and CK-666 nearly stop them)", gt=0, le=10)
    turn_window_min: float = param(
        10.0, "assumed: window over which the turning rate is measured: a few persistence "
        "steps, long enough that the rate does not depend on the time step", unit="min",
        gt=0, le=1000)
    vimentin_speed_loss: float = param(
        0.4, "Fan 2022 J Cell Biol, fig≈: vimentin loss lowers speed to ≈60 %", ge=0, le=1)
    vimentin_persistence_loss: float = param(
        0.5, "Fan 2022 J Cell Biol, fig≈: vimentin loss halves persistence", ge=0, lt=1)
    nonspecific_adhesion: float = param(
        0.1, "assumed: serum proteins adsorbed on glass let cells crawl without RF anchors",
        ge=0)
    chemotaxis_gain: float = param(0.0, "assumed: off unless a signalling preset sets it",
                                   ge=0, le=100)


class EcmParams(Section):
    """The ECM coating of the dish: protein, concentration (µg/ml), adsorption.

    Each field's source (a paper, or "assumed" with the reason) sits beside its value and is
    listed by :func:`~migrasome.parameters.sources_table` (the report's parameter table).

    Parameters
    ----------
    coating : {"fibronectin", "laminin-511", "collagen-I", "collagen-IV", "uncoated"}
        ECM protein coating the dish.
    concentration_ug_per_ml : float
        Coating concentration, µg/ml.
    half_saturation_ug_per_ml : float
        Concentration at which the adsorbed ligand is half-saturated, µg/ml.
    collagen1_affinity : float
        Affinity of α1β1 for collagen I relative to collagen IV.
    itgav_fibronectin_affinity : float
        Adhesion made by αv integrins on fibronectin, relative to α5.

    Examples
    --------
    >>> EcmParams(coating="laminin-511").concentration_ug_per_ml
    10.0
    >>> EcmParams(coating="gelatin")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    pydantic_core._pydantic_core.ValidationError: 1 validation error for EcmParams
    ...
    """

    coating: Literal["fibronectin", "laminin-511", "collagen-I", "collagen-IV",
                     "uncoated"] = param("fibronectin", "Wu 2017 J Cell Biol")
    concentration_ug_per_ml: float = param(10.0, "Chen 2019 (optimum near 10 µg/ml)",
                                           unit="µg/ml", ge=0, le=1000)
    half_saturation_ug_per_ml: float = param(
        10.0, "assumed: Langmuir adsorption of coating proteins saturates at tens of µg/ml",
        unit="µg/ml", gt=0)
    collagen1_affinity: float = param(
        0.7, "assumed: collagen I binds α1β1 more weakly than collagen IV (Wu 2017 pairs α1 "
        "with collagen IV)", ge=0, le=10)
    itgav_fibronectin_affinity: float = param(
        0.5, "assumed: αv integrins also bind fibronectin and make adhesions (Hynes 2002 "
        "Cell); strength relative to α5", ge=0, le=10)

"""Optics of the simulated microscope: point spread function and migrasome profiles.

The one optics model of the package, used by the renderer and by the analysis: the
modalities, their checks, the PSF widths and the blurred shell profile of a migrasome.

The point spread function (PSF) is the Gaussian approximation of the Airy/Born–Wolf PSF of
Zhang, Zerubia & Olivo-Marin (2007, Appl. Opt. 46:1819), paraxial case:

* wide-field, lateral:  ``sigma_xy = 0.21 * lambda / NA``
* confocal (pinhole << 1 Airy unit, excitation ≈ emission wavelength), lateral:
  ``sigma_xy = 0.21 * lambda / (sqrt(2) * NA)``
* confocal, axial:  ``sigma_z = 0.66 * n * lambda / (sqrt(2) * NA**2)``

with ``lambda`` the emission wavelength and ``n`` the immersion refractive index.

A migrasome labelled with TSPAN4-GFP is a fluorescent spherical *shell* of diameter ``d``
(the label sits in the membrane). Projected on the image plane, by Archimedes' hat-box theorem
the shell's area is uniform in height ``z``, so the photons of the shell that fall within
projected radius ``rho`` are a closed form; the blurred profile is a sum of thin rings, each
convolved exactly with the Gaussian PSF (a modified Bessel function). In a confocal the shell is
optically sectioned: a part at height ``z`` from the focal plane (the migrasome's equator,
assumed) is weighted by ``exp(-z**2 / (2 sigma_z**2))``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import erf, i0e

__all__ = [
    "MODALITIES",
    "immersion_index",
    "psf_sigma_um",
    "axial_sigma_um",
    "ShellProfile",
    "LABELS",
]

# -- labels and brightness (used by the renderer) -------------------------------------------

#: What each known label marks: relative brightness of (cells, RFs, migrasomes).
LABELS: dict[str, tuple[float, float, float]] = {
    "TSPAN4-GFP": (1.0, 1.0, 1.0),  # membrane; enriched on migrasomes (Huang 2019 NCB)
    "TSPAN4-mCherry": (1.0, 1.0, 1.0),
    "WGA": (1.0, 1.0, 1.0),  # membrane stain; ≈2x brighter on migrasomes than RFs (Chen 2019)
    "NDST1-mCherry": (0.0, 0.0, 1.0),  # migrasome-specific marker (Zhao 2019; MODEL.md §8)
    "cytoplasm": (1.0, 0.0, 0.0),  # a cytosolic dye: bodies only (assumed: RFs are thin)
}

#: Photons from a 1-µm migrasome per frame, whole shell in focus. Assumed: a bright
#: TSPAN4-GFP punctum in a ~100 ms exposure gives a peak ≈ 20x the background noise.
MIGRASOME_PHOTONS = 8000.0
#: RF membrane tube radius, µm (MODEL.md §3: r = sqrt(kappa / 2 sigma) ≈ 50–70 nm).
RF_RADIUS_UM = 0.05
#: Label per membrane area on migrasomes / on RFs (Chen 2019, WGA: ≈2x).
MIGRASOME_ENRICHMENT = 2.0
#: Membrane layers a cell's footprint projects at its thin edge (assumed: dorsal + ventral
#: plasma membrane and a layer of internal membranes).
CELL_MEMBRANE_LAYERS = 3.0
#: Cell aspect ratio when the tracks table has no ``aspect_ratio`` column (assumed).
CELL_ASPECT = 1.3


#: Microscope modalities the renderer knows.
MODALITIES = ("widefield", "confocal")


def immersion_index(numerical_aperture: float) -> float:
    """Refractive index of the immersion medium an objective of this NA needs.

    Oil 1.518 for NA > 1.33, water 1.333 for 0.95 < NA <= 1.33, air 1.0 otherwise
    (assumed: the usual objective classes; only the confocal axial width uses it).

    Parameters
    ----------
    numerical_aperture : float
        Objective NA.

    Returns
    -------
    float
        Refractive index n, dimensionless.

    Examples
    --------
    >>> immersion_index(1.4), immersion_index(1.2), immersion_index(0.8)
    (1.518, 1.333, 1.0)
    """
    if numerical_aperture > 1.33:
        return 1.518
    if numerical_aperture > 0.95:
        return 1.333
    return 1.0


def _check_optics(wavelength_nm: float, numerical_aperture: float, modality: str) -> None:
    if not 300.0 <= float(wavelength_nm) <= 1000.0:
        raise ValueError(f"wavelength_nm={wavelength_nm!r}: allowed 300–1000 nm")
    if not 0.05 <= float(numerical_aperture) <= 1.7:
        raise ValueError(f"numerical_aperture={numerical_aperture!r}: allowed 0.05–1.7")
    if modality not in MODALITIES:
        raise ValueError(f"modality={modality!r}: allowed {MODALITIES}")


def psf_sigma_um(wavelength_nm: float, numerical_aperture: float,
                 modality: str = "widefield") -> float:
    """Lateral standard deviation of the Gaussian PSF.

    Parameters
    ----------
    wavelength_nm : float
        Emission wavelength, nm (GFP: 510 nm); allowed 300–1000.
    numerical_aperture : float
        Objective NA; allowed 0.05–1.7.
    modality : {"widefield", "confocal"}
        Microscope type.

    Returns
    -------
    float
        ``0.21 * lambda / NA`` (wide-field) or that divided by ``sqrt(2)`` (confocal), µm.
        FWHM = 2.355 sigma.

    Raises
    ------
    ValueError
        Naming the argument out of range or the unknown modality.

    References
    ----------
    Zhang B, Zerubia J, Olivo-Marin J-C 2007 Appl Opt 46:1819.

    Examples
    --------
    >>> round(psf_sigma_um(510.0, 1.4), 4)
    0.0765
    >>> round(psf_sigma_um(510.0, 1.4, "confocal"), 4)
    0.0541
    """
    _check_optics(wavelength_nm, numerical_aperture, modality)
    sigma = 0.21 * (wavelength_nm * 1e-3) / numerical_aperture
    return sigma / math.sqrt(2.0) if modality == "confocal" else sigma


def axial_sigma_um(wavelength_nm: float, numerical_aperture: float,
                   modality: str = "widefield") -> float:
    """Axial standard deviation of the optical section; ``inf`` for wide-field.

    Wide-field images collect every plane (the whole shell contributes, assumed: objects are
    ≤ 3 µm tall, near the depth of field); confocal: ``0.66 n lambda / (sqrt(2) NA^2)``.

    Parameters
    ----------
    wavelength_nm : float
        Emission wavelength, nm; allowed 300–1000.
    numerical_aperture : float
        Objective NA; allowed 0.05–1.7 (it also sets the immersion index n).
    modality : {"widefield", "confocal"}
        Microscope type.

    Returns
    -------
    float
        Axial sigma_z, µm (``math.inf`` for wide-field).

    Raises
    ------
    ValueError
        Naming the argument out of range or the unknown modality.

    References
    ----------
    Zhang B, Zerubia J, Olivo-Marin J-C 2007 Appl Opt 46:1819.

    Examples
    --------
    >>> axial_sigma_um(510.0, 1.4)
    inf
    >>> round(axial_sigma_um(510.0, 1.4, "confocal"), 3)
    0.184
    """
    _check_optics(wavelength_nm, numerical_aperture, modality)
    if modality == "widefield":
        return math.inf
    n = immersion_index(numerical_aperture)
    return 0.66 * n * (wavelength_nm * 1e-3) / (math.sqrt(2.0) * numerical_aperture**2)


def shell_ring_weights(radius_um: float, sigma_z_um: float = math.inf,
                       bin_um: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """Thin rings that carry a projected spherical shell's photons.

    Parameters
    ----------
    radius_um : float
        Shell radius R, µm.
    sigma_z_um : float
        Axial width of the optical section (``inf``: no sectioning).
    bin_um : float
        Ring spacing in projected radius, µm (keep below sigma_xy / 2).

    Returns
    -------
    rho : ndarray, shape (K,)
        Ring radii, µm (root-mean-square radius of each bin, so second moments are exact).
    weight : ndarray, shape (K,)
        Fraction of the shell's photons in each ring. Sums to 1 without sectioning, to the
        detected fraction with it.
    """
    R = float(radius_um)
    if R <= 0:
        return np.zeros(1), np.ones(1)
    k = max(2, int(math.ceil(R / bin_um)))
    edges = np.linspace(0.0, R, k + 1)
    z = np.sqrt(np.maximum(R**2 - edges**2, 0.0))  # height at each edge, decreasing
    z_hi, z_lo = z[:-1], z[1:]
    if math.isinf(sigma_z_um):
        weight = (z_hi - z_lo) / R  # both hemispheres: area uniform in z over [-R, R]
    else:
        s = math.sqrt(2.0) * sigma_z_um
        weight = (erf(z_hi / s) - erf(z_lo / s)) * (math.sqrt(math.pi) * s / 2.0) / R
    # rms radius of the bin: rho^2 = R^2 - z^2, z uniform on [z_lo, z_hi] (widefield exact)
    mean_z2 = (z_hi**2 + z_hi * z_lo + z_lo**2) / 3.0
    rho = np.sqrt(np.maximum(R**2 - mean_z2, 0.0))
    return rho, weight


def ring_profile(r_um: np.ndarray, rho_um: np.ndarray, weight: np.ndarray,
                 sigma_um: float) -> np.ndarray:
    """Surface density at radii ``r_um`` of rings blurred by a 2-D Gaussian.

    Each unit-weight ring of radius rho becomes
    ``exp(-(r - rho)^2 / 2s^2) * i0e(r rho / s^2) / (2 pi s^2)`` (exact).

    Parameters
    ----------
    r_um : ndarray, shape (M,)
        Distances from the centre, µm.
    rho_um : ndarray, shape (K,)
        Ring radii, µm.
    weight : ndarray, shape (K,)
        Photons (or fraction) carried by each ring.
    sigma_um : float
        Lateral Gaussian blur, µm.

    Returns
    -------
    ndarray, shape (M,)
        Surface density, weight per µm².
    """
    r = np.asarray(r_um, float)[:, None]
    rho = np.asarray(rho_um, float)[None, :]
    s2 = sigma_um**2
    ring = np.exp(-((r - rho) ** 2) / (2 * s2)) * i0e(r * rho / s2) / (2 * math.pi * s2)
    return ring @ np.asarray(weight, float)


class ShellProfile:
    """Lookup table of blurred, projected shell profiles for a range of diameters.

    Parameters
    ----------
    sigma_um : float
        Lateral blur, µm: PSF sigma combined with the pixel's box (``px / sqrt(12)``).
    sigma_z_um : float
        Optical-section width, µm (``inf`` for wide-field).
    max_diameter_um : float
        Largest diameter the table covers, µm; larger ones are clipped to it.
    step_um : float, optional
        Table step in radius and in distance, µm (default min(0.01, sigma_um / 6)).

    Notes
    -----
    ``density(d, r)`` is photons per µm² at distance ``r`` from the centre of a migrasome of
    diameter ``d`` that emits one photon (before sectioning), bilinear in (radius, r).

    Examples
    --------
    >>> p = ShellProfile(0.1, 0.3, max_diameter_um=2.0)
    >>> p.detected_fraction([0.5, 1.0]).round(2).tolist()  # a confocal keeps less of big shells
    [0.9, 0.68]
    """

    def __init__(self, sigma_um: float, sigma_z_um: float = math.inf,
                 max_diameter_um: float = 4.0, step_um: float | None = None) -> None:
        self.sigma_um = float(sigma_um)
        self.sigma_z_um = float(sigma_z_um)
        self.step_um = float(step_um or min(0.01, self.sigma_um / 6.0))
        step_um = self.step_um
        r_max = max_diameter_um / 2.0
        self.radii = np.arange(0.0, r_max + 2 * step_um, step_um)
        self.reach_um = r_max + 5.0 * self.sigma_um
        self.dist = np.arange(0.0, self.reach_um + 2 * step_um, step_um)
        bin_um = min(0.01, self.sigma_um / 4.0)
        table = np.empty((self.radii.size, self.dist.size))
        detected = np.empty(self.radii.size)
        for i, R in enumerate(self.radii):  # once per render, a few hundred rows
            rho, w = shell_ring_weights(R, self.sigma_z_um, bin_um)
            table[i] = ring_profile(self.dist, rho, w, self.sigma_um)
            detected[i] = w.sum()
        self.table = table
        #: fraction of photons kept by the optical section, per radius row
        self.detected = detected

    def density(self, diameter_um: np.ndarray, r_um: np.ndarray) -> np.ndarray:
        """Photons per µm² at distance ``r_um`` from the centre of a one-photon shell.

        Parameters
        ----------
        diameter_um : ndarray
            Shell diameters, µm (clipped to the table).
        r_um : ndarray
            Distances from the centre, µm; broadcast with ``diameter_um``.

        Returns
        -------
        ndarray
            Surface density, 1/µm², with the broadcast shape.
        """
        R = np.clip(np.asarray(diameter_um, float) / 2.0, 0.0, self.radii[-1] - 1e-9)
        fi = R / self.step_um
        i0 = np.minimum(fi.astype(np.int64), self.radii.size - 2)
        ti = fi - i0
        fj = np.clip(np.asarray(r_um, float) / self.step_um, 0.0, self.dist.size - 1.000001)
        j0 = fj.astype(np.int64)
        tj = fj - j0
        t = self.table
        a = t[i0, j0] * (1 - tj) + t[i0, j0 + 1] * tj
        b = t[i0 + 1, j0] * (1 - tj) + t[i0 + 1, j0 + 1] * tj
        return a * (1 - ti) + b * ti

    def detected_fraction(self, diameter_um: np.ndarray) -> np.ndarray:
        """Fraction of a shell's photons that the optical section keeps (1 for wide-field).

        Parameters
        ----------
        diameter_um : ndarray, shape (n,)
            Shell diameters, µm.

        Returns
        -------
        ndarray, shape (n,)
            Fraction in (0, 1].
        """
        R = np.clip(np.asarray(diameter_um, float) / 2.0, 0.0, self.radii[-1])
        return np.interp(R, self.radii, self.detected)

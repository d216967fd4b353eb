"""PSF widths and shell profiles."""

import math

import numpy as np
import pytest

from migrasome.imaging import axial_sigma_um, psf_sigma_um
from migrasome.imaging.optics import ShellProfile, shell_ring_weights


def test_psf_sigma_from_wavelength_and_na():
    assert psf_sigma_um(510, 1.4) == pytest.approx(0.21 * 0.510 / 1.4, rel=1e-12)
    assert psf_sigma_um(510, 1.4, "confocal") == pytest.approx(
        0.21 * 0.510 / 1.4 / math.sqrt(2), rel=1e-12)
    # scales with lambda / NA
    assert psf_sigma_um(600, 0.7) / psf_sigma_um(300, 1.4) == pytest.approx(4.0)
    assert math.isinf(axial_sigma_um(510, 1.4, "widefield"))
    assert axial_sigma_um(510, 1.4, "confocal") == pytest.approx(
        0.66 * 1.518 * 0.510 / (math.sqrt(2) * 1.4**2))


@pytest.mark.parametrize("kw, word", [
    (dict(wavelength_nm=50, numerical_aperture=1.4), "wavelength_nm"),
    (dict(wavelength_nm=510, numerical_aperture=2.5), "numerical_aperture"),
    (dict(wavelength_nm=510, numerical_aperture=1.4, modality="sted"), "modality"),
])
def test_bad_optics_named(kw, word):
    with pytest.raises(ValueError, match=word):
        psf_sigma_um(**kw)


def test_shell_weights_and_second_moment():
    R = 0.7
    rho, w = shell_ring_weights(R)
    assert w.sum() == pytest.approx(1.0, abs=1e-12)
    # projected sphere shell: <rho^2> = 2/3 R^2
    assert (w * rho**2).sum() == pytest.approx(2 / 3 * R**2, rel=1e-9)
    _, ws = shell_ring_weights(R, sigma_z_um=0.2)
    assert 0 < ws.sum() < 1  # optical sectioning loses out-of-focus light


def test_profile_integrates_to_one():
    p = ShellProfile(0.09, max_diameter_um=3.0)
    r = p.dist
    for d in (0.3, 1.0, 2.5):
        total = np.trapezoid(2 * np.pi * r * p.density(np.full(r.size, d), r), r)
        assert total == pytest.approx(1.0, abs=2e-3)

"""The axisymmetric membrane solver against analytical limits (MODEL.md §7)."""

import numpy as np
import pytest

from migrasome.membrane import KT_PN_UM, solve_tube, swelling_energy_closed_form
from migrasome.membrane.discrete import bending_energy_meridian, energy_and_gradient, make_mesh

KT, SIGMA = 20.0, 10.0  # kT, pN/µm


@pytest.fixture(scope="module")
def rho10_a600():
    return solve_tube(10.0, domain_area_r0sq=600.0, initial="bulge")


def test_sphere_bending_energy_is_8_pi_kappa():
    for radius in (0.5, 3.0, 40.0):
        s = np.linspace(0.0, np.pi * radius, 101)
        e = bending_energy_meridian(np.pi / 2 - s / radius, s, kappa=2.5)
        assert e == pytest.approx(8 * np.pi * 2.5, rel=1e-3)


def test_gradient_matches_finite_differences():
    mesh = make_mesh(10, 8)
    n = mesh.n_seg + 1
    rng = np.random.default_rng(1)
    psi = -0.4 * np.sin(np.linspace(0, np.pi, n)) + 0.05 * rng.standard_normal(n)
    kw = dict(area=60.0, kappa=(7.0, 1.0), gauss_jump=0.7, line_tension=0.3, z_target=9.0,
              mult=0.3, penalty=2.0)
    _, (g, g_r, g_s) = energy_and_gradient(psi, 1.1, 8.0, mesh, **kw)
    eps = 1e-6
    for i in (1, 5, 10, 14, 17):
        d = np.zeros(n)
        d[i] = eps
        num = (energy_and_gradient(psi + d, 1.1, 8.0, mesh, **kw)[0]
               - energy_and_gradient(psi - d, 1.1, 8.0, mesh, **kw)[0]) / (2 * eps)
        assert num == pytest.approx(g[i], rel=1e-5, abs=1e-6)
    num_r = (energy_and_gradient(psi, 1.1 + eps, 8.0, mesh, **kw)[0]
             - energy_and_gradient(psi, 1.1 - eps, 8.0, mesh, **kw)[0]) / (2 * eps)
    num_s = (energy_and_gradient(psi, 1.1, 8.0 + eps, mesh, **kw)[0]
             - energy_and_gradient(psi, 1.1, 8.0 - eps, mesh, **kw)[0]) / (2 * eps)
    assert num_r == pytest.approx(g_r, rel=1e-5)
    assert num_s == pytest.approx(g_s, rel=1e-5)


def test_equal_rigidities_relax_to_the_plain_cylinder():
    # start from a bulge: the domain must flatten back into the tube of radius √(κ/2σ)
    s = solve_tube(1.0, domain_area_r0sq=400.0, initial="bulge", kappa_kT=KT,
                   tension_pN_per_um=SIGMA)
    assert s.converged
    r0_um = np.sqrt(KT * KT_PN_UM / (2 * SIGMA))
    assert s.far_radius_um == pytest.approx(r0_um, rel=5e-3)
    assert s.bulge_radius_r0 == pytest.approx(1.0, rel=5e-3)
    assert np.allclose(s.r_r0, 1.0, rtol=5e-3)
    assert abs(s.energy_kappa) < 1e-3
    assert not s.bulge_exists


def test_finite_tube_axial_force_is_derenyi_value():
    s = solve_tube(1.0, domain_area_r0sq=100.0, tube="finite", tube_length_r0=40.0,
                   initial="bulge", kappa_kT=KT, tension_pN_per_um=SIGMA)
    assert s.converged and s.tube == "finite"
    f_pn = 2 * np.pi * np.sqrt(2 * KT * KT_PN_UM * SIGMA)
    assert s.axial_force_pN == pytest.approx(f_pn, rel=1e-2)
    assert s.z_r0[-1] - s.z_r0[0] == pytest.approx(40.0, rel=1e-5)
    assert s.r_r0[0] == s.r_r0[-1] == pytest.approx(1.0)


def test_finite_and_infinite_tubes_agree_for_a_long_tube(rho10_a600):
    fin = solve_tube(10.0, domain_area_r0sq=600.0, tube="finite", tube_length_r0=80.0,
                     initial="bulge")
    assert fin.converged
    assert fin.energy_kappa == pytest.approx(rho10_a600.energy_kappa, rel=1e-3)
    assert fin.axial_force == pytest.approx(2 * np.pi, rel=1e-2)


def test_refinement_changes_energy_by_less_than_half_a_percent():
    kw = dict(domain_area_r0sq=600.0, initial="bulge")
    coarse = solve_tube(10.0, n_domain=24, n_tube=18, **kw)
    fine = solve_tube(10.0, n_domain=96, n_tube=72, **kw)
    assert coarse.converged and fine.converged
    assert abs(coarse.energy_kappa / fine.energy_kappa - 1) < 5e-3
    assert abs(coarse.bulge_radius_r0 / fine.bulge_radius_r0 - 1) < 5e-3


def test_energy_never_increases_during_relaxation(rho10_a600):
    trace = np.asarray(rho10_a600.energy_trace_kappa)
    assert len(trace) > 10
    assert np.all(np.diff(trace) <= 1e-12 * np.abs(trace[:-1]))
    assert trace[-1] == pytest.approx(rho10_a600.energy_kappa)
    assert trace[0] > trace[-1]


def test_energy_parts_add_up_and_shape_is_consistent(rho10_a600):
    s = rho10_a600
    assert s.converged and s.bulge_exists and s.bulge_stable
    assert sum(s.energy_parts_kappa.values()) == pytest.approx(s.energy_kappa)
    # the domain's area from the returned meridian is the requested one
    m = s.in_domain
    seg = m[:-1] & m[1:]
    ds = np.diff(s.s_r0)[seg]
    rm = 0.5 * (s.r_r0[:-1] + s.r_r0[1:])[seg]
    assert np.sum(2 * np.pi * rm * ds) == pytest.approx(600.0, rel=1e-9)
    assert s.bulge_radius_r0 == pytest.approx(s.r_r0.max())
    # the solver finds shapes at least as good as the closed-form sphere-vs-tube estimate
    sphere = swelling_energy_closed_form(600.0, 10.0) + 600.0 * (10.0 - 1.0) / 2.0
    assert s.energy_kappa < sphere


def test_bulge_grows_with_rigidity_ratio_and_domain_area():
    by_area = [solve_tube(10.0, domain_area_r0sq=a, initial="bulge").bulge_radius_r0
               for a in (100.0, 300.0, 1000.0, 3000.0)]
    by_rho = [solve_tube(k, domain_area_r0sq=1000.0, initial="bulge").bulge_radius_r0
              for k in (2.0, 5.0, 10.0, 30.0)]
    assert np.all(np.diff(by_area) > 0)
    assert np.all(np.diff(by_rho) > 0)
    assert by_area[0] > 1.5 and by_rho[-1] > 7.0


def test_large_domain_saturates_at_kappa_ratio_times_r0():
    # a long stiff domain under the tube's force f0 = 2π√(2κσ) is a cylinder of radius
    # κ_p/√(2κ_lσ) = (κ_p/κ_l) r0, whatever its area
    s = solve_tube(10.0, domain_area_r0sq=2.0e4, initial="tube")
    assert s.converged
    assert s.bulge_radius_r0 == pytest.approx(10.0, rel=0.07)
    assert s.domain_length_r0 > 2.0e4 / (2 * np.pi * 11.0)


def test_very_stiff_domain_bulge_has_the_size_of_a_sphere_of_its_area():
    a = 1000.0
    s = solve_tube(1000.0, domain_area_r0sq=a, initial="bulge")
    assert s.converged and s.bulge_stable
    assert 0.8 < s.bulge_radius_r0 / np.sqrt(a / (4 * np.pi)) < 1.5


def test_gaussian_jump_and_line_tension_enter_at_the_boundary():
    s = solve_tube(10.0, domain_area_r0sq=600.0, gaussian_jump=-3.0, line_tension=0.5,
                   initial="bulge")
    assert s.converged
    j = np.nonzero(s.in_domain)[0][-1]
    assert s.energy_parts_kappa["gaussian"] == pytest.approx(4 * np.pi * 3.0 * np.sin(s.psi[j]))
    assert s.energy_parts_kappa["line"] == pytest.approx(4 * np.pi * 0.5 * s.r_r0[j])
    plain = solve_tube(10.0, domain_area_r0sq=600.0, initial="bulge")
    assert s.energy_kappa != pytest.approx(plain.energy_kappa)


@pytest.mark.parametrize("kw, word", [
    (dict(kappa_ratio=0.0, domain_area_r0sq=100.0), "kappa_ratio"),
    (dict(kappa_ratio=-2.0, domain_area_r0sq=100.0), "kappa_ratio"),
    (dict(domain_area_r0sq=100.0, tension_pN_per_um=0.0), "tension_pN_per_um"),
    (dict(domain_area_r0sq=100.0, kappa_kT=-1.0), "kappa_kT"),
    (dict(domain_area_r0sq=-5.0), "domain_area_r0sq"),
    (dict(domain_area_r0sq=1e9), "domain_area_r0sq"),
    (dict(), "exactly one"),
    (dict(domain_area_r0sq=1.0, domain_area_um2=1.0), "exactly one"),
    (dict(domain_area_r0sq=5000.0, tube="finite", tube_length_r0=30.0), "larger than"),
    (dict(domain_area_r0sq=100.0, tube="closed"), "tube"),
    (dict(domain_area_r0sq=100.0, line_tension=-1.0), "line_tension"),
    (dict(domain_area_r0sq=float("nan")), "domain_area_r0sq"),
])
def test_bad_input_gets_a_clear_error(kw, word):
    with pytest.raises(ValueError, match=word):
        solve_tube(**kw)


def test_unfinished_relaxation_is_reported_not_converged():
    s = solve_tube(10.0, domain_area_r0sq=600.0, initial="bulge", max_iter=5)
    assert not s.converged
    assert not s.bulge_stable
    assert "limit" in s.message

"""The shipped swelling table and the simulation's lookup ``swelling_diameter_um``."""

import time

import numpy as np
import pytest

from migrasome.membrane import (
    load_swelling_table,
    lookup_swelling,
    solve_tube,
    swelling_diameter_closed_form_um,
    swelling_diameter_um,
    tube_radius_um,
)
from migrasome.membrane.table import TABLE_AREA_RANGE_R0SQ, TABLE_KAPPA_RATIO_RANGE

R0 = tube_radius_um(kappa_kT=20.0, tension_pN_per_um=10.0)


def test_shipped_table_is_complete_and_converged():
    t = load_swelling_table()
    assert t["bulge_radius_r0"].shape == (len(t["kappa_ratio"]), len(t["area_r0sq"]))
    assert t["converged"].all()
    assert t["area_r0sq"][0] == pytest.approx(TABLE_AREA_RANGE_R0SQ[0])
    assert t["kappa_ratio"][-1] == pytest.approx(TABLE_KAPPA_RATIO_RANGE[1])
    # equal rigidities: no bulge anywhere
    assert not t["bulge_exists"][0].any()
    assert np.allclose(t["bulge_radius_r0"][0], 1.0, rtol=5e-3)


def test_table_agrees_with_a_fresh_solve_between_grid_points():
    a, rho = 700.0, 7.0
    r, stable, inside = lookup_swelling(a, rho)
    s = solve_tube(rho, domain_area_r0sq=a)
    assert inside and stable == s.bulge_stable
    assert float(r) == pytest.approx(s.bulge_radius_r0, rel=0.05)


def test_swelling_diameter_is_vectorised_and_fast():
    rng = np.random.default_rng(0)
    area = rng.uniform(0.0, 40.0, 100_000)
    d, st = swelling_diameter_um(area, kappa_ratio=10.0)  # warm the cache
    t0 = time.perf_counter()
    d, st = swelling_diameter_um(area, kappa_ratio=10.0)
    dt = time.perf_counter() - t0
    assert d.shape == st.shape == area.shape and st.dtype == bool
    assert dt < 0.05
    assert np.all(d[~st] == pytest.approx(2 * R0))
    assert np.all(d[st] > 2 * R0)
    rho = rng.uniform(1.0, 30.0, area.shape)
    d2, _ = swelling_diameter_um(area, kappa_ratio=rho)
    assert d2.shape == area.shape


def test_published_case_gives_a_micron_sized_migrasome():
    # κ_p/κ_l = 10 (Huang et al. 2019), a domain of a few µm²: diameter ≈ 2 (κ_p/κ_l) r0
    d, st = swelling_diameter_um(np.array([0.5, 5.0, 30.0]), kappa_ratio=10.0)
    assert st.all()
    assert 0.5 < d[1] < 2.0
    assert d[2] == pytest.approx(2 * 10 * R0, rel=0.1)
    assert np.all(np.diff(d) > 0)


def test_outside_the_table_the_closed_form_is_used():
    area = np.array([1e-4, 200.0, 1.0])
    rho = np.array([10.0, 10.0, 100.0])
    d, st = swelling_diameter_um(area, kappa_ratio=rho)
    dc, sc = swelling_diameter_closed_form_um(area, kappa_ratio=rho)
    a_r0 = area / R0**2
    outside = (a_r0 < TABLE_AREA_RANGE_R0SQ[0]) | (a_r0 > TABLE_AREA_RANGE_R0SQ[1]) | (rho > 32)
    assert outside.all()
    assert np.array_equal(d, dc) and np.array_equal(st, sc)


def test_bad_physical_parameters_raise():
    with pytest.raises(ValueError, match="tension_pN_per_um"):
        swelling_diameter_um(1.0, kappa_ratio=10.0, tension_pN_per_um=0.0)

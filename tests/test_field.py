"""The signal field: mass balance, the analytical diffusion kernel, decay, uptake, sampling."""

import numpy as np
import pytest

from migrasome.sim import field as fl


def _field(d=100.0, k=0.0, w=400.0, h=2.0, species=("cxcl12",)):
    return fl.make_field(species, w, w, h, d, k)


def test_mass_conserved_without_decay():
    rng = np.random.default_rng(1)
    f = _field(d=300.0)
    fl.deposit(f, 0, rng.uniform(0, 400, 500), rng.uniform(0, 400, 500), rng.uniform(0, 5, 500))
    m0 = f.total()[0]
    for dt in (0.5, 1.0, 7.3, 100.0):
        fl.diffuse_decay(f, dt)
    assert abs(f.total()[0] - m0) / m0 < 1e-10
    assert f.amount.min() >= 0.0


def test_deposit_is_mass_exact_and_clamped_at_walls():
    f = _field()
    x = np.array([-5.0, 0.0, 123.4, 399.99, 500.0])
    fl.deposit(f, 0, x, x[::-1], 2.0)
    assert f.total()[0] == pytest.approx(10.0, rel=1e-14)
    assert f.deposited[0] == pytest.approx(10.0)


def test_point_source_matches_gaussian_kernel():
    d, t, m = 100.0, 10.0, 1000.0  # σ = √(2Dt) ≈ 45 µm, ≫ h = 2 µm, ≪ distance to walls
    f = _field(d=d, w=600.0)
    fl.deposit(f, 0, [301.0], [301.0], m)  # a cell centre
    for _ in range(10):
        fl.diffuse_decay(f, t / 10)
    xs = np.linspace(301.0 - 120, 301.0 + 120, 61)
    got = fl.sample(f, xs, np.full_like(xs, 301.0))[0]
    want = fl.point_kernel(np.abs(xs - 301.0), m, d, t)
    err = np.abs(got - want).max() / want.max()
    assert err < 5e-3  # discrete-Laplacian dispersion: O((h/σ)²)


def test_decay_matches_exponential():
    f = _field(d=50.0, k=0.03)
    fl.deposit(f, 0, [200.0], [200.0], 1.0)
    for _ in range(40):
        fl.diffuse_decay(f, 0.5)
    assert f.total()[0] == pytest.approx(np.exp(-0.03 * 20.0), rel=1e-10)
    assert f.total()[0] + f.decayed[0] == pytest.approx(1.0, rel=1e-12)


def test_species_diffuse_independently():
    f = fl.make_field(("a", "b"), 200, 200, 2.0, [10.0, 400.0], [0.0, 0.1])
    fl.deposit(f, 0, [100.0], [100.0], 1.0)
    fl.deposit(f, 1, [100.0], [100.0], 1.0)
    fl.diffuse_decay(f, 5.0)
    c = fl.sample(f, [100.0], [100.0])[:, 0]
    assert c[0] > 5 * c[1]
    assert f.index("b") == 1
    with pytest.raises(KeyError, match="no species"):
        f.index("vegfa")


def test_uptake_balances_mass():
    rng = np.random.default_rng(2)
    f = _field(d=100.0)
    fl.deposit(f, 0, rng.uniform(0, 400, 100), rng.uniform(0, 400, 100), 1.0)
    m0 = f.total()[0]
    x, y = rng.uniform(0, 400, 30), rng.uniform(0, 400, 30)
    taken = np.zeros(30)
    for _ in range(20):
        fl.diffuse_decay(f, 1.0)
        taken += fl.apply_uptake(f, x, y, [0.5], 1.0)[0]
    assert (taken > 0).all()
    assert f.total()[0] + taken.sum() == pytest.approx(m0, rel=1e-12)
    assert f.taken_up[0] == pytest.approx(taken.sum(), rel=1e-12)


def test_gradient_points_to_source():
    f = _field(d=100.0)
    fl.deposit(f, 0, [200.0], [200.0], 100.0)
    fl.diffuse_decay(f, 20.0)
    px = np.array([150.0, 250.0, 200.0])
    py = np.array([200.0, 200.0, 260.0])
    gx, gy = fl.sample_gradient(f, px, py)
    assert gx[0, 0] > 0 and gx[0, 1] < 0 and gy[0, 2] < 0
    # compare with the analytical gradient at r = 50 µm
    r, s = 50.0, 4 * 100.0 * 20.0
    want = fl.point_kernel(r, 100.0, 100.0, 20.0) * 2 * r / s
    assert gx[0, 0] == pytest.approx(want, rel=0.03)

"""Recipients read the field by chemotaxis; embryo outcome and its statistics."""

import numpy as np
import pytest

from migrasome.codes import Stage
from migrasome.parameters import EmbryoParams, InjectionParams, RecipientParams
from migrasome.sim import field as fl
from migrasome.sim import signalling as sg
from migrasome.sim.state import Pool


def _cluster(amount, seed=0, n=200, minutes=240):
    rng = np.random.default_rng(seed)
    rp = RecipientParams(n=n, receptor_kd_au_per_um2=0.01, chemotactic_gain_um=1500.0,
                         start_x_um=[100.0, 400.0], start_y_um=[50.0, 150.0],
                         target_x_um=250.0, target_y_um=250.0, cluster_radius_um=60.0)
    f = fl.make_field(["cxcl12"], 500, 400, 5.0, 60.0, 0.02)
    pool = sg.make_recipients(rp, rng, 500, 400)
    for _ in range(minutes):
        fl.deposit(f, 0, [250.0], [250.0], amount)  # a steady signalling centre
        fl.diffuse_decay(f, 1.0)
        sg.step_recipients(pool, f, rp, 1.0, rng, 500, 400)
    return sg.cluster_stats(pool["x_um"], pool["y_um"], 250, 250, 60)["clustered_fraction"]


def test_chemotaxis_is_graded_in_the_signal():
    none, weak, strong = _cluster(0.0), _cluster(0.5), _cluster(2.0)
    # a random walk fills ≈ π 60² / (500·400) ≈ 6 % of the domain
    assert none < 0.15
    assert strong > weak + 0.1 > none + 0.1


def test_recipients_stay_in_the_domain():
    rng = np.random.default_rng(1)
    rp = RecipientParams(n=100, speed_um_per_min=5.0)
    pool = sg.make_recipients(rp, rng, 100, 80)
    for _ in range(200):
        sg.step_recipients(pool, None, rp, 1.0, rng, 100, 80)
    assert (pool["x_um"] >= 0).all() and (pool["x_um"] <= 100).all()
    assert (pool["y_um"] >= 0).all() and (pool["y_um"] <= 80).all()


def test_convergence_bias_points_to_the_centre():
    bx, by = sg.convergence_bias([0.0, 100.0, 50.0], [50.0, 50.0, 55.0], 50, 50, 0.2, 10)
    assert bx[0] == pytest.approx(0.2) and bx[1] == pytest.approx(-0.2)
    assert bx[2] == 0 and by[2] == 0


def test_kv_failure_falls_with_clustering():
    ep = EmbryoParams()
    p = sg.kv_failure_probability([0.0, ep.kv_half_fraction, 1.0], ep)
    assert p[0] > 0.95 and p[1] == pytest.approx(ep.kv_failure_floor + (1 - ep.kv_failure_floor)
                                                 / 2)
    assert p[2] == pytest.approx(ep.kv_failure_floor, abs=0.01)
    rng = np.random.default_rng(0)
    outs = [sg.embryo_outcome(0.0, ep, rng) for _ in range(2000)]
    org = np.mean([o["organ_defect"] for o in outs])
    lat = np.mean([o["laterality_defect"] for o in outs])
    assert org == pytest.approx(p[0], abs=0.03)
    assert lat == pytest.approx(p[0] * ep.laterality_given_defect, abs=0.03)
    assert all(o["organ_defect"] or not o["laterality_defect"] for o in outs)


def test_wilson_interval():
    lo, hi = sg.wilson_ci(13, 20)
    assert lo == pytest.approx(0.4329, abs=1e-3) and hi == pytest.approx(0.8188, abs=1e-3)
    assert sg.wilson_ci(0, 10)[0] == 0.0


def test_injection_adds_released_migrasomes():
    rng = np.random.default_rng(0)
    sites = Pool("site_id", {"cell_id": np.int64, "fiber_id": np.int64, "x_um": float,
                             "y_um": float, "attached": bool, "stage": np.int64,
                             "diameter_um": float, "fate": np.int64, "injected": bool,
                             "t_release_min": float})
    ids = sg.inject_migrasomes(sites, InjectionParams(n_migrasomes=50), 100, 100, 5.0, rng,
                               400, 400)
    assert len(ids) == 50 and (sites["cell_id"] == -1).all() and sites["injected"].all()
    assert not sites["attached"].any() and (sites["stage"] == Stage.RELEASED).all()
    assert abs(sites["x_um"].mean() - 100) < 15

import numpy as np
import pytest

from migrasome.perturbations import apply_perturbations
from migrasome.scenario import load_preset
from migrasome.sim.engine import Simulation
from migrasome.sim.motility import motility_factors, specific_adhesion, step_motility
from migrasome.sim.reference import step_motility_loop


def test_fast_motility_matches_the_plain_loop():
    sc = load_preset("nrk-fibronectin").with_changes(**{"cells.n_cells": 50})
    sim = Simulation(sc)
    c = sim.cells
    c["bias_x"] = np.linspace(-0.05, 0.05, 50)
    c["x_um"] = np.linspace(-1.0, sc.run.width_um + 1.0, 50)  # some cross the walls
    before = {k: v.copy() for k, v in c.cols.items()}
    rng = np.random.default_rng(5)
    noise = np.random.default_rng(5).standard_normal(50)
    step_motility(c, sc, rng, 0.5, sim.speed_factor, sim.persistence_factor)
    ref = step_motility_loop(before, sc, noise, 0.5, sim.speed_factor, sim.persistence_factor)
    for k in ("x_um", "y_um", "theta_rad", "rear_width_um", "speed_um_per_min"):
        np.testing.assert_allclose(c[k], ref[k], rtol=1e-12, atol=1e-12, err_msg=k)


def _run_cells(sc, steps, seed=0):
    sim = Simulation(sc.with_changes(seed=seed))
    xs, ths = [], []
    for _ in range(steps):
        step_motility(sim.cells, sc, sim.rng, sc.run.dt_min, sim.speed_factor,
                      sim.persistence_factor)
        xs.append(np.c_[sim.cells["x_um"], sim.cells["y_um"]].copy())
        ths.append(sim.cells["theta_rad"].copy())
    return sim, np.array(xs), np.array(ths)


def test_persistence_time_from_polarity_autocorrelation():
    # on a huge domain no wall interferes: <cos(θ(t)-θ(0))> = exp(-t/τ_p)
    sc = load_preset("nrk-fibronectin").with_changes(
        **{"cells.n_cells": 2000, "run.width_um": 1e4, "run.height_um": 1e4})
    _, _, th = _run_cells(sc, 80)
    t = np.arange(1, 81) * sc.run.dt_min
    corr = np.cos(th - th[0]).mean(axis=1)
    tau = sc.cells.persistence_min
    np.testing.assert_allclose(corr[[19, 39, 79]], np.exp(-t[[19, 39, 79]] / tau), atol=0.03)


def test_cells_stay_inside_reflecting_walls_and_move_at_their_speed():
    sc = load_preset("nrk-fibronectin").with_changes(
        **{"cells.n_cells": 200, "run.width_um": 200.0, "run.height_um": 200.0})
    sim, xs, _ = _run_cells(sc, 400)
    assert xs.min() >= 0 and xs.max() <= 200.0
    expected = sim.cells["base_speed_um_per_min"].mean() * sim.speed_factor
    np.testing.assert_allclose(sim.cells["speed_um_per_min"].mean(), expected, rtol=1e-9)
    assert 0.5 < expected < 1.1  # MODEL.md §2: 0.5–1.1 µm/min


def test_less_persistent_cells_turn_more_and_have_narrower_rears():
    sc = load_preset("nrk-fibronectin").with_changes(
        **{"cells.n_cells": 500, "run.width_um": 5e3, "run.height_um": 5e3})
    wt, _, _ = _run_cells(sc, 120)
    vim = apply_perturbations(sc, ["vimentin-KO"])
    ko, _, _ = _run_cells(vim, 120)
    assert ko.cells["turn_rate_rad_per_min"].mean() > 1.2 * wt.cells["turn_rate_rad_per_min"].mean()
    assert ko.cells["rear_width_um"].mean() < 0.95 * wt.cells["rear_width_um"].mean()
    assert ko.cells["speed_um_per_min"].mean() < 0.7 * wt.cells["speed_um_per_min"].mean()


def test_adhesion_is_biphasic_in_fibronectin_and_needs_its_integrin():
    sc = load_preset("nrk-fibronectin")
    speeds = [motility_factors(sc.with_changes(**{"ecm.concentration_ug_per_ml": c}))[0]
              for c in (1, 10, 100)]
    assert specific_adhesion(sc) == pytest.approx(0.75)
    assert speeds[2] < speeds[1]  # too sticky slows cells (Palecek 1997)
    assert specific_adhesion(apply_perturbations(sc, ["uncoated"])) == 0.0
    assert motility_factors(apply_perturbations(sc, ["blebbistatin"]))[0] < 0.3 * speeds[1]

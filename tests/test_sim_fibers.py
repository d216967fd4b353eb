import numpy as np

from migrasome.scenario import load_preset
from migrasome.sim import fibers as fib
from migrasome.sim.engine import Simulation
from migrasome.sim.reference import fiber_geometry_loop


def _sim(n=40, steps=240, **changes):
    sc = load_preset("nrk-fibronectin").with_changes(**{"cells.n_cells": n, **changes})
    sim = Simulation(sc)
    for _ in range(steps):
        sim.step()
    return sim


def test_geometry_of_branch_networks_matches_plain_recursion():
    sim = _sim()
    f = sim.fibers
    assert (f["depth"] > 1).any(), "expected branches of branches"
    x1, y1 = fiber_geometry_loop(f.cols, sim.cells.cols)
    np.testing.assert_allclose(f["x1_um"], x1, atol=1e-9)
    np.testing.assert_allclose(f["y1_um"], y1, atol=1e-9)


def test_branches_join_their_parent_between_its_ends():
    sim = _sim()
    f = sim.fibers
    br = np.flatnonzero(f["attached"] & (f["parent_fiber_id"] >= 0))
    p = f.index_of(f["parent_fiber_id"][br])
    assert (p >= 0).all() and f["attached"][p].all()
    # the junction (child's proximal end) lies on the parent segment
    ax, ay = f["anchor_x_um"][p], f["anchor_y_um"][p]
    dx, dy = f["x1_um"][p] - ax, f["y1_um"][p] - ay
    cross = np.abs(dx * (f["y1_um"][br] - ay) - dy * (f["x1_um"][br] - ax))
    assert np.all(cross / np.maximum(np.hypot(dx, dy), 1e-9) < 1e-6)
    top = sim.scenario.fibers.max_junction_frac
    assert np.all((f["junction_frac"][br] >= 0) & (f["junction_frac"][br] <= top))


def test_rfs_lie_behind_the_cell_and_lengthen_as_it_moves_away(day_run):
    ff, tr = day_run.fiber_frames, day_run.tracks
    fib_cell = day_run.fibers.set_index("fiber_id")["cell_id"]
    last = ff[ff["frame"] == ff["frame"].max()].copy()
    last["cell_id"] = last["fiber_id"].map(fib_cell)
    pos = tr[tr["frame"] == tr["frame"].max()].set_index("cell_id")
    c = pos.loc[last["cell_id"]]
    # anchors lie opposite to the direction of migration
    vx, vy = np.cos(c["polarity_rad"].to_numpy()), np.sin(c["polarity_rad"].to_numpy())
    rel = (last["x0_um"].to_numpy() - c["x_um"].to_numpy()) * vx + (
        last["y0_um"].to_numpy() - c["y_um"].to_numpy()) * vy
    assert np.mean(rel < 0) > 0.8
    # a fibre's length grows with its age
    roots = ff.merge(day_run.fibers[["fiber_id", "t_form_min", "parent_fiber_id"]], on="fiber_id")
    roots = roots[roots["parent_fiber_id"] < 0]
    age = roots["t_min"] - roots["t_form_min"]
    assert np.corrcoef(age, roots["length_um"])[0, 1] > 0.5


def test_breakage_follows_the_age_rising_weibull_hazard(day_run):
    f = day_run.fibers
    sc = load_preset("nrk-fibronectin")
    roots = f[(f["parent_fiber_id"] < 0) & (f["t_form_min"] < 300)]
    life = (roots["t_break_min"] - roots["t_form_min"]).to_numpy()
    assert np.isfinite(life).mean() > 0.95
    # Weibull(k, λ) median λ (ln 2)^(1/k) — for roots, that break on their own
    lam = sc.fibers.break_age_min
    expected = lam * np.log(2) ** (1 / sc.fibers.break_shape)
    assert abs(np.nanmedian(life) - expected) / expected < 0.15
    # rising hazard: few break young (Weibull CDF at λ/4 is 3 %)
    assert np.mean(life < lam / 4) < 0.08


def test_a_break_detaches_every_branch_downstream():
    sc = load_preset("nrk-fibronectin").with_changes(**{"cells.n_cells": 40})
    sim = Simulation(sc)
    for _ in range(200):
        sim.step()
    f = sim.fibers
    rng = np.random.default_rng(0)
    # force one parent with children to break
    parents = np.unique(f["parent_fiber_id"][f["attached"] & (f["parent_fiber_id"] >= 0)])
    target = f.index_of(parents[:1])[0]
    f["t_form_min"] = np.where(np.arange(len(f)) == target, -1e6, f["t_form_min"])
    fib.break_fibers(f, sc, rng, sim.t_min, sc.run.dt_min)
    children = f["parent_fiber_id"] == parents[0]
    assert not f["attached"][target] and not f["attached"][children].any()


def test_tspan4_overexpression_lengthens_rfs_about_2_7_fold():
    from migrasome.simulation import simulate

    wt = simulate("l929-fibronectin", cells=60, seed=2).summary()
    oe = simulate("l929-fibronectin", cells=60, seed=2, perturbations=["TSPAN4-OE"]).summary()
    ratio = oe["rf_length_per_cell_um"] / wt["rf_length_per_cell_um"]
    assert 2.0 < ratio < 3.6, ratio  # Wang 2022: ≈2.7× (text); ±30 %

"""Cost per step of the signal field and of cargo bookkeeping as cells and migrasomes grow.

Run: ``python benchmarks/bench_functions.py``. Prints milliseconds per step (median of
repeats) for:

* the field: one exact DCT diffusion–decay step, uptake by N cells, deposit from M
  migrasomes and gradient sampling at N cells, on a 3-species grid of the domain;
* cargo: migracytosis filling, fates (KD-tree neighbour search), settling and translation
  for N cells with M migrasomes.
"""

from __future__ import annotations

import time

import numpy as np

from migrasome.parameters import CargoParams
from migrasome.sim import cargo as cg
from migrasome.sim import field as fl
from migrasome.sim.state import Pool

SPECIES = ["cxcl12", "vegfa", "tgfb1"]


def _time(fn, repeats=15) -> float:
    fn()
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(ts))


def bench_field(n_cells: int, n_mig: int, width_um: float, h_um: float = 5.0) -> float:
    rng = np.random.default_rng(0)
    f = fl.make_field(SPECIES, width_um, width_um, h_um, [60, 120, 120], 0.02)
    cx, cy = rng.uniform(0, width_um, (2, n_cells))
    mx, my = rng.uniform(0, width_um, (2, n_mig))
    amt = rng.uniform(0, 1, n_mig)

    def step():
        for s in range(len(SPECIES)):
            fl.deposit(f, s, mx, my, amt)
        fl.apply_uptake(f, cx, cy, [0.05] * 3, 0.5)
        fl.diffuse_decay(f, 0.5)
        fl.sample_gradient(f, cx, cy)
    return _time(step)


def bench_cargo(n_cells: int, n_mig: int, width_um: float) -> float:
    rng = np.random.default_rng(0)
    p = CargoParams(rupture_per_min=0.002, uptake_per_min=0.01)
    cells = Pool("cell_id", {"x_um": float, "y_um": float, "radius_um": float,
                             "cell_type": object})
    cells.append(n_cells, x_um=rng.uniform(0, width_um, n_cells),
                 y_um=rng.uniform(0, width_um, n_cells), radius_um=10.0, cell_type="MSC")
    cg.add_cell_columns(cells, p)
    cg.add_recipient_columns(cells)
    sites = Pool("site_id", {"cell_id": np.int64, "x_um": float, "y_um": float,
                             "attached": bool, "diameter_um": float, "t_breakdown_min": float,
                             "fate": np.int64})
    sites.append(n_mig, cell_id=rng.integers(0, n_cells, n_mig),
                 x_um=rng.uniform(0, width_um, n_mig), y_um=rng.uniform(0, width_um, n_mig),
                 attached=rng.random(n_mig) < 0.5, diameter_um=0.0)
    cg.add_site_columns(sites, SPECIES)
    led = cg.Ledger()
    dens = np.full((3, n_cells), 5.0)
    takers = [("cell", cells)]
    state = {"t": 0.0}

    def step():
        state["t"] += 0.5
        sites["diameter_um"] = np.minimum(sites["diameter_um"] + 0.02, 2.0)
        cg.fill_attached(sites, cells, p, SPECIES, dens, rng, led)
        cg.replenish(cells, p, 0.5, rng, led)
        cg.leak_signal(sites, SPECIES, 0.01, 0.5, led)
        fate = cg.choose_fates(sites, takers, p, state["t"], 0.5, rng)
        cg.settle(sites, fate > 0, fate, takers, SPECIES, led, state["t"])
        cg.translate(cells, p, 0.5, rng, led)
    return _time(step)


def main() -> None:
    print(f"{'cells':>7} {'migrasomes':>11} {'domain µm':>10} {'field ms/step':>14} "
          f"{'cargo ms/step':>14}")
    for n_cells, n_mig, w in [(30, 300, 800), (100, 1000, 800), (300, 3000, 1600),
                              (1000, 10000, 1600), (3000, 30000, 3200)]:
        print(f"{n_cells:>7} {n_mig:>11} {w:>10} {bench_field(n_cells, n_mig, w):>14.2f} "
              f"{bench_cargo(n_cells, n_mig, w):>14.2f}")


if __name__ == "__main__":
    main()

"""Simulation throughput: cell-steps per second at 100, 1,000 and 10,000 cells.

The domain grows with the number of cells so the density (and so the fibres and sites per
cell) stays that of the default culture; each size is warmed up to steady state first.
CPU time per simulated hour, memory and 100,000 cells: ``bench_scale.py``.
Also times the motility step against a per-agent Python loop (what an agent-per-object
framework runs), and the default `migrasome simulate` run end to end.

    python benchmarks/bench_simulate.py [--quick]
"""

from __future__ import annotations

import sys
import time

import numpy as np

from migrasome.sim.engine import Simulation
from migrasome.sim.motility import step_motility
from migrasome.sim.reference import step_motility_loop
from migrasome.simulation import resolve_scenario, simulate


def scenario_for(n: int):
    side = float(np.sqrt(n) * 150.0)  # the default's 30 cells on 800 µm ≈ 146 µm per cell
    return resolve_scenario("nrk-fibronectin", cells=n).with_changes(
        **{"run.width_um": side, "run.height_um": side})


def throughput(n: int, warm: int = 240, steps: int = 60) -> tuple[float, float, int, int]:
    sim = Simulation(scenario_for(n))
    for _ in range(warm):
        sim.step()
    t, c = time.perf_counter(), time.process_time()
    for _ in range(steps):
        sim.step()
    dt, cpu = time.perf_counter() - t, time.process_time() - c
    return n * steps / dt, cpu / steps * 60 / sim.dt_min, len(sim.fibers), len(sim.sites)


def motility_vs_loop(n: int = 2000) -> tuple[float, float]:
    sim = Simulation(scenario_for(n))
    before = {k: v.copy() for k, v in sim.cells.cols.items()}
    t = time.perf_counter()
    for _ in range(20):
        step_motility(sim.cells, sim.scenario, sim.rng, 0.5, sim.speed_factor,
                      sim.persistence_factor)
    fast = (time.perf_counter() - t) / 20
    noise = np.random.default_rng(0).standard_normal(n)
    t = time.perf_counter()
    step_motility_loop(before, sim.scenario, noise, 0.5, sim.speed_factor,
                       sim.persistence_factor)
    slow = time.perf_counter() - t
    return fast, slow


def main(quick: bool = False) -> None:
    sizes = [100, 1000] if quick else [100, 1000, 10000]
    print("cells    cell-steps/s   µs per cell-step   CPU s per sim h   active fibres   "
          "active sites")
    for n in sizes:
        rate, cpu_h, nf, ns = throughput(n, warm=120 if quick else 240)
        print(f"{n:>6} {rate:>14,.0f} {1e6 / rate:>18.2f} {cpu_h:>17.2f} {nf:>15,} {ns:>14,}")
    fast, slow = motility_vs_loop()
    print(f"\nmotility step, 2,000 cells: vectorised {fast * 1e3:.2f} ms, "
          f"per-agent loop {slow * 1e3:.1f} ms ({slow / fast:.0f}× faster)")
    t = time.perf_counter()
    simulate()
    print(f"default run (30 cells, 12 h, 1,440 steps): {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)

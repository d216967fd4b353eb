"""How the simulation scales: CPU time per simulated hour and per cell-step, and memory.

Sizes 100, 1,000 and 10,000 cells (``--big`` adds 100,000) of the default preset at the
default density (the domain grows with the number of cells, ≈146 µm per cell as in the
default 30 cells on 800 µm), dt 0.5 min. Each size is warmed up towards steady state (fibres
and sites accumulate for about two hours of simulated time) before the timed steps.

``--memory`` runs one whole simulation (default 10,000 cells × 12 h) in a child process and
prints its peak resident memory, with the recorded frames streamed to disk and then with
the tables built in memory.

The figures of PhysiCell 1.14.2 (2 threads, same kind of machine) are the ones recorded
when this benchmark was set up; PhysiCell is not run here.

    python benchmarks/bench_scale.py [--sizes 100,1000,10000] [--big] [--memory]
        [--memory-cells 10000] [--memory-hours 12]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np

#: PhysiCell 1.14.2, 2 threads: CPU s per simulated hour and µs per cell-step (recorded).
PHYSICELL = {100: (0.074, 1.2), 1000: (0.69, 1.15), 10000: (16.4, 2.7)}


def scenario_for(n: int, hours: float = 12.0):
    from migrasome.simulation import resolve_scenario

    # the scenario allows at most 20 mm: 100,000 cells are 4× as dense (no cell–cell
    # interaction in the model, so the cost per cell-step is the same)
    side = min(float(np.sqrt(n) * 146.0), 20_000.0)
    return resolve_scenario("nrk-fibronectin", cells=n, hours=hours).with_changes(
        **{"run.width_um": side, "run.height_um": side})


def cost(n: int, warm: int, steps: int, repeat: int = 3) -> dict:
    """CPU and wall time of ``steps`` steps after ``warm`` steps, recording as a run does;
    the least of ``repeat`` consecutive timings (the machine is shared)."""
    from migrasome.sim.engine import Simulation

    sim = Simulation(scenario_for(n))
    for k in range(warm):
        sim.step()
        if (k + 1) % sim.record_every == 0:
            sim.record()
    cpu = wall = float("inf")
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        for _ in range(steps):
            sim.step()
            if (sim.steps_done) % sim.record_every == 0:
                sim.record()
        cpu = min(cpu, time.process_time() - c0)
        wall = min(wall, time.perf_counter() - w0)
    per_hour = 60.0 / sim.dt_min
    return {"cells": n, "cpu_s_per_sim_hour": cpu / steps * per_hour,
            "wall_s_per_sim_hour": wall / steps * per_hour,
            "us_per_cell_step": cpu / steps / n * 1e6, "fibers": len(sim.fibers),
            "sites": len(sim.sites), "warm_steps": warm, "timed_steps": steps,
            "repeat": repeat}


def _child_memory(n: int, hours: float, stream: bool) -> None:
    """Run in a child: one whole run, print its peak RSS (MB) and CPU time as JSON."""
    import tempfile

    from migrasome.sim.engine import Simulation

    sim = Simulation(scenario_for(n, hours))
    c0 = time.process_time()
    hourly = []  # peak RSS (MB) at the end of each simulated hour, before the tables

    def progress(k, total):
        if k % int(round(60 / sim.dt_min)) == 0:
            hourly.append(_peak_mb())

    with tempfile.TemporaryDirectory() as tmp:
        if stream:
            res = sim.run(progress, spool_dir=tmp)
        else:
            res = sim.run(progress)
        rows = {k: res.n_rows(k) for k in res.tables}  # streamed tables stay on disk
        peak_mb = _peak_mb()
    print(json.dumps({"peak_rss_mb": peak_mb, "cpu_s": time.process_time() - c0,
                      "rows": rows, "hourly_peak_mb": hourly}))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def memory(n: int, hours: float, stream: bool) -> dict:
    cmd = [sys.executable, __file__, "--child-memory", str(n), str(hours),
           "1" if stream else "0"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--big", action="store_true", help="also 100,000 cells (minutes)")
    ap.add_argument("--repeat", type=int, default=3, help="timings per size; the least")
    ap.add_argument("--memory", action="store_true")
    ap.add_argument("--memory-cells", type=int, default=10000)
    ap.add_argument("--memory-hours", type=float, default=12.0)
    ap.add_argument("--memory-modes", default="stream,memory",
                    help="stream: frames streamed to disk; memory: frames kept in memory")
    ap.add_argument("--child-memory", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child_memory:
        n, h, s = a.child_memory
        _child_memory(int(n), float(h), s == "1")
        return
    sizes = [int(s) for s in a.sizes.split(",") if s]
    if a.big:
        sizes.append(100_000)
    print("cells   CPU s/sim h  (PhysiCell)   µs/cell-step  (PhysiCell)   fibres    sites")
    rows = []
    for n in sizes:
        warm, steps = (240, 60) if n <= 10_000 else (120, 10)
        r = cost(n, warm, steps, a.repeat)
        rows.append(r)
        pc = PHYSICELL.get(n, (float("nan"), float("nan")))
        print(f"{n:>7,} {r['cpu_s_per_sim_hour']:>11.2f}  ({pc[0]:>6.3g})  "
              f"{r['us_per_cell_step']:>13.2f}  ({pc[1]:>6.3g})  {r['fibers']:>8,} "
              f"{r['sites']:>8,}", flush=True)
    if len(rows) > 1:
        us = [r["us_per_cell_step"] for r in rows]
        print(f"µs per cell-step, largest / smallest size: {us[-1] / us[0]:.2f}")
    if a.memory:
        for mode in a.memory_modes.split(","):
            stream = mode == "stream"
            m = memory(a.memory_cells, a.memory_hours, stream)
            how = "frames streamed to disk" if stream else "frames kept in memory"
            frames = sum(v for k, v in m["rows"].items() if "frames" in k or k == "tracks")
            hourly = m["hourly_peak_mb"]
            # over the second half of the run: the pools fill during the first hours
            first = len(hourly) // 2 if len(hourly) > 2 else 0
            growth = (hourly[-1] - hourly[first]) / (len(hourly) - 1 - first) \
                if len(hourly) > 1 else float("nan")
            print(f"{a.memory_cells:,} cells × {a.memory_hours:g} h ({how}): peak RSS "
                  f"{m['peak_rss_mb']:.0f} MB (before the tables: {hourly[-1]:.0f} MB, "
                  f"growing {growth:.1f} MB per simulated hour over the second half), CPU "
                  f"{m['cpu_s']:.0f} s, {frames:,} frame rows", flush=True)


if __name__ == "__main__":
    main()

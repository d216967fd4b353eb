"""Size and growth as outcomes: diameters and growth times per condition, on a held-out seed.

Diameter (5/50/95 % and max of the largest size each migrasome reached) and growth time
(growth onset to full size, median and IQR) come out of tetraspanin/cholesterol recruitment
into the TEMA (``sim/biogenesis.py``), so they move with the TSPAN4 level and cholesterol.
Seed 303 was never used to choose a value.

    python benchmarks/bench_growth.py [--seed 303] [--cells 150]
"""

from __future__ import annotations

import argparse

import numpy as np

from migrasome.readouts import counted_migrasomes
from migrasome.simulation import simulate

CONDITIONS = [("nrk-fibronectin", []), ("nrk-fibronectin", ["TSPAN4-OE"]),
              ("nrk-fibronectin", ["tspan4a-mutant"]),
              ("nrk-fibronectin", ["cholesterol-depleted-serum"]), ("l929-fibronectin", [])]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=303)
    ap.add_argument("--cells", type=int, default=150)
    a = ap.parse_args()
    print(f"seed {a.seed}, {a.cells} cells × 12 h")
    print("| condition | d 5/50/95 % (max), µm | growth median (IQR), min | per cell |")
    print("|---|---|---|---|")
    for preset, pert in CONDITIONS:
        r = simulate(preset, perturbations=pert, seed=a.seed, cells=a.cells)
        m = counted_migrasomes(r)
        d = m["max_diameter_um"].to_numpy()
        g = (m["t_full_size_min"] - m["t_growth_onset_min"]).dropna().to_numpy()
        s = r.summary()
        name = "+".join([preset, *pert])
        dq = "/".join(f"{v:.2f}" for v in np.percentile(d, [5, 50, 95])) if len(d) else "–"
        gq = (f"{np.median(g):.1f} ({np.percentile(g, 25):.1f}–{np.percentile(g, 75):.1f})"
              if len(g) else "–")
        print(f"| {name} | {dq} ({d.max() if len(d) else 0:.2f}) | {gq} | "
              f"{s['migrasomes_per_cell']:.2f} |", flush=True)


if __name__ == "__main__":
    main()

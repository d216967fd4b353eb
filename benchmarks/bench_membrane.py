"""Speed and accuracy of the membrane solver, side by side with the closed form and the table.

Run: ``python benchmarks/bench_membrane.py``. Prints, for a few domains, the energy error
of coarse and default meshes against a fine reference, solves per second at 0.5 % energy
accuracy, and the cost of the closed-form and table look-ups used by the simulation.
"""

import time

import numpy as np

from migrasome.membrane import (
    solve_tube,
    swelling_diameter_closed_form_um,
    swelling_diameter_um,
    swelling_energy_closed_form,
)

CASES = [(10.0, 100.0), (10.0, 600.0), (10.0, 3000.0), (3.0, 1000.0), (30.0, 1000.0)]
MESHES = {"coarse (16+12)": (16, 12), "default (48+36)": (None, 36), "fine (192+144)": (192, 144)}


def timed(fn, repeat=3):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def main():
    print(f"{'kappa_ratio':>11} {'A/r0^2':>8} {'mesh':>16} {'energy/kappa':>13} {'err %':>7} "
          f"{'R/r0':>7} {'s/solve':>8} {'closed-form dE':>14}")
    ok = {name: [] for name in MESHES}
    for rho, a in CASES:
        ref = solve_tube(rho, domain_area_r0sq=a, n_domain=384, n_tube=288, initial="bulge")
        for name, (nd, nt) in MESHES.items():
            s, dt = timed(lambda rho=rho, a=a, nd=nd, nt=nt: solve_tube(
                rho, domain_area_r0sq=a, n_domain=nd, n_tube=nt, initial="bulge"), repeat=2)
            err = 100 * abs(s.energy_kappa / ref.energy_kappa - 1)
            ok[name].append((err, dt))
            print(f"{rho:11g} {a:8g} {name:>16} {s.energy_kappa:13.4f} {err:7.3f} "
                  f"{s.bulge_radius_r0:7.3f} {dt:8.3f} "
                  f"{float(swelling_energy_closed_form(a, rho)):14.1f}")
    print()
    for name, rows in ok.items():
        errs, dts = np.array(rows).T
        verdict = "within" if errs.max() < 0.5 else "NOT within"
        print(f"{name:>16}: max energy error {errs.max():.3f} % ({verdict} 0.5 %), "
              f"{1 / dts.mean():.1f} solves/s (one start), {dts.mean() * 1e3:.0f} ms/solve")
    s, dt = timed(lambda: solve_tube(10.0, domain_area_r0sq=600.0))
    print(f"solve_tube default (two starts, stability check): {dt * 1e3:.0f} ms")
    area = np.random.default_rng(0).uniform(0.0, 40.0, 100_000)
    swelling_diameter_um(area[:10], kappa_ratio=10.0)
    _, dt_t = timed(lambda: swelling_diameter_um(area, kappa_ratio=10.0), repeat=5)
    _, dt_c = timed(lambda: swelling_diameter_closed_form_um(area, kappa_ratio=10.0), repeat=5)
    print(f"table look-up (swelling_diameter_um): {len(area) / dt_t / 1e3:.0f} sites/ms "
          f"({dt_t * 1e3:.2f} ms for 1e5 sites)")
    print(f"closed form:                           {len(area) / dt_c / 1e3:.0f} sites/ms "
          f"({dt_c * 1e3:.2f} ms for 1e5 sites)")


if __name__ == "__main__":
    main()

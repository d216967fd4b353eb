"""Calibration benchmark: does `migrasome calibrate` on the shipped training set reproduce the
shipped values within their uncertainty, and what does an evaluation cost?

    python benchmarks/bench_calibration.py                       # the shipped spec (≈40 min)
    python benchmarks/bench_calibration.py --params 2 --cells 80 --evals 15   # a quick look

Starts every parameter at 1.3× its shipped value. Prints, per fitted parameter: the shipped
value, the refit ± sd, whether the training set identifies it (sd in log space ≤ 0.5), and
whether the shipped value lies within 2 sd of the refit (in log space, where the fit runs);
then the training observations at the refit, which for parameters the observations do not
identify is what reproduction means.
"""

from __future__ import annotations

import argparse
import math
import time
from importlib import resources

from migrasome.calibrate import calibrate, current_value, load_spec


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--params", type=int, default=0, help="fit only the first N (0: all)")
    ap.add_argument("--cells", type=int, default=None)
    ap.add_argument("--evals", type=int, default=None)
    ap.add_argument("--seeds", default=None, help="comma-separated")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--spec", default="calibration.toml",
                    help="a shipped spec: calibration.toml or calibration-zebrafish.toml")
    a = ap.parse_args()
    with resources.as_file(resources.files("migrasome") / "data" / a.spec) as f:
        spec = load_spec(f)
    if a.params:
        spec.parameters = dict(list(spec.parameters.items())[: a.params])
    if a.cells:
        spec.cells = a.cells
    if a.evals:
        spec.max_evaluations = a.evals
    if a.seeds:
        spec.seeds = [int(s) for s in a.seeds.split(",")]
    shipped = {p: current_value(p) for p in spec.parameters}
    # start away from the shipped values, so that reaching them means something
    spec.start = {p: v * 1.3 for p, v in shipped.items()}
    t0 = time.perf_counter()
    fit = calibrate(spec, workers=a.workers)
    dt = time.perf_counter() - t0
    print(f"{fit.evaluations} evaluations in {dt:.0f} s ({dt / fit.evaluations:.1f} s each; "
          f"{len(spec.seeds)} seeds × {spec.cells} cells); {fit.message}")
    print(f"{'parameter':50s} {'shipped':>9s} {'refit':>9s} {'sd':>8s} {'identified':>10s}"
          "  shipped within 2 sd")
    within = {True: [0, 0], False: [0, 0]}
    for p, v in fit.values.items():
        sd, ident = fit.sd[p], fit.identified[p]
        # the fit is in log space, so is the comparison
        ok = bool(sd == sd and abs(math.log(v / shipped[p])) <= 2 * sd / v)
        within[ident][0] += ok
        within[ident][1] += 1
        print(f"{p:50s} {shipped[p]:9.4g} {v:9.4g} {sd:8.2g} {'yes' if ident else 'no':>10s}"
              f"  {'yes' if ok else 'no'}")
    for ident, (k, n) in within.items():
        print(f"{'identified' if ident else 'not identified'}: {k} of {n} shipped values "
              "within 2 sd of the refit from 1.3×")
    if fit.jacobian is not None:
        import numpy as np

        print("\nJacobian at the refit: d(residual / sd)/d(ln parameter)")
        print(fit.jacobian.round(2).to_string())
        sv = np.linalg.svd(fit.jacobian.to_numpy(), compute_uv=False)
        print(f"singular values: {np.array2string(sv, precision=3)}")
    cols = ["id", "value", "low", "high", "predicted", "passed"]
    print(fit.table[cols].to_string(index=False))


if __name__ == "__main__":
    main()

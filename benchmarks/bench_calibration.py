"""Calibration benchmark: does `migrasome calibrate` on the shipped training set reproduce the
shipped values within their uncertainty, and what does an evaluation cost?

    python benchmarks/bench_calibration.py                       # the shipped spec (≈1 h)
    python benchmarks/bench_calibration.py --params 2 --cells 80 --evals 15   # a quick look

Prints, per fitted parameter: the shipped value, the fitted value ± sd, and whether the
shipped value lies within 2 sd; then the training observations at the fit.
"""

from __future__ import annotations

import argparse
import time
from importlib import resources

from migrasome.calibrate import calibrate, load_spec
from migrasome.parameters import get_path
from migrasome.scenario import Scenario


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--params", type=int, default=0, help="fit only the first N (0: all)")
    ap.add_argument("--cells", type=int, default=None)
    ap.add_argument("--evals", type=int, default=None)
    ap.add_argument("--seeds", default=None, help="comma-separated")
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    with resources.as_file(resources.files("migrasome") / "data" / "calibration.toml") as f:
        spec = load_spec(f)
    if a.params:
        spec.parameters = dict(list(spec.parameters.items())[: a.params])
    if a.cells:
        spec.cells = a.cells
    if a.evals:
        spec.max_evaluations = a.evals
    if a.seeds:
        spec.seeds = [int(s) for s in a.seeds.split(",")]
    shipped = {p: get_path(Scenario().model_dump(mode="json"), p) for p in spec.parameters}
    # start away from the shipped values, so that reaching them means something
    spec.start = {p: v * 1.3 for p, v in shipped.items()}
    t0 = time.perf_counter()
    fit = calibrate(spec, workers=a.workers)
    dt = time.perf_counter() - t0
    print(f"{fit.evaluations} evaluations in {dt:.0f} s ({dt / fit.evaluations:.1f} s each; "
          f"{len(spec.seeds)} seeds × {spec.cells} cells); {fit.message}")
    print(f"{'parameter':40s} {'shipped':>9s} {'fitted':>9s} {'sd':>8s}  within 2 sd")
    for p, v in fit.values.items():
        sd = fit.sd[p]
        ok = abs(v - shipped[p]) <= 2 * sd if sd == sd else False
        print(f"{p:40s} {shipped[p]:9.4g} {v:9.4g} {sd:8.2g}  {'yes' if ok else 'no'}")
    cols = ["id", "value", "low", "high", "predicted", "passed"]
    print(fit.table[cols].to_string(index=False))


if __name__ == "__main__":
    main()

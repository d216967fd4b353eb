"""Migrasome detection on rendered movies: this pipeline vs trackpy vs scikit-image.

Renders the same 1024 × 1024 time-lapses (a synthetic scene of cells trailing retraction
fibres with migrasomes of 0.5–3 µm at their tips; wide-field, 0.15 µm/px, Poisson + read
noise) at several signal-to-noise ratios and runs, on each:

* ``migrasome.analysis.analyze_movie`` — the whole pipeline (cells, fibres, migrasomes,
  linking, tables);
* trackpy ``locate`` on every frame, then ``link``;
* scikit-image ``feature.blob_log`` on every frame (no linking).

The two reference methods get their free parameters (trackpy ``minmass``, ``blob_log``
``threshold``, and a diameter calibration factor each) tuned for best F1 on a separate
calibration movie at the same SNR (another seed, two frames): their thresholds are in
intensity units, so each SNR gets its own.  The pipeline runs with its defaults.  Scoring is
``migrasome.analysis.compare_results``: per-frame Hungarian matching within
``max(0.5 µm, d/2)``, migrasomes ≥ 0.8 µm.  Frames per second count only detection (and
linking), not rendering.

Run: ``python benchmarks/bench_analysis.py [--size 1024] [--frames 5] [--snr 3 5 10]``.
``--processes N`` also times both as whole processes (imports, reading the movie from a
TIFF file, model loading included; N runs each, alternating), as a user would run them.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from migrasome.analysis import analyze_movie, compare_results
from migrasome.imaging import render_movie, synthetic_results
from migrasome.results import Results

DIAMETERS_UM = (0.5, 0.8, 1.0, 1.3, 1.7, 2.2, 3.0)


def scene(size_px: int, px: float, n_frames: int, seed: int) -> Results:
    """Cells on a grid, about one per 36 µm square, three RFs each."""
    w = size_px * px
    n_side = max(1, int(round(w / 36.0)))
    return synthetic_results(n_cells=n_side * n_side, width_um=w, height_um=w,
                             n_frames=n_frames, cell_radius_um=6.0, fibers_per_cell=3,
                             fiber_length_um=8.0, migrasome_diameters_um=DIAMETERS_UM,
                             seed=seed)


def _as_results(df: pd.DataFrame) -> Results:
    mf = pd.DataFrame({"migrasome_id": np.arange(len(df)), "frame": df["frame"].to_numpy(),
                       "t_min": df["frame"].to_numpy(float), "x_um": df["x_um"].to_numpy(),
                       "y_um": df["y_um"].to_numpy(), "diameter_um": df["diameter_um"].to_numpy(),
                       "attached": False})
    return Results(tables={"migrasome_frames": mf}, metadata={"source": "reference"})


def run_trackpy(movie, *, minmass: float, scale: float, diameter_px: int, link: bool = True):
    import trackpy as tp

    tp.quiet()
    px = movie.pixel_size_um
    sig = movie.metadata["psf_sigma_um"][0] / px
    t0 = time.perf_counter()
    parts = []
    for k in range(movie.n_frames):
        f = tp.locate(movie.data[k, 0], diameter_px, minmass=minmass, separation=3,
                      engine="numba" if _has_numba() else "auto")
        f["frame"] = k
        parts.append(f)
    feats = pd.concat(parts, ignore_index=True)
    if len(feats) and link:
        # adaptive search keeps dense (noisy) frames tractable
        feats = tp.link(feats, search_range=1.5 / px, memory=2, adaptive_stop=1.0,
                        adaptive_step=0.9)
    el = time.perf_counter() - t0
    # radius of gyration of a projected shell: Rg² = (2/3) R² + σ²
    rg2 = np.maximum(feats["size"].to_numpy() ** 2 - sig**2, 0.25)
    d = scale * 2 * np.sqrt(1.5 * rg2) * px
    out = pd.DataFrame({"frame": feats["frame"].to_numpy(),
                        "x_um": (feats["x"].to_numpy() + 0.5) * px,
                        "y_um": (feats["y"].to_numpy() + 0.5) * px, "diameter_um": d})
    return _as_results(out), el


def run_blob_log(movie, *, threshold: float, scale: float):
    from skimage.feature import blob_log

    px = movie.pixel_size_um
    t0 = time.perf_counter()
    parts = []
    for k in range(movie.n_frames):
        img = movie.data[k, 0].astype(np.float32)
        img = (img - np.median(img)) / max(float(img.max() - np.median(img)), 1.0)
        b = blob_log(img, min_sigma=0.35 / px / np.sqrt(2) * 0.8, max_sigma=1.6 / px / np.sqrt(2),
                     num_sigma=8, threshold=threshold, overlap=0.5)
        parts.append(pd.DataFrame({"frame": k, "x_um": (b[:, 1] + 0.5) * px,
                                   "y_um": (b[:, 0] + 0.5) * px,
                                   "diameter_um": scale * 2 * np.sqrt(2) * b[:, 2] * px}))
    el = time.perf_counter() - t0
    return _as_results(pd.concat(parts, ignore_index=True)), el


def _has_numba() -> bool:
    try:
        import numba  # noqa: F401
        return True
    except ImportError:
        return False


def _calibrate(movie, run, grid, **fixed):
    """Best F1 over ``grid`` values of the threshold, then the diameter scale that zeroes the
    median diameter bias."""
    best = None
    for v in grid:
        res, _ = run(movie, **{**fixed, **v, "scale": 1.0})
        s = compare_results(res, movie.truth)
        if best is None or s["f1"] > best[1]["f1"]:
            best = (v, s)
    v, s = best
    bias = s["median_diameter_bias"]
    scale = 1.0 / (1.0 + bias) if np.isfinite(bias) else 1.0
    return {**fixed, **v, "scale": scale}


_OURS = """
import sys
from migrasome.analysis import analyze_movie
r = analyze_movie(sys.argv[1], pixel_size_um=float(sys.argv[2]))
print(len(r.migrasome_frames))
"""

_TRACKPY = """
import sys
import pandas as pd, tifffile, trackpy as tp
tp.quiet()
a = tifffile.imread(sys.argv[1])
px, diam, minmass = float(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
parts = []
for k in range(len(a)):
    f = tp.locate(a[k], diam, minmass=minmass, separation=3)
    f["frame"] = k
    parts.append(f)
f = tp.link(pd.concat(parts, ignore_index=True), search_range=1.5 / px, memory=2,
            adaptive_stop=1.0, adaptive_step=0.9)
print(len(f))
"""


def time_processes(movie, *, minmass: float, diameter_px: int, repeats: int) -> pd.DataFrame:
    """Wall and CPU seconds of each method run as a fresh Python process on a TIFF file."""
    import os
    import resource
    import subprocess
    import sys
    import tempfile

    import tifffile

    px = movie.pixel_size_um
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "movie.tif")
        tifffile.imwrite(path, movie.data[:, 0], imagej=True, metadata={"axes": "TYX"})
        cmds = {"migrasome": [sys.executable, "-c", _OURS, path, str(px)],
                "trackpy": [sys.executable, "-c", _TRACKPY, path, str(px), str(diameter_px),
                            str(minmass)]}
        for _ in range(repeats):
            for name, cmd in cmds.items():
                r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True)
                wall = time.perf_counter() - t0
                r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
                rows.append({"method": name, "wall_s": wall, "cpu_s": cpu})
    df = pd.DataFrame(rows).groupby("method").median()
    df["fps_wall"] = movie.n_frames / df["wall_s"]
    df["fps_cpu"] = movie.n_frames / df["cpu_s"]
    return df


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=1024, help="frame side, px")
    ap.add_argument("--frames", type=int, default=5)
    ap.add_argument("--snr", type=float, nargs="+", default=[3.0, 5.0, 10.0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--processes", type=int, default=0,
                    help="also time both as whole processes, this many runs each")
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    px = 0.15

    diam = 2 * int(round(1.0 / px)) + 1
    rows = []
    for snr in args.snr:
        cal = render_movie(scene(args.size, px, 2, 99), pixel_size_um=px, snr=snr, seed=99)
        analyze_movie(cal)  # warm-up (model loading, cached filters) outside the timings
        tp_par = _calibrate(cal, run_trackpy,
                            [{"minmass": m} for m in (100, 200, 400, 800, 1600, 3200, 6400,
                                                      12800)],
                            diameter_px=diam, link=False)
        tp_par["link"] = True
        bl_par = _calibrate(cal, run_blob_log,
                            [{"threshold": t} for t in (0.02, 0.04, 0.06, 0.1, 0.15, 0.2,
                                                        0.3)])
        print(f"SNR {snr:g}: trackpy diameter={diam} px, minmass={tp_par['minmass']}, "
              f"scale={tp_par['scale']:.2f}; blob_log threshold={bl_par['threshold']}, "
              f"scale={bl_par['scale']:.2f}", flush=True)
        mv = render_movie(scene(args.size, px, args.frames, args.seed), pixel_size_um=px,
                          snr=snr, seed=args.seed)
        t0 = time.perf_counter()
        res = analyze_movie(mv)
        el = time.perf_counter() - t0
        runs = [("migrasome", res, el),
                ("trackpy", *run_trackpy(mv, **tp_par)),
                ("blob_log", *run_blob_log(mv, **bl_par))]
        if args.processes:
            tpp = time_processes(mv, minmass=tp_par["minmass"], diameter_px=diam,
                                 repeats=args.processes)
            print(f"SNR {snr:g}, whole processes (median of {args.processes} runs; "
                  f"{args.size}² px, {args.frames} frames, read from a TIFF):")
            print(tpp.to_string(float_format=lambda v: f"{v:.2f}"), flush=True)
        for name, r, sec in runs:
            s = compare_results(r, mv.truth)
            rows.append({"snr": snr, "method": name, "f1": s["f1"], "precision": s["precision"],
                         "recall": s["recall"], "diam_err": s["median_diameter_error"],
                         "fps": mv.n_frames / sec})
    df = pd.DataFrame(rows)
    print(f"\n{args.size}×{args.size} px, {args.frames} frames, migrasomes ≥ 0.8 µm:")
    print(df.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    wide = df.pivot(index="snr", columns="method", values=["f1", "diam_err", "fps"])
    print("\nside by side:")
    print(wide.to_string(float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()

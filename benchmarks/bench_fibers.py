"""RF detection against the scene generator's true fibres: pixel precision, recall and F1.

For each movie (one frame) the RF skeleton that ``analyze_movie`` would build (migrasomes
found and subtracted first, as the pipeline does) is compared with the true RF polylines
(``migrasome.scenes.draw_scene``) on the RF search grid, both off the found cell bodies
dilated by 1 µm (where no RF is searched): a skeleton pixel is right when a true RF passes
within one grid pixel, a true RF pixel is found when a skeleton pixel lies within one.
Beside: the length of all branches over the true visible length (in view, off the true
bodies). Training and held-out families apart; the line filter's width
(``fiber_sigma_um``) for each value given, the others at their defaults.

Run: ``python benchmarks/bench_fibers.py [--seeds 1000 2000 3000] [--movies 2]
[--sigmas 0.2 0.3 0.4] [--set fiber_half_block=1 fiber_edge_ratio=1.5 fiber_low=3
fiber_high=4]`` (about 20 s per width on two cores).
"""

from __future__ import annotations

import argparse
import dataclasses
import time
import warnings

import numpy as np
import pandas as pd
from scipy import ndimage as ndi

from migrasome.analysis import Options, analyze_frame
from migrasome.scenes import HELD_OUT, TRAINING, draw_scene, generate_scene


def true_rf_pixels(scene, shape: tuple[int, int], px: float) -> tuple[np.ndarray, np.ndarray]:
    """(rows, cols) of full-resolution pixels on the true RFs of frame 0, every ½ px."""
    pts = []
    for fb in scene.fibers:
        p = scene.fiber_points(fb, 0)
        if p is None or len(p) < 2:
            continue
        seg = np.diff(p, axis=0)
        n = np.maximum(1, (np.hypot(*seg.T) / (px / 2)).astype(int))
        pts += [p[k] + np.outer(np.linspace(0, 1, n[k], endpoint=False), seg[k])
                for k in range(len(seg))]
    if not pts:
        return np.zeros(0, int), np.zeros(0, int)
    xy = np.concatenate(pts)
    c, r = (xy[:, 0] / px).astype(int), (xy[:, 1] / px).astype(int)
    ok = (r >= 0) & (r < shape[0]) & (c >= 0) & (c < shape[1])
    return r[ok], c[ok]


def score_movie(fam: str, seed: int, options: Options, size: int) -> dict:
    mv = generate_scene(fam, size_px=size, n_frames=1, seed=seed)
    scene = draw_scene(fam, size_px=size, n_frames=1, seed=seed)
    px = mv.pixel_size_um
    out = analyze_frame(mv.data[0, 0], pixel_size_um=px,
                        psf_sigma_um=float(mv.metadata["psf_sigma_um"]), options=options)
    labels = out["labels"]
    f = max(1, int(round(options.fiber_grid_um / px)))
    grid = (-(-size // f), -(-size // f))
    body = ndi.binary_dilation(labels > 0, iterations=max(1, int(round(1.0 / px))))
    body_c = body[::f, ::f][: grid[0], : grid[1]]
    r, c = true_rf_pixels(scene, (size, size), px)
    off = ~body[r, c]
    truth = np.zeros(grid, bool)
    truth[r[off] // f, c[off] // f] = True
    found = np.zeros(grid, bool)
    b = out["branches"]
    pts = out["fiber_points"]  # x_um, y_um, branch, is_tip of each skeleton pixel
    if len(pts):
        pr = np.clip((pts[:, 1] / px / f).astype(int), 0, grid[0] - 1)
        pc = np.clip((pts[:, 0] / px / f).astype(int), 0, grid[1] - 1)
        found[pr, pc] = True
    found &= ~body_c
    near_t = ndi.binary_dilation(truth, iterations=1)
    near_f = ndi.binary_dilation(found, iterations=1)
    return {"family": fam, "seed": seed, "right": int((found & near_t).sum()),
            "skeleton": int(found.sum()), "found": int((truth & near_f).sum()),
            "true": int(truth.sum()), "length_um": float(b["length_um"].sum()) if len(b) else 0.0,
            "true_length_um": float(mv.truth.fiber_frames["length_visible_um"].sum())}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1000, 2000, 3000])
    ap.add_argument("--movies", type=int, default=2, help="movies per family and seed")
    ap.add_argument("--size", type=int, default=384)
    ap.add_argument("--sigmas", type=float, nargs="+", default=[Options().fiber_sigma_um])
    ap.add_argument("--set", nargs="*", default=[], metavar="OPTION=VALUE",
                    help="other analysis options, e.g. fiber_half_block=1 fiber_low=3")
    a = ap.parse_args(argv)
    kinds = {f.name: str(f.type) for f in dataclasses.fields(Options)}
    given = {}
    for item in a.set:  # names are checked by Options.from_kwargs
        k, _, v = item.partition("=")
        given[k] = v.lower() in ("1", "true", "yes") if "bool" in kinds.get(k, "") else float(v)
    warnings.filterwarnings("ignore")
    t0 = time.perf_counter()
    rows = []
    for sigma in a.sigmas:
        o = Options.from_kwargs(**{"fiber_sigma_um": sigma, **given})
        for group, fams in (("training", TRAINING), ("held-out", HELD_OUT)):
            for k, fam in enumerate(fams):
                for seed in a.seeds:
                    for i in range(a.movies):
                        r = score_movie(fam, seed + 100 * k + i, o, a.size)
                        rows.append({"sigma_um": sigma, "group": group, **r})
    df = pd.DataFrame(rows)

    def table(g):
        s = g[["right", "skeleton", "found", "true", "length_um", "true_length_um"]].sum()
        p, r = s["right"] / max(s["skeleton"], 1), s["found"] / max(s["true"], 1)
        return pd.Series({"precision": p, "recall": r, "f1": 2 * p * r / max(p + r, 1e-12),
                          "length_ratio": s["length_um"] / max(s["true_length_um"], 1e-12)})

    pd.set_option("display.width", 160)
    print(f"RF skeleton against the true RFs, off the bodies; seeds {a.seeds}, "
          f"{a.movies} movies each, {a.size}² px, one frame")
    print(df.groupby(["sigma_um", "group", "family"], sort=False).apply(table)
          .to_string(float_format=lambda v: f"{v:.3f}"))
    print("\npooled:")
    print(df.groupby(["sigma_um", "group"], sort=False).apply(table)
          .to_string(float_format=lambda v: f"{v:.3f}"))
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()

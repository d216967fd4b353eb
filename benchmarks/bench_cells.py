"""Cell-body segmentation against the scene generator's true cells, frame by frame.

For each movie of a family (``migrasome.scenes``) the true cell bodies of frame 0 are drawn
from the scene (each pixel belongs to the cell it lies deepest in) and compared with
``segment_cells``: cells found, true cells matched by one body (IoU > 0.5), and the summed
absolute count error.  Training families (tuning seeds from 2000 on) and held-out families
(never tuned on) are reported apart.  ``--steps`` sweeps ``overlap_step`` (the brightness
step that tells plateaus apart, natural log), the way its default was chosen on the
training families; 0 is the neck split alone.

Run: ``python benchmarks/bench_cells.py [--movies 14] [--size 384] [--steps 0 0.15 0.2 0.3]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from migrasome.analysis.cells import OVERLAP_STEP, segment_cells
from migrasome.analysis.pipeline import Options
from migrasome.analysis.preprocess import as_float, background_estimate, noise_sigma
from migrasome.scenes import HELD_OUT, TRAINING, _draw_settings, family, generate_scene
from migrasome.scenes.geometry import sample_scene


def true_cells(fam: str, seed: int, shape: tuple[int, int], n_frames: int) -> np.ndarray:
    """Label image of the scene's cells at frame 0 (the same draws as ``generate_scene``)."""
    rng = np.random.default_rng(seed)
    s = _draw_settings(family(fam), rng, pixel_size_um=None, snr=None)
    px = s["pixel_size_um"]
    sc = sample_scene(family(fam), width_um=shape[1] * px, height_um=shape[0] * px,
                      n_frames=n_frames, rng=rng)
    yy, xx = (np.indices(shape, dtype=np.float32) + 0.5) * px
    d = np.stack([c.depth_um(xx, yy, 0) for c in sc.cells])
    return np.where(d.max(0) > 0, d.argmax(0) + 1, 0)


def score(fam: str, seed: int, size: int, step: float) -> tuple[int, int, int, float]:
    """(true cells, cells found, true cells matched, seconds) on frame 0."""
    mv = generate_scene(fam, size_px=size, n_frames=2, seed=seed)
    truth = true_cells(fam, seed, (size, size), 2)
    o, px = Options(), mv.pixel_size_um
    img = as_float(mv.data[0, 0])
    f = max(1, int(round(o.cell_grid_um / px)))
    bg = background_estimate(img, factors=(f,), block_px=max(4, int(round(2.4 / px))),
                             scale_px=25.0 / px)
    t0 = time.perf_counter()
    lab = segment_cells(img, pixel_size_um=px, background=bg, noise=noise_sigma(img),
                        min_area_um2=o.cell_min_area_um2, opening_um=o.cell_opening_um,
                        grid_um=o.cell_grid_um, overlap_step=step)
    sec = time.perf_counter() - t0
    n = int(truth.max())
    ok = 0
    for k in range(1, n + 1):
        tk = truth == k
        ls, cnt = np.unique(lab[tk], return_counts=True)
        iou = [c / (tk.sum() + (lab == v).sum() - c) for v, c in zip(ls, cnt) if v]
        ok += bool(iou) and max(iou) > 0.5
    return n, int(lab.max()), ok, sec


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--movies", type=int, default=14, help="movies per family")
    ap.add_argument("--size", type=int, default=384)
    ap.add_argument("--seed", type=int, default=2000, help="first seed")
    ap.add_argument("--steps", type=float, nargs="+", default=[0.0, OVERLAP_STEP])
    a = ap.parse_args(argv)
    for group, fams in (("training", TRAINING), ("held-out", HELD_OUT)):
        for step in a.steps:
            tot = np.zeros(4)
            for fam in fams:
                for i in range(a.movies):
                    n, nd, ok, sec = score(fam, a.seed + i, a.size, step)
                    tot += (n, nd, ok, abs(n - nd))
            print(f"{group:9s} overlap_step {step:.2f}: true {tot[0]:.0f}, found {tot[1]:.0f}, "
                  f"matched {tot[2]:.0f}, |count error| summed {tot[3]:.0f}", flush=True)


if __name__ == "__main__":
    main()

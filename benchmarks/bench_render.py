"""Rendering speed: frames per second for 512² and 1024² frames with N migrasomes.

Run: ``python benchmarks/bench_render.py``. Prints one line per case (wide-field, 0.15 µm
pixels, cells and RFs included, noise on).
"""

from __future__ import annotations

import math
import time

import numpy as np

from migrasome.imaging import Renderer, render_movie, synthetic_results


def scene(side_px: int, n_migrasomes: int, n_frames: int, px: float = 0.15):
    """Cells (one per 40 x 40 µm) trailing RFs with a migrasome at each tip."""
    side_um = side_px * px
    n_cells = max(1, round((side_um / 40.0) ** 2))  # one cell per 40 x 40 µm
    per_cell = max(1, math.ceil(n_migrasomes / n_cells))
    return synthetic_results(n_cells=n_cells, width_um=side_um, height_um=side_um,
                             n_frames=n_frames, cell_radius_um=10.0, fibers_per_cell=per_cell,
                             fiber_length_um=15.0, migrasome_diameters_um=(0.6, 1.0, 1.5, 2.5),
                             seed=1)


def bench(side_px: int, n_migrasomes: int, n_frames: int = 20, modality: str = "widefield"):
    """Print set-up time (PSF tables), frames/s of the frame loop, and the whole call."""
    res = scene(side_px, n_migrasomes, n_frames)
    t0 = time.perf_counter()
    r = Renderer(res, pixel_size_um=0.15, modality=modality, seed=0)
    setup = time.perf_counter() - t0
    rng = np.random.default_rng(0)
    t1 = time.perf_counter()
    for k in range(n_frames):
        r.camera(r.signal(k, 0), rng)
    loop = time.perf_counter() - t1
    t2 = time.perf_counter()
    movie = render_movie(res, pixel_size_um=0.15, modality=modality, seed=0)
    whole = time.perf_counter() - t2
    n_mig = len(res.migrasomes)
    print(f"{side_px:5d}² px  {modality:9s}  {len(res.cells):3d} cells  {n_mig:5d} migrasomes"
          f"  {len(res.fibers):5d} RFs | set-up {setup:5.2f} s | {n_frames / loop:5.1f} frames/s"
          f" | render_movie {movie.shape[0]} frames {whole:5.2f} s")


if __name__ == "__main__":
    for side in (512, 1024):
        for n in (100, 1000):
            bench(side, n)
    bench(1024, 1000, modality="confocal")

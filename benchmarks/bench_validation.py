"""Validation of `analyze_movie` on movies it was not tuned to, beside trackpy and blob_log.

Movies come from the scene generator (``migrasome.scenes``): its training families (the
classifier was trained on other seeds of them) and its **held-out** families (never used
for training or tuning), reported separately; then semi-synthetic movies (generated
migrasomes and RFs added onto the real images of ``../shared/data/real/``) and negative
controls (the real puncta images and the telomere movie as they are), and the spectrin
network traced as a fibre graph.

Per family: precision, recall, F1 (migrasomes ≥ 0.8 µm, per-frame Hungarian matching within
``max(0.5 µm, d/2)``), median diameter error, per-cell count error, RF length error (total
RF length per frame visible: in view, off the cell bodies), released fraction, and the
fraction of true migrasomes whose matched sightings carry one track id.  trackpy (locate +
link) and ``skimage.feature.blob_log`` run on the same movies in the same run, their
thresholds and a diameter scale tuned for best F1 on one movie of each *training*
family (on the truth).

Per family too, the read-outs of ``Results.summary()`` against the truth's (``biology``):
cells, migrasomes per cell, RF length per cell (and all cells' attached RF length together,
apart from the cell count), released fraction, growth time and lifetime
(medians, and per migrasome against the track covering most of its sightings).

Run: ``python benchmarks/bench_validation.py [--movies 3] [--size 384] [--frames 4]``;
``--quick`` for a short look; ``--frames 12`` to see growth times (onset to full size, both
within the movie; the generator's migrasomes grow over 2–8 frames) and ``--breakdown 0.5``
for lifetimes (each family's migrasomes then break down with that chance; the declared
families never do); ``--readouts-only`` runs the pipeline alone; ``--families`` picks some.
Figures for every SNR the family draws (all ≥ 5).  E.g. the read-outs:
``--readouts-only --movies 2 --frames 12 --size 320 --breakdown 0.5``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from migrasome.analysis import analyze_movie, compare_results, match_frames
from migrasome.results import Results
from migrasome.scenes import HELD_OUT, TRAINING, family, generate_scene, semi_synthetic

BIO = ["cells_true", "cells_det", "mig_per_cell_err", "rf_per_cell_true", "rf_per_cell_det",
       "rf_per_cell_err", "rf_total_true", "rf_total_det", "rf_total_err",
       "released_frac_true", "released_frac_det", "released_frac_err",
       "growth_med_true", "growth_med_det", "growth_pair_err", "life_med_true",
       "life_med_det", "life_pair_err", "one_track"]

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


def _as_results(df: pd.DataFrame, track: np.ndarray | None = None) -> Results:
    ids = np.arange(len(df)) if track is None else track
    mf = pd.DataFrame({"migrasome_id": ids, "frame": df["frame"].to_numpy(),
                       "t_min": df["frame"].to_numpy(float), "x_um": df["x_um"].to_numpy(),
                       "y_um": df["y_um"].to_numpy(), "diameter_um": df["diameter_um"].to_numpy(),
                       "attached": False})
    return Results(tables={"migrasome_frames": mf}, metadata={"source": "reference"})


def run_trackpy(movie, *, minmass: float, scale: float = 1.0, link: bool = True):
    import trackpy as tp

    tp.quiet()
    px = movie.pixel_size_um
    diam = 2 * int(round(0.8 / px)) + 1
    sig = float(movie.metadata["psf_sigma_um"]) / px
    t0 = time.perf_counter()
    parts = []
    for k in range(movie.n_frames):
        f = tp.locate(movie.data[k, 0], diam, minmass=minmass, separation=3)
        f["frame"] = k
        parts.append(f)
    feats = pd.concat(parts, ignore_index=True)
    track = None
    if len(feats) and link:
        feats = tp.link(feats, search_range=1.5 / px, memory=2, adaptive_stop=1.0,
                        adaptive_step=0.9)
        track = feats["particle"].to_numpy()
    el = time.perf_counter() - t0
    rg2 = np.maximum(feats["size"].to_numpy() ** 2 - sig**2, 0.25)
    d = scale * 2 * np.sqrt(1.5 * rg2) * px
    out = pd.DataFrame({"frame": feats["frame"].to_numpy(),
                        "x_um": (feats["x"].to_numpy() + 0.5) * px,
                        "y_um": (feats["y"].to_numpy() + 0.5) * px, "diameter_um": d})
    return _as_results(out, track), el


def run_blob_log(movie, *, threshold: float, scale: float = 1.0):
    from skimage.feature import blob_log

    px = movie.pixel_size_um
    t0 = time.perf_counter()
    parts = []
    for k in range(movie.n_frames):
        img = movie.data[k, 0].astype(np.float32)
        img = (img - np.median(img)) / max(float(img.max() - np.median(img)), 1.0)
        b = blob_log(img, min_sigma=0.3 / px, max_sigma=1.6 / px / np.sqrt(2), num_sigma=8,
                     threshold=threshold, overlap=0.5)
        parts.append(pd.DataFrame({"frame": k, "x_um": (b[:, 1] + 0.5) * px,
                                   "y_um": (b[:, 0] + 0.5) * px,
                                   "diameter_um": scale * 2 * np.sqrt(2) * b[:, 2] * px}))
    return _as_results(pd.concat(parts, ignore_index=True)), time.perf_counter() - t0


def _tune(movies, run, grid):
    """Threshold of best mean F1 over ``movies`` (on their truth), then the diameter scale."""
    best = None
    for v in grid:
        ss = [compare_results(run(m, **v)[0], m.truth) for m in movies]
        f1 = np.mean([s["f1"] for s in ss])
        if best is None or f1 > best[1]:
            best = (v, f1, np.nanmedian([s["median_diameter_bias"] for s in ss]))
    v, _, bias = best
    return {**v, "scale": 1.0 / (1.0 + bias) if np.isfinite(bias) else 1.0}


def one_track(det: Results, truth: Results, min_d: float = 0.8) -> float:
    """Fraction of true migrasomes (≥ min_d, matched in ≥ 2 frames) seen under one track id."""
    dm = det.migrasome_frames.reset_index(drop=True)
    tm = truth.migrasome_frames.reset_index(drop=True)
    m = match_frames(dm, tm)
    m = m[m["d_true_um"] >= min_d]
    if not len(m):
        return np.nan
    pairs = pd.DataFrame({"t": tm["migrasome_id"].to_numpy()[m["i_truth"]],
                          "d": dm["migrasome_id"].to_numpy()[m["i_detected"]]})
    g = pairs.groupby("t")["d"]
    n = g.size()
    ok = g.nunique()[n >= 2] == 1
    return float(ok.mean()) if len(ok) else np.nan


def readouts(det: Results, truth: Results) -> dict:
    """RF length per frame in view, released fraction (migrasomes ≥ 0.8 µm)."""
    tf = truth.fiber_frames
    t_len = tf.groupby("frame")["length_visible_um"].sum().mean() if len(tf) else 0.0
    df_ = det.fiber_frames
    d_len = df_.groupby("frame")["length_um"].sum().reindex(
        range(int(truth.metadata["n_frames"])), fill_value=0).mean() if len(df_) else 0.0
    tmg = truth.migrasomes[truth.migrasomes["max_diameter_um"] >= 0.8]
    dmg = det.migrasomes[det.migrasomes["max_diameter_um"] >= 0.8]
    rel_t = float(tmg["t_release_min"].notna().mean()) if len(tmg) else np.nan
    rel_d = float(dmg["t_release_min"].notna().mean()) if len(dmg) else np.nan
    # growth time as the simulation defines it (onset to full size), where both are seen
    g_t = (tmg["t_full_size_min"] - tmg["t_growth_onset_min"])[tmg["t_growth_onset_min"] > 0]
    g_t = g_t[tmg["t_full_size_min"] <= (truth.metadata["n_frames"] - 1)
              * truth.metadata["frame_interval_min"]]
    g_d = (dmg["t_full_size_min"] - dmg["t_growth_onset_min"]).dropna()
    return {"rf_length_err": abs(d_len - t_len) / t_len if t_len else np.nan,
            "released_true": rel_t, "released_det": rel_d,
            "growth_true_min": float(g_t.median()) if len(g_t) else np.nan,
            "growth_det_min": float(g_d.median()) if len(g_d) else np.nan}


def _steady_rf_length(res: Results, column: str, attached_only: bool) -> float:
    """Total RF length per frame over the second half of the frames (as summarize)."""
    from migrasome.readouts import steady_frames

    tf = res.fiber_frames
    if attached_only:
        tf = tf[tf["attached"].astype(bool)]
    n = int(res.metadata["n_frames"])
    steady = steady_frames(pd.Series(range(n)))
    return float(tf.groupby("frame")[column].sum().reindex(steady, fill_value=0.0).mean())


def _true_rf_per_cell(truth: Results) -> float:
    """RF length visible (in view, off the cell bodies) per cell, over the second half of
    the frames (as summarize)."""
    return _steady_rf_length(truth, "length_visible_um", False) / max(len(truth.cells), 1)


def _paired(det: Results, truth: Results) -> pd.DataFrame:
    """Each true migrasome seen, with the detected track that covers most of its sightings."""
    dm = det.migrasome_frames.reset_index(drop=True)
    tm = truth.migrasome_frames.reset_index(drop=True)
    m = match_frames(dm, tm)
    if not len(m):
        return pd.DataFrame({"t": [], "d": []})
    p = pd.DataFrame({"t": tm["migrasome_id"].to_numpy()[m["i_truth"]],
                      "d": dm["migrasome_id"].to_numpy()[m["i_detected"]]})
    return p.groupby("t")["d"].agg(lambda s: s.value_counts().index[0]).reset_index()


def _durations(det: Results, truth: Results, start: str, end: str) -> tuple:
    """Median true and measured ``end − start`` (min) where each is seen in the movie, and
    the median relative error over the pairs (true migrasome, its track) that have both."""
    def dur(mig):
        return (mig[end] - mig[start]).where(mig[start] > 0)
    tmg = counted(truth)
    dmg = counted(det)
    t_end = (truth.metadata["n_frames"] - 1) * truth.metadata["frame_interval_min"]
    dt_ = dur(tmg).where(tmg[end] <= t_end).set_axis(tmg["migrasome_id"])
    dd_ = dur(dmg).set_axis(dmg["migrasome_id"])
    p = _paired(det, truth)
    a = dt_.reindex(p["t"]).to_numpy(float)
    b = dd_.reindex(p["d"]).to_numpy(float)
    ok = np.isfinite(a) & np.isfinite(b) & (a > 0)
    return (float(dt_.median()) if dt_.notna().any() else np.nan,
            float(dd_.median()) if dd_.notna().any() else np.nan,
            float(np.median(np.abs(b[ok] - a[ok]) / a[ok])) if ok.any() else np.nan,
            int(ok.sum()))


def counted(res: Results) -> pd.DataFrame:
    from migrasome.readouts import counted_migrasomes

    return counted_migrasomes(res)


def biology(det: Results, truth: Results) -> dict:
    """The read-outs a biologist reads (``Results.summary``), measured against the truth.

    Migrasomes per cell, RF length per cell (truth: the length in view) and released
    fraction as :func:`migrasome.readouts.summarize` gives them; growth time (onset to full
    size) and lifetime (onset to breakdown): medians over the migrasomes whose both ends
    fall in the movie, and the median per-migrasome error over true migrasomes paired with
    the track that covers most of their sightings.
    """
    st, sd = truth.summary(), det.summary()
    rf_t = _true_rf_per_cell(truth)
    rel = lambda d, t: abs(d - t) / t if t else np.nan
    g = _durations(det, truth, "t_growth_onset_min", "t_full_size_min")
    life = _durations(det, truth, "t_growth_onset_min", "t_breakdown_min")
    return {"cells_true": st["n_cells"], "cells_det": sd["n_cells"],
            "mig_per_cell_true": st["migrasomes_per_cell"],
            "mig_per_cell_det": sd["migrasomes_per_cell"],
            "mig_per_cell_err": rel(sd["migrasomes_per_cell"], st["migrasomes_per_cell"]),
            "rf_per_cell_true": rf_t, "rf_per_cell_det": sd["rf_length_per_cell_um"],
            "rf_per_cell_err": rel(sd["rf_length_per_cell_um"], rf_t),
            # the same, all cells together: the RF measurement apart from the cell count
            "rf_total_true": rf_t * max(len(truth.cells), 1),
            "rf_total_det": (tot := _steady_rf_length(det, "length_um", True)),
            "rf_total_err": rel(tot, rf_t * max(len(truth.cells), 1)),
            "released_frac_true": st["released_fraction"],
            "released_frac_det": sd["released_fraction"],
            "released_frac_err": rel(sd["released_fraction"], st["released_fraction"]),
            "growth_med_true": g[0], "growth_med_det": g[1], "growth_pair_err": g[2],
            "n_growth_pairs": g[3], "life_med_true": life[0], "life_med_det": life[1],
            "life_pair_err": life[2], "n_life_pairs": life[3]}


def score_family(name, movies, tp_par, bl_par) -> list[dict]:
    rows = []
    for mv in movies:
        t0 = time.perf_counter()
        res = analyze_movie(mv)
        el = time.perf_counter() - t0
        s = compare_results(res, mv.truth)
        r = {"family": name, "method": "migrasome", "snr": mv.metadata["snr"],
             "px_um": mv.pixel_size_um, "modality": mv.metadata["modality"], **s.to_dict(),
             "one_track": one_track(res, mv.truth), **readouts(res, mv.truth),
             **biology(res, mv.truth), "fps": mv.n_frames / el}
        rows.append(r)
        for meth, run, par in (("trackpy", run_trackpy, tp_par), ("blob_log", run_blob_log,
                                                                   bl_par)):
            if par is None:
                continue
            out, sec = run(mv, **par)
            s = compare_results(out, mv.truth)
            rows.append({"family": name, "method": meth, "snr": mv.metadata["snr"],
                         **s.to_dict(), "one_track": one_track(out, mv.truth)
                         if meth == "trackpy" else np.nan, "fps": mv.n_frames / sec})
    return rows


def negative_controls() -> pd.DataFrame:
    """Migrasomes and RF length reported on real images with no migrasome in them."""
    import tifffile

    rows = []
    for name, px in (("deepblink_image_c1.tif", 0.11), ("spotiflow_img_terra_2d.tif", 0.11),
                     ("spotiflow_timelapse_telomeres_2d.tif", 0.11)):
        p = REAL / name
        if not p.is_file():
            continue
        a = np.asarray(tifffile.imread(p), np.float32)
        a = a[:5] if a.ndim == 3 else a[None]
        res = analyze_movie(a, pixel_size_um=px)
        mf = res.migrasome_frames
        rows.append({"image": name, "frames": len(a),
                     "migrasomes_per_frame": len(mf) / len(a),
                     "on_fibres_per_frame": int(mf["attached"].sum()) / len(a),
                     "rf_length_um_per_frame": res.fiber_frames["length_um"].sum() / len(a)})
    return pd.DataFrame(rows)


def spectrin_graph() -> dict:
    """The spectrin network as a graph: branches, junctions, tips (``analysis.skeleton``).

    The strands are bands ~10 px wide, not diffraction-limited lines, so the mask is made
    the way skan's own tutorial does for this image (Gaussian σ 4 px, local threshold);
    the RF ridge detector, matched to thin lines, is reported beside it.
    """
    import tifffile
    from scipy import ndimage as ndi
    from skimage import filters
    from skimage.morphology import skeletonize

    from migrasome.analysis.fibers import fiber_mask
    from migrasome.analysis.preprocess import background_estimate, noise_sigma
    from migrasome.analysis.skeleton import skeleton_graph

    p = REAL / "skan_inf1.tif"
    if not p.is_file():
        return {}
    img = np.asarray(tifffile.imread(p), np.float32)
    img = (img if img.ndim == 2 else img[..., 0])[:, 4:-4]  # a bright frame column at the edge
    sm = filters.gaussian(img, sigma=4, preserve_range=True)
    mask = ndi.binary_opening(sm > filters.threshold_local(sm, block_size=75), iterations=2)
    g = skeleton_graph(skeletonize(mask))
    junction = np.zeros(mask.shape, bool)
    c = g.coordinates[g.degrees >= 3]
    junction[c[:, 0], c[:, 1]] = True
    px = 0.1  # assumed (the file has no calibration): strands ~1 µm apart
    bg = background_estimate(img, block_px=32, scale_px=300, factors=(3,))
    ridge, _ = fiber_mask(img, pixel_size_um=px, background=bg, cells=np.zeros(img.shape, int),
                          noise=noise_sigma(img), grid_um=0.3, sigma_um=0.6, length_um=1.5,
                          min_length_um=3.0)
    return {"branches": int(len(g.summary)),
            "junctions": int(ndi.label(junction, structure=np.ones((3, 3)))[1]),
            "tips": int((g.degrees == 1).sum()),
            "median_branch_px": float(g.summary["branch_distance"].median()),
            "rf_detector_mask_fraction": float(ridge.mean()),
            "migrasomes_reported": int(len(analyze_movie(img[None], pixel_size_um=px)
                                           .migrasome_frames))}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--movies", type=int, default=3, help="movies per family")
    ap.add_argument("--size", type=int, default=384)
    ap.add_argument("--frames", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1000, help="first seed (training used 0…)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--breakdown", type=float, default=0.0,
                    help="each family's migrasomes break down with this chance (lifetimes)")
    ap.add_argument("--families", nargs="+", default=None, help="only these families")
    ap.add_argument("--readouts-only", action="store_true",
                    help="the pipeline alone (no trackpy, blob_log, real images)")
    a = ap.parse_args(argv)
    if a.quick:
        a.movies, a.frames = 1, 3
    warnings.filterwarnings("ignore")
    t_start = time.perf_counter()
    tp_par = bl_par = None
    if not a.readouts_only:
        cal = [generate_scene(f, size_px=a.size, n_frames=2, seed=a.seed - 1)
               for f in TRAINING]
        tp_par = _tune(cal, lambda m, **k: run_trackpy(m, link=False, **k),
                       [{"minmass": v} for v in (50, 100, 200, 400, 800, 1600, 3200)])
        bl_par = _tune(cal, run_blob_log, [{"threshold": v} for v in (0.02, 0.04, 0.06, 0.1,
                                                                       0.15, 0.2, 0.3)])
        print(f"trackpy tuned: {tp_par}; blob_log tuned: {bl_par}", flush=True)
    rows = []
    for group, fams in (("training", TRAINING), ("held-out", HELD_OUT)):
        for k, fam in enumerate(fams):
            if a.families and fam not in a.families:
                continue
            spec = replace(family(fam), breakdown_prob=a.breakdown) if a.breakdown else fam
            movies = [generate_scene(spec, size_px=a.size, n_frames=a.frames,
                                     seed=a.seed + 100 * k + i) for i in range(a.movies)]
            for r in score_family(fam, movies, tp_par, bl_par):
                r["group"] = group
                rows.append(r)
    if REAL.is_dir() and not a.readouts_only:
        import tifffile

        bgs = [("deepblink_image_c1.tif", None), ("spotiflow_img_terra_2d.tif", 512)]
        movies = []
        for i, (name, crop) in enumerate(bgs):
            img = np.asarray(tifffile.imread(REAL / name), np.float32)
            img = img[:crop, :crop] if crop else img
            movies += [semi_synthetic(img, "dense-network", pixel_size_um=0.11, snr=s,
                                      n_frames=a.frames, seed=a.seed + 7 * i + j, debris=True)
                       for j, s in enumerate((5.0, 10.0))]
        for r in score_family("semi-synthetic", movies, tp_par, bl_par):
            r["group"] = "semi-synthetic"
            rows.append(r)
    df = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    cols = ["precision", "recall", "f1", "median_diameter_error", "per_cell_count_error",
            "one_track", "rf_length_err", "released_true", "released_det", "growth_true_min",
            "growth_det_min", "fps"]
    fmt = lambda v: f"{v:.3f}"
    print(f"\n{a.movies} movies per family, {a.size}² px, {a.frames} frames; means over movies")
    for group in ("training", "held-out", "semi-synthetic"):
        g = df[df["group"] == group]
        if not len(g):
            continue
        print(f"\n== {group} ==")
        t = g.groupby(["family", "method"], sort=False)[cols].mean()
        print(t.to_string(float_format=fmt))
        b = g[g["method"] == "migrasome"].groupby("family", sort=False)[BIO].mean()
        print(f"\n-- {group}: read-outs (Results.summary) against the truth --")
        print(b.to_string(float_format=fmt))
    if a.readouts_only:
        print(f"\ntotal {time.perf_counter() - t_start:.0f} s")
        return
    print("\n== negative controls (real images, no migrasomes in them) ==")
    print(negative_controls().to_string(index=False, float_format=fmt))
    print("\n== spectrin network (skan_inf1.tif) as a fibre graph ==")
    print(spectrin_graph())
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s")


if __name__ == "__main__":
    main()

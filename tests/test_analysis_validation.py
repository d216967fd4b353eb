"""Accuracy on generated movies of families the classifier was not trained on (held out),
the flags and read-outs, negative controls on real images."""

from pathlib import Path

import numpy as np
import pytest

from migrasome.analysis import analyze_movie, compare_results, write_analysis
from migrasome.scenes import generate_scene

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"


def _scores(fam, seeds, *, size=320, frames=3, snr=None):
    out = []
    for s in seeds:
        mv = generate_scene(fam, size_px=size, n_frames=frames, seed=s, snr=snr)
        out.append(compare_results(analyze_movie(mv), mv.truth))
    return out


@pytest.mark.parametrize("fam", ["coarse-hazy", "edges-lobes-debris"])
def test_held_out_families_meet_the_goals(fam):
    ss = _scores(fam, seeds=(11, 12, 13))
    n = sum(s["n_true"] for s in ss)
    tp = sum(s["n_matched"] for s in ss)
    det = sum(s["n_detected"] for s in ss)
    fp = det - tp
    f1 = 2 * tp / (2 * tp + fp + (n - tp))
    assert n >= 20
    assert f1 >= 0.9, [s.to_dict() for s in ss]
    assert np.nanmedian([s["median_diameter_error"] for s in ss]) <= 0.10


@pytest.mark.xfail(reason="known weakness: crowded confocal scenes, faint large rings and "
                   "touching pairs (see docs/analysis.md)", strict=False)
def test_held_out_crowded_touching_meets_the_goal():
    ss = _scores("crowded-touching", seeds=(11, 12))
    assert min(s["f1"] for s in ss) >= 0.9


def test_migrasomes_under_cells_are_flagged_not_dropped():
    mv = generate_scene("edges-lobes-debris", size_px=320, n_frames=2, seed=4)
    res = analyze_movie(mv)
    tm = mv.truth.migrasome_frames
    under = tm[tm["under_cell"] & (tm["diameter_um"] >= 1.0)]
    assert len(under)
    mf = res.migrasome_frames
    assert mf["under_cell"].dtype == bool and mf["under_cell"].any()
    found = 0
    for _, u in under.iterrows():
        f = mf[mf["frame"] == u["frame"]]
        d = np.hypot(f["x_um"] - u["x_um"], f["y_um"] - u["y_um"])
        found += bool((d <= max(0.5, u["diameter_um"] / 2)).any())
    assert found >= 0.5 * len(under)


def test_one_track_per_migrasome_and_explicit_options(tmp_path):
    mv = generate_scene("sparse-widefield", size_px=256, n_frames=5, seed=21, snr=10.0)
    res = analyze_movie(mv, classifier=True, min_probability=0.5)
    from migrasome.analysis import match_frames

    dm, tm = res.migrasome_frames.reset_index(drop=True), mv.truth.migrasome_frames
    m = match_frames(dm, tm.reset_index(drop=True))
    ids = dm["migrasome_id"].to_numpy()[m["i_detected"]]
    tids = tm["migrasome_id"].to_numpy()[m["i_truth"]]
    per_true = {t: len(set(ids[tids == t])) for t in set(tids)}
    assert np.mean([v == 1 for v in per_true.values()]) >= 0.9
    with pytest.raises(TypeError):
        analyze_movie(mv, d_min=0.5)  # keyword-only, named options
    s = write_analysis(res, tmp_path / "out", movie=mv)
    assert (tmp_path / "out" / "migrasome_frames.parquet").is_file() and "n_cells" in s
    with pytest.raises(FileExistsError):
        write_analysis(res, tmp_path / "out")


@pytest.mark.skipif(not REAL.is_dir(), reason="no real images beside the repository")
def test_no_migrasomes_on_real_puncta():
    import tifffile

    for name in ("deepblink_image_c1.tif", "spotiflow_timelapse_telomeres_2d.tif"):
        a = np.asarray(tifffile.imread(REAL / name), np.float32)
        a = a[:3] if a.ndim == 3 else a[None]
        res = analyze_movie(a[:, :256, :256], pixel_size_um=0.11)
        assert len(res.migrasome_frames) == 0, name


def test_touching_cells_are_split_at_the_neck():
    from migrasome.analysis.cells import segment_cells

    yy, xx = np.indices((200, 300))
    img = np.full((200, 300), 100.0)
    for cx in (95, 200):  # two 9 µm bodies (0.15 µm/px) touching over a 5 µm neck
        img[np.hypot(yy - 100, xx - cx) < 60] = 400.0
    lab = segment_cells(img, pixel_size_um=0.15, background=100.0, noise=5.0)
    assert lab.max() == 2
    assert lab[100, 95] != lab[100, 200] and lab[100, 95] > 0 and lab[100, 200] > 0
    # one lobed body (a shallow waist) stays one
    img2 = np.full((200, 300), 100.0)
    img2[(np.hypot(yy - 100, xx - 120) < 60) | (np.hypot(yy - 100, xx - 170) < 60)] = 400.0
    assert segment_cells(img2, pixel_size_um=0.15, background=100.0, noise=5.0).max() == 1


def test_fibre_graph_prunes_spurs_and_keeps_branches():
    from migrasome.analysis.fibers import fiber_graph

    mask = np.zeros((60, 120), bool)
    mask[30, 5:115] = True  # a 110 px fibre (0.3 µm grid: 33 µm)
    mask[31:33, 60] = True  # a 2-px whisker: a spur
    mask[10:30, 90] = True  # a 20-px (6 µm) branch: real
    br, pts = fiber_graph(mask, pixel_size_um=0.1, f=3, cells=np.zeros((180, 360), int))
    assert len(br) == 4  # the main fibre in three pieces around two junctions… less the spur
    assert br["length_um"].sum() == pytest.approx(33.0 + 6.0, rel=0.08)
    assert (br["tip"]).sum() >= 2

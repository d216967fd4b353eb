"""The scene generator: declared families, reproducible movies, truth that matches pixels."""

import numpy as np
import pytest

from migrasome.results import SCHEMA
from migrasome.scenes import FAMILIES, HELD_OUT, TRAINING, generate_scene, semi_synthetic


def test_families_declared_and_held_out_kept_apart():
    assert set(TRAINING) | set(HELD_OUT) == set(FAMILIES)
    assert not set(TRAINING) & set(HELD_OUT) and len(HELD_OUT) >= 3 and len(TRAINING) >= 4
    lo = min(FAMILIES[f].pixel_size_um[0] for f in FAMILIES)
    hi = max(FAMILIES[f].pixel_size_um[1] for f in FAMILIES)
    assert lo <= 0.06 and hi >= 0.2
    assert {m for f in FAMILIES.values() for m in f.modality} == {"widefield", "confocal"}
    with pytest.raises(ValueError, match="known families"):
        generate_scene("no-such-family")


def test_same_seed_same_movie_and_schema():
    a = generate_scene("crowded-touching", size_px=96, n_frames=2, seed=5)
    b = generate_scene("crowded-touching", size_px=96, n_frames=2, seed=5)
    c = generate_scene("crowded-touching", size_px=96, n_frames=2, seed=6)
    assert np.array_equal(a.data, b.data) and not np.array_equal(a.data, c.data)
    assert a.data.shape == (2, 1, 96, 96) and a.data.dtype == np.uint16
    for name, cols in SCHEMA.items():
        for col in cols:
            assert col in a.truth.tables[name].columns, (name, col)
    mf = a.truth.migrasome_frames
    assert mf["x_um"].between(0, a.width_um).all() and mf["y_um"].between(0, a.height_um).all()
    assert "under_cell" in mf and mf["diameter_um"].between(0, 3.0).all()


@pytest.mark.parametrize("fam", ["sparse-widefield", "fine-confocal", "coarse-hazy"])
def test_migrasomes_are_where_the_truth_says(fam):
    mv = generate_scene(fam, size_px=320, n_frames=4, seed=2, snr=12.0)
    img = mv.data[-1, 0].astype(float)
    mf = mv.truth.migrasome_frames
    big = mf[(mf["diameter_um"] >= 1.0) & ~mf["under_cell"] & (mf["frame"] == 3)]
    assert len(big) >= 1
    px = mv.pixel_size_um
    for _, m in big.iterrows():
        r, c = int(m["y_um"] / px), int(m["x_um"] / px)
        h = int(np.ceil(m["diameter_um"] / 2 / px)) + 1
        win = img[max(0, r - h):r + h + 1, max(0, c - h):c + h + 1]
        # a migrasome stands well above the background there
        assert win.max() > np.median(img) + 3 * np.sqrt(np.median(img)), m.to_dict()
    assert 0.06 <= px <= 0.2


def test_release_and_growth_in_the_truth():
    mv = generate_scene("dense-network", size_px=256, n_frames=8, seed=3)
    mf = mv.truth.migrasome_frames
    mig = mv.truth.migrasomes
    released = mig[mig["t_release_min"].notna()]
    assert len(released)  # some fibres break during the movie
    for _, m in released.iterrows():
        rows = mf[mf["migrasome_id"] == m["migrasome_id"]]
        after = rows["t_min"] >= m["t_release_min"]
        # a release is in the truth only when a frame shows it (not after the last frame)
        assert after.any() and not rows.loc[after, "attached"].any()
    d = mf.groupby("migrasome_id")["diameter_um"]
    assert (d.max() >= d.min()).all() and (d.max() > d.min()).any()
    for seed in (0, 2, 4):  # each has a fibre gone between the last frame and the next
        mv = generate_scene("dense-network", size_px=160, n_frames=6, seed=seed)
        mf, mig = mv.truth.migrasome_frames, mv.truth.migrasomes
        last = mf.set_index("migrasome_id")["t_min"].groupby(level=0).max()
        t_rel = mig.set_index("migrasome_id")["t_release_min"].dropna()
        assert (t_rel <= last.reindex(t_rel.index)).all()


def test_semi_synthetic_keeps_the_real_pixels():
    rng = np.random.default_rng(0)
    real = rng.poisson(200, (160, 160)).astype(np.float32)
    mv = semi_synthetic(real, pixel_size_um=0.11, n_frames=2, seed=1)
    assert mv.data.shape == (2, 1, 160, 160)
    diff = mv.data[0, 0] - real
    assert (diff >= -1e-3).all() and np.median(diff) < 1.0  # added light only, mostly none
    assert len(mv.truth.migrasome_frames)


def test_draw_scene_is_the_scene_generate_scene_renders():
    from migrasome.scenes import draw_scene

    kw = dict(size_px=160, n_frames=2, seed=5)
    movie = generate_scene("dense-network", **kw)
    scene = draw_scene("dense-network", **kw)
    px = movie.pixel_size_um
    assert scene.settings["pixel_size_um"] == px
    truth = movie.truth.migrasome_frames
    assert len(scene.migrasomes) >= truth["migrasome_id"].nunique()
    # its RFs lie on the movie's bright lines: brighter than the frame's median
    img = movie.data[0, 0].astype(float)
    on = []
    for fb in scene.fibers:
        p = scene.fiber_points(fb, 0)
        if p is None:
            continue
        c, r = (p[:, 0] / px).astype(int), (p[:, 1] / px).astype(int)
        ok = (r >= 0) & (r < img.shape[0]) & (c >= 0) & (c < img.shape[1])
        on.append(img[r[ok], c[ok]])
    on = np.concatenate(on)
    assert on.size > 20 and np.median(on) > np.median(img)
    other = draw_scene("dense-network", size_px=160, n_frames=2, seed=6)
    assert other.cells[0].x_um != scene.cells[0].x_um

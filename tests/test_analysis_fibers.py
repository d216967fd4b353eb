"""RF detection: puncta, migrasomes on a fibre, the frame window, lengths against truth."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from migrasome.analysis import Options, analyze_movie
from migrasome.analysis.fibers import fiber_graph, fiber_mask, window_mean
from migrasome.scenes import generate_scene

PX = 0.1


def _line_image(rng, *, peak=4.0, with_puncta=(), shape=(200, 200)):
    """Noise σ 1 with a line of per-pixel ``peak`` along row 100 (σ 1.2 px), edge to edge."""
    yy, xx = np.indices(shape, dtype=float)
    img = rng.normal(0, 1, shape)
    img += peak * np.exp(-(yy - 100) ** 2 / (2 * 1.2**2))
    for r, c in with_puncta:
        img += 12 * np.exp(-((yy - r) ** 2 + (xx - c) ** 2) / (2 * 1.2**2))
    return img


def _mask(img, **kw):
    return fiber_mask(img, pixel_size_um=PX, background=0.0,
                      cells=np.zeros(img.shape, int), noise=1.0, grid_um=0.3, sigma_um=0.2,
                      length_um=1.5, low=2.0, high=3.5, min_length_um=2.0, **kw)


def test_a_punctum_off_a_fibre_gives_no_fibre():
    rng = np.random.default_rng(0)
    img = _line_image(rng, peak=0.0, with_puncta=[(50, 50), (150, 140)])
    mask, _ = _mask(img)
    assert not mask.any()
    # without taking puncta out and without the point suppression, each is a star of fibres
    mask, _ = _mask(img, puncta_z=0.0, suppress_points=False)
    assert mask.any()


def test_a_faint_line_is_found_whole():
    rng = np.random.default_rng(1)
    mask, f = _mask(_line_image(rng, peak=1.5))
    br, _ = fiber_graph(mask, pixel_size_um=PX, f=f, cells=np.zeros((200, 200), int),
                        min_length_um=2.0)
    # 1.5 σ per pixel: about what the eye just makes out
    per = br.groupby("component")["length_um"].sum()
    assert 0.9 * 20.0 <= per.max() <= 1.02 * 20.0 and per.sum() <= 1.2 * 20.0


def test_a_fibre_runs_through_its_migrasome():
    rng = np.random.default_rng(2)
    img = _line_image(rng, peak=3.0)
    mig = pd.DataFrame({"x_um": [10.0], "y_um": [10.05], "diameter_um": [2.0]})
    length = {}
    for bridge, n_pieces in ((True, 1), (False, 2)):
        mask, f = _mask(img, migrasomes=mig, bridge=bridge)
        br, _ = fiber_graph(mask, pixel_size_um=PX, f=f, cells=np.zeros((200, 200), int),
                            min_length_um=2.0)
        assert br["component"].nunique() == n_pieces
        length[bridge] = br["length_um"].sum()
    assert length[True] >= 0.95 * 20.0
    assert length[False] < length[True] - 2.0  # cut: the stretch through it is lost


def test_window_mean_leaves_out_each_frames_cells():
    clean = np.full((4, 4), 1.0, np.float32)
    lab = np.zeros((4, 4), int)
    earlier_img = np.full((4, 4), 3.0, np.float32)
    earlier_lab = np.zeros((4, 4), int)
    earlier_lab[0, 0] = 1  # a cell there in the earlier frame: not averaged in
    mean, n = window_mean(clean, lab, [(earlier_img, earlier_lab)])
    assert mean[0, 0] == 1.0 and n[0, 0] == 1
    assert mean[1, 1] == 2.0 and n[1, 1] == 2
    with pytest.raises(ValueError, match="does not match"):
        window_mean(clean, lab, [(np.zeros((3, 3)), np.zeros((3, 3), int))])


@pytest.mark.parametrize("fam,seed", [("dense-network", 12), ("sparse-widefield", 11),
                                      ("sparse-widefield", 12)])
def test_rf_length_near_the_visible_truth(fam, seed):
    movie = generate_scene(fam, size_px=320, n_frames=6, seed=seed)
    res = analyze_movie(movie, options=Options(fiber_window=3))
    tf = movie.truth.fiber_frames
    frames = range(2, 6)  # the frame window filled
    true = tf.groupby("frame")["length_visible_um"].sum().reindex(frames).mean()
    det = res.fiber_frames[res.fiber_frames["attached"]].groupby("frame")["length_um"].sum()
    det = det.reindex(frames, fill_value=0.0).mean()
    assert abs(det - true) / true < 0.4, (det, true)


def test_a_textured_body_leaves_no_fringe_of_fibres():
    from scipy import ndimage as ndi

    # a bright body (a nucleus) speckled with bright puncta, as imaged: no RF runs from it
    rng = np.random.default_rng(4)
    yy, xx = np.indices((240, 240), dtype=float)
    inside = np.hypot(yy - 120, xx - 120) < 60  # 12 µm across
    plain = 30.0 * inside
    speckled = plain.copy()
    for r, c in rng.uniform(70, 170, (40, 2)):
        if inside[int(r), int(c)]:
            speckled += 30 * np.exp(-((yy - r) ** 2 + (xx - c) ** 2) / (2 * 1.5**2))
    noise = rng.normal(0, 1, inside.shape)
    kw = dict(pixel_size_um=PX, background=0.0, cells=inside.astype(int), noise=1.0,
              grid_um=0.3, sigma_um=0.2, length_um=1.5, low=2.0, high=3.5, min_length_um=2.0)
    found = {}
    for name, body in (("plain", plain), ("speckled", speckled)):
        img = ndi.gaussian_filter(body, 1.5) + noise
        for flat in (True, False):
            found[name, flat] = int(fiber_mask(img, flat_bodies=flat, **kw)[0].sum())
    assert found["speckled", False] > 100  # the fringe of short lines along the rim
    assert found["speckled", True] == 0
    assert found["plain", True] == found["plain", False] == 0  # no step made at the edge


@pytest.mark.skipif(not (Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
                         / "spotiflow_img_terra_2d.tif").is_file(),
                    reason="no real images beside the repository")
def test_nuclei_on_a_real_image_show_no_fibres():
    import tifffile

    real = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real"
    a = np.asarray(tifffile.imread(real / "spotiflow_img_terra_2d.tif"), np.float32)
    res = analyze_movie(a[None], pixel_size_um=0.11)
    # 18 nuclei speckled with TERRA puncta, no RF: 631 µm of fibre were traced along their
    # rims, and 70 swellings reported, before the bodies' texture was taken out for the
    # line filter and swellings under cells without RFs were dropped (66 µm and 11 now:
    # short stubs at an overexposed nucleus, the puncta of the nuclei they touch)
    assert res.fiber_frames["length_um"].sum() < 100.0
    assert len(res.migrasome_frames) <= 15


def test_the_glow_between_two_migrasomes_does_not_chain_them():
    from migrasome.analysis.fibers import _without_glow_bridges

    blank = np.zeros((40, 80), bool)
    blank[10:16, 10:16] = blank[10:16, 19:25] = True  # two disks 3 px apart
    blank[30:36, 60:66] = True
    mask = np.zeros_like(blank)
    mask[13, 16:19] = True  # 3 px between the two disks: glow
    mask[13, 25:29] = True  # a stub from the second disk alone: may be an RF's end
    mask[32, 30:60] = True  # a long piece to the third disk
    out = _without_glow_bridges(mask, blank, min_px=6)
    assert not out[13, 16:19].any()
    assert out[13, 25:29].all() and out[32, 30:60].all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_hessian_eigenvalue_is_scikit_images(dtype):
    from skimage.feature import hessian_matrix, hessian_matrix_eigvals

    from migrasome.analysis.fibers import hessian_largest_eigenvalue

    img = np.random.default_rng(3).normal(size=(64, 48)).astype(dtype)
    img[20:30, 10:14] += 5.0
    ref = hessian_matrix_eigvals(hessian_matrix(img, sigma=1.0, order="rc",
                                                use_gaussian_derivatives=False))[0]
    got = hessian_largest_eigenvalue(img, sigma=1.0)
    assert got.dtype == ref.dtype and got.shape == img.shape
    np.testing.assert_allclose(got, ref, rtol=1e-6, atol=1e-6)


def test_the_line_filter_default_is_wide_enough_for_a_line_between_pixel_rows():
    # a line centred on a grid row against the same line split over two rows: the
    # default width keeps more of the split line's response than the old 0.2 µm did
    from migrasome.analysis.fibers import ridge_filter

    o = Options()
    along = o.fiber_length_um / o.fiber_grid_um
    on_row = np.zeros((60, 60), np.float32)
    on_row[30] = 1.0
    split = np.zeros((60, 60), np.float32)
    split[30:32] = 0.5

    def ratio(sigma_um):
        kw = dict(sigma_across_px=max(0.6, sigma_um / o.fiber_grid_um), sigma_along_px=along,
                  robust=False, n_angles=o.fiber_angles)
        a = ridge_filter(on_row, **kw)[27:35, 20:40].max()
        return ridge_filter(split, **kw)[27:35, 20:40].max() / a

    assert ratio(0.2) == pytest.approx(0.28, abs=0.02)
    assert ratio(o.fiber_sigma_um) > 0.32


BRIGHT_BODY_SETTINGS = dict(fiber_half_block=True, fiber_edge_ratio=1.5, fiber_low=3.0,
                            fiber_high=4.0)


def _shipped_mask(img, cells, o):
    return fiber_mask(img, pixel_size_um=PX, background=0.0, cells=cells, noise=1.0,
                      grid_um=o.fiber_grid_um, sigma_um=o.fiber_sigma_um,
                      length_um=o.fiber_length_um, low=o.fiber_low, high=o.fiber_high,
                      min_length_um=o.fiber_min_length_um, half_block=o.fiber_half_block,
                      edge_ratio=o.fiber_edge_ratio)[0]


def _bright_body(seed):
    from scipy import ndimage as ndi

    yy, xx = np.indices((240, 240), dtype=float)
    inside = np.hypot(yy - 120, xx - 120) < 60  # 12 µm across, 30 σ bright
    img = ndi.gaussian_filter(30.0 * inside, 1.5)
    return img + np.random.default_rng(seed).normal(0, 1, inside.shape), inside.astype(int)


@pytest.mark.xfail(strict=True, reason="known weakness: the fringe beside a very bright body "
                   "at the shipped RF settings (see docs/analysis.md, Limits)")
def test_a_very_bright_body_gives_no_fibres_at_the_shipped_settings():
    img, cells = _bright_body(5)
    assert _shipped_mask(img, cells, Options()).sum() == 0


@pytest.mark.parametrize("seed", [5, 6])
def test_the_bright_body_settings_leave_no_fringe_and_keep_a_fibre(seed):
    img, cells = _bright_body(seed)
    o = Options(**BRIGHT_BODY_SETTINGS)
    assert _shipped_mask(img, cells, o).sum() == 0
    # an RF leaving the body (right, along row 120) is still traced from near its edge out
    yy, xx = np.indices(img.shape, dtype=float)
    line = 2.0 * np.exp(-(yy - 120.0) ** 2 / (2 * 1.2**2)) * (xx > 182)
    mask = _shipped_mask(img + line, cells, o)
    f = int(round(o.fiber_grid_um / PX))
    band = slice(120 // f - 1, 120 // f + 2)
    cols = np.flatnonzero(mask[band].any(axis=0)) * f * PX
    assert cols.size and cols.min() < 19.5 and cols.max() > 23.0
    assert mask.sum() == mask[band].sum()  # and nothing else


def test_the_half_block_grid_finds_a_line_between_block_rows():
    # 0.1 µm pixels on a 0.4 µm grid: a line at row 103.5 is split over two block rows
    yy = np.indices((200, 200), dtype=float)[0]
    img = np.random.default_rng(4).normal(0, 1, (200, 200))
    img += 1.2 * np.exp(-(yy - 103.5) ** 2 / (2 * 1.2**2))
    cells = np.zeros(img.shape, int)
    one = _shipped_mask(img, cells, Options())
    both = _shipped_mask(img, cells, Options(**BRIGHT_BODY_SETTINGS))
    band = slice(103 // 4 - 1, 103 // 4 + 3)
    assert one[band].any(axis=0).mean() < 0.5
    assert both[band].any(axis=0).mean() > 0.9
    assert both.sum() - both[band].sum() == 0

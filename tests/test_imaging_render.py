"""render_movie: photometry, geometry, noise, bleaching, seeds, truth, errors."""

import math

import numpy as np
import pytest

from migrasome.imaging import Movie, render_movie, synthetic_results
from migrasome.imaging.render import Renderer
from test_imaging_helpers import line_scene, migrasome_scene, radial_fwhm_diameter

QUIET = dict(background_photons=0.0, bleach_per_frame=0.0, read_noise_e=0.0)


def test_photons_conserved_before_noise():
    d = np.array([0.6, 1.0, 2.0])
    r = Renderer(migrasome_scene(d), migrasome_photons=1000.0, **QUIET)
    assert r.signal(0, 0).sum() == pytest.approx(1000.0 * (d**2).sum(), rel=1e-6)
    segs = [(2.0, 3.0, 15.0, 9.0), (4.0, 14.0, 4.0, 5.5)]
    rl = Renderer(line_scene(segs), rf_photons=50.0, **QUIET)
    length = sum(math.hypot(x1 - x0, y1 - y0) for x0, y0, x1, y1 in segs)
    assert rl.signal(0, 0).sum() == pytest.approx(50.0 * length, rel=1e-5)


def test_cell_photons_match_area():
    res = synthetic_results(n_cells=1, fibers_per_cell=0, width_um=60, height_um=60,
                            cell_radius_um=10.0, n_frames=1)
    r = Renderer(res, cell_photons=10.0, **QUIET)
    total = r.signal(0, 0).sum()
    # edge brightness 10/µm², dome doubling the centre: mean factor 1 + 2/3 over pi r^2
    assert total == pytest.approx(10.0 * math.pi * 100 * (1 + 2 / 3), rel=0.03)


@pytest.mark.parametrize("modality", ["widefield", "confocal"])
def test_measured_diameter_matches_truth(modality):
    d = np.array([0.8, 1.2, 2.0, 3.0])
    res = migrasome_scene(d)
    r = Renderer(res, pixel_size_um=0.1, modality=modality, migrasome_photons=1e3, **QUIET)
    img = r.signal(0, 0)
    for i, di in enumerate(d):
        x = (i + 0.5) * 6.0 + 0.037
        meas = radial_fwhm_diameter(img, x, 12.0 + 0.011, 0.1, di / 2 + 1.0)
        assert meas == pytest.approx(di, rel=0.15), (di, meas)
    if modality == "widefield":  # second moment of a projected shell: 2/3 R^2 (+ blur)
        yy, xx = np.mgrid[: img.shape[0], : img.shape[1]]
        sel = np.hypot((xx + 0.5) * 0.1 - 3.037, (yy + 0.5) * 0.1 - 12.011) < 1.5
        w = img[sel]
        r2 = (w * (((xx[sel] + 0.5) * 0.1 - 3.037) ** 2 + ((yy[sel] + 0.5) * 0.1 - 12.011) ** 2)
              ).sum() / w.sum()
        s2 = r.profiles[0].sigma_um ** 2
        assert 2 * math.sqrt(1.5 * (r2 - 2 * s2)) == pytest.approx(0.8, rel=0.02)


def test_snr_definition_holds():
    # 1-µm migrasomes exactly on pixel centres (px 0.15: centres at (j + 0.5) * 0.15)
    n = 36
    px = 0.15
    xs = (np.arange(n) % 6) * 40 + 20 + 0.5
    ys = (np.arange(n) // 6) * 40 + 20 + 0.5
    res = migrasome_scene(np.ones(n), spacing_um=1.0, width_um=240 * px)
    mf = res.tables["migrasome_frames"]
    mf["x_um"], mf["y_um"] = xs * px, ys * px
    movie = render_movie(res, pixel_size_um=px, snr=8.0, background_photons=100.0,
                         read_noise_e=2.0, gain=2.0, bleach_per_frame=0.0, seed=3)
    img = movie.data[0, 0].astype(float)
    # average the 36 identical windows, then take the brightest pixel (the shell's rim)
    patch = np.mean([img[y - 8:y + 9, x - 8:x + 9] for x, y in
                     zip(xs.astype(int), ys.astype(int))], axis=0)
    bgmask = np.ones(img.shape, bool)
    for x, y in zip(xs.astype(int), ys.astype(int)):
        bgmask[y - 15:y + 16, x - 15:x + 16] = False
    bg = img[bgmask]
    measured = (patch.max() - bg.mean()) / bg.std()
    assert measured == pytest.approx(8.0, rel=0.15)
    assert movie.metadata["snr"] == pytest.approx(8.0)
    assert bg.std() == pytest.approx(2.0 * math.sqrt(100 + 4), rel=0.05)  # gain * sd(e-)


def test_bleaching_decays_as_specified():
    res = migrasome_scene([1.5, 1.5], n_frames=30)
    k = 0.05
    movie = render_movie(res, bleach_per_frame=k, background_photons=100.0,
                         migrasome_photons=2e5, seed=1)
    sig = movie.data[:, 0].reshape(30, -1).astype(float).sum(1) - 100.0 * movie.data[0, 0].size
    ratio = sig / sig[0]
    t = np.arange(30)
    assert np.allclose(ratio, np.exp(-k * t), atol=0.01)
    fit = -np.polyfit(t, np.log(ratio), 1)[0]
    assert fit == pytest.approx(k, rel=0.03)


def test_seed_reproducible_and_distinct():
    res = synthetic_results(n_cells=2, n_frames=2, width_um=30, height_um=30)
    a = render_movie(res, seed=5)
    b = render_movie(res, seed=5)
    c = render_movie(res, seed=6)
    assert np.array_equal(a.data, b.data)
    assert not np.array_equal(a.data, c.data)
    assert a.data.dtype == np.uint16 and a.data.shape[:2] == (2, 1)


def test_truth_in_image_coordinates_and_cropped():
    res = migrasome_scene([1.0, 1.0, 1.0, 1.0], spacing_um=5.0)  # x at 2.5, 7.5, ... +0.037
    fov = (5.0, 5.0, 10.0, 10.0)
    movie = render_movie(res, field_of_view_um=fov, noise=False, **QUIET,
                         migrasome_photons=1e3)
    assert movie.origin_um == (5.0, 5.0)
    t = movie.truth.migrasome_frames
    assert sorted(np.round(t["x_um"], 3)) == [2.537, 7.537]
    # centroid of the light of the first one lands on its truth position
    img = movie.data[0, 0].astype(float)
    yy, xx = np.mgrid[: img.shape[0], : img.shape[1]]
    px = movie.pixel_size_um
    win = np.hypot((xx + 0.5) * px - 2.537, (yy + 0.5) * px - 5.011) < 1.5
    cx = ((xx + 0.5) * px * img)[win].sum() / img[win].sum()
    cy = ((yy + 0.5) * px * img)[win].sum() / img[win].sum()
    assert (cx, cy) == pytest.approx((2.537, 5.011), abs=0.02)
    assert movie.truth.metadata["width_um"] == pytest.approx(10.0, abs=px)


def test_periodic_wrap_conserves_photons_at_the_edge():
    res = migrasome_scene([2.0], spacing_um=10.0, offset=(-4.99, 0.0))  # x = 0.01 µm
    r = Renderer(res, migrasome_photons=100.0, **QUIET)
    img = r.signal(0, 0)
    assert img.sum() == pytest.approx(400.0, rel=1e-6)
    assert img[:, -3:].sum() > 0.2 * img.sum()  # half of it shows on the far side


def test_reflecting_domain_does_not_wrap():
    # simulations have reflecting walls: light past the edge is outside the field, not
    # on the far side
    res = migrasome_scene([2.0], spacing_um=10.0, offset=(-4.99, 0.0), boundary="reflecting")
    img = Renderer(res, migrasome_photons=100.0, **QUIET).signal(0, 0)
    assert img[:, -3:].sum() == 0.0
    assert img.sum() < 0.8 * 400.0


def test_simulations_say_their_boundary():
    from migrasome import simulate

    assert simulate("nrk-fibronectin", cells=2, hours=0.5).metadata["boundary"] == "reflecting"


def test_frame_interval_subsamples():
    res = synthetic_results(n_cells=1, n_frames=7, frame_interval_min=2.0, width_um=30,
                            height_um=30)
    movie = render_movie(res, frame_interval_min=4.0, pixel_size_um=0.3)
    assert movie.n_frames == 4 and movie.frame_interval_min == 4.0
    assert movie.truth.metadata["sim_frames"] == [0, 2, 4, 6]
    assert sorted(movie.truth.tracks["frame"].unique()) == [0, 1, 2, 3]
    with pytest.raises(ValueError, match="whole multiple"):
        render_movie(res, frame_interval_min=3.0)


def test_multichannel_labels():
    res = synthetic_results(n_cells=1, n_frames=1, width_um=30, height_um=30)
    m = render_movie(res, channels=("TSPAN4-GFP", "NDST1-mCherry"),
                     wavelength_nm=(510, 610), noise=False, pixel_size_um=0.3)
    assert m.data.shape[1] == 2 and m.channel_names == ("TSPAN4-GFP", "NDST1-mCherry")
    # NDST1 marks migrasomes only: far less light than the membrane channel with the cell
    assert m.data[0, 1].astype(float).sum() < m.data[0, 0].astype(float).sum()


@pytest.mark.parametrize("kw, word", [
    (dict(pixel_size_um=0.0), "pixel_size_um"),
    (dict(pixel_size_um=5.0), "pixel_size_um"),
    (dict(numerical_aperture=3.0), "numerical_aperture"),
    (dict(modality="lightsheet"), "modality"),
    (dict(snr=-1.0), "snr"),
    (dict(snr=5.0, migrasome_photons=10.0), "snr"),
    (dict(bit_depth=20), "bit_depth"),
    (dict(bleach_per_frame=1.5), "bleach_per_frame"),
    (dict(channels=("GFP-foo",)), "GFP-foo"),
    (dict(field_of_view_um=(0, 0, -1, 5)), "field_of_view_um"),
    (dict(wavelength_nm=(510, 600)), "wavelength_nm"),
])
def test_bad_parameters_named(kw, word):
    res = synthetic_results(n_cells=1, n_frames=1)
    with pytest.raises(ValueError, match=word):
        render_movie(res, **kw)


def test_empty_results_rejected():
    from migrasome import Results
    with pytest.raises(ValueError, match="no recorded frames"):
        render_movie(Results(metadata={"width_um": 10, "height_um": 10}))
    with pytest.raises(TypeError):
        render_movie("not results")


def test_movie_validates():
    with pytest.raises(ValueError, match="4-D"):
        Movie(data=np.zeros((3, 4, 4), np.uint16), pixel_size_um=0.1)
    with pytest.raises(ValueError, match="empty"):
        Movie(data=np.zeros((0, 1, 4, 4), np.uint16), pixel_size_um=0.1)

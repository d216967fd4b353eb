"""Building blocks of the analysis: optics, templates, fitting, scoring."""

import numpy as np
import pandas as pd
import pytest

from migrasome.analysis import compare_results
from migrasome.analysis.detect import detect_migrasomes
from migrasome.analysis.migrasomes import (
    fit_diameters,
    radial_templates,
    refine_centres,
    rim_centres,
)
from migrasome.analysis.preprocess import (
    axial_sigma_um,
    background_estimate,
    noise_sigma,
    psf_sigma_um,
)
from migrasome.results import Results


def test_psf_widths():
    assert psf_sigma_um(510, 1.4) == pytest.approx(0.0765)
    assert psf_sigma_um(510, 1.4, "confocal") == pytest.approx(0.0765 / np.sqrt(2))
    assert np.isinf(axial_sigma_um(510, 1.4, "widefield"))
    assert 0.1 < axial_sigma_um(510, 1.4, "confocal") < 0.3
    with pytest.raises(ValueError):
        psf_sigma_um(-1, 1.4)


def test_templates_peak_at_the_rim_for_a_shell():
    r, T = radial_templates("shell", 0.6, (5.0, 10.0), 15.0)
    assert T.max(axis=1) == pytest.approx([1.0, 1.0])
    assert abs(r[np.argmax(T[1])] - 10.0) <= 1.0  # a projected shell is brightest at its rim
    r, T = radial_templates("ball", 0.6, (10.0,), 15.0)
    assert np.argmax(T[0]) == 0  # a filled ball is brightest in the middle


def _shell_image(d_um, px=0.15, psf=0.0765, amp=100.0, shape=(64, 64), centre=(31.3, 32.6)):
    sig = np.sqrt((psf / px) ** 2 + 1 / 12)
    r, T = radial_templates("shell", round(sig, 4), (d_um / 2 / px,), 40.0, dr_px=0.05)
    yy, xx = np.indices(shape)
    rr = np.hypot(yy - centre[0], xx - centre[1])
    return 10.0 + amp * np.interp(rr, r, T[0])


@pytest.mark.parametrize("d", [0.6, 1.0, 2.0, 3.0])
def test_fit_recovers_diameter_noiseless(d):
    img = _shell_image(d)
    fit = fit_diameters(img, np.array([31.3]), np.array([32.6]), pixel_size_um=0.15,
                        psf_sigma_um=0.0765)
    assert fit["diameter_um"].iloc[0] == pytest.approx(d, rel=0.03)
    assert fit["amplitude"].iloc[0] == pytest.approx(100.0, rel=0.1)
    assert fit["roundness"].iloc[0] > 0.9


def test_rim_centre_is_not_pulled_by_a_bright_spot_inside_the_ring():
    rng = np.random.default_rng(1)
    px, d = 0.11, 1.0
    img = _shell_image(d, px=px, shape=(64, 64), centre=(31.3, 32.6), amp=60.0)
    yy, xx = np.indices(img.shape)
    img += 30.0 * np.exp(-((yy - 33.5) ** 2 + (xx - 34.0) ** 2) / (2 * 1.0**2))  # a spot
    img += rng.normal(0, 5.0, img.shape)
    # a candidate on the spot, taken for a smaller blob (its window short of the rim)
    rows, cols, R = np.array([33.3]), np.array([33.9]), np.array([3.0])
    for _ in range(2):
        rows, cols = refine_centres(img, rows, cols, R, np.array([10.0]))
    assert np.hypot(rows[0] - 31.3, cols[0] - 32.6) > 1.5  # the centroid goes to the spot
    rr, cc = rim_centres(img, rows, cols, R)
    assert np.hypot(rr[0] - 31.3, cc[0] - 32.6) < 0.8
    fit = fit_diameters(img, rr, cc, pixel_size_um=px, psf_sigma_um=0.0765)
    assert fit["diameter_um"].iloc[0] == pytest.approx(d, rel=0.15)
    # a filled blob has no rim to fit: its centre stays where it is
    blob = 10.0 + 80.0 * np.exp(-((yy - 20.0) ** 2 + (xx - 40.0) ** 2) / (2 * 1.5**2))
    br, bc = rim_centres(blob, np.array([20.0]), np.array([40.0]), np.array([2.0]))
    assert np.hypot(br[0] - 20.0, bc[0] - 40.0) < 0.5


def test_detect_finds_a_shell_in_noise_and_not_a_line():
    rng = np.random.default_rng(0)
    img = _shell_image(1.2, shape=(96, 96), centre=(40.2, 50.7), amp=60.0)
    img[70, 5:90] += 40.0  # a bright straight line (a fibre)
    img = img + rng.normal(0, 10.0, img.shape)
    det = detect_migrasomes(img, pixel_size_um=0.15, psf_sigma_um=0.0765,
                            noise=noise_sigma(img))
    assert len(det) == 1
    assert det["row"].iloc[0] == pytest.approx(40.2, abs=0.5)
    assert det["col"].iloc[0] == pytest.approx(50.7, abs=0.5)
    assert det["diameter_um"].iloc[0] == pytest.approx(1.2, rel=0.1)


def _classified(img, px):
    return detect_migrasomes(img, pixel_size_um=px, psf_sigma_um=0.0765,
                             noise=noise_sigma(img), classifier=True)


@pytest.mark.parametrize("centre_col, reported", [(98.0, False), (92.0, True), (87.0, True)])
def test_a_swelling_on_the_border_is_reported_when_its_centre_is_inside(centre_col, reported):
    # the image ends at column 96 (x = 9.6 µm); the shell's radius is 7.5 px
    px = 0.1
    img = _shell_image(1.5, px=px, shape=(96, 96), centre=(40.0, centre_col), amp=60.0)
    img = img + np.random.default_rng(0).normal(0, 6.0, img.shape)
    det = _classified(img, px)
    assert len(det) == int(reported)
    if reported:
        assert det["x_um"].iloc[0] == pytest.approx((centre_col + 0.5) * px, abs=0.15)
        assert det["diameter_um"].iloc[0] == pytest.approx(1.5, rel=0.1)


def test_two_overlapping_swellings_are_both_reported():
    # 1.5 µm shells 0.9 µm apart: they overlap by 0.6 µm, each centre outside the other
    px = 0.1
    img = (_shell_image(1.5, px=px, shape=(96, 96), centre=(48.0, 40.0), amp=60.0)
           + _shell_image(1.5, px=px, shape=(96, 96), centre=(48.0, 49.0), amp=60.0))
    img = img + np.random.default_rng(1).normal(0, 6.0, img.shape)
    det = _classified(img, px).sort_values("x_um")
    assert len(det) == 2
    np.testing.assert_allclose(det["x_um"], [4.05, 4.95], atol=0.15)
    np.testing.assert_allclose(det["diameter_um"], 1.5, rtol=0.1)


def test_the_under_cell_threshold_applies_where_the_centre_lies_and_first():
    # the same pair as above with a cell body under the left one and an impossible bar
    # there: the left goes, before the overlap test, and leaves the right one
    px = 0.1
    img = (_shell_image(1.5, px=px, shape=(96, 96), centre=(48.0, 40.0), amp=60.0)
           + _shell_image(1.5, px=px, shape=(96, 96), centre=(48.0, 49.0), amp=60.0))
    img = img + np.random.default_rng(1).normal(0, 6.0, img.shape)
    body = np.zeros(img.shape, bool)
    body[30:66, 25:44] = True
    det = detect_migrasomes(img, pixel_size_um=px, psf_sigma_um=0.0765,
                            noise=noise_sigma(img), classifier=True, under_mask=body,
                            min_probability_under=1.01)
    assert len(det) == 1
    assert det["x_um"].iloc[0] == pytest.approx(4.95, abs=0.15)
    lax = detect_migrasomes(img, pixel_size_um=px, psf_sigma_um=0.0765,
                            noise=noise_sigma(img), classifier=True, under_mask=body,
                            min_probability_under=0.5)
    assert len(lax) == 2


def test_noise_and_background():
    rng = np.random.default_rng(1)
    img = 50.0 + rng.normal(0, 3.0, (256, 256))
    img[100:140, 100:140] += 200.0  # a cell-sized bright square is not background
    assert noise_sigma(img) == pytest.approx(3.0, rel=0.1)
    bg = background_estimate(img, block_px=16, scale_px=120)
    assert bg.shape == img.shape and np.abs(bg - 50).max() < 3.0


def _frames(xy_d, frame=0):
    x, y, d = np.asarray(xy_d, float).T
    return pd.DataFrame({"migrasome_id": np.arange(len(x)), "frame": frame, "t_min": 0.0,
                         "x_um": x, "y_um": y, "diameter_um": d, "attached": True})


def test_compare_scores():
    truth = Results(tables={"migrasome_frames": _frames([(5, 5, 1.0), (10, 10, 2.0),
                                                         (20, 20, 0.6)])})
    perfect = Results(tables={"migrasome_frames": _frames([(5.1, 5, 1.1), (10, 10.2, 1.8)])})
    s = compare_results(perfect, truth)
    assert s["f1"] == 1.0 and s["n_true"] == 2 and s["n_matched"] == 2
    assert s["median_diameter_error"] == pytest.approx(0.1)
    # a detection too far away is a false positive and leaves a miss
    off = Results(tables={"migrasome_frames": _frames([(5, 6, 1.0), (10, 10, 2.0)])})
    s = compare_results(off, truth)
    assert s["precision"] == 0.5 and s["recall"] == 0.5
    # a detection of the true 0.6 µm one is neither right nor wrong at the 0.8 µm cut
    small = Results(tables={"migrasome_frames": _frames([(20, 20, 0.9), (5, 5, 1.0),
                                                         (10, 10, 2.0)])})
    assert compare_results(small, truth)["precision"] == 1.0
    # nothing detected
    none = Results(tables={"migrasome_frames": _frames(np.zeros((0, 3)))})
    s = compare_results(none, truth)
    assert s["recall"] == 0.0 and s["f1"] == 0.0


def test_analysis_runs_blas_on_one_thread_and_restores_it():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    from migrasome.analysis.pipeline import _one_blas_thread

    def blas():
        return [p["num_threads"] for p in threadpoolctl.threadpool_info()
                if p["user_api"] == "blas"]

    np.ones((4, 4)) @ np.ones((4, 4))  # BLAS loaded
    before = blas()
    with _one_blas_thread():
        inside = blas()
    assert inside and all(n == 1 for n in inside)
    assert blas() == before

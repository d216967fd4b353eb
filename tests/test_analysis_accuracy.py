"""Accuracy of `analyze_movie` on rendered movies, scored by `compare_results` (issue 4)."""

import numpy as np
import pytest

from migrasome.analysis import analyze_movie, compare_results
from migrasome.imaging import render_movie, synthetic_results

DIAMETERS = (0.5, 0.6, 0.8, 1.0, 1.5, 2.0, 3.0)


def scene(seed=0, n_frames=4, grow=False):
    """Four cells in a 72 µm square (480 × 480 px at 0.15 µm), three RFs each."""
    return synthetic_results(n_cells=4, width_um=72.0, height_um=72.0, cell_radius_um=6.0,
                             fibers_per_cell=3, fiber_length_um=8.0, n_frames=n_frames,
                             migrasome_diameters_um=DIAMETERS, grow=grow, seed=seed)


@pytest.fixture(scope="module", params=[5.0, 8.0, 20.0], ids=lambda s: f"snr{s:g}")
def scored(request):
    snr = request.param
    movie = render_movie(scene(seed=int(snr)), snr=snr, seed=int(snr))
    res = analyze_movie(movie)
    return snr, res, compare_results(res, movie.truth, min_diameter_um=0.8)


def test_detection_f1(scored):
    snr, _, s = scored
    assert s["n_true"] > 0
    assert s["f1"] >= 0.9, f"SNR {snr}: {s.to_dict()}"


def test_diameter_error(scored):
    snr, _, s = scored
    assert s["median_diameter_error"] <= 0.10, f"SNR {snr}: {s.to_dict()}"


def test_per_cell_count_error(scored):
    snr, _, s = scored
    assert s["n_cells_matched"] == s["n_cells_true"] == 4
    assert s["per_cell_count_error"] <= 0.10, f"SNR {snr}: {s.to_dict()}"


def test_output_follows_schema(scored):
    from migrasome.results import SCHEMA

    _, res, _ = scored
    assert res.metadata["source"] == "analysis"
    for name, cols in SCHEMA.items():
        df = res.tables[name]
        for c, dtype in cols.items():
            assert str(df[c].dtype) == dtype, (name, c)
    mf = res.migrasome_frames
    assert mf["diameter_um"].between(0.45, 3.3).all()
    # every sighting belongs to a migrasome of the migrasomes table
    assert set(mf["migrasome_id"]) == set(res.migrasomes["migrasome_id"])


def test_growth_is_measured():
    """Migrasomes growing from 30 % to full size: diameters follow, full size at the end."""
    movie = render_movie(scene(seed=3, n_frames=5, grow=True), snr=10.0, seed=3)
    res = analyze_movie(movie)
    s = compare_results(res, movie.truth)
    assert s["f1"] >= 0.9 and s["median_diameter_error"] <= 0.10
    mf = res.migrasome_frames
    big = res.migrasomes[res.migrasomes["max_diameter_um"] >= 1.0]["migrasome_id"]
    slopes = [np.polyfit(d["t_min"], d["diameter_um"], 1)[0]
              for _, d in mf[mf["migrasome_id"].isin(big)].groupby("migrasome_id") if len(d) >= 3]
    assert len(slopes) >= 4 and min(slopes) > 0
    t_end = mf["t_min"].max()
    full = res.migrasomes.set_index("migrasome_id").loc[big, "t_full_size_min"]
    assert (full >= 0.7 * t_end).all()


def test_no_migrasomes_in_pure_noise():
    rng = np.random.default_rng(0)
    data = rng.poisson(100.0, size=(3, 1, 200, 200)).astype(np.uint16)
    res = analyze_movie(data, pixel_size_um=0.15)
    assert len(res.migrasome_frames) <= 1
    assert len(res.cells) == 0

"""`migrasome analyze` / `migrasome compare`: files in, files out, clear errors."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from migrasome.analysis import analyze_movie, compare_results
from migrasome.cli import app
from migrasome.imaging import render_movie, synthetic_results, write_movie
from migrasome.results import SCHEMA, load_results

runner = CliRunner()


@pytest.fixture(scope="module")
def movie():
    res = synthetic_results(n_cells=1, width_um=36.0, height_um=36.0, cell_radius_um=5.0,
                            fibers_per_cell=3, fiber_length_um=7.0, n_frames=3,
                            migrasome_diameters_um=(0.8, 1.5, 2.5), seed=4)
    return render_movie(res, snr=10.0, seed=4)


@pytest.fixture(scope="module")
def movie_file(movie, tmp_path_factory):
    path = tmp_path_factory.mktemp("mov") / "cell.ome.tif"
    write_movie(movie, path)
    return path


def test_results_round_trip(movie, tmp_path):
    res = analyze_movie(movie)
    res.save(tmp_path / "r")
    back = load_results(tmp_path / "r")
    assert back.metadata["source"] == "analysis"
    for name in SCHEMA:
        pd.testing.assert_frame_equal(res.tables[name].reset_index(drop=True),
                                      back.tables[name].reset_index(drop=True),
                                      check_dtype=False)


def test_cli_analyze_and_compare(movie, movie_file, tmp_path):
    out = tmp_path / "out"
    r = runner.invoke(app, ["analyze", str(movie_file), "--out", str(out), "--quiet",
                            "--overlay-movie"])
    assert r.exit_code == 0, r.output
    for f in ("migrasome_frames.parquet", "migrasomes.parquet", "cells.parquet",
              "tracks.parquet", "fibers.parquet", "fiber_frames.parquet", "metadata.json",
              "summary.csv", "summary.json", "overlay.png", "overlay.tif"):
        assert (out / f).is_file(), f
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_cells"] == 1 and summary["migrasomes_per_cell"] > 0
    assert "migrasomes_per_100um_rf" in summary and "diameter_p50_um" in summary
    # the file gives the same answer as the movie in memory
    from_file = load_results(out)
    in_memory = analyze_movie(movie)
    pd.testing.assert_frame_equal(from_file.migrasome_frames.reset_index(drop=True),
                                  in_memory.migrasome_frames.reset_index(drop=True),
                                  check_dtype=False)
    s = compare_results(from_file, movie.truth)
    assert s["f1"] >= 0.9
    r = runner.invoke(app, ["compare", str(out), str(movie_file)])
    assert r.exit_code == 0, r.output
    assert "f1" in r.output and "precision" in r.output
    r = runner.invoke(app, ["compare", str(out), str(movie_file.with_name("cell.truth"))])
    assert r.exit_code == 0, r.output
    # an existing output is not replaced without --overwrite
    r = runner.invoke(app, ["analyze", str(movie_file), "--out", str(out), "--quiet"])
    assert r.exit_code == 2 and "--overwrite" in r.output
    r = runner.invoke(app, ["analyze", str(movie_file), "--out", str(out), "--quiet",
                            "--overwrite"])
    assert r.exit_code == 0, r.output


def _no_leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


def test_cli_missing_file(tmp_path):
    r = runner.invoke(app, ["analyze", str(tmp_path / "nope.tif"), "--quiet"])
    assert r.exit_code == 2
    assert "no such file" in r.output


def test_cli_truncated_file(movie_file, tmp_path):
    bad = tmp_path / "cut.ome.tif"
    raw = movie_file.read_bytes()
    bad.write_bytes(raw[: len(raw) // 3])
    out = tmp_path / "cut.analysis"
    r = runner.invoke(app, ["analyze", str(bad), "--out", str(out), "--quiet"])
    assert r.exit_code == 2, r.output
    assert "error" in r.output
    assert not out.exists() and _no_leftovers(tmp_path)


def test_cli_not_a_movie(tmp_path):
    bad = tmp_path / "notes.tif"
    bad.write_text("this is not a TIFF")
    r = runner.invoke(app, ["analyze", str(bad), "--quiet"])
    assert r.exit_code == 2 and "error" in r.output
    assert not (tmp_path / "notes.analysis").exists()


def test_cli_missing_pixel_size(movie, tmp_path):
    import tifffile

    plain = tmp_path / "plain.tif"
    tifffile.imwrite(plain, movie.data[:, 0], photometric="minisblack")  # (T, Y, X), bare
    r = runner.invoke(app, ["analyze", str(plain), "--quiet"])
    assert r.exit_code == 2
    assert "pixel" in r.output.lower()
    assert not (tmp_path / "plain.analysis").exists()
    r = runner.invoke(app, ["analyze", str(plain), "--quiet", "--pixel-size-um", "0.15"])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "plain.analysis" / "migrasomes.parquet").is_file()


def test_cli_compare_bad_folder(tmp_path):
    r = runner.invoke(app, ["compare", str(tmp_path), str(tmp_path)])
    assert r.exit_code == 2 and "not a results folder" in r.output


@pytest.mark.parametrize("data, match", [
    (np.zeros((64, 64)), "3-D"),
    (np.zeros((2, 1, 1, 64, 64)), "3-D"),
    (np.zeros((0, 1, 64, 64)), "empty"),
    (np.zeros((2, 8, 8)), "too small"),
])
def test_bad_arrays(data, match):
    with pytest.raises(ValueError, match=match):
        analyze_movie(data, pixel_size_um=0.15)


def test_missing_pixel_size_in_memory():
    with pytest.raises(ValueError, match="pixel size"):
        analyze_movie(np.zeros((2, 64, 64), np.uint16))


def test_bad_channel_and_option(movie):
    with pytest.raises(ValueError, match="channel"):
        analyze_movie(movie, channel=3)
    with pytest.raises(ValueError, match="channel"):
        analyze_movie(movie, channel="mCherry")
    with pytest.raises(TypeError, match="unexpected keyword"):
        analyze_movie(movie, threshold_typo=3)


def test_zarr_input(movie, tmp_path):
    path = tmp_path / "cell.ome.zarr"
    write_movie(movie, path)
    res = analyze_movie(path)
    assert compare_results(res, movie.truth)["f1"] >= 0.9

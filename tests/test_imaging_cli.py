"""`migrasome render` through the Typer app."""

from typer.testing import CliRunner

from migrasome.cli import app
from migrasome.imaging import read_movie, synthetic_results


def _results(tmp_path):
    res = synthetic_results(n_cells=1, n_frames=2, width_um=15, height_um=15)
    return res.save(tmp_path / "run")


def test_render_smoke(tmp_path):
    run = _results(tmp_path)
    out = tmp_path / "movie.ome.tif"
    r = CliRunner().invoke(app, ["render", str(run), "--out", str(out), "--pixel-size-um",
                                 "0.2", "--snr", "10", "--seed", "4", "--modality",
                                 "confocal"])
    assert r.exit_code == 0, r.output
    assert "movie:" in r.output and "movie.truth" in r.output
    m = read_movie(out)
    assert m.data.shape == (2, 1, 75, 75) and m.pixel_size_um == 0.2
    assert m.metadata["modality"] == "confocal" and m.truth is not None
    # again without --overwrite: refused
    r = CliRunner().invoke(app, ["render", str(run), "--out", str(out)])
    assert r.exit_code == 2 and "--overwrite" in r.output


def test_render_bad_values(tmp_path):
    run = _results(tmp_path)
    out = str(tmp_path / "m.ome.zarr")
    cases = [(["--na", "3"], "--na"), (["--modality", "sted"], "--modality"),
             (["--pixel-size-um", "9"], "--pixel-size-um"), (["--fov", "1,2"], "--fov"),
             (["--frame-interval-min", "1.5"], "--frame-interval-min")]
    for extra, word in cases:
        r = CliRunner().invoke(app, ["render", str(run), "--out", out] + extra)
        assert r.exit_code == 2, (extra, r.output)
        assert word in r.output, (extra, r.output)
    r = CliRunner().invoke(app, ["render", str(tmp_path / "nope"), "--out", out])
    assert r.exit_code == 2 and "RESULTS_DIR" in r.output
    r = CliRunner().invoke(app, ["render", str(run), "--out", str(tmp_path / "m.avi")])
    assert r.exit_code == 2 and "--out" in r.output

"""Bad input gets a clear error (exit 2, no traceback, the field and what is allowed);
nothing half-written survives; outputs are shareable."""

import os
import stat
import subprocess
import sys
import warnings

import numpy as np
import pytest
from typer.testing import CliRunner

from migrasome import load_preset, simulate
from migrasome.cli import app
from migrasome.files import atomic_dir, stale_temporaries
from migrasome.scenario import ScenarioError
from migrasome.simulation import CostWarning, check_cost

runner = CliRunner()
SHORT = ["--cells", "2", "--hours", "0.2", "--no-figures", "--quiet"]


def bad(args, *needles, cwd=None):
    """Run the CLI; assert it refused with exit 2, no traceback, and said ``needles``."""
    r = runner.invoke(app, args)
    out = r.output
    assert r.exit_code == 2, out
    assert "Traceback" not in out and r.exception is None or isinstance(r.exception, SystemExit)
    for n in needles:
        assert n in out, (n, out)
    return out


# -- tracebacks that were -------------------------------------------------------------------

def test_set_into_a_value_names_the_field():
    bad(["simulate", "--set", "seed.x=1"], "seed.x", "not a section")


def test_preset_that_is_a_folder(tmp_path):
    d = tmp_path / "dir.toml"
    d.mkdir()
    bad(["simulate", "--preset", str(d)], "is a folder")


def test_out_under_a_file_is_refused_before_the_run(tmp_path):
    f = tmp_path / "realfile"
    f.write_text("x")
    out = bad(["simulate", "--out", str(f / "sub"), *SHORT], "--out", "is a file")
    assert "summary" not in out  # refused before simulating


def test_out_in_an_unwritable_place_is_refused_before_the_run(tmp_path):
    if os.geteuid() == 0:  # root writes anywhere; use a place that is not a folder
        bad(["simulate", "--out", "/proc/x", *SHORT], "--out", "/proc")
    else:
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        bad(["simulate", "--out", str(ro / "x"), *SHORT], "no permission")


def test_shape_diagram_range_checked_before_solving():
    bad(["shape", "--diagram", "--n-area", "2", "--n-kappa", "2", "--kappa-max", "1e9"],
        "--kappa-max", "1e4")
    bad(["shape", "--diagram", "--n-area", "500"], "--n-area", "2 to 100")


def test_render_checks_the_output_writer_at_the_entry_point():
    # without tifffile, reaching for the renderer fails at once, not after a long render
    code = ("import sys; sys.modules['tifffile'] = None\n"
            "import migrasome\n"
            "try:\n"
            "    migrasome.render_movie\n"
            "except ImportError as e:\n"
            "    print('refused:', e)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "refused:" in r.stdout and 'migrasome[imaging]' in r.stdout


# -- misleading messages that were ----------------------------------------------------------

@pytest.mark.parametrize("args, field", [
    (["--hours", "nan"], "run.hours"),
    (["--perturb", "fibronectin:nan"], "fibronectin"),
    (["--set", "cells.speed_um_per_min=nan"], "cells.speed_um_per_min"),
])
def test_not_a_number_says_finite(args, field):
    bad(["simulate", *args], field, "finite number")


def test_missing_toml_says_the_file_does_not_exist(tmp_path):
    bad(["simulate", "--preset", str(tmp_path / "nope.toml")], "does not exist")


def test_truncated_movie_names_the_file_and_says_truncated(tmp_path):
    tifffile = pytest.importorskip("tifffile")
    from migrasome.imaging import read_movie

    path = tmp_path / "m.ome.tif"
    tifffile.imwrite(path, np.zeros((3, 32, 32), np.uint16), ome=True,
                     metadata={"axes": "TYX"})
    data = path.read_bytes()
    cut = tmp_path / "cut.ome.tif"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"cut\.ome\.tif.*(truncated|corrupt)") as e:
        read_movie(cut)
    assert "TiffTag" not in str(e.value) and "fromfile" not in str(e.value)


def test_run_header_says_what_is_run(tmp_path):
    r = runner.invoke(app, ["simulate", "--perturb", "fibronectin:50", "--hours", "0.3",
                            "--cells", "2", "--out", str(tmp_path / "o"), "--no-figures",
                            "--quiet"])
    assert r.exit_code == 0, r.output
    assert "50 µg/ml fibronectin" in r.output and "0.3 h" in r.output
    assert "10 µg/ml" not in r.output and "12 h" not in r.output


# -- accepted silently before ---------------------------------------------------------------

def test_booleans_are_not_numbers():
    bad(["simulate", "--set", "cells.speed_um_per_min=true"], "cells.speed_um_per_min",
        "not a number")


def test_seed_beyond_the_generator_range():
    bad(["simulate", "--seed", str(2**64)], "seed")


def test_overwrite_refuses_to_replace_a_plain_file(tmp_path):
    f = tmp_path / "afile"
    f.write_text("precious")
    bad(["simulate", "--out", str(f), "--overwrite", *SHORT], "is a file")
    assert f.read_text() == "precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_memory_beyond_the_machine_is_refused_with_the_number():
    out = bad(["simulate", "--cells", "1000000", "--hours", "168"], "GiB", "available")
    assert "1000000 cells" in out


def test_crowded_dish_warns():
    sc = load_preset("nrk-fibronectin").with_changes(**{"cells.n_cells": 1000})
    with pytest.warns(CostWarning, match="cover"):
        check_cost(sc)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CostWarning)
        check_cost(load_preset("nrk-fibronectin"))  # the default run says nothing


@pytest.mark.parametrize("fov, needle", [("5000,5000,10,10", "outside the dish"),
                                         ("nan,0,10,10", "finite"),
                                         ("1,2,3", "four numbers")])
def test_render_refuses_a_field_of_view_it_cannot_image(tmp_path, fov, needle):
    pytest.importorskip("tifffile")
    res = simulate("nrk-fibronectin", cells=2, hours=0.2)
    res.save(tmp_path / "r")
    out = bad(["render", str(tmp_path / "r"), "--out", str(tmp_path / "m.ome.tif"),
               "--fov", fov], needle)
    assert not (tmp_path / "m.ome.tif").exists(), out


def test_render_of_a_whole_dish_defaults_to_a_field_that_fits(tmp_path):
    from migrasome.cli.render import DEFAULT_FOV_MAX_PX, default_field_of_view

    x0, y0, w, h = default_field_of_view({"width_um": 800.0, "height_um": 800.0}, 0.15)
    assert w == h == pytest.approx(DEFAULT_FOV_MAX_PX * 0.15)
    assert (x0 + w / 2, y0 + h / 2) == pytest.approx((400.0, 400.0))
    assert default_field_of_view({"width_um": 100.0, "height_um": 80.0}, 0.15) == \
        (0.0, 0.0, 100.0, 80.0)


def test_shape_with_an_absurd_tension_is_refused():
    bad(["shape", "--tension-pN-per-um", "1e12"], "--tension-pN-per-um", "≤ 10000")


# -- faults and sharing ----------------------------------------------------------------------

def test_a_killed_writer_leaves_a_temporary_that_the_next_run_removes(tmp_path):
    out = tmp_path / "res"
    code = ("import os, sys\n"
            "from migrasome.files import atomic_dir\n"
            f"with atomic_dir({str(out)!r}) as tmp:\n"
            "    (tmp / 'half').write_text('x')\n"
            "    os._exit(9)\n")  # dies mid-write, as under SIGKILL: no cleanup runs
    subprocess.run([sys.executable, "-c", code], check=False)
    left = [p for p in tmp_path.iterdir() if p.name != "res"]
    assert len(left) == 1 and "migrasome-tmp" in left[0].name
    assert stale_temporaries(out) == left
    with pytest.warns(UserWarning, match="interrupted"):
        with atomic_dir(out) as tmp:
            (tmp / "whole").write_text("y")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["res"]


def test_outputs_honour_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        with atomic_dir(tmp_path / "res") as tmp:
            (tmp / "t.txt").write_text("x")
        r = runner.invoke(app, ["shape", "--out", str(tmp_path / "s.png")])
        assert r.exit_code == 0, r.output
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "res").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "s.png").stat().st_mode) == 0o644


def test_shape_diagram_does_not_overwrite_a_previous_figure(tmp_path):
    fig = tmp_path / "shape-diagram.png"
    fig.write_bytes(b"old")
    bad(["shape", "--diagram", "--n-area", "2", "--n-kappa", "2", "--out", str(fig)], "exists")
    assert fig.read_bytes() == b"old"


def test_perturbations_fit_an_80_column_terminal():
    env = dict(os.environ, COLUMNS="80")
    r = subprocess.run([sys.executable, "-m", "migrasome.cli", "perturbations"],
                       capture_output=True, text=True, env=env, check=True)
    assert max(len(line) for line in r.stdout.splitlines()) <= 80


def test_progress_without_a_terminal_is_plain_lines_on_stderr(tmp_path):
    r = subprocess.run([sys.executable, "-m", "migrasome.cli", "simulate", "--cells", "2",
                        "--hours", "2", "--no-figures", "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, check=True)
    lines = [x for x in r.stderr.splitlines() if x.startswith("simulating:")]
    assert 2 <= len(lines) <= 12 and "100%" in lines[-1]
    q = subprocess.run([sys.executable, "-m", "migrasome.cli", "simulate", "--cells", "2",
                        "--hours", "2", "--no-figures", "--quiet", "--out", str(tmp_path / "q")],
                       capture_output=True, text=True, check=True)
    assert "simulating:" not in q.stderr


def test_diameter_histogram_keeps_large_migrasomes():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from migrasome.report import fig_diameters
    from migrasome.results import Results
    from migrasome.schema import SCHEMA

    d = np.array([0.8, 1.2, 4.0, 9.0])
    mig = pd.DataFrame({c: np.zeros(len(d)) for c in SCHEMA["migrasomes"]})
    mig["max_diameter_um"], mig["site_type"], mig["cell_id"] = d, "tip", 0
    fig, ax = plt.subplots()
    fig_diameters(Results(tables={"migrasomes": mig}), ax)
    counted = sum(p.get_height() for p in ax.patches)
    plt.close(fig)
    assert counted == 4


def test_scenario_error_is_a_value_error():
    assert issubclass(ScenarioError, ValueError)


# -- analysis and compare ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def movies(tmp_path_factory):
    tifffile = pytest.importorskip("tifffile")
    d = tmp_path_factory.mktemp("movies")
    meta = {"axes": "TYX", "PhysicalSizeX": 0.13, "PhysicalSizeY": 0.13}
    rng = np.random.default_rng(0)
    for name, data in {"zero": np.zeros((3, 64, 64), np.uint16),
                       "const": np.full((3, 64, 64), 500, np.uint16),
                       "nan": np.full((3, 64, 64), np.nan, np.float32),
                       "ok": (rng.random((3, 64, 64)) * 100 + 100).astype(np.uint16)}.items():
        tifffile.imwrite(d / f"{name}.ome.tif", data, ome=True, metadata=meta)
    return d


@pytest.mark.parametrize("name, needle", [("zero", "constant"), ("const", "constant"),
                                          ("nan", "no finite pixel")])
def test_blank_movies_are_refused(movies, name, needle):
    pytest.importorskip("skimage")
    bad(["analyze", str(movies / f"{name}.ome.tif"), "--out", str(movies / f"{name}.out"), "-q"],
        needle, f"{name}.ome.tif")
    assert not (movies / f"{name}.out").exists()


def test_absurd_pixel_size_is_refused(movies):
    pytest.importorskip("skimage")
    bad(["analyze", str(movies / "ok.ome.tif"), "--pixel-size-um", "1000", "--out",
         str(movies / "px.out"), "-q"], "pixel size", "0.01 to 2")


def test_compare_refuses_swapped_or_mismatched_folders():
    pytest.importorskip("skimage")
    from migrasome.analysis import compare_results
    from migrasome.results import Results

    det = Results(metadata={"source": "analysis", "width_um": 40.0, "height_um": 40.0,
                            "pixel_size_um": 0.2, "n_frames": 7})
    truth = Results(metadata={"source": "render-truth", "width_um": 40.0, "height_um": 40.0,
                              "sim_frames": list(range(7))})
    compare_results(det, truth)  # the same movie: scored
    with pytest.raises(ValueError, match="swapped"):
        compare_results(truth, det)
    other = Results(metadata={**truth.metadata, "width_um": 150.0, "height_um": 150.0})
    with pytest.raises(ValueError, match="different movies"):
        compare_results(det, other)
    fewer = Results(metadata={**truth.metadata, "sim_frames": [0, 1, 2]})
    with pytest.raises(ValueError, match="7 frames but the truth 3"):
        compare_results(det, fewer)


def test_report_of_an_analysis_folder_says_what_it_is(tmp_path):
    from migrasome.report import format_value, write_report
    from migrasome.results import Results

    res = Results(metadata={"source": "analysis", "movie": "cells.ome.tif",
                            "pixel_size_um": 0.13, "frame_interval_min": 2.0, "n_frames": 30,
                            "options": {"d_min_um": 0.5, "model": "shell"}})
    html = write_report(res, tmp_path, []).read_text()
    assert "seed" not in html and "? h" not in html
    assert "analysis of cells.ome.tif" in html and "0.13 µm/px" in html
    assert "Analysis settings" in html and "Scenario" not in html
    assert "migrasomes per cell (snapshot)" in html  # labels, not raw keys
    assert format_value(1440.0) == "1,440" and format_value(0.0123) == "0.0123"

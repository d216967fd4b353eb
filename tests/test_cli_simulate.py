import json

import pytest
from typer.testing import CliRunner

from migrasome import load_results
from migrasome.cli import app
from migrasome.scenario import Scenario

runner = CliRunner()


def test_simulate_writes_a_complete_results_folder(tmp_path):
    out = tmp_path / "run"
    r = runner.invoke(app, ["simulate", "--hours", "2", "--cells", "6", "--seed", "4",
                            "--perturb", "TSPAN4-OE", "--out", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    assert "migrasomes per cell" in r.output
    res = load_results(out)
    assert res.metadata["seed"] == 4 and res.metadata["perturbations"] == ["TSPAN4-OE"]
    sc = Scenario.from_toml(out / "scenario.toml")
    assert sc.seed == 4 and sc.molecules.TSPAN4 == 8.0 and sc.run.hours == 2
    assert "migrasome" in (out / "scenario.toml").read_text().splitlines()[0]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_cells"] == 6
    for f in ("map", "growth", "diameters", "counts"):
        assert (out / "figures" / f"{f}.png").stat().st_size > 1000
    html = (out / "report.html").read_text()
    # one self-contained file: the figures are embedded, not linked
    assert "figures/map.png" not in html and html.count("data:image/png;base64,") >= 4
    assert "Wu 2017" in html


def test_set_changes_any_parameter(tmp_path):
    out = tmp_path / "run"
    r = runner.invoke(app, ["simulate", "--hours", "1", "--cells", "3", "--out", str(out), "-q",
                            "--no-figures", "--set", "cells.persistence_min=12.5",
                            "--set", "ecm.coating=laminin-511", "--perturb", "TSPAN4-KO"])
    assert r.exit_code == 0, r.output
    sc = Scenario.from_toml(out / "scenario.toml")
    assert sc.cells.persistence_min == 12.5 and sc.ecm.coating == "laminin-511"
    assert sc.molecules.TSPAN4 == 0.0


def test_existing_folder_needs_overwrite(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    r = runner.invoke(app, ["simulate", "--hours", "1", "--cells", "2", "--out", str(out)])
    assert r.exit_code == 2 and "--overwrite" in r.output
    assert (out / "keep.txt").read_text() == "mine"
    r = runner.invoke(app, ["simulate", "--hours", "1", "--cells", "2", "--out", str(out),
                            "--overwrite", "--quiet", "--no-figures"])
    assert r.exit_code == 0 and not (out / "keep.txt").exists()


def test_interrupted_run_leaves_nothing(tmp_path, monkeypatch):
    import migrasome.report as report

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(report, "make_figures", boom)
    out = tmp_path / "run"
    runner.invoke(app, ["simulate", "--hours", "1", "--cells", "2", "--out", str(out), "-q"])
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, needle", [
    (["--preset", "hela"], "unknown preset 'hela'"),
    (["--perturb", "TSPAN9-KO"], "TSPAN4-OE"),
    (["--hours", "-2"], "run.hours"),
    (["--cells", "0"], "cells.n_cells"),
    (["--perturb", "fibronectin:-5"], "ecm.concentration_ug_per_ml"),
    (["--set", "cells.legs=4"], "unknown scenario field 'cells.legs'"),
    (["--set", "cells.persistence_min"], "PATH=VALUE"),
    (["--set", "ecm.coating=matrigel"], "ecm.coating"),
])
def test_bad_input_exits_2_with_a_clear_message(tmp_path, args, needle):
    r = runner.invoke(app, ["simulate", "--out", str(tmp_path / "x"), *args])
    assert r.exit_code == 2
    assert needle in r.output


def test_presets_and_perturbations_are_listed():
    r = runner.invoke(app, ["presets"])
    assert r.exit_code == 0 and "nrk-fibronectin (default)" in r.output
    assert "zebrafish-gastrula" in r.output
    r = runner.invoke(app, ["perturbations"])
    assert r.exit_code == 0
    for name in ("TSPAN4-OE", "MbCD", "ITGA5-KD", "CK-666", "fibronectin:µg/ml"):
        assert name in r.output


def test_report_redraws_from_a_results_folder(small_run, tmp_path):
    path = small_run.save(tmp_path / "r")
    r = runner.invoke(app, ["report", str(path)])
    assert r.exit_code == 0, r.output
    assert (path / "report.html").exists() and (path / "figures" / "map.png").exists()
    r = runner.invoke(app, ["report", str(tmp_path)])
    assert r.exit_code == 2 and "not a results folder" in r.output

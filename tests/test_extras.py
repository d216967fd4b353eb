import pytest
from typer.testing import CliRunner

from migrasome import extras
from migrasome.cli import app


def test_missing_extra_names_the_install_command(monkeypatch):
    monkeypatch.setattr(extras, "find_spec", lambda m: None if m == "skan" else object())
    with pytest.raises(extras.MissingExtraError, match=r'pip install "migrasome\[analysis\]"'):
        extras.require("analysis")
    extras.require("imaging")  # tifffile and zarr are "there"


def test_cli_reports_a_missing_extra_cleanly(monkeypatch, tmp_path):
    monkeypatch.setattr(extras, "find_spec", lambda m: None)
    r = CliRunner().invoke(app, ["render", str(tmp_path), "--out", str(tmp_path / "m.ome.tif")])
    assert r.exit_code == 2 and "migrasome[imaging]" in r.output
    movie = tmp_path / "m.tif"
    movie.write_bytes(b"")
    r = CliRunner().invoke(app, ["analyze", str(movie)])
    assert r.exit_code == 2 and "scikit-image" in r.output

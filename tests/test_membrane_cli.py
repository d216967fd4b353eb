"""`migrasome shape` smoke tests."""

import typer
from typer.testing import CliRunner

from migrasome.cli import app


class _Runner(CliRunner):
    """Invoke ``shape`` whether or not other commands are registered on the app yet
    (a Typer app with a single command runs it without naming it)."""

    def invoke(self, app, args, **kw):
        if not hasattr(typer.main.get_command(app), "list_commands"):
            args = [a for a in args if a != "shape"]
        return super().invoke(app, args, **kw)


runner = _Runner()


def test_shape_prints_numbers_and_writes_a_figure(tmp_path):
    out = tmp_path / "fig" / "shape.png"
    res = runner.invoke(app, ["shape", "--kappa-ratio", "10", "--domain-area-r0sq", "600",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    for word in ("bulge radius", "domain length", "far tube radius", "axial force",
                 "bending", "bulge stable", "converged            True", "infinite"):
        assert word in res.output
    assert out.exists() and out.stat().st_size > 1000
    assert not [p for p in out.parent.iterdir() if p != out]  # no temporary left behind


def test_shape_physical_units_and_finite_tube(tmp_path):
    out = tmp_path / "s.png"
    res = runner.invoke(app, ["shape", "--domain-area-um2", "2", "--tension-pN-per-um", "10",
                              "--kappa-kT", "20", "--tube", "finite", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "finite (length 80 r0)" in res.output and out.exists()


def test_shape_bad_values_exit_2_naming_the_option(tmp_path):
    cases = [
        (["--kappa-ratio", "-1"], "--kappa-ratio"),
        (["--tension-pN-per-um", "0"], "--tension-pN-per-um"),
        (["--kappa-kT", "0"], "--kappa-kT"),
        (["--domain-area-r0sq", "0"], "--domain-area-r0sq"),
        (["--tube", "closed"], "--tube"),
        (["--line-tension", "-2"], "--line-tension"),
        (["--domain-area-r0sq", "9000", "--tube", "finite", "--tube-length-r0", "20"],
         "larger than"),
    ]
    for args, word in cases:
        res = runner.invoke(app, ["shape", *args, "--out", str(tmp_path / "x.png")])
        assert res.exit_code == 2, (args, res.output)
        assert word in res.output
        assert not (tmp_path / "x.png").exists()


def test_shape_diagram_on_a_tiny_grid(tmp_path):
    out = tmp_path / "diagram.png"
    res = runner.invoke(app, ["shape", "--diagram", "--n-area", "2", "--n-kappa", "2",
                              "--area-max-r0sq", "300", "--kappa-max", "10",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "phase diagram" in res.output and out.exists()

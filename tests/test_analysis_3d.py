"""z-stacks analysed in 3-D: migrasome diameters and heights from the stack (``--z 3d``)."""

import numpy as np
import pytest
from scipy import ndimage as ndi

from migrasome.analysis import analyze_movie
from migrasome.analysis.preprocess import psf_sigma_um
from migrasome.analysis.zstack import fit_shells_3d, stack_axial_sigma_um

PX, DZ, NZ = 0.1, 0.4, 11                 # µm per pixel, µm per plane, planes
SUBSTRATE_UM = 0.6                        # height of the fibre; shells sit on it
DIAMETERS = (1.0, 1.5, 2.0, 2.5)          # µm
X_UM = (4.0, 9.0, 14.5, 20.0)
Y_UM = 8.0
SIGMA_XY = psf_sigma_um(510.0, 1.4, "widefield")      # what the analysis assumes by default
SIGMA_Z = stack_axial_sigma_um(510.0, 1.4, "widefield")


def shell_stack(*, seed=0, shape_um=(16.0, 24.0), fine_um=0.05, dz=DZ, nz=NZ, peak=300.0,
                sigma_z=SIGMA_Z):
    """Hollow shells on a flat fibre, voxelised finely, blurred by an anisotropic Gaussian
    PSF, integrated over the camera pixels and sampled at the planes ``(k + ½)·DZ``.

    Returns the stack (Z, Y, X) as uint16 with Poisson noise, and the true centre heights.
    """
    f = int(round(PX / fine_um))
    ny, nx = int(shape_um[0] / fine_um), int(shape_um[1] / fine_um)
    nzf = int(round(nz * dz / fine_um))
    z = np.arange(nzf) * fine_um
    y = (np.arange(ny) + 0.5) * fine_um
    x = (np.arange(nx) + 0.5) * fine_um
    vol = np.zeros((nzf, ny, nx), np.float32)
    zc = []
    for d, xc in zip(DIAMETERS, X_UM):
        R = d / 2
        c = SUBSTRATE_UM + R
        zc.append(c)
        iz = np.flatnonzero(np.abs(z - c) <= R + 2 * fine_um)
        iy = np.flatnonzero(np.abs(y - Y_UM) <= R + 2 * fine_um)
        ix = np.flatnonzero(np.abs(x - xc) <= R + 2 * fine_um)
        Z, Y, X = np.meshgrid(z[iz], y[iy], x[ix], indexing="ij")
        dist = np.sqrt((Z - c) ** 2 + (Y - Y_UM) ** 2 + (X - xc) ** 2)
        # a membrane of uniform surface density: a one-voxel tent around the sphere
        vol[np.ix_(iz, iy, ix)] += np.maximum(0, 1 - np.abs(dist - R) / fine_um)
    kz = int(round(SUBSTRATE_UM / fine_um))
    ky = int(Y_UM / fine_um)
    vol[kz, ky, int(0.5 / fine_um):int((shape_um[1] - 0.5) / fine_um)] += 1.0  # the RF
    vol = ndi.gaussian_filter(vol, (sigma_z / fine_um, SIGMA_XY / fine_um,
                                    SIGMA_XY / fine_um), truncate=3.5)
    planes = np.round(((np.arange(nz) + 0.5) * dz) / fine_um).astype(int)
    vol = vol[planes].reshape(nz, ny // f, f, nx // f, f).mean(axis=(2, 4))
    vol = 100.0 + vol * (peak / vol.max())
    rng = np.random.default_rng(seed)
    return rng.poisson(vol).astype(np.uint16), np.asarray(zc)


@pytest.fixture(scope="module")
def stack():
    return shell_stack()


def _errors(res, zc):
    mig = res.migrasomes.sort_values("x_um").reset_index(drop=True)
    assert len(mig) == len(DIAMETERS), mig
    np.testing.assert_allclose(mig["x_um"], X_UM, atol=0.1)
    d_err = mig["max_diameter_um"].to_numpy() / np.asarray(DIAMETERS) - 1
    z_err = mig["z_um"].to_numpy() - zc if "z_um" in mig else None
    return d_err, z_err


def test_3d_diameters_and_heights_from_the_stack(stack):
    """Shells of 1.0–2.5 µm on a fibre, 11 planes 0.4 µm apart, σ_xy 0.077 / σ_z 0.26 µm.

    Measured (this seed): in 3-D every diameter within 0.1 % of truth and every height
    within 0.01 µm; the same stack's maximum projection analysed in 2-D (``--z mip``)
    overestimates the diameters by 2.6–4.5 % and gives no height.
    """
    st, zc = stack
    res = analyze_movie(st[None, None], pixel_size_um=PX, z_step_um=DZ)
    d_err, z_err = _errors(res, zc)
    assert np.abs(d_err).max() < 0.05, d_err          # the brief allows 15 %
    assert np.abs(z_err).max() < DZ / 4, z_err        # and one z step
    mf = res.migrasome_frames
    assert "z_um" in mf.columns and list(mf.columns).index("z_um") == 5
    # the projection's own size is kept beside the stack's
    mip = analyze_movie(st.max(axis=0)[None], pixel_size_um=PX)
    np.testing.assert_allclose(np.sort(mf["diameter_projection_um"]),
                               np.sort(mip.migrasome_frames["diameter_um"]), rtol=1e-6)
    assert res.metadata["z_mode"] == "3d" and res.metadata["z_step_um"] == DZ
    assert res.metadata["axial_psf_sigma_um"] == pytest.approx(SIGMA_Z)
    d_mip, _ = _errors(mip, zc)
    assert "z_um" not in mip.migrasomes.columns
    # the projection's sizes are worse than the stack's, for each migrasome
    assert (np.abs(d_mip) > np.abs(d_err)).all(), (d_mip, d_err)


@pytest.mark.parametrize("kw", [dict(dz=0.5, nz=9), dict(peak=60.0),
                                dict(sigma_z=1.3 * SIGMA_Z), dict(sigma_z=0.8 * SIGMA_Z)],
                         ids=["z-step-0.5", "snr-6", "psf-z-30%-wider", "psf-z-20%-narrower"])
def test_3d_coarser_planes_more_noise_other_psf(kw):
    """Planes 0.5 µm apart; peak SNR ≈ 6; an axial PSF 30 % wider or 20 % narrower than the
    analysis assumes. Measured: diameters within 0.5 %, heights within 0.01 µm, in each."""
    st, zc = shell_stack(seed=1, **kw)
    res = analyze_movie(st[None, None], pixel_size_um=PX, z_step_um=kw.get("dz", DZ))
    d_err, z_err = _errors(res, zc)
    assert np.abs(d_err).max() < 0.05 and np.abs(z_err).max() < kw.get("dz", DZ) / 4


def test_3d_a_shell_higher_up_and_a_wrong_axial_psf():
    """The height follows the shell, also in a stack taller than the fit's window (30
    planes, 9 µm); a σ_z twice too large fits worse."""
    z, y, x = np.mgrid[0:30, 0:48, 0:48]
    for zc in (1.5, 3.1, 7.7):
        dist = np.sqrt(((z + 0.5) * 0.3 - zc) ** 2 + ((y - 24.3) ** 2 + (x - 23.6) ** 2)
                       * PX ** 2)
        st = 50 + 200 * np.exp(-(dist - 0.9) ** 2 / (2 * 0.1 ** 2))
        fit = fit_shells_3d(st, np.array([24.3]), np.array([23.6]), pixel_size_um=PX,
                            z_step_um=0.3, psf_sigma_um=0.1, axial_sigma_um=0.1)
        assert fit["z_um"][0] == pytest.approx(zc, abs=0.05)
        assert fit["diameter_um"][0] == pytest.approx(1.8, rel=0.05)
        assert fit["local_background"][0] == pytest.approx(50, abs=5)
        wrong = fit_shells_3d(st, np.array([24.3]), np.array([23.6]), pixel_size_um=PX,
                              z_step_um=0.3, psf_sigma_um=0.1, axial_sigma_um=0.2)
        assert wrong["rss"][0] > 2 * fit["rss"][0]


def test_3d_bad_input():
    st = np.zeros((2, 1, 5, 32, 32), np.float32)
    with pytest.raises(ValueError, match="z_step_um"):
        analyze_movie(st, pixel_size_um=PX)
    with pytest.raises(ValueError, match="3-D"):
        fit_shells_3d(st[0, 0, 0], np.array([1.0]), np.array([1.0]), pixel_size_um=PX,
                      z_step_um=DZ, psf_sigma_um=0.1, axial_sigma_um=0.2)
    with pytest.raises(ValueError, match="z_step_um"):
        fit_shells_3d(st[0, 0], np.array([1.0]), np.array([1.0]), pixel_size_um=PX,
                      z_step_um=0.0, psf_sigma_um=0.1, axial_sigma_um=0.2)


def test_cli_analyze_z_3d(stack, tmp_path):
    """`migrasome analyze stack.ome.tif --z 3d --out res` on an OME-TIFF z-stack: two time
    points, the membrane label the second of two channels."""
    pytest.importorskip("bioio")
    tifffile = pytest.importorskip("tifffile")
    from typer.testing import CliRunner

    from migrasome.cli import app
    from migrasome.results import load_results

    st, zc = stack
    p = tmp_path / "stack.ome.tif"
    md = {"axes": "TCZYX", "PhysicalSizeX": PX, "PhysicalSizeY": PX, "PhysicalSizeZ": DZ,
          "PhysicalSizeXUnit": "µm", "PhysicalSizeYUnit": "µm", "PhysicalSizeZUnit": "µm",
          "TimeIncrement": 60.0, "TimeIncrementUnit": "s",
          "Channel": {"Name": ["brightfield", "TSPAN4-GFP"]}}
    flat = np.full_like(st, 500)
    data = np.stack([np.stack([flat, st])] * 2)
    tifffile.imwrite(p, data, ome=True, photometric="minisblack", metadata=md)
    runner = CliRunner()
    out = tmp_path / "res"
    r = runner.invoke(app, ["analyze", str(p), "--z", "3d", "--channel", "TSPAN4", "--out",
                            str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    res = load_results(out)
    d_err, z_err = _errors(res, zc)
    assert np.abs(d_err).max() < 0.05 and np.abs(z_err).max() < DZ / 4
    assert (res.migrasomes["n_frames"] == 2).all()      # each seen, and linked, twice
    assert res.metadata["z_mode"] == "3d" and res.metadata["channel_index"] == 1
    import pandas as pd

    assert "z_um" in pd.read_csv(out / "migrasome_frames.csv").columns
    # without a z step in the file, the error names the flag, which supplies it
    q = tmp_path / "noz.ome.tif"
    tifffile.imwrite(q, data, ome=True, photometric="minisblack",
                     metadata={k: v for k, v in md.items() if "SizeZ" not in k})
    r = runner.invoke(app, ["analyze", str(q), "--z", "3d", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "--z-step-um" in r.output, r.output
    assert not (tmp_path / "o").exists()
    from migrasome.formats import analysis_input, open_movie

    mov = open_movie(q, z="3d", z_step_um=DZ)
    assert analysis_input(mov)[0].z_step_um == DZ
    assert mov.metadata["calibration_sources"]["z_step_um"] == "given"


if __name__ == "__main__":  # the figures quoted in docs/formats.md: 3-D against projection
    cases = {"dz 0.4 µm, 11 planes": {}, "dz 0.3 µm, 15 planes": dict(dz=0.3, nz=15),
             "dz 0.5 µm, 9 planes": dict(dz=0.5, nz=9), "dz 0.1 µm, 44 planes":
             dict(dz=0.1, nz=44), "peak SNR 6": dict(peak=60.0),
             "σz 1.3× assumed": dict(sigma_z=1.3 * SIGMA_Z),
             "σz 0.8× assumed": dict(sigma_z=0.8 * SIGMA_Z)}
    for name, kw in cases.items():
        st, zc = shell_stack(**kw)
        r3 = analyze_movie(st[None, None], pixel_size_um=PX, z_step_um=kw.get("dz", DZ))
        d3, z3 = _errors(r3, zc)
        d2, _ = _errors(analyze_movie(st.max(axis=0)[None], pixel_size_um=PX), zc)
        print(f"{name:22s} 3d: diameter error {100 * np.abs(d3).max():4.1f} % max, height "
              f"error {np.abs(z3).max():.3f} µm max | mip: diameter error "
              f"{100 * d2.min():+.1f} … {100 * d2.max():+.1f} %")

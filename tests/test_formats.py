"""Lab file formats through bioio: metadata, channels, z-stacks, scenes, errors, the CLI."""

import numpy as np
import pytest

pytest.importorskip("bioio")
tifffile = pytest.importorskip("tifffile")

from typer.testing import CliRunner  # noqa: E402

from migrasome.formats import (  # noqa: E402
    MissingMetadataError,
    is_lab_file,
    list_scenes,
    open_movie,
    resolve_channel,
)

runner = CliRunner()
rng = np.random.default_rng(0)
DATA = (rng.random((3, 2, 4, 32, 40)) * 1000).astype("uint16")  # T C Z Y X


def _ome(path, data=DATA, **meta):
    md = {"axes": "TCZYX", "PhysicalSizeX": 0.11, "PhysicalSizeY": 0.11, "PhysicalSizeZ": 0.4,
          "PhysicalSizeXUnit": "µm", "PhysicalSizeYUnit": "µm", "TimeIncrement": 90.0,
          "TimeIncrementUnit": "s", "Channel": {"Name": ["TSPAN4-GFP", "WGA-647"]}}
    md.update(meta)
    tifffile.imwrite(path, data, ome=True, photometric="minisblack", metadata=md)
    return path


def _imagej(path, data=DATA, **meta):
    md = {"axes": "TZCYX", "spacing": 0.4, "unit": "um", "finterval": 120.0,
          "Labels": ["TSPAN4-GFP", "WGA-647"] * (data.shape[0] * data.shape[2])}
    md.update(meta)
    tifffile.imwrite(path, data.transpose(0, 2, 1, 3, 4), imagej=True,
                     resolution=(1 / 0.11, 1 / 0.11), metadata=md)
    return path


def test_ome_tiff_metadata_channels_and_z(tmp_path):
    mov = open_movie(_ome(tmp_path / "a.ome.tif"))
    assert mov.metadata["reader"] == "bioio_ome_tiff"
    assert mov.shape == (3, 2, 32, 40) and mov.n_z == 4
    assert mov.pixel_size_um == pytest.approx(0.11)
    assert mov.z_step_um == pytest.approx(0.4)
    assert mov.frame_interval_min == pytest.approx(1.5)  # 90 s
    assert mov.channel_names == ("TSPAN4-GFP", "WGA-647")
    np.testing.assert_array_equal(mov.data[1, 1], DATA[1, 1].max(axis=0))
    np.testing.assert_array_equal(mov.stack(2, "WGA"), DATA[2, 1])
    sl = open_movie(tmp_path / "a.ome.tif", z="slice:3")
    np.testing.assert_array_equal(sl.data[0, 0], DATA[0, 0, 3])
    assert open_movie(tmp_path / "a.ome.tif", z="slice").z_index == 2


def test_imagej_hyperstack(tmp_path):
    mov = open_movie(_imagej(tmp_path / "b.tif"))
    assert mov.metadata["reader"] == "bioio_tifffile"
    assert mov.pixel_size_um == pytest.approx(0.11, rel=1e-4)
    assert mov.z_step_um == pytest.approx(0.4)
    assert mov.frame_interval_min == pytest.approx(2.0)
    assert mov.channel_names == ("TSPAN4-GFP", "WGA-647")
    assert mov.metadata["calibration_sources"]["frame_interval_min"] == "ImageJ finterval"
    np.testing.assert_array_equal(mov.channel("TSPAN4"), DATA[:, 0].max(axis=1))


def test_imagej_nanometre_units(tmp_path):
    p = tmp_path / "nm.tif"
    tifffile.imwrite(p, DATA[:, :, 0], imagej=True, resolution=(1 / 110, 1 / 110),
                     metadata={"axes": "TCYX", "unit": "nm", "finterval": 30})
    mov = open_movie(p)
    assert mov.pixel_size_um == pytest.approx(0.11, rel=1e-4)
    assert mov.frame_interval_min == pytest.approx(0.5)


def test_ome_zarr_multiscales(tmp_path):
    pytest.importorskip("bioio_ome_zarr")
    from bioio_ome_zarr.writers import Channel, OMEZarrWriter

    d = (rng.random((3, 2, 4, 64, 80)) * 1000).astype("uint16")
    w = OMEZarrWriter(str(tmp_path / "c.ome.zarr"),
                      level_shapes=[d.shape, (3, 2, 4, 32, 40)], dtype=d.dtype, zarr_format=2,
                      axes_names=["t", "c", "z", "y", "x"],
                      axes_types=["time", "channel", "space", "space", "space"],
                      axes_units=["minute", None, "micrometer", "micrometer", "micrometer"],
                      physical_pixel_size=[2.0, 1.0, 0.5, 0.1, 0.1],
                      channels=[Channel(label="TSPAN4-GFP", color="00FF00"),
                                Channel(label="brightfield", color="FFFFFF")])
    w.write_full_volume(d)
    mov = open_movie(tmp_path / "c.ome.zarr")
    assert mov.metadata["reader"] == "bioio_ome_zarr"
    assert (mov.pixel_size_um, mov.z_step_um, mov.frame_interval_min) == \
        pytest.approx((0.1, 0.5, 2.0))
    assert mov.channel_names == ("TSPAN4-GFP", "brightfield")
    np.testing.assert_array_equal(mov.data[2, 0], d[2, 0].max(axis=0))


def test_scenes_each_their_own(tmp_path):
    p = tmp_path / "multi.ome.tif"
    with tifffile.TiffWriter(p, ome=True) as tw:
        for k in range(2):
            tw.write(DATA[:, :, 0] + k * 1000, photometric="minisblack",
                     metadata={"axes": "TCYX", "PhysicalSizeX": 0.2, "PhysicalSizeY": 0.2,
                               "TimeIncrement": 1.0, "TimeIncrementUnit": "min",
                               "Name": f"pos{k}"})
    assert len(list_scenes(p)) == 2
    a, b = open_movie(p, scene=0), open_movie(p, scene=1)
    assert a.scene != b.scene
    np.testing.assert_array_equal(b.data[0, 0], DATA[0, 0, 0] + 1000)
    with pytest.raises(ValueError, match="out of range"):
        open_movie(p, scene=5)
    with pytest.raises(ValueError, match="no scene 'zz'"):
        open_movie(p, scene="zz")


def test_missing_metadata_names_the_override(tmp_path):
    p = tmp_path / "plain.tif"
    tifffile.imwrite(p, np.concatenate([DATA[:, 0, 0]] * 2))  # 6 frames, no calibration
    mov = open_movie(p)
    assert mov.pixel_size_um is None and mov.frame_interval_min is None
    with pytest.raises(MissingMetadataError, match="--pixel-size-um"):
        mov.require("pixel_size_um")
    fixed = open_movie(p, pixel_size_um=0.2)
    with pytest.raises(MissingMetadataError, match="--interval-min") as e:
        fixed.require("pixel_size_um", "frame_interval_min")
    assert e.value.field == "frame_interval_min"
    ok = open_movie(p, pixel_size_um=0.2, frame_interval_min=3).require(
        "pixel_size_um", "frame_interval_min")
    src = ok.metadata["calibration_sources"]
    assert src["pixel_size_um"] == src["frame_interval_min"] == "given"
    assert ok.shape == (6, 1, 32, 40)  # an unnamed stack of planes is read as time


def test_channels_bad_inputs_and_dispatch(tmp_path):
    names = ("TSPAN4-GFP", "WGA-647", "brightfield")
    assert resolve_channel("tspan4", names) == 0
    assert resolve_channel("2", names) == 2 and resolve_channel(-1, names) == 2
    assert resolve_channel("WGA-647", names) == 1
    with pytest.raises(ValueError, match="none of"):
        resolve_channel("mCherry", names)
    with pytest.raises(ValueError, match="several"):
        resolve_channel("g", ("GFP", "WGA"))
    with pytest.raises(ValueError, match="3 channel"):
        resolve_channel(5, names)
    with pytest.raises(FileNotFoundError):
        open_movie(tmp_path / "nope.nd2")
    bad = tmp_path / "broken.nd2"
    bad.write_bytes(b"not an nd2 file")
    with pytest.raises(ValueError, match="bioio-nd2"):
        open_movie(bad)
    with pytest.raises(ValueError, match="z='4d'"):
        open_movie(_ome(tmp_path / "a.ome.tif"), z="4d")
    assert is_lab_file("x.nd2") and is_lab_file("x.CZI") and not is_lab_file("x.ome.tif")


@pytest.fixture(scope="module")
def rendered():
    pytest.importorskip("skimage")
    from migrasome.imaging import render_movie, synthetic_results

    res = synthetic_results(n_cells=1, width_um=36.0, height_um=36.0, cell_radius_um=5.0,
                            fibers_per_cell=3, fiber_length_um=7.0, n_frames=3,
                            migrasome_diameters_um=(0.8, 1.5, 2.5), seed=4)
    return render_movie(res, snr=10.0, seed=4)


def test_cli_analyzes_a_z_stack_hyperstack_by_channel_name(rendered, tmp_path):
    """A 2-channel, 3-plane ImageJ hyperstack whose projection is the rendered movie."""
    from migrasome.analysis import analyze_movie
    from migrasome.cli import app
    from migrasome.results import load_results

    f = rendered.data[:, 0]
    planes = np.stack([(f * 0.4).astype(f.dtype), f, (f * 0.7).astype(f.dtype)], axis=1)
    cellmark = np.full_like(planes, 100)
    data = np.stack([cellmark, planes], axis=1)  # T C Z Y X: the membrane label second
    p = _imagej(tmp_path / "exp.tif", data=data,
                Labels=["cells", "TSPAN4-GFP"] * (data.shape[0] * 3),
                finterval=rendered.frame_interval_min * 60)
    tifffile.imwrite(p, data.transpose(0, 2, 1, 3, 4), imagej=True,
                     resolution=(1 / rendered.pixel_size_um,) * 2,
                     metadata={"axes": "TZCYX", "spacing": 0.3, "unit": "um",
                               "finterval": rendered.frame_interval_min * 60,
                               "Labels": ["cells", "TSPAN4-GFP"] * (data.shape[0] * 3)})
    out = tmp_path / "res"
    r = runner.invoke(app, ["analyze", str(p), "--channel", "TSPAN4", "--z", "mip",
                            "--out", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    got = load_results(out)
    want = analyze_movie(rendered)
    assert len(got.migrasomes) == len(want.migrasomes) > 0
    np.testing.assert_allclose(np.sort(got.migrasomes["max_diameter_um"]),
                               np.sort(want.migrasomes["max_diameter_um"]), rtol=1e-6)
    assert got.metadata["frame_interval_min"] == pytest.approx(rendered.frame_interval_min)
    assert (out / "migrasomes.csv").is_file() and (out / "overlay.png").is_file()


def test_cli_missing_calibration_exit_2(tmp_path):
    from migrasome.cli import app

    p = tmp_path / "plain.tif"
    tifffile.imwrite(p, np.concatenate([DATA[:, 0, 0]] * 2))
    r = runner.invoke(app, ["analyze", str(p), "--z", "slice", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "--pixel-size-um" in r.output
    assert "Traceback" not in r.output and not (tmp_path / "o").exists()
    md = {"axes": "TCZYX", "PhysicalSizeX": 0.11, "PhysicalSizeY": 0.11,
          "TimeIncrement": 90.0, "TimeIncrementUnit": "s"}  # no PhysicalSizeZ
    tifffile.imwrite(tmp_path / "a.ome.tif", DATA, ome=True, photometric="minisblack",
                     metadata=md)
    r = runner.invoke(app, ["analyze", str(tmp_path / "a.ome.tif"), "--z", "3d",
                            "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "--z-step-um" in r.output, r.output
    assert not (tmp_path / "o").exists()


def test_fiji_hyperstack_and_csv_export(rendered, tmp_path):
    from migrasome.analysis import analyze_movie
    from migrasome.cli import app
    from migrasome.export import OVERLAY_CHANNELS

    res = analyze_movie(rendered)
    folder = tmp_path / "res"
    res.save(folder)
    movie = tmp_path / "m.ome.tif"
    from migrasome.imaging import write_movie

    write_movie(rendered, movie)
    r = runner.invoke(app, ["export", str(folder), "--movie", str(movie)])
    assert r.exit_code == 0, r.output
    assert (folder / "migrasomes.csv").is_file()
    import pandas as pd

    pd.testing.assert_frame_equal(pd.read_csv(folder / "migrasome_frames.csv"),
                                  res.migrasome_frames.reset_index(drop=True),
                                  check_dtype=False)
    fiji = folder / "overlay-fiji.tif"
    back = open_movie(fiji)  # our own reader: calibration survives the round trip
    assert back.channel_names == ("TSPAN4-GFP", *OVERLAY_CHANNELS)
    assert back.pixel_size_um == pytest.approx(rendered.pixel_size_um, rel=1e-4)
    assert back.frame_interval_min == pytest.approx(rendered.frame_interval_min)
    assert back.shape == (rendered.n_frames, 5) + rendered.data.shape[2:]
    rims = back.data[0, 3] + back.data[0, 4]
    mf = res.migrasome_frames[res.migrasome_frames["frame"] == 0]
    px = rendered.pixel_size_um
    for x, y, d in zip(mf["x_um"], mf["y_um"], mf["diameter_um"]):
        i, j = int(y / px), int(x / px)
        r_px = int(round(d / 2 / px)) + 1
        assert rims[i - r_px:i + r_px + 1, j - r_px:j + r_px + 1].max() > 0
    assert rims.mean() < 0.2 * 65535  # outlines, not filled


def test_czi_written_by_libczi(tmp_path):
    """A real Zeiss CZI (written by libCZI, which bioio-czi brings) read through bioio-czi."""
    pyczi = pytest.importorskip("pylibCZIrw.czi")
    pytest.importorskip("bioio_czi")
    p = str(tmp_path / "exp.czi")
    with pyczi.create_czi(p, exist_ok=True) as w:
        for t in range(DATA.shape[0]):
            for c in range(DATA.shape[1]):
                for z in range(DATA.shape[2]):
                    w.write(data=DATA[t, c, z], plane={"T": t, "C": c, "Z": z})
        w.write_metadata(document_name="exp", channel_names={0: "TSPAN4-GFP", 1: "WGA-647"},
                         scale_x=0.11e-6, scale_y=0.11e-6, scale_z=0.4e-6)
    mov = open_movie(p)
    assert mov.metadata["reader"] == "bioio_czi"
    assert mov.channel_names == ("TSPAN4-GFP", "WGA-647")
    assert (mov.pixel_size_um, mov.z_step_um) == pytest.approx((0.11, 0.4))
    np.testing.assert_array_equal(mov.stack(1, "WGA"), DATA[1, 1])
    np.testing.assert_array_equal(mov.data[2, 0], DATA[2, 0].max(axis=0))
    with pytest.raises(MissingMetadataError, match="--interval-min"):  # libCZI wrote no time
        mov.require("pixel_size_um", "frame_interval_min")
    assert open_movie(p, frame_interval_min=2).require("frame_interval_min")
    assert is_lab_file(p)


def test_cli_positions_each_in_their_own_folder(rendered, tmp_path):
    from migrasome.cli import app
    from migrasome.results import load_results

    p = tmp_path / "plate.ome.tif"
    px = rendered.pixel_size_um
    with tifffile.TiffWriter(p, ome=True) as tw:
        for k, data in enumerate((rendered.data, rendered.data[:, :, ::-1])):
            tw.write(data, photometric="minisblack",
                     metadata={"axes": "TCYX", "PhysicalSizeX": px, "PhysicalSizeY": px,
                               "TimeIncrement": rendered.frame_interval_min,
                               "TimeIncrementUnit": "min", "Name": f"pos{k}",
                               "Channel": {"Name": ["TSPAN4-GFP"]}})
    out = tmp_path / "plate"
    r = runner.invoke(app, ["analyze", str(p), "--out", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    subs = sorted(d for d in (out / "plate").iterdir() if d.is_dir())
    assert len(subs) == 2
    a, b = (load_results(d) for d in subs)
    assert len(a.migrasomes) == len(b.migrasomes) > 0  # the flipped position has the same
    batch = load_results(out)
    assert sorted(s.replace(":", "_") for s in batch.migrasomes["scene"].unique()) == \
        sorted(d.name for d in subs)
    one = tmp_path / "one"
    r = runner.invoke(app, ["analyze", str(p), "--scene", "1", "--out", str(one), "--quiet"])
    assert r.exit_code == 0, r.output
    assert len(load_results(one).migrasomes) == len(b.migrasomes)


def test_olympus_calibration_from_the_settings(tmp_path, monkeypatch):
    """OIB/OIF: no writer exists to make a file, so the settings oiffile parses are given."""
    oiffile = pytest.importorskip("oiffile")

    def axis(code, n, lo=0.0, hi=0.0, unit="um"):
        return {"AxisCode": code, "MaxSize": n, "StartPosition": lo, "EndPosition": hi,
                "UnitName": unit}

    main = {"Axis 0 Parameters Common": axis("X", 40, 0, 4.4),
            "Axis 1 Parameters Common": axis("Y", 32, 0, 3.52),
            "Axis 2 Parameters Common": axis("C", 2),
            "Axis 3 Parameters Common": axis("Z", 4, 10.0, 11.2),
            "Axis 4 Parameters Common": axis("T", 3, 0, 240000, "ms"),
            "Reference Image Parameter": {"WidthConvertValue": 0.11,
                                          "HeightConvertValue": 0.11},
            "Channel 1 Parameters": {"DyeName": "Alexa Fluor 488"},
            "Channel 2 Parameters": {"DyeName": "Cy5"}}

    class Series:
        axes = "TCZYX"

    class Fake:
        def __init__(self, path):
            self.mainfile, self.series, self.axes = main, [Series()], "TCZYX"

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def asarray(self):
            return DATA

    monkeypatch.setattr(oiffile, "OifFile", Fake)
    p = tmp_path / "cell.oib"
    p.write_bytes(b"")
    mov = open_movie(p)
    assert mov.channel_names == ("Alexa Fluor 488", "Cy5")
    assert (mov.pixel_size_um, mov.z_step_um, mov.frame_interval_min) == \
        pytest.approx((0.11, 0.4, 2.0))
    assert mov.metadata["calibration_sources"]["frame_interval_min"] == "OIB axis parameters"
    np.testing.assert_array_equal(mov.stack(2, "Cy5"), DATA[2, 1])


def test_cli_names_the_formats_extra_when_bioio_is_missing(tmp_path, monkeypatch):
    import importlib.util

    from migrasome.cli import app

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name.startswith("bioio") else real(name, *a))
    p = tmp_path / "exp.nd2"
    p.write_bytes(b"")
    r = runner.invoke(app, ["analyze", str(p), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and 'migrasome[formats]' in r.output

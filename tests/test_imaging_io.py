"""Movie files: OME-TIFF / OME-Zarr round trips, plain and ImageJ TIFF, bad input."""

import json

import numpy as np
import pytest
import tifffile
import zarr

from migrasome.imaging import (
    Movie,
    iter_frames,
    movie_info,
    read_movie,
    render_movie,
    synthetic_results,
    truth_path,
    write_movie,
)


@pytest.fixture(scope="module")
def movie():
    res = synthetic_results(n_cells=2, n_frames=3, width_um=24, height_um=18,
                            frame_interval_min=1.0 / 3.0)
    return render_movie(res, pixel_size_um=0.13, seed=2,
                        channels=("TSPAN4-GFP", "NDST1-mCherry"), wavelength_nm=(510, 610))


@pytest.mark.parametrize("name", ["m.ome.tif", "m.ome.tiff", "m.ome.zarr", "m.zarr"])
def test_round_trip_exact(tmp_path, movie, name):
    path = write_movie(movie, tmp_path / name)
    back = read_movie(path)
    assert back.data.dtype == np.uint16
    assert np.array_equal(back.data, movie.data)
    assert back.pixel_size_um == movie.pixel_size_um  # exactly
    assert back.frame_interval_min == movie.frame_interval_min  # 1/3 min, exactly
    assert back.channel_names == movie.channel_names
    assert back.origin_um == movie.origin_um
    assert back.metadata["snr"] == pytest.approx(movie.metadata["snr"])
    tp = truth_path(path)
    assert tp.name == "m.truth" and (tp / "metadata.json").is_file()
    mf = back.truth.migrasome_frames
    assert np.allclose(np.sort(mf["x_um"]), np.sort(movie.truth.migrasome_frames["x_um"]))
    frames = list(iter_frames(path))
    assert len(frames) == 3 and frames[1].shape == (2,) + movie.shape[2:]
    assert np.array_equal(frames[2], movie.data[2])
    one = read_movie(path, channel="NDST1-mCherry")
    assert one.data.shape[1] == 1 and np.array_equal(one.data[:, 0], movie.data[:, 1])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left


def test_ome_metadata_in_file(tmp_path, movie):
    path = write_movie(movie, tmp_path / "m.ome.tif")
    with tifffile.TiffFile(path) as tf:
        assert tf.series[0].axes == "TCYX"
        xml = tf.ome_metadata
    assert 'PhysicalSizeX="0.13"' in xml and 'TimeIncrementUnit="min"' in xml
    zpath = write_movie(movie, tmp_path / "z.ome.zarr")
    ms = json.loads((zpath / ".zattrs").read_text())["multiscales"][0]
    assert [a["name"] for a in ms["axes"]] == ["t", "c", "y", "x"]
    assert ms["datasets"][0]["coordinateTransformations"][0]["scale"] == [
        1.0 / 3.0, 1.0, 0.13, 0.13]


def test_overwrite_guard(tmp_path, movie):
    p = write_movie(movie, tmp_path / "m.ome.tif")
    with pytest.raises(FileExistsError, match="overwrite"):
        write_movie(movie, p)
    write_movie(movie, p, overwrite=True)
    with pytest.raises(ValueError, match="unknown movie format"):
        write_movie(movie, tmp_path / "m.png")


def test_plain_tiff_dimensionalities(tmp_path):
    a2 = np.arange(12 * 10, dtype=np.uint16).reshape(12, 10)
    tifffile.imwrite(tmp_path / "yx.tif", a2)
    m = read_movie(tmp_path / "yx.tif", pixel_size_um=0.1)
    assert m.data.shape == (1, 1, 12, 10) and np.array_equal(m.data[0, 0], a2)
    assert m.frame_interval_min is None and m.truth is None
    a3 = np.random.default_rng(0).integers(0, 500, (5, 12, 10)).astype(np.uint16)
    tifffile.imwrite(tmp_path / "tyx.tif", a3, photometric="minisblack")
    m = read_movie(tmp_path / "tyx.tif", pixel_size_um=0.1, frame_interval_min=2.0)
    assert m.data.shape == (5, 1, 12, 10) and np.array_equal(m.data[:, 0], a3)
    assert m.frame_interval_min == 2.0
    assert [f.shape for f in iter_frames(tmp_path / "tyx.tif", pixel_size_um=0.1)] == [
        (1, 12, 10)] * 5


def test_imagej_calibration(tmp_path):
    a = np.zeros((4, 2, 8, 9), np.uint16)
    a[1, 1] = 7
    tifffile.imwrite(tmp_path / "ij.tif", a, imagej=True, resolution=(1 / 0.16, 1 / 0.16),
                     metadata={"unit": "um", "finterval": 30.0, "axes": "TCYX"})
    m = read_movie(tmp_path / "ij.tif")
    assert m.pixel_size_um == pytest.approx(0.16)
    assert m.frame_interval_min == pytest.approx(0.5)
    assert m.data.shape == (4, 2, 8, 9) and m.data[1, 1].sum() == 7 * 72


@pytest.mark.parametrize("axes, shape", [("CTYX", (2, 3, 8, 9)), ("TZCYX", (3, 1, 2, 8, 9))])
def test_ome_axis_orders(tmp_path, axes, shape):
    a = np.random.default_rng(1).integers(0, 999, shape).astype(np.uint16)
    tifffile.imwrite(tmp_path / "o.ome.tif", a, ome=True, photometric="minisblack",
                     metadata={"axes": axes, "PhysicalSizeX": 0.2, "PhysicalSizeXUnit": "nm"})
    m = read_movie(tmp_path / "o.ome.tif")
    assert m.pixel_size_um == pytest.approx(0.2e-3)
    want = np.moveaxis(a, 0, 1) if axes == "CTYX" else a[:, 0]
    assert np.array_equal(m.data, want)


def test_missing_pixel_size_is_a_clear_error(tmp_path):
    tifffile.imwrite(tmp_path / "raw.tif", np.ones((3, 8, 8), np.uint16),
                     photometric="minisblack")
    with pytest.raises(ValueError, match="--pixel-size-um"):
        read_movie(tmp_path / "raw.tif")
    with pytest.raises(ValueError, match="--pixel-size-um"):
        next(iter_frames(tmp_path / "raw.tif"))
    assert movie_info(tmp_path / "raw.tif")["pixel_size_um"] is None


def test_truncated_and_garbage_files(tmp_path, movie):
    good = write_movie(movie, tmp_path / "g.ome.tif")
    raw = good.read_bytes()
    for cut in (len(raw) - 100, len(raw) // 2, 40):
        bad = tmp_path / f"cut{cut}.ome.tif"
        bad.write_bytes(raw[:cut])
        with pytest.raises(ValueError, match=bad.name):
            read_movie(bad, pixel_size_um=0.1)
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"this is not a tiff at all")
    with pytest.raises(ValueError, match="junk.tif"):
        read_movie(junk, pixel_size_um=0.1)
    with pytest.raises(FileNotFoundError):
        read_movie(tmp_path / "nothere.ome.tif")


def test_wrong_dimensionality_and_empty(tmp_path):
    tifffile.imwrite(tmp_path / "z.ome.tif", np.ones((4, 8, 8), np.uint16), ome=True,
                     photometric="minisblack", metadata={"axes": "ZYX"})
    with pytest.raises(ValueError, match="z-stack"):
        read_movie(tmp_path / "z.ome.tif", pixel_size_um=0.1)
    zarr.save_array(str(tmp_path / "five.zarr"), np.ones((2, 2, 2, 4, 4), np.uint16))
    with pytest.raises(ValueError, match="5-D"):
        read_movie(tmp_path / "five.zarr", pixel_size_um=0.1)
    zarr.save_array(str(tmp_path / "empty.zarr"), np.ones((0, 4, 4), np.uint16))
    with pytest.raises(ValueError, match="empty"):
        read_movie(tmp_path / "empty.zarr", pixel_size_um=0.1)
    zarr.save_array(str(tmp_path / "tyx.zarr"), np.full((3, 4, 5), 9, np.uint16))
    m = read_movie(tmp_path / "tyx.zarr", pixel_size_um=0.1)
    assert m.data.shape == (3, 1, 4, 5)


def test_real_movie_without_truth(tmp_path):
    m = Movie(data=np.ones((2, 1, 6, 6), np.uint16), pixel_size_um=0.1,
              frame_interval_min=5.0)
    p = write_movie(m, tmp_path / "r.ome.zarr")
    assert not truth_path(p).exists()
    back = read_movie(p)
    assert back.truth is None and back.frame_interval_min == 5.0


@pytest.mark.parametrize("kind", ["imagej-tzcyx", "rgb", "tiled-zlib"])
def test_page_reader_matches_the_zarr_view(tmp_path, kind):
    from migrasome.imaging._readers import _page_array, _Pages

    rng = np.random.default_rng(0)
    path = tmp_path / "m.tif"
    if kind == "imagej-tzcyx":
        a = rng.integers(0, 1000, (3, 2, 5, 16, 16), dtype=np.uint16)
        tifffile.imwrite(path, a, imagej=True, metadata={"axes": "TZCYX"})
        idx = [(1,), (1, 0, slice(None)), (slice(None), 1, 1),
               (0, slice(0, 2), 0, slice(2, 5), slice(None)), (2, 1, 4, 3)]
    elif kind == "rgb":
        a = rng.integers(0, 255, (4, 8, 8, 3), dtype=np.uint8)
        tifffile.imwrite(path, a, photometric="rgb")
        idx = [(1,), (slice(None), slice(None), slice(None), 0)]
    else:
        a = rng.integers(0, 1000, (3, 32, 32), dtype=np.uint16)
        tifffile.imwrite(path, a, tile=(16, 16), compression="zlib")
        idx = [(1,), (slice(0, 3, 2), slice(4, 20))]
    with tifffile.TiffFile(path) as tf:
        s = tf.series[0]
        fast, ref = _page_array(s), zarr.open(s.aszarr(), mode="r")
        assert isinstance(fast, _Pages)
        for i in idx:
            got, want = np.asarray(fast[i]), np.asarray(ref[i])
            assert got.shape == want.shape and np.array_equal(got, want), i

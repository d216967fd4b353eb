"""Fuzzing the movie readers: truncated, bit-flipped and wrong-format files are either read
whole or refused with a ValueError naming the file; never another exception."""

import numpy as np
import pytest

tifffile = pytest.importorskip("tifffile")

from migrasome.imaging import iter_frames, read_movie  # noqa: E402


@pytest.fixture(scope="module")
def good_tiff(tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "good.ome.tif"
    data = (np.random.default_rng(0).random((4, 40, 48)) * 4000).astype(np.uint16)
    tifffile.imwrite(path, data, ome=True,
                     metadata={"axes": "TYX", "PhysicalSizeX": 0.13, "PhysicalSizeY": 0.13})
    return path


def _read_or_refuse(path):
    try:
        m = read_movie(path)
        frames = list(iter_frames(path))
    except ValueError as e:
        assert path.name in str(e), str(e)
        assert "Traceback" not in str(e)
        return "refused"
    assert m.data.ndim == 4 and len(frames) == m.data.shape[0]
    return "read"


def test_truncated_files_are_refused(good_tiff, tmp_path):
    data = good_tiff.read_bytes()
    outcomes = []
    for k, cut in enumerate(np.linspace(0, len(data) - 1, 25).astype(int)):
        p = tmp_path / f"cut{k}.ome.tif"
        p.write_bytes(data[:cut])
        outcomes.append(_read_or_refuse(p))
    assert outcomes.count("refused") == len(outcomes)  # every truncation is noticed


def test_bit_flipped_files_are_read_whole_or_refused(good_tiff, tmp_path):
    data = bytearray(good_tiff.read_bytes())
    rng = np.random.default_rng(1)
    outcomes = []
    for k in range(40):
        b = bytearray(data)
        # flips in the header and tag area (first 2 kB) and anywhere in the file
        where = rng.integers(0, 2048 if k % 2 else len(b), size=rng.integers(1, 8))
        for i in where:
            b[i] ^= 1 << int(rng.integers(0, 8))
        p = tmp_path / f"flip{k}.ome.tif"
        p.write_bytes(bytes(b))
        outcomes.append(_read_or_refuse(p))
    assert set(outcomes) <= {"read", "refused"}


@pytest.mark.parametrize("content", [b"", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, b"hello" * 50,
                                     bytes(range(256)) * 4])
def test_wrong_formats_are_refused(tmp_path, content):
    p = tmp_path / "movie.ome.tif"
    p.write_bytes(content)
    assert _read_or_refuse(p) == "refused"


def test_a_damaged_zarr_folder_is_refused(tmp_path):
    z = tmp_path / "movie.ome.zarr"
    z.mkdir()
    (z / ".zattrs").write_text("{not json")
    (z / ".zgroup").write_text('{"zarr_format": 2}')
    assert _read_or_refuse(z) == "refused"

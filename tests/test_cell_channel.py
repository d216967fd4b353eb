"""Cells segmented on a second channel (``--cell-channel``) when the membrane channel is faint."""

import numpy as np
import pandas as pd
import pytest
from scipy import ndimage as ndi

from migrasome.analysis import analyze_movie
from migrasome.analysis.migrasomes import model_image
from migrasome.analysis.preprocess import psf_sigma_um

PX = 0.12                                 # µm per pixel
SHAPE = (300, 450)                        # 36 × 54 µm
CELLS = ((20.0, 18.0), (33.0, 18.0))      # centres (x, y), µm: 13 µm apart, radius 8 µm
RADIUS_UM = 8.0
PSF = psf_sigma_um(510.0, 1.4, "widefield")
# fibres (start angle from the cell centre, µm), migrasomes along them (fraction, diameter)
FIBRES = {0: [(160, ((0.55, 1.2), (0.9, 1.6))), (200, ((0.7, 1.4),))],
          1: [(-20, ((0.6, 1.5),)), (15, ((0.5, 1.1), (0.85, 1.8)))]}
FIBRE_LENGTH_UM = 11.0


def _line(img, p0, p1, amplitude):
    """An RF: a line of uniform density from p0 to p1 (µm), blurred by the PSF."""
    n = int(np.hypot(*np.subtract(p1, p0)) / 0.02) + 1
    xs, ys = np.linspace(p0[0], p1[0], n) / PX - 0.5, np.linspace(p0[1], p1[1], n) / PX - 0.5
    acc = np.zeros_like(img)
    np.add.at(acc, (np.rint(ys).astype(int), np.rint(xs).astype(int)), 1.0)
    s = np.sqrt(PSF**2 + 0.05**2) / PX
    img += amplitude * ndi.gaussian_filter(acc, s) * (2 * np.pi * s**2) / (n / (
        np.hypot(*np.subtract(p1, p0)) / PX))


def two_channel_frame(seed=0):
    """(TSPAN4 frame, cell-marker frame, truth): two touching cells, faint in TSPAN4."""
    yy, xx = (np.indices(SHAPE) + 0.5) * PX
    inside = np.zeros(SHAPE, bool)
    for cx, cy in CELLS:
        inside |= (xx - cx) ** 2 + (yy - cy) ** 2 <= RADIUS_UM**2
    body = ndi.gaussian_filter(inside.astype(np.float32), 0.3 / PX)
    marker = 100.0 + 300.0 * body
    tspan = 100.0 + 1.5 * body    # the membrane label barely outlines the bodies
    rows = []
    for c, fibres in FIBRES.items():
        cx, cy = CELLS[c]
        for ang, migs in fibres:
            u = np.array([np.cos(np.radians(ang)), np.sin(np.radians(ang))])
            p0 = np.array([cx, cy]) + (RADIUS_UM - 1.5) * u   # from inside the body
            p1 = p0 + FIBRE_LENGTH_UM * u
            _line(tspan, p0, p1, 60.0)
            for frac, d in migs:
                x, y = p0 + frac * (p1 - p0)
                rows.append({"cell": c, "x_um": x, "y_um": y, "diameter_um": d,
                             "row": y / PX - 0.5, "col": x / PX - 0.5, "amplitude": 150.0,
                             "model": "shell"})
    truth = pd.DataFrame(rows)
    tspan += model_image(SHAPE, truth, pixel_size_um=PX, psf_sigma_um=PSF)
    rng = np.random.default_rng(seed)
    return (rng.poisson(tspan).astype(np.uint16), rng.poisson(marker).astype(np.uint16),
            truth)


@pytest.fixture(scope="module")
def frame():
    return two_channel_frame()


def _cell_of_each(res, truth):
    """The cell (0 left, 1 right, -1 none) each true migrasome was given."""
    tr = res.tracks.groupby("cell_id")["x_um"].mean()
    side = {int(k): int(v > np.mean([c[0] for c in CELLS])) for k, v in tr.items()}
    det = res.migrasomes
    got = []
    for _, t in truth.iterrows():
        d = np.hypot(det["x_um"] - t["x_um"], det["y_um"] - t["y_um"])
        k = int(np.argmin(d)) if len(d) else -1
        assert k >= 0 and d.iloc[k] < 0.5, f"migrasome at {t['x_um']:.1f} not found"
        got.append(side.get(int(det["cell_id"].iloc[k]), -1))
    return np.array(got)


def test_cell_channel_finds_touching_cells_and_assigns_migrasomes(frame):
    """Two touching cells (13 µm apart, radius 8 µm), faint in TSPAN4 (+1.5 counts on 100).

    Measured: on the TSPAN4 channel alone no cell is found (0 of 2) and no migrasome has a
    cell; with the cell marker both cells are found, split at their neck, and all 6
    migrasomes are given the cell whose fibre they sit on.
    """
    tspan, marker, truth = frame
    movie = np.stack([tspan, marker])[None]           # T C Y X
    alone = analyze_movie(movie, pixel_size_um=PX, channel=0)
    assert len(alone.cells) != 2
    assert (_cell_of_each(alone, truth) != truth["cell"].to_numpy()).any()
    both = analyze_movie(movie, pixel_size_um=PX, channel=0, cell_channel=1)
    assert len(both.cells) == 2
    np.testing.assert_array_equal(_cell_of_each(both, truth), truth["cell"].to_numpy())
    assert both.metadata["cell_channel"] == "channel 1"
    # the same from frames of their own
    own = analyze_movie(tspan[None], pixel_size_um=PX, cell_frames=marker[None])
    assert len(own.cells) == 2
    pd.testing.assert_frame_equal(own.migrasomes, both.migrasomes)


def test_cell_channel_bad_input(frame):
    tspan, marker, _ = frame
    movie = np.stack([tspan, marker])[None]
    with pytest.raises(ValueError, match="membrane channel itself"):
        analyze_movie(movie, pixel_size_um=PX, channel=1, cell_channel=1)
    with pytest.raises(ValueError, match="0..1"):
        analyze_movie(movie, pixel_size_um=PX, cell_channel=2)
    with pytest.raises(ValueError, match="do not match"):
        analyze_movie(tspan[None], pixel_size_um=PX, cell_frames=marker[:100])
    with pytest.raises(ValueError, match="not both"):
        analyze_movie(movie, pixel_size_um=PX, cell_channel=1, cell_frames=marker[None])


def test_cli_cell_channel_by_name(frame, tmp_path):
    """`migrasome analyze f.ome.tif --channel TSPAN4 --cell-channel CellMask --out res`."""
    pytest.importorskip("bioio")
    tifffile = pytest.importorskip("tifffile")
    from typer.testing import CliRunner

    from migrasome.cli import app
    from migrasome.results import load_results

    tspan, marker, truth = frame
    p = tmp_path / "two.ome.tif"
    tifffile.imwrite(p, np.stack([tspan, marker])[None, :, None], ome=True,
                     photometric="minisblack",
                     metadata={"axes": "TCZYX", "PhysicalSizeX": PX, "PhysicalSizeY": PX,
                               "PhysicalSizeXUnit": "µm", "PhysicalSizeYUnit": "µm",
                               "Channel": {"Name": ["TSPAN4-GFP", "CellMask-DeepRed"]}})
    runner = CliRunner()
    out = tmp_path / "res"
    r = runner.invoke(app, ["analyze", str(p), "--channel", "TSPAN4", "--cell-channel",
                            "CellMask", "--out", str(out), "--quiet"])
    assert r.exit_code == 0, r.output
    res = load_results(out)
    assert len(res.cells) == 2
    np.testing.assert_array_equal(_cell_of_each(res, truth), truth["cell"].to_numpy())
    assert res.metadata["cell_channel"] == "CellMask-DeepRed"
    assert res.metadata["cell_channel_index"] == 1
    r = runner.invoke(app, ["analyze", str(p), "--channel", "TSPAN4", "--cell-channel",
                            "DAPI", "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "DAPI" in r.output and "CellMask" in r.output


if __name__ == "__main__":  # the figures quoted in docs/formats.md
    tspan, marker, truth = two_channel_frame()
    movie = np.stack([tspan, marker])[None]
    for name, kw in (("TSPAN4 alone", {}), ("--cell-channel", dict(cell_channel=1))):
        res = analyze_movie(movie, pixel_size_um=PX, channel=0, **kw)
        got = _cell_of_each(res, truth)
        print(f"{name:15s} cells found {len(res.cells)} of 2; migrasomes given their own "
              f"cell {int((got == truth['cell'].to_numpy()).sum())} of {len(truth)}, no "
              f"cell {int((got < 0).sum())}")

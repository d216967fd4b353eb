"""The napari plugin: manifest, reader, layers, corrections saved back, widgets, sample.

Viewer tests run headless (Qt offscreen) and need an X display for OpenGL (CI: Xvfb through
pytest-xvfb); without one they skip. The table ↔ layer conversions run everywhere.
"""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest.importorskip("skimage")
pytest.importorskip("skan")

from migrasome.napari.layers import points_to_tables, results_layers
from migrasome.results import load_results

MANIFEST = Path(__file__).resolve().parents[1] / "src" / "migrasome" / "napari" / "napari.yaml"


@pytest.fixture(scope="module")
def results_dir(tmp_path_factory):
    """An analysed rendered movie, saved as `migrasome analyze` saves it."""
    from migrasome.analysis import analyze_movie
    from migrasome.imaging import render_movie, synthetic_results
    from migrasome.napari import write_curated

    truth = synthetic_results(n_cells=2, width_um=40.0, height_um=40.0, cell_radius_um=5.0,
                              fibers_per_cell=3, fiber_length_um=8.0, n_frames=3,
                              migrasome_diameters_um=(0.8, 1.5, 2.5), seed=5)
    mov = render_movie(truth, snr=10.0, seed=5)
    res = analyze_movie(mov)
    folder = tmp_path_factory.mktemp("analysis") / "res"
    res.save(folder)
    write_curated(res, folder)
    return folder


@pytest.fixture
def fresh(results_dir, tmp_path):
    dst = tmp_path / "res"
    shutil.copytree(results_dir, dst)
    return dst


def _layers(folder):
    return {kw["name"]: (data, kw, kind) for data, kw, kind in
            results_layers(load_results(folder), folder=str(folder))}


def test_results_folder_to_layers(results_dir):
    res = load_results(results_dir)
    lay = _layers(results_dir)
    assert {"cells", "RFs", "migrasomes", "migrasome tracks", "cell tracks"} <= set(lay)
    pts, kw, kind = lay["migrasomes"]
    assert kind == "points" and len(pts) == len(res.migrasome_frames) > 0
    np.testing.assert_allclose(kw["size"], res.migrasome_frames["diameter_um"])
    att = res.migrasome_frames["attached"].to_numpy()
    assert [c for c, a in zip(kw["face_color"], att) if a][:1] in ([], ["#2ecc40"])
    lab, kw, kind = lay["cells"]
    assert kind == "labels" and lab.shape[0] == res.metadata["n_frames"]
    assert set(np.unique(lab)) - {0} == set(res.tracks["cell_id"] + 1)
    assert lay["RFs"][2] == "shapes" and len(lay["RFs"][0]) == len(res.fiber_frames)


def test_edits_change_the_tables_and_summary(fresh):
    from migrasome.napari import write_curated

    res = load_results(fresh)
    data, kw, _ = _layers(fresh)["migrasomes"]
    feats = kw["features"]
    before = res.migrasomes["migrasome_id"].nunique()
    # delete every sighting of one migrasome, move another's, add a new one
    gone = int(feats["migrasome_id"].iloc[0])
    keep = (feats["migrasome_id"] != gone).to_numpy()
    data, feats = data[keep].copy(), feats[keep].reset_index(drop=True)
    data[0, 1:] += 0.8
    add = np.array([[1, 20.0, 20.0]])
    data = np.vstack([data, add])
    new = {"migrasome_id": -1, "diameter_um": 1.2, "attached": True, "row": -1,
           "curated": True}
    feats.loc[len(feats)] = new
    cur = points_to_tables(res, data, feats)
    assert gone not in set(cur.migrasomes["migrasome_id"])
    assert cur.migrasomes["migrasome_id"].nunique() == before  # one gone, one added
    assert cur.migrasome_frames["curated"].sum() == 2
    moved_id = int(feats["migrasome_id"].iloc[0])
    assert cur.migrasomes.set_index("migrasome_id").loc[moved_id, "curated"]
    added = cur.migrasomes[~cur.migrasomes["migrasome_id"].isin(res.migrasomes["migrasome_id"])]
    assert len(added) == 1 and added["max_diameter_um"].iloc[0] == pytest.approx(1.2)
    write_curated(cur, fresh)
    back = load_results(fresh)
    assert back.metadata["curated"] is True
    assert "curated" in back.migrasomes.columns
    assert (fresh / "migrasomes.csv").is_file() and (fresh / "summary.json").is_file()


def test_manifest_is_valid():
    npe2 = pytest.importorskip("npe2")
    npe2.PluginManifest.from_file(MANIFEST)
    exe = shutil.which("npe2")
    if exe is None:
        pytest.skip("npe2 command not on PATH")
    r = subprocess.run([exe, "validate", str(MANIFEST)], capture_output=True, text=True)
    assert r.returncode == 0 and "valid" in r.stdout, r.stdout + r.stderr


def test_reader_dispatch(results_dir, tmp_path):
    pytest.importorskip("napari")
    from migrasome.napari._reader import get_reader, read_results

    assert get_reader(str(results_dir)) is read_results
    assert get_reader(str(tmp_path / "notes.txt")) is None
    assert get_reader([str(results_dir), str(results_dir)]) is None


@pytest.fixture
def make_viewer(request):
    """napari's ``make_napari_viewer``, or a clean skip without napari or a display."""
    pytest.importorskip("napari")
    pytest.importorskip("pytestqt")
    if not os.environ.get("DISPLAY"):
        pytest.skip("no X display for OpenGL (install Xvfb and pytest-xvfb)")
    return request.getfixturevalue("make_napari_viewer")


def test_viewer_opens_results_and_saves_edits(make_viewer, fresh):
    from migrasome.napari._widget import save_corrections_widget

    viewer = make_viewer()
    viewer.open(str(fresh), plugin="migrasome")
    names = [layer.name for layer in viewer.layers]
    assert {"cells", "RFs", "migrasomes", "migrasome tracks"} <= set(names)
    pts = viewer.layers["migrasomes"]
    assert pts.metadata["results_dir"] == str(fresh)
    n0 = len(pts.data)
    before = load_results(fresh).summary()["migrasomes_formed_per_cell"]
    first = int(pts.features["migrasome_id"].iloc[0])
    pts.selected_data = set(np.flatnonzero(pts.features["migrasome_id"] == first).tolist())
    pts.remove_selected()
    assert len(pts.data) < n0
    widget = save_corrections_widget()
    viewer.window.add_dock_widget(widget)
    widget.points.value = pts
    widget()
    back = load_results(fresh)
    assert first not in set(back.migrasomes["migrasome_id"])
    assert len(back.migrasome_frames) == len(pts.data)
    assert back.summary()["migrasomes_formed_per_cell"] < before


def test_analyze_widget_and_sample(make_viewer, tmp_path):
    from migrasome.napari._widget import analyze_widget

    viewer = make_viewer()
    viewer.open_sample("migrasome", "rendered-movie")
    image = viewer.layers["TSPAN4-GFP (rendered)"]
    assert image.data.ndim == 3 and image.scale[-1] == pytest.approx(0.15)
    widget = analyze_widget()
    viewer.window.add_dock_widget(widget)
    widget.image.value = image
    widget.out_dir.value = tmp_path / "out"
    widget()
    assert "migrasomes" in [layer.name for layer in viewer.layers]
    res = load_results(tmp_path / "out")
    assert len(res.migrasomes) >= 3 and (tmp_path / "out" / "summary.json").is_file()


def test_results_of_a_lab_file_show_its_movie(results_dir, tmp_path):
    pytest.importorskip("napari")
    pytest.importorskip("bioio")
    import json

    from migrasome.imaging import render_movie, synthetic_results, write_movie
    from migrasome.napari._reader import read_results

    truth = synthetic_results(n_cells=2, width_um=40.0, height_um=40.0, n_frames=3, seed=5)
    mov = render_movie(truth, snr=10.0, seed=5)
    movie = write_movie(mov, tmp_path / "m.ome.tif")
    dst = tmp_path / "res"
    shutil.copytree(results_dir, dst)
    meta = json.loads((dst / "metadata.json").read_text())
    meta["movie_path"] = str(movie)
    (dst / "metadata.json").write_text(json.dumps(meta))
    layers = read_results(str(dst))
    kinds = [(kw["name"], kind) for _, kw, kind in layers]
    assert kinds[0] == ("TSPAN4-GFP", "image") and ("migrasomes", "points") in kinds
    assert layers[0][1]["scale"][-1] == pytest.approx(mov.pixel_size_um)
    assert layers[0][0].shape == (mov.n_frames,) + mov.data.shape[2:]

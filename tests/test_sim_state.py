import numpy as np
import pytest

from migrasome.sim.state import Pool


def make_pool():
    p = Pool("fiber_id", {"x": float, "flag": bool, "cell_id": np.int64})
    p.append(4, x=[1.0, 2.0, 3.0, 4.0], cell_id=[0, 0, 1, 1])
    return p


def test_append_fills_defaults_and_ids_increase():
    p = make_pool()
    ids = p.append(2)
    assert list(ids) == [4, 5]
    assert np.isnan(p["x"][-1]) and not p["flag"][-1]
    p2 = Pool("site_id", {"fiber_id": np.int64, "n": np.int64})
    p2.append(1)
    assert p2["fiber_id"][0] == -1 and p2["n"][0] == 0


def test_retire_keeps_every_row_once_and_index_of_finds_active():
    p = make_pool()
    p.retire(np.array([False, True, False, True]))
    assert list(p.ids) == [0, 2]
    assert list(p.index_of(np.array([0, 1, 2, 3, 9]))) == [0, -1, 1, -1, -1]
    df = p.to_frame()
    assert list(df["fiber_id"]) == [0, 1, 2, 3]
    assert list(df["x"]) == [1.0, 2.0, 3.0, 4.0]


def test_added_column_keeps_its_fill_for_new_and_archived_rows():
    p = make_pool()
    p.retire(np.array([True, False, False, False]))
    p.add_column("cargo", float, 0.0)
    p.append(1, x=9.0)
    assert p["cargo"].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert p.to_frame()["cargo"].tolist() == [0.0] * 5


def test_shape_and_name_errors():
    p = make_pool()
    with pytest.raises(ValueError, match="shape"):
        p["x"] = np.zeros(3)
    with pytest.raises(KeyError, match="unknown columns"):
        p.append(1, nope=1)

import pandas as pd
import pytest

from migrasome import simulate
from migrasome.results import TableStore, load_results


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    res = simulate("nrk-fibronectin", cells=6, hours=1.0, seed=3)
    return res, res.save(tmp_path_factory.mktemp("r") / "run")


def test_loaded_results_read_tables_only_when_used(saved):
    res, path = saved
    back = load_results(path)
    assert isinstance(back.tables, TableStore)
    assert not any(back.tables.is_loaded(k) for k in back.tables)
    assert back.n_rows("tracks") == len(res.tracks)  # from the file's metadata
    assert not back.tables.is_loaded("tracks")
    pd.testing.assert_frame_equal(back.tracks, res.tracks.reset_index(drop=True),
                                  check_dtype=False)
    assert back.tables.is_loaded("tracks")
    assert back.summary().equals(res.summary())


def test_saving_over_the_folder_it_was_loaded_from_keeps_every_table(saved, tmp_path):
    res, path = saved
    copy = res.save(tmp_path / "copy")
    back = load_results(copy)
    back.save(copy, overwrite=True)  # its unread tables live in the folder being replaced
    again = load_results(copy)
    for name in res.tables:
        assert again.n_rows(name) == res.n_rows(name)
    pd.testing.assert_frame_equal(again.tracks, back.tracks)


def test_a_table_edited_on_disk_is_checked_when_read(saved, tmp_path):
    res, path = saved
    copy = res.save(tmp_path / "bad")
    pd.DataFrame({"nonsense": [1]}).to_parquet(copy / "tracks.parquet")
    back = load_results(copy)
    with pytest.raises(ValueError, match="tracks"):
        _ = back.tracks

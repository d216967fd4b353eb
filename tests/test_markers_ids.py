"""Marker sets carry their sources; identifiers map through aliases, UniProt and orthologs."""

import pandas as pd
import pytest

from migrasome.markers import load_marker_sets, marker_sets_version
from migrasome.markers.ids import load_identifiers, map_identifiers, marker_lookup, parse_accession


def test_sets_hold_the_review_tables_with_sources():
    m = load_marker_sets()
    assert (m["source"].str.len() > 10).all()
    mig = set(m.loc[m.set == "migrasome", "symbol"])
    assert {"NDST1", "EOGT", "PIGK", "CPQ", "TSPAN4", "TSPAN7", "ITGA5", "ITGB1"} <= mig
    exo = set(m.loc[m.set == "exosome", "symbol"])
    # Table 1 exosome column: CD63, CD9, CD81, CD151, LAMP1/2, PGRL, TSPAN6/8/24-30, CD80, HSP60
    assert {"CD63", "CD9", "CD81", "CD151", "LAMP1", "LAMP2", "IGSF8", "TSPAN6", "TSPAN8",
            "CD53", "CD37", "CD82", "CD80", "HSPD1"} <= exo
    assert not mig & exo
    assert m.loc[m.set.isin(["migrasome", "exosome"]), "source"].str.contains(
        "Table 1").all()
    assert set(m.loc[~m.score, "symbol"]) >= {"CD80", "HSPD1"}
    assert not (m.loc[~m.score, "note"] == "").any()  # every exclusion says why
    assert marker_sets_version().startswith("1")


def test_user_markers_extend_and_replace(tmp_path):
    p = tmp_path / "extra.tsv"
    pd.DataFrame({"set": ["migrasome", "exosome"], "symbol": ["Pip5k1a", "CD63"],
                  "source": ["Ding 2023", "my western blot"], "score": ["yes", "no"]}
                 ).to_csv(p, sep="\t", index=False)
    m = load_marker_sets(p)
    row = m[(m.set == "exosome") & (m.symbol == "CD63")].iloc[0]
    assert row["source"] == "my western blot" and not row["score"]
    assert "PIP5K1A" in set(m.symbol)
    bad = tmp_path / "bad.tsv"
    pd.DataFrame({"set": ["migrasome"], "symbol": ["X"]}).to_csv(bad, sep="\t", index=False)
    with pytest.raises(ValueError, match="source"):
        load_marker_sets(bad)
    with pytest.raises(FileNotFoundError):
        load_marker_sets(tmp_path / "nope.tsv")


def test_identifier_data_has_sources_and_all_species():
    ids = load_identifiers()
    assert (ids["source"].str.len() > 5).all()
    assert {"human", "mouse", "rat", "zebrafish"} <= set(ids.species)
    z = ids[(ids.species == "zebrafish") & (ids.symbol == "TSPAN4")]
    assert {"tspan4a", "tspan4b"} <= set(z.identifier)


def test_mapping_aliases_accessions_orthologs():
    lk = marker_lookup(load_marker_sets()["symbol"])
    genes = pd.Series(["TSPAN30", "PGRL", "tspan4a", "Itgb1", "Cd63;Cd63", "ACTB", "",
                       "H4C3;H4C1", "TSPAN4;CD63", "??"])
    acc = pd.Series([None, None, None, None, None, None, "sp|Q9Y646|CBPQ_HUMAN", None, None,
                     None])
    out = map_identifiers(genes, acc, lookup=lk)
    assert out["marker"].tolist()[:5] == ["CD63", "IGSF8", "TSPAN4", "ITGB1", "CD63"]
    assert out.loc[2, "matched_by"] == "ortholog:zebrafish"
    assert out.loc[5, "status"] == "other"
    assert out.loc[6, "marker"] == "CPQ" and out.loc[6, "matched_by"] == "uniprot"
    assert out.loc[7, "marker"] == "H4C1" and not out.loc[7, "ambiguous"]
    assert out.loc[8, "marker"] == "TSPAN4" and out.loc[8, "ambiguous"]  # leading gene wins
    assert out.loc[9, "status"] == "unknown"
    mouse_only = marker_lookup(["TSPAN4"], species="mouse")
    assert "TSPAN4A" not in mouse_only and "TSPAN4" in mouse_only
    with pytest.raises(ValueError, match="allowed"):
        marker_lookup(["TSPAN4"], species="yeast")


def test_parse_accession():
    assert parse_accession("P08962-2") == "P08962"
    assert parse_accession("CON__P02768") == "P02768"
    assert parse_accession("tr|A0A024R161|A0A024R161_HUMAN") == "A0A024R161"
    assert parse_accession("CD63") is None

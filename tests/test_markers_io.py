"""Readers of protein tables round-trip small files the tests write."""

import numpy as np
import pandas as pd
import pytest

from migrasome.markers import read_protein_table
from migrasome.markers.io import detect_format


def _maxquant(path):
    df = pd.DataFrame({
        "Protein IDs": ["P08962;P08962-2", "P52848", "REV__Q9Y646", "CON__P02768", "Q5NDL2",
                        "P05556"],
        "Majority protein IDs": ["P08962", "P52848", "REV__Q9Y646", "CON__P02768", "Q5NDL2",
                                 "P05556"],
        "Gene names": ["CD63", "NDST1", "", "ALB", "EOGT", "ITGB1"],
        "Intensity": [9e9, 8e9, 1e6, 5e9, 7e8, 3e9],
        "Intensity WCL": [1e7, 2e6, 1e5, 1e9, 0, 5e8],
        "Intensity MIG": [2e6, 4e7, 0, 2e9, 3e6, 1e9],
        "LFQ intensity WCL": [1.1e7, 2.1e6, 1e5, 1e9, 0, 5.2e8],
        "LFQ intensity MIG": [2.2e6, 4.1e7, 0, 2e9, 3.1e6, 1.1e9],
        "Reverse": ["", "", "+", "", "", ""],
        "Potential contaminant": ["", "", "", "+", "", ""],
        "Only identified by site": ["", "", "", "", "", "+"],
    })
    df.to_csv(path, sep="\t", index=False)
    return df


def test_maxquant_roundtrip(tmp_path):
    p = tmp_path / "proteinGroups.txt"
    _maxquant(p)
    t = read_protein_table(p)
    assert t.source_format == "maxquant"
    assert t.samples == ["WCL", "MIG"]  # LFQ preferred over raw intensities
    assert t.removed == {"Reverse": 1, "Potential contaminant": 1,
                         "Only identified by site": 1}
    assert list(t.genes) == ["CD63", "NDST1", "EOGT"]
    assert t.intensity.loc[0, "WCL"] == pytest.approx(1.1e7)
    assert np.isnan(t.intensity.loc[2, "WCL"])  # MaxQuant's 0 is missing, not zero
    assert t.intensity.notna().sum().sum() == 5


def test_diann_and_spectronaut(tmp_path):
    p = tmp_path / "report.pg_matrix.tsv"
    pd.DataFrame({"Protein.Group": ["P08962", "P52848"], "Protein.Ids": ["P08962", "P52848"],
                  "Protein.Names": ["CD63_HUMAN", "NDST1_HUMAN"], "Genes": ["CD63", "NDST1"],
                  "First.Protein.Description": ["", ""],
                  r"D:\raw\WCL.raw": [1e6, np.nan], "/data/runs/MIG.raw": [2e5, 3e6]}
                 ).to_csv(p, sep="\t", index=False)
    t = read_protein_table(p)
    assert (t.source_format, t.samples) == ("diann", ["WCL", "MIG"])
    assert np.isnan(t.intensity.iloc[1, 0])
    p2 = tmp_path / "sn.tsv"
    pd.DataFrame({"PG.ProteinGroups": ["P08962", "P52848"], "PG.Genes": ["CD63", "NDST1"],
                  "[1] WCL.raw.PG.Quantity": [1e6, "Filtered"],
                  "[2] MIG.raw.PG.Quantity": [2e5, 3e6]}).to_csv(p2, sep="\t", index=False)
    t2 = read_protein_table(p2)
    assert (t2.source_format, t2.samples) == ("spectronaut", ["WCL", "MIG"])
    assert np.isnan(t2.intensity.iloc[1, 0])
    p3 = tmp_path / "long.tsv"
    pd.DataFrame({"R.FileName": ["WCL", "MIG", "MIG"], "PG.ProteinGroups": ["A1", "A1", "B2"],
                  "PG.Genes": ["CD63", "CD63", "NDST1"], "PG.Quantity": [1.0, 2.0, 3.0]}
                 ).to_csv(p3, sep="\t", index=False)
    t3 = read_protein_table(p3, format="spectronaut")
    assert sorted(t3.samples) == ["MIG", "WCL"] and t3.intensity.shape == (2, 2)


def test_plain_tables(tmp_path):
    p = tmp_path / "t.csv"
    pd.DataFrame({"protein": ["sp|P08962|CD63_HUMAN", "P52848"], "A": [1e6, 0],
                  "B": [2e6, 3e5]}).to_csv(p, index=False)
    t = read_protein_table(p)
    assert t.source_format == "plain" and t.genes is None
    assert list(t.accessions) == ["sp|P08962|CD63_HUMAN", "P52848"]
    p2 = tmp_path / "log.tsv"
    pd.DataFrame({"gene": ["CD63", "NDST1"], "A": [20.0, -1.0], "B": [21.0, np.nan]}
                 ).to_csv(p2, sep="\t", index=False)
    t2 = read_protein_table(p2)
    assert t2.log2_input
    assert t2.intensity.loc[0, "A"] == pytest.approx(2.0 ** 20)
    assert t2.intensity.loc[1, "A"] == pytest.approx(0.5)  # negative log2 is a value
    assert np.isnan(t2.intensity.loc[1, "B"])
    assert not read_protein_table(p2, log2=False).log2_input


def test_detect_format_and_errors(tmp_path):
    assert detect_format(pd.DataFrame(columns=["Protein IDs", "LFQ intensity A"])) == \
        "maxquant"
    assert detect_format(pd.DataFrame(columns=["gene", "A"])) == "plain"
    with pytest.raises(FileNotFoundError, match="no such file"):
        read_protein_table(tmp_path / "missing.tsv")
    b = tmp_path / "bin.tsv"
    b.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(ValueError, match="bin.tsv"):
        read_protein_table(b)
    p = tmp_path / "nonum.tsv"
    pd.DataFrame({"gene": ["CD63"], "note": ["x"]}).to_csv(p, sep="\t", index=False)
    with pytest.raises(ValueError, match="numeric"):
        read_protein_table(p)
    with pytest.raises(ValueError, match="allowed"):
        read_protein_table(p, format="excel")
    mq = tmp_path / "mq.txt"
    pd.DataFrame({"Protein IDs": ["P1"], "Gene names": ["CD63"], "Peptides": [3]}).to_csv(
        mq, sep="\t", index=False)
    with pytest.raises(ValueError, match="LFQ intensity"):
        read_protein_table(mq, format="maxquant")

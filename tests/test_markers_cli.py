"""`migrasome markers`: files written atomically, bad input refused with exit 2."""

import base64
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from migrasome.cli import app
from migrasome.markers import reference_profiles, synthetic_table
from migrasome.simulation import simulate

runner = CliRunner()


@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory):
    res = simulate("monocyte-angiogenesis", hours=3, cells=6, seed=1)
    d = tmp_path_factory.mktemp("sim") / "run"
    res.save(d)
    return d, reference_profiles(res)


def _write_maxquant(df: pd.DataFrame, path):
    samples = [c for c in df.columns if c != "gene"]
    mq = pd.DataFrame({"Protein IDs": [f"X{i}" for i in range(len(df))],
                       "Majority protein IDs": [f"X{i}" for i in range(len(df))],
                       "Gene names": df["gene"], "Reverse": "", "Potential contaminant": ""})
    for s in samples:
        mq[f"LFQ intensity {s}"] = df[s].fillna(0.0)  # MaxQuant writes 0 for missing
    mq.loc[len(mq)] = ["REV__X", "REV__X", "CD63", "+", ""] + [1e12] * len(samples)
    mq.to_csv(path, sep="\t", index=False)


def test_maxquant_table_to_report(tmp_path, sim_dir):
    run, prof = sim_dir
    df = synthetic_table({"WCL": (0, 0, 1), "MIG": (0.9, 0.05, 0.05),
                          "EXO": (0.05, 0.9, 0.05)}, prof, rng=np.random.default_rng(8))
    p = tmp_path / "proteinGroups.txt"
    _write_maxquant(df, p)
    out = tmp_path / "calls"
    r = runner.invoke(app, ["markers", str(p), "--out", str(out), "--reference", "WCL",
                            "--profile-from", str(run), "--quiet"])
    assert r.exit_code == 0, r.output
    calls = pd.read_csv(out / "calls.csv").set_index("sample")
    assert calls.loc["MIG", "call"] == "migrasome" and calls.loc["EXO", "call"] == "exosome"
    assert calls.loc["MIG", "dominant"] == "migrasome" and np.isnan(calls.loc["WCL", "purity"])
    assert pd.read_parquet(out / "calls.parquet").shape[0] == 3
    pur = pd.read_csv(out / "purity.csv").set_index("sample")
    assert abs(pur.loc["MIG", "purity"] - 0.9) < 0.15
    html = (out / "report.html").read_text()
    m = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html)
    assert m and base64.b64decode(m.group(1))[:4] == b"\x89PNG"
    assert "Zhao et al. 2019" in html and "Reverse" in html
    assert not list(tmp_path.glob(".calls.*"))  # no temporary folder left behind
    again = runner.invoke(app, ["markers", str(p), "--out", str(out)])
    assert again.exit_code == 2 and "--overwrite" in again.output


def test_bad_inputs_exit_2(tmp_path):
    nomark = tmp_path / "nomark.tsv"
    pd.DataFrame({"gene": ["ACTB", "GAPDH", "%%"], "A": [1.0e6, 2e6, 3e6],
                  "B": [1e6, 1e6, 2e6]}).to_csv(nomark, sep="\t", index=False)
    r = runner.invoke(app, ["markers", str(nomark), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "no marker found" in r.output
    assert "Traceback" not in r.output and not (tmp_path / "o").exists()
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\x00\x01" * 100)
    r = runner.invoke(app, ["markers", str(bad)])
    assert r.exit_code == 2 and "bad.txt" in r.output
    r = runner.invoke(app, ["markers", str(tmp_path / "none.tsv")])
    assert r.exit_code == 2 and "no such file" in r.output
    ok = tmp_path / "ok.tsv"
    pd.DataFrame({"gene": ["CD63", "NDST1", "EOGT"], "A": [1e6, 2e6, 3e6],
                  "B": [1e6, 1e6, 2e6]}).to_csv(ok, sep="\t", index=False)
    r = runner.invoke(app, ["markers", str(ok), "--reference", "lysate"])
    assert r.exit_code == 2 and "lysate" in r.output
    r = runner.invoke(app, ["markers", str(ok), "--species", "yeast"])
    assert r.exit_code == 2 and "yeast" in r.output
    r = runner.invoke(app, ["markers", str(ok), "--format", "excel"])
    assert r.exit_code == 2 and "excel" in r.output

"""Gene-set scores on transcriptomes, checked against scanpy's score_genes."""

import subprocess
import sys

import numpy as np
import pytest

from migrasome.markers import score_genes_matrix
from migrasome.markers.genescore import resolve_gene_set

SET = ["TSPAN4", "TSPAN7", "ITGA5", "ITGB1", "NDST1", "EOGT", "PIGK", "CPQ"]


def _data(seed=0, n_cells=120, n_genes=600):
    """Log-normalised counts; the first half of the cells express the migrasome set more."""
    rng = np.random.default_rng(seed)
    names = SET + [f"GENE{i}" for i in range(n_genes - len(SET))]
    mu = rng.lognormal(0.0, 1.2, n_genes)
    lam = np.tile(mu, (n_cells, 1))
    lam[: n_cells // 2, : len(SET)] *= 4
    counts = rng.poisson(lam).astype(float)
    return np.log1p(counts), names


def test_score_separates_cells_and_is_seeded():
    x, names = _data()
    s, ctrl = score_genes_matrix(x, names, SET, ctrl_size=30, random_state=1)
    assert s[:60].mean() - s[60:].mean() > 0.5
    assert not set(ctrl) & set(SET)
    s2, _ = score_genes_matrix(x, names, SET, ctrl_size=30, random_state=1)
    np.testing.assert_array_equal(s, s2)
    with pytest.raises(ValueError, match="none of the set"):
        score_genes_matrix(x, names, ["NOPE"])


def test_gene_set_through_orthologs():
    genes, info = resolve_gene_set(["tspan4a", "Itga5", "ndst1b", "actb"], "migrasome")
    assert genes == ["tspan4a", "Itga5", "ndst1b"]
    assert "CPQ" in info["missing"] and "Zhao" in info["sources"]["NDST1"]


def test_core_import_does_not_load_anndata():
    code = ("import sys, migrasome, migrasome.markers, migrasome.cli; "
            "print('anndata' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def test_score_anndata_writes_obs():
    ad = pytest.importorskip("anndata")
    from migrasome.markers import score_anndata

    x, names = _data(1)
    a = ad.AnnData(x)
    a.var_names = [n.lower() if n in SET[:2] else n for n in names]  # zebrafish-style case
    score_anndata(a, ctrl_size=40, random_state=0)
    col = a.obs["migrasome_score"]
    assert col.dtype == np.float64 and col.iloc[:60].mean() > col.iloc[60:].mean()
    assert "tspan4" in a.uns["migrasome_score"]["genes"]
    with pytest.raises(ValueError, match="no gene of the set"):
        score_anndata(a, gene_set="cell_body")


def test_agrees_with_scanpy_score_genes():
    ad = pytest.importorskip("anndata")
    sc = pytest.importorskip("scanpy")
    from migrasome.markers import score_anndata

    x, names = _data(2)
    a = ad.AnnData(x)
    a.var_names = names
    # bins of 25 genes and ctrl_size ≥ 25: no random draw, so the scores must be identical
    sc.tl.score_genes(a, SET, ctrl_size=100, n_bins=25, score_name="scanpy")
    score_anndata(a, ctrl_size=100, n_bins=25, score_name="ours")
    np.testing.assert_allclose(a.obs["ours"], a.obs["scanpy"], rtol=0, atol=1e-12)
    # with random control draws the two differ only by the draw
    sc.tl.score_genes(a, SET, ctrl_size=10, n_bins=25, score_name="scanpy10")
    score_anndata(a, ctrl_size=10, n_bins=25, score_name="ours10", random_state=3)
    r = np.corrcoef(a.obs["ours10"], a.obs["scanpy10"])[0, 1]
    assert r > 0.95


def test_on_the_dataset_scanpy_ships():
    """pbmc68k_reduced (bundled with scanpy, no download): the exosome tetraspanins CD53,
    CD37, CD82 and CD63 are among its genes; scores equal scanpy's when no draw is needed."""
    pytest.importorskip("anndata")
    sc = pytest.importorskip("scanpy")
    import warnings

    from migrasome.markers import score_anndata

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = sc.datasets.pbmc68k_reduced()
    score_anndata(a, "exosome", ctrl_size=50, score_name="ours")  # uses .raw, as scanpy
    genes = a.uns["ours"]["genes"]
    assert set(genes) == {"CD53", "CD37", "CD82", "CD63"}
    sc.tl.score_genes(a, genes, ctrl_size=50, score_name="scanpy")
    # the data are float32: equal up to its rounding
    np.testing.assert_allclose(a.obs["ours"], a.obs["scanpy"], rtol=0, atol=1e-6)
    assert a.obs["ours"].std() > 0.1


def test_missing_anndata_names_the_extra(monkeypatch):
    from migrasome.extras import MissingExtraError
    from migrasome.markers import score_anndata

    monkeypatch.setitem(sys.modules, "anndata", None)  # import anndata → ImportError
    with pytest.raises(MissingExtraError, match=r"migrasome\[markers\]"):
        score_anndata(object())


def test_sparse_equals_dense():
    from scipy import sparse

    x, names = _data(4)
    x[5, 3] = np.nan  # NaN entries are skipped, zeros count, as in scanpy
    dense, c1 = score_genes_matrix(x, names, SET, ctrl_size=30, random_state=2)
    sp, c2 = score_genes_matrix(sparse.csr_matrix(x), names, SET, ctrl_size=30,
                                random_state=2)
    assert c1 == c2
    np.testing.assert_allclose(sp, dense, rtol=0, atol=1e-12)
    assert np.isfinite(dense).all()

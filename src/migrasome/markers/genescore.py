"""Gene-set scores on expression matrices, by the method of scanpy's ``score_genes``.

The score of a cell is the mean expression of the set's genes minus the mean expression of
control genes drawn, per expression bin, from genes of similar average expression (Satija et
al. 2015, as scanpy implements it: genes ranked by mean expression, cut into bins of
``round(n_genes / (n_bins − 1))`` ranks, ``ctrl_size`` control genes drawn from every bin
that holds a set gene; set genes themselves are removed from the controls). The draw uses a
``numpy.random.Generator``; where no draw is needed (bins no larger than ``ctrl_size``) the
result equals scanpy's exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .ids import marker_lookup
from .sets import load_marker_sets, set_members

__all__ = ["score_genes_matrix", "resolve_gene_set"]


def _col_means(x, axis: int) -> np.ndarray:
    if hasattr(x, "tocsr"):  # scipy sparse: zeros count, NaNs do not (as scanpy)
        x = x.tocsr().astype(np.float64)
        nan = x.copy()
        nan.data = np.isnan(nan.data).astype(np.float64)
        n = x.shape[axis] - np.asarray(nan.sum(axis)).ravel()
        y = x.copy()
        y.data[np.isnan(y.data)] = 0
        return np.asarray(y.sum(axis)).ravel() / n
    with np.errstate(all="ignore"):
        return np.nanmean(np.asarray(x, dtype=np.float64), axis=axis)


def resolve_gene_set(var_names, gene_set="migrasome", *, species: str = "all",
                     markers: pd.DataFrame | None = None) -> tuple[list[str], dict]:
    """The var names that carry a gene set, through aliases and orthologs.

    Parameters
    ----------
    var_names : sequence of str
    gene_set : str or sequence of str
        A set name of the marker table (``migrasome``, ``exosome``, ``cell_body``) or gene
        symbols (human or of the species).
    species : str
    markers : DataFrame, optional

    Returns
    -------
    genes : list of str
        The var names used, in the order of ``var_names``.
    info : dict
        ``symbols`` asked for, ``found`` {symbol: var name}, ``missing``, ``sources``.
    """
    markers = load_marker_sets() if markers is None else markers
    if isinstance(gene_set, str):
        members = set_members(markers)
        if gene_set not in members:
            raise ValueError(f"gene set {gene_set!r} is not known; allowed: "
                             f"{', '.join(members)} or a list of genes")
        symbols = [s.upper() for s in members[gene_set]]
        src = markers[markers["symbol"].isin(symbols) & (markers["set"] == gene_set)]
        sources = dict(zip(src["symbol"], src["source"]))
    else:
        symbols = [str(s).upper() for s in gene_set]
        sources = {s: "given by the user" for s in symbols}
    lookup = marker_lookup(symbols, species=species)
    found: dict[str, str] = {}
    genes = []
    for v in var_names:
        hit = lookup.get(str(v).upper())
        if hit and hit[0] in symbols:
            genes.append(str(v))
            found.setdefault(hit[0], str(v))
    missing = [s for s in symbols if s not in found]
    return genes, {"symbols": symbols, "found": found, "missing": missing, "sources": sources}


def score_genes_matrix(x, var_names, genes, *, ctrl_size: int = 50, n_bins: int = 25,
                       gene_pool=None, random_state: int | np.random.Generator | None = 0
                       ) -> tuple[np.ndarray, list[str]]:
    """Per-cell score of ``genes`` against expression-matched control genes.

    Parameters
    ----------
    x : array or scipy sparse matrix, shape (n_cells, n_genes)
        Expression (typically log-normalised), NaN ignored.
    var_names : sequence of str, length n_genes
    genes : sequence of str
        Set genes (a subset of ``var_names``; others are ignored).
    ctrl_size : int
        Control genes drawn per expression bin.
    n_bins : int
        Number of expression bins.
    gene_pool : sequence of str, optional
        Genes controls may come from (default: all).
    random_state : int, Generator or None
        Seeds the draw of control genes.

    Returns
    -------
    scores : ndarray, shape (n_cells,)
    control_genes : list of str

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.poisson(2.0, size=(50, 200)).astype(float)
    >>> names = [f"g{i}" for i in range(200)]
    >>> x[:25, :5] += 5
    >>> s, ctrl = score_genes_matrix(x, names, names[:5], ctrl_size=20)
    >>> bool(s[:25].mean() > s[25:].mean() + 3)
    True
    """
    var = pd.Index([str(v) for v in var_names])
    gl = pd.Index([str(g) for g in genes]).intersection(var)
    if len(gl) == 0:
        raise ValueError("none of the set's genes is among the var names")
    pool = var if gene_pool is None else pd.Index([str(g) for g in gene_pool]).intersection(var)
    if len(pool) == 0:
        raise ValueError("gene_pool holds none of the var names")
    if n_bins < 2 or ctrl_size < 1:
        raise ValueError(f"n_bins must be ≥ 2 and ctrl_size ≥ 1, got {n_bins}, {ctrl_size}")
    rng = random_state if isinstance(random_state, np.random.Generator) else \
        np.random.default_rng(random_state)
    xp = x[:, var.get_indexer(pool)] if len(pool) != len(var) else x
    avg = pd.Series(_col_means(xp, 0), index=pool)
    avg = avg[np.isfinite(avg)]
    n_items = max(int(np.round(len(avg) / (n_bins - 1))), 1)
    cut = avg.rank(method="min") // n_items
    control = pd.Index([], dtype=object)
    for c in np.unique(cut.loc[cut.index.intersection(gl)]):
        r = cut[cut == c].index
        if ctrl_size < len(r):
            r = r[np.sort(rng.choice(len(r), ctrl_size, replace=False))]
        control = control.union(r.difference(gl))
    if len(control) == 0:
        raise ValueError("no control genes in any expression bin (too few genes?)")
    means = _col_means(x[:, var.get_indexer(gl)], 1)
    ctrl = _col_means(x[:, var.get_indexer(control)], 1)
    return np.asarray(means - ctrl, dtype=float), list(control)

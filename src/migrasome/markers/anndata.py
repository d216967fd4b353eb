"""``score_anndata``: a migrasome gene-set score per cell or sample on an AnnData.

Needs the ``markers`` extra (anndata); scanpy is not needed. The score follows scanpy's
``score_genes`` conventions: a float column in ``adata.obs``, control genes binned by
expression, ``ctrl_size``, ``n_bins``, ``random_state``, ``layer``, ``use_raw``.
"""

from __future__ import annotations

import numpy as np

from .genescore import resolve_gene_set, score_genes_matrix

__all__ = ["score_anndata"]


def score_anndata(adata, gene_set="migrasome", *, species: str = "all", ctrl_size: int = 50,
                  n_bins: int = 25, gene_pool=None,
                  random_state: int | np.random.Generator | None = 0,
                  score_name: str | None = None, layer: str | None = None,
                  use_raw: bool | None = None, copy: bool = False, markers=None):
    """Score cells (or samples) of an AnnData with a marker gene set.

    Parameters
    ----------
    adata : anndata.AnnData
        Cells × genes; ``var_names`` are gene symbols (human, mouse, rat or zebrafish;
        aliases accepted).
    gene_set : str or sequence of str
        ``migrasome`` (default), ``exosome``, ``cell_body`` or a list of genes.
    species : str
        ``all`` or one of human, mouse, rat, zebrafish.
    ctrl_size, n_bins, gene_pool, random_state
        As scanpy's ``score_genes``; the draw uses a ``numpy.random.Generator``.
    score_name : str, optional
        The ``obs`` column (default ``"<gene_set>_score"``).
    layer : str, optional
        Use this layer instead of ``X``.
    use_raw : bool, optional
        Use ``adata.raw`` (default: when present and no layer is given, as scanpy).
    copy : bool
        Return a scored copy instead of writing into ``adata``.
    markers : DataFrame, optional
        Marker table (default: the shipped sets).

    Returns
    -------
    AnnData or None
        A copy when ``copy``; else None. Writes ``adata.obs[score_name]`` (float64) and
        ``adata.uns[score_name]``: genes used, symbols missing, control genes, sources.

    Examples
    --------
    >>> import numpy as np, anndata as ad
    >>> from migrasome.markers import score_anndata
    >>> rng = np.random.default_rng(0)
    >>> genes = ["TSPAN4", "ITGA5", "NDST1", "CPQ"] + [f"G{i}" for i in range(300)]
    >>> x = np.log1p(rng.poisson(3, size=(40, len(genes))).astype(float))
    >>> a = ad.AnnData(x)
    >>> a.var_names = genes
    >>> score_anndata(a)
    >>> a.obs["migrasome_score"].shape
    (40,)
    """
    from ..extras import MissingExtraError

    try:
        import anndata  # noqa: F401
    except ImportError:
        raise MissingExtraError('this needs anndata, from the \'markers\' extra: pip install '
                                '"migrasome[markers]"') from None
    adata = adata.copy() if copy else adata
    if use_raw is None:
        use_raw = adata.raw is not None and layer is None
    if use_raw and layer is not None:
        raise ValueError("use_raw and layer cannot both be given")
    if use_raw and adata.raw is None:
        raise ValueError("use_raw=True but adata.raw is None")
    var_names = adata.raw.var_names if use_raw else adata.var_names
    x = adata.raw.X if use_raw else (adata.layers[layer] if layer is not None else adata.X)
    genes, info = resolve_gene_set(var_names, gene_set, species=species, markers=markers)
    if not genes:
        raise ValueError(f"no gene of the set is among the {len(var_names)} var names "
                         f"(looked for {', '.join(info['symbols'])}, with aliases and "
                         "orthologs)")
    scores, control = score_genes_matrix(x, var_names, genes, ctrl_size=ctrl_size,
                                         n_bins=n_bins, gene_pool=gene_pool,
                                         random_state=random_state)
    name = score_name or f"{gene_set if isinstance(gene_set, str) else 'gene_set'}_score"
    adata.obs[name] = np.asarray(scores, dtype=np.float64)
    adata.uns[name] = {"genes": genes, "missing": info["missing"], "n_control": len(control),
                       "control_genes": control,
                       "sources": [f"{k}: {v}" for k, v in info["sources"].items()]}
    return adata if copy else None

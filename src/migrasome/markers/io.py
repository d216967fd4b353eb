"""Readers for protein abundance tables: MaxQuant, DIA-NN, Spectronaut, plain.

Every reader returns a :class:`ProteinTable`: linear intensities (proteins × samples, NaN
where a protein was not quantified: MaxQuant's 0 and Spectronaut's "Filtered" become NaN,
never 0), the gene-name and protein-id columns, and what was removed (MaxQuant decoys,
contaminants, site-only identifications).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["FORMATS", "ProteinTable", "read_protein_table", "detect_format"]

FORMATS = ("auto", "maxquant", "diann", "spectronaut", "plain")
_MQ_FLAGS = ("Reverse", "Potential contaminant", "Only identified by site")
_DIANN_META = ("Protein.Group", "Protein.Ids", "Protein.Names", "Genes",
               "First.Protein.Description", "N.Sequences", "N.Proteotypic.Sequences")
_GENE_COLS = ("gene", "genes", "gene names", "gene_name", "gene_symbol", "symbol", "gene name")
_ACC_COLS = ("protein", "proteins", "protein ids", "accession", "accessions", "uniprot",
             "protein_id", "protein id", "majority protein ids")


@dataclass
class ProteinTable:
    """A protein abundance table, read and cleaned.

    Attributes
    ----------
    intensity : DataFrame, shape (n_proteins, n_samples)
        Linear abundances (float, NaN = not quantified); columns are sample names.
    genes, accessions : Series or None, length n_proteins
        Gene names and protein ids as the file gives them (``;``-separated groups).
    source_format : str
        ``maxquant``, ``diann``, ``spectronaut`` or ``plain``.
    removed : dict
        Rows dropped and why, e.g. ``{"Reverse": 3, "Potential contaminant": 12}``.
    log2_input : bool
        The file held log2 values (they were converted to linear).
    """

    intensity: pd.DataFrame
    genes: pd.Series | None
    accessions: pd.Series | None
    source_format: str
    removed: dict = field(default_factory=dict)
    log2_input: bool = False
    _raw: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def samples(self) -> list[str]:
        return list(self.intensity.columns)


def _read_text(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    name = path.name.lower()
    try:
        if name.endswith(".parquet"):
            return pd.read_parquet(path)
        sep = "," if name.endswith(".csv") else "\t"
        return pd.read_csv(path, sep=sep, low_memory=False, comment=None)
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a text table (cannot decode as UTF-8)") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, OSError, ValueError) as e:
        raise ValueError(f"{path}: cannot read as a table: {e}") from None


def detect_format(df: pd.DataFrame) -> str:
    """Which tool wrote ``df``: from its column names."""
    cols = set(df.columns)
    if any(c.startswith(("LFQ intensity ", "Intensity ", "iBAQ ")) for c in cols) and (
            "Protein IDs" in cols or "Majority protein IDs" in cols):
        return "maxquant"
    if "Protein.Group" in cols:
        return "diann"
    if any(str(c).startswith("PG.") or ".PG." in str(c) for c in cols):
        return "spectronaut"
    return "plain"


def _numeric(df: pd.DataFrame, cols, what: str) -> pd.DataFrame:
    out = df[cols].replace({"Filtered": np.nan, "NaN": np.nan, "": np.nan})
    try:
        out = out.apply(pd.to_numeric, errors="raise").astype(float)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{what}: sample columns must be numbers: {e}") from None
    out[out <= 0] = np.nan  # 0 means "not quantified" in MaxQuant and most tools
    return out


def _maxquant(df: pd.DataFrame, path) -> ProteinTable:
    removed = {}
    keep = np.ones(len(df), bool)
    for flag in _MQ_FLAGS:
        if flag in df.columns:
            hit = df[flag].astype(str).str.strip() == "+"
            removed[flag] = int((hit & keep).sum())
            keep &= ~hit.to_numpy()
    df = df[keep].reset_index(drop=True)
    for prefix in ("LFQ intensity ", "Intensity ", "iBAQ "):
        cols = [c for c in df.columns if c.startswith(prefix) and c != prefix.strip()]
        if cols:
            break
    else:
        raise ValueError(f"{path}: MaxQuant table without 'LFQ intensity <sample>', "
                         "'Intensity <sample>' or 'iBAQ <sample>' columns")
    x = _numeric(df, cols, str(path))
    x.columns = [c[len(prefix):] for c in cols]
    acc = df["Majority protein IDs"] if "Majority protein IDs" in df else df.get("Protein IDs")
    return ProteinTable(x, df.get("Gene names"), acc, "maxquant", removed)


def _run_name(col: str) -> str:
    base = re.split(r"[\\/]", str(col))[-1]
    base = re.sub(r"^\[\d+\]\s*", "", base)
    base = re.sub(r"\.PG\.(Quantity|MS2Quantity|MS1Quantity)$", "", base)
    return re.sub(r"\.(raw|d|wiff|mzML|dia|htrms)$", "", base, flags=re.I)


def _diann(df: pd.DataFrame, path) -> ProteinTable:
    cols = [c for c in df.columns if c not in _DIANN_META]
    if not cols:
        raise ValueError(f"{path}: DIA-NN matrix without run columns")
    x = _numeric(df, cols, str(path))
    x.columns = [_run_name(c) for c in cols]
    acc = df["Protein.Ids"] if "Protein.Ids" in df else df["Protein.Group"]
    return ProteinTable(x, df.get("Genes"), acc, "diann")


def _spectronaut(df: pd.DataFrame, path) -> ProteinTable:
    if "R.FileName" in df.columns or "R.Condition" in df.columns:  # long (normal) report
        run = "R.FileName" if "R.FileName" in df.columns else "R.Condition"
        qcol = next((c for c in ("PG.Quantity", "PG.MS2Quantity") if c in df.columns), None)
        if qcol is None:
            raise ValueError(f"{path}: Spectronaut report without a PG.Quantity column")
        key = "PG.ProteinGroups" if "PG.ProteinGroups" in df else "PG.ProteinAccessions"
        meta = [c for c in (key, "PG.Genes") if c in df.columns]
        vals = df[[*meta, run, qcol]].replace({"Filtered": np.nan, "NaN": np.nan})
        vals[qcol] = pd.to_numeric(vals[qcol], errors="coerce")
        wide = vals.pivot_table(index=meta, columns=run, values=qcol, aggfunc="first")
        wide = wide.reset_index()
        df = wide
        cols = [c for c in wide.columns if c not in meta]
    else:
        cols = [c for c in df.columns if str(c).endswith(".PG.Quantity")]
        if not cols:
            raise ValueError(f"{path}: Spectronaut pivot report without '<run>.PG.Quantity' "
                             "columns")
    x = _numeric(df, cols, str(path))
    x.columns = [_run_name(c) for c in cols]
    acc = df["PG.ProteinGroups"] if "PG.ProteinGroups" in df else df.get(
        "PG.ProteinAccessions")
    return ProteinTable(x, df.get("PG.Genes"), acc, "spectronaut")


def _plain(df: pd.DataFrame, path) -> ProteinTable:
    low = {str(c).strip().lower(): c for c in df.columns}
    gcol = next((low[c] for c in _GENE_COLS if c in low), None)
    acol = next((low[c] for c in _ACC_COLS if c in low), None)
    id_cols = [c for c in (gcol, acol) if c is not None]
    if not id_cols:  # first column holds the ids
        first = df.columns[0]
        if pd.api.types.is_numeric_dtype(df[first]):
            raise ValueError(f"{path}: plain table needs an identifier column (gene symbols "
                             "or UniProt accessions) first, or one named gene/protein/"
                             "accession")
        gcol = first
        id_cols = [first]
    cols = [c for c in df.columns if c not in id_cols
            and (pd.api.types.is_numeric_dtype(df[c])
                 or pd.to_numeric(df[c], errors="coerce").notna().mean() > 0.5)]
    if not cols:
        raise ValueError(f"{path}: no numeric sample columns")
    raw = df[cols].replace({"NaN": np.nan, "": np.nan, "NA": np.nan})
    try:
        raw = raw.apply(pd.to_numeric, errors="raise").astype(float)
    except (ValueError, TypeError) as e:
        raise ValueError(f"{path}: sample columns must be numbers: {e}") from None
    raw.columns = [str(c) for c in cols]
    table = ProteinTable(raw.where(raw > 0), df[gcol] if gcol is not None else None,
                         df[acol] if acol is not None else None, "plain")
    table._raw = raw
    return table


def _looks_log2(raw: pd.DataFrame) -> bool:
    v = raw.to_numpy(float)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return False
    return bool((v < 0).any() or v.max() < 45)


def read_protein_table(path: str | os.PathLike, *, format: str = "auto",
                       log2: bool | None = None) -> ProteinTable:
    """Read a protein abundance table.

    Parameters
    ----------
    path : path
        ``proteinGroups.txt`` (MaxQuant), ``report.pg_matrix.tsv`` (DIA-NN), a Spectronaut
        protein report (pivot or long), or a plain table (.tsv/.txt/.csv/.parquet):
        one identifier column, one numeric column per sample.
    format : {"auto", "maxquant", "diann", "spectronaut", "plain"}
    log2 : bool, optional
        Whether the values are log2 (converted back to linear). Default: guessed — values
        all below 45 or any negative mean log2.

    Returns
    -------
    ProteinTable

    Examples
    --------
    >>> import pandas as pd, tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "t.tsv")
    >>> pd.DataFrame({"gene": ["CD63", "NDST1"], "A": [1e6, 0], "B": [2e6, 3e5]}).to_csv(
    ...     p, sep="\\t", index=False)
    >>> t = read_protein_table(p)
    >>> t.source_format, t.samples, int(t.intensity.isna().sum().sum())
    ('plain', ['A', 'B'], 1)
    """
    if format not in FORMATS:
        raise ValueError(f"format {format!r} is not known; allowed: {', '.join(FORMATS)}")
    path = Path(path)
    df = _read_text(path)
    if df.shape[0] == 0 or df.shape[1] < 2:
        raise ValueError(f"{path}: empty table (needs identifiers and at least one sample)")
    fmt = detect_format(df) if format == "auto" else format
    reader = {"maxquant": _maxquant, "diann": _diann, "spectronaut": _spectronaut,
              "plain": _plain}[fmt]
    try:
        table = reader(df, path)
    except KeyError as e:
        raise ValueError(f"{path}: not a {fmt} table: missing column {e}") from None
    if table.intensity.columns.duplicated().any():
        dup = table.intensity.columns[table.intensity.columns.duplicated()][0]
        raise ValueError(f"{path}: sample {dup!r} appears twice")
    raw = table._raw if table._raw is not None else table.intensity
    if (_looks_log2(raw) if log2 is None else log2):
        table.intensity = np.exp2(raw)
        table.log2_input = True
    if table.intensity.notna().sum().sum() == 0:
        raise ValueError(f"{path}: no quantified value in any sample column")
    return table

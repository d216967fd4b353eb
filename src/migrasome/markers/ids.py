"""Identifiers: gene symbols, aliases, UniProt accessions and orthologs → marker symbols.

The mapping is data (``data/identifiers.tsv``, each row with its source). Matching is
case-insensitive, so mouse ``Tspan4`` and rat ``Tspan4`` meet human ``TSPAN4`` even when
not listed; zebrafish paralogues (``tspan4a``, ``tspan4b``) are listed explicitly.
Protein groups (``"P08962;P08962-2"``, ``"CD63;CD63"``) are split on ``;``; the first entry
that names a marker wins (the leading protein, as MaxQuant orders them).
"""

from __future__ import annotations

import re
from importlib.resources import files

import numpy as np
import pandas as pd

__all__ = ["SPECIES", "load_identifiers", "marker_lookup", "map_identifiers",
           "parse_accession"]

SPECIES = ("human", "mouse", "rat", "zebrafish")
_ACC = re.compile(r"^(?:[OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2})$")
_SYMBOL = re.compile(r"^[A-Za-z][A-Za-z0-9.\-_/@]{0,30}$")
_PREFIXES = ("CON__", "REV__", "con_", "rev_")


def load_identifiers() -> pd.DataFrame:
    """The shipped identifier table: ``symbol, kind, species, identifier, source``."""
    with files("migrasome.markers").joinpath("data").joinpath("identifiers.tsv").open(
            encoding="utf-8") as f:
        return pd.read_csv(f, sep="\t", comment="#", dtype=str, keep_default_na=False)


def marker_lookup(symbols, *, species: str | list[str] = "all") -> dict[str, tuple[str, str]]:
    """``{UPPERCASE identifier: (marker symbol, matched_by)}`` for the given marker symbols.

    Official symbols come first, then UniProt accessions, aliases and orthologs; an alias
    that is itself the official symbol of another marker never overrides it.
    """
    symbols = [s.upper() for s in symbols]
    allowed = _species(species)
    ids = load_identifiers()
    ids = ids[ids["symbol"].str.upper().isin(symbols) & ids["species"].isin(allowed)]
    out: dict[str, tuple[str, str]] = {s: (s, "symbol") for s in symbols}
    for kind in ("uniprot", "alias", "ortholog"):
        for sym, sp, ident in ids.loc[ids["kind"] == kind,
                                      ["symbol", "species", "identifier"]].itertuples(
                                          index=False):
            how = kind if kind != "ortholog" else f"ortholog:{sp}"
            out.setdefault(ident.upper(), (sym.upper(), how))
    return out


def _species(species) -> tuple[str, ...]:
    if species in (None, "all", "auto"):
        return SPECIES
    sp = [species] if isinstance(species, str) else list(species)
    sp = [s.strip().lower() for s in sp]
    bad = [s for s in sp if s not in SPECIES]
    if bad:
        raise ValueError(f"species {bad[0]!r} is not known; allowed: all, "
                         f"{', '.join(SPECIES)}")
    return tuple(sorted(set(sp) | {"human"}))  # marker symbols are human HGNC


def parse_accession(token: str) -> str | None:
    """A UniProt accession from ``P08962``, ``P08962-2``, ``sp|P08962|CD63_HUMAN``,
    ``CON__P08962``; None when the token is not one."""
    t = token.strip()
    for p in _PREFIXES:
        if t.startswith(p):
            t = t[len(p):]
    if "|" in t:
        parts = t.split("|")
        t = parts[1] if len(parts) > 1 else parts[0]
    t = t.split("-")[0].upper()
    return t if _ACC.match(t) else None


def _tokens(value) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [t.strip() for t in str(value).split(";") if t.strip()]


def map_identifiers(genes: pd.Series | None, accessions: pd.Series | None, *,
                    lookup: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """Map each table row to a marker symbol, or say what it is.

    Parameters
    ----------
    genes, accessions : Series or None, length n_rows
        Gene-name and protein-id columns (either may be None); entries may be ``;`` groups.
    lookup : dict
        From :func:`marker_lookup`.

    Returns
    -------
    DataFrame, n_rows rows
        ``marker`` (symbol or None), ``matched_by``, ``status`` — ``marker``, ``other``
        (a well-formed symbol or accession that is no marker) or ``unknown`` (empty or not
        a symbol or accession) — and ``ambiguous`` (the group names several markers).

    Examples
    --------
    >>> import pandas as pd
    >>> lk = marker_lookup(["CD63", "TSPAN4"])
    >>> map_identifiers(pd.Series(["tspan4a", "Actb", ""]), None, lookup=lk)["status"].tolist()
    ['marker', 'other', 'unknown']
    """
    n = len(genes) if genes is not None else len(accessions) if accessions is not None else 0
    g = list(genes) if genes is not None else [None] * n
    a = list(accessions) if accessions is not None else [None] * n
    marker: list[str | None] = []
    how: list[str] = []
    status: list[str] = []
    amb: list[bool] = []
    for gv, av in zip(g, a):
        found: list[tuple[str, str]] = []
        wellformed = False
        for tok in _tokens(gv):
            wellformed |= bool(_SYMBOL.match(tok))
            hit = lookup.get(tok.upper())
            if hit:
                found.append(hit)
        for tok in _tokens(av):
            acc = parse_accession(tok)
            wellformed |= acc is not None
            hit = lookup.get(acc) if acc else None
            if hit is None and "|" in tok:  # sp|ACC|NAME_SPECIES: try the entry name
                name = tok.split("|")[-1].split("_")[0].upper()
                hit = lookup.get(name) if lookup.get(name, ("", ""))[1] == "symbol" else None
            if hit:
                found.append(hit)
        if found:
            marker.append(found[0][0])
            how.append(found[0][1])
            status.append("marker")
            amb.append(len({f[0] for f in found}) > 1)
        else:
            marker.append(None)
            how.append("")
            status.append("other" if wellformed else "unknown")
            amb.append(False)
    return pd.DataFrame({"marker": marker, "matched_by": how, "status": status,
                         "ambiguous": amb})

"""Marker sets: the versioned data file shipped with the package, extendable by the user.

``data/marker_sets.tsv`` lists each marker once with its set (``migrasome``, ``exosome``,
``cell_body``), its role, whether the default scores use it, and its source (paper, table).
A user file with the same columns (``set``, ``symbol`` and ``source`` required) adds markers
or whole new sets.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

import pandas as pd

__all__ = ["SETS", "load_marker_sets", "marker_sets_version", "set_members"]

#: The three fractions every call chooses between.
SETS = ("migrasome", "exosome", "cell_body")
_COLUMNS = ["set", "symbol", "role", "score", "source", "note"]


def _data(name: str):
    return files("migrasome.markers").joinpath("data").joinpath(name)


def marker_sets_version() -> str:
    """The version line of the shipped marker file, e.g. ``'1 (2026-12-02)'``."""
    with _data("marker_sets.tsv").open(encoding="utf-8") as f:
        for line in f:
            if "version" in line:
                return line.split("version", 1)[1].strip(" :,\n")
    return "unknown"


def _read(path_or_handle, *, what: str) -> pd.DataFrame:
    try:
        df = pd.read_csv(path_or_handle, sep="\t", comment="#", dtype=str,
                         keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as e:
        raise ValueError(f"{what}: cannot read marker file: {e}") from None
    df.columns = [c.strip().lower() for c in df.columns]
    missing = [c for c in ("set", "symbol", "source") if c not in df.columns]
    if missing:
        raise ValueError(f"{what}: marker file needs columns set, symbol, source; "
                         f"missing {missing} (has {list(df.columns)})")
    for c in _COLUMNS:
        if c not in df.columns:
            df[c] = "yes" if c == "score" else ""
    df = df[_COLUMNS].apply(lambda s: s.str.strip())
    empty = df[(df["symbol"] == "") | (df["set"] == "") | (df["source"] == "")]
    if len(empty):
        raise ValueError(f"{what}: row {int(empty.index[0]) + 2}: set, symbol and source "
                         "must not be empty (every marker needs its source)")
    bad = sorted(set(df["score"].str.lower()) - {"yes", "no"})
    if bad:
        raise ValueError(f"{what}: column 'score' must be yes or no, got {bad}")
    df["score"] = df["score"].str.lower() == "yes"
    df["set"] = df["set"].str.lower().str.replace("-", "_").str.replace(" ", "_")
    return df


def load_marker_sets(extra: str | os.PathLike | None = None) -> pd.DataFrame:
    """The marker table: shipped sets, plus a user file if given.

    Parameters
    ----------
    extra : path, optional
        A tab-separated file with columns ``set``, ``symbol``, ``source`` (and optionally
        ``role``, ``score`` yes/no, ``note``). Its rows are added; a symbol already in the
        same set is replaced by the user's row.

    Returns
    -------
    DataFrame
        One row per (set, symbol): ``set, symbol, role, score (bool), source, note, origin``
        (``origin`` is ``"shipped"`` or the user file name).

    Examples
    --------
    >>> from migrasome.markers import load_marker_sets
    >>> m = load_marker_sets()
    >>> sorted(m.loc[(m.set == "migrasome") & (m.role == "specific"), "symbol"])
    ['CPQ', 'EOGT', 'NDST1', 'PIGK']
    """
    with _data("marker_sets.tsv").open(encoding="utf-8") as f:
        df = _read(f, what="marker_sets.tsv")
    df["origin"] = "shipped"
    if extra is not None:
        p = Path(extra)
        if not p.is_file():
            raise FileNotFoundError(f"{p}: no such marker file")
        user = _read(p, what=str(p))
        user["symbol"] = user["symbol"].str.upper()
        user["origin"] = p.name
        df = pd.concat([df, user], ignore_index=True)
        df = df.drop_duplicates(["set", "symbol"], keep="last").reset_index(drop=True)
    return df


def set_members(markers: pd.DataFrame, *, scored_only: bool = True) -> dict[str, list[str]]:
    """``{set: [symbols]}`` from a marker table (default: only the rows with ``score``)."""
    m = markers[markers["score"]] if scored_only else markers
    return {s: list(g["symbol"]) for s, g in m.groupby("set", sort=False)}

"""The schema of the tables that a simulation records and an analysis measures.

The bottom layer of the data model: ``results`` (the container and its files) and
``readouts`` (what experimentalists report) both build on it.

Tables (one row per entity, or per entity and frame; units in column names):

``cells``             one row per cell
``tracks``            one row per cell and recorded frame
``fibers``            one row per retraction fibre (RF) segment
``fiber_frames``      one row per RF segment and recorded frame (its geometry then)
``migrasomes``        one row per migrasome (site that reached a swelling)
``migrasome_frames``  one row per migrasome and recorded frame (diameter over time)
"""

from __future__ import annotations

import pandas as pd

__all__ = ["SCHEMA", "MIN_MIGRASOME_DIAMETER_UM", "empty_table", "validate_table"]

#: Required columns and dtypes of each table. Extra columns are allowed and kept.
SCHEMA: dict[str, dict[str, str]] = {
    "cells": {
        "cell_id": "int64",
        "cell_type": "object",
        "radius_um": "float64",
    },
    "tracks": {
        "cell_id": "int64",
        "frame": "int64",
        "t_min": "float64",
        "x_um": "float64",
        "y_um": "float64",
        "polarity_rad": "float64",
        "speed_um_per_min": "float64",
        "rear_width_um": "float64",
    },
    "fibers": {
        "fiber_id": "int64",
        "cell_id": "int64",
        "parent_fiber_id": "int64",  # -1: attached to the cell rear; else joins that fibre
        "anchor_x_um": "float64",  # the distal adhesion (a tip of the RF network)
        "anchor_y_um": "float64",
        "t_form_min": "float64",
        "t_break_min": "float64",  # NaN: never broke during the run
        "length_um": "float64",  # at breakage, or at the end of the run
    },
    "fiber_frames": {
        "fiber_id": "int64",
        "frame": "int64",
        "t_min": "float64",
        "x0_um": "float64",  # distal end (the adhesion)
        "y0_um": "float64",
        "x1_um": "float64",  # proximal end (cell rear, or the junction on the parent)
        "y1_um": "float64",
        "length_um": "float64",
        "attached": "bool",  # still connected to its cell
    },
    "migrasomes": {
        "migrasome_id": "int64",
        "cell_id": "int64",
        "fiber_id": "int64",
        "x_um": "float64",
        "y_um": "float64",
        "site_type": "object",  # "tip" or "branch"
        "t_nucleation_min": "float64",
        "t_growth_onset_min": "float64",
        "t_full_size_min": "float64",
        "t_release_min": "float64",
        "t_breakdown_min": "float64",
        "max_diameter_um": "float64",
    },
    "migrasome_frames": {
        "migrasome_id": "int64",
        "frame": "int64",
        "t_min": "float64",
        "x_um": "float64",
        "y_um": "float64",
        "diameter_um": "float64",
        "attached": "bool",
    },
}

#: Smallest swelling counted as a migrasome (MODEL.md §4: diameter 0.5–3 µm).
MIN_MIGRASOME_DIAMETER_UM = 0.5


def empty_table(name: str) -> pd.DataFrame:
    """An empty table with the columns and dtypes of ``SCHEMA[name]``.

    Parameters
    ----------
    name : str
        A key of ``SCHEMA`` (``"cells"``, ``"tracks"``, ...).

    Returns
    -------
    DataFrame
        No rows; the required columns with their dtypes.

    Raises
    ------
    KeyError
        If ``name`` is not a table of the schema.

    Examples
    --------
    >>> empty_table("cells").dtypes.astype(str).to_dict()
    {'cell_id': 'int64', 'cell_type': 'object', 'radius_um': 'float64'}
    """
    cols = SCHEMA[name]
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in cols.items()})


def validate_table(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """Check that ``df`` carries the columns of ``SCHEMA[name]`` and cast them.

    Parameters
    ----------
    name : str
        Table name; a name outside ``SCHEMA`` is returned unchecked.
    df : DataFrame
        The table.

    Returns
    -------
    DataFrame
        A copy with the required columns cast to their schema dtypes (extra columns kept).

    Raises
    ------
    ValueError
        Naming the table and the missing columns.

    Examples
    --------
    >>> import pandas as pd
    >>> validate_table("cells", pd.DataFrame({"cell_id": [1]}))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: table 'cells' lacks columns ['cell_type', 'radius_um']; required: ...
    """
    if name not in SCHEMA:
        return df
    missing = [c for c in SCHEMA[name] if c not in df.columns]
    if missing:
        raise ValueError(
            f"table {name!r} lacks columns {missing}; required: {list(SCHEMA[name])}"
        )
    out = df.copy()
    for c, d in SCHEMA[name].items():
        if str(out[c].dtype) != d:
            out[c] = out[c].astype(d)
    return out

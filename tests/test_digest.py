"""Behaviour pins: for a fixed scenario and seed, every table is identical, bit for bit.

A refactor must leave these digests unchanged (they are independent of the pandas major
version). A change of the model that is meant to change results updates them in the same
commit, and says so. History: the restructuring of the package left every table as it was
on the code before it; the RF geometry update moved before RF creation (so that joining
converges in dt) and SMS2 foci owned by their cell with a lifetime (so knockdowns do not
depend on cell density) changed them on purpose.
"""

import hashlib

import numpy as np
import pandas as pd
import pytest

from migrasome import simulate


def table_digest(df: pd.DataFrame) -> str:
    """SHA-256 of a table's column names, dtypes and values (floats bit for bit)."""
    h = hashlib.sha256()
    for name in df.columns:
        col = df[name]
        text = col.dtype == object or isinstance(col.dtype, pd.StringDtype)
        # pandas 2 stores text as object, pandas 3 as str: hash the values, not that choice
        h.update(f"{name}:{'text' if text else col.dtype}".encode())
        if text:
            h.update("\x1f".join(map(str, col.tolist())).encode())
        else:
            h.update(np.ascontiguousarray(col.to_numpy()).tobytes())
    return h.hexdigest()[:16]


def run_digests(res) -> dict[str, str]:
    return {name: table_digest(df) for name, df in sorted(res.tables.items())}


#: The default run (`migrasome simulate`: nrk-fibronectin, 30 cells, 12 h, its seed).
DEFAULT = {
    "cells": "023eb4eeccf0d3e1", "fiber_frames": "c7bd981accf1896b",
    "fibers": "dd9f11fcff47705f", "migrasome_frames": "29994fb610e2d865",
    "migrasomes": "6483224a1d66fe8f", "sites": "65ef043b13989fd6",
    "tracks": "93e9e086903899ea",
}

#: Short runs with the function modules on: cargo and the signalling field (monocytes),
#: mitochondria under mild stress (CCCP 2 µM).
FUNCTIONS = {
    "monocyte-angiogenesis": {
        "cargo": "fb523b46a1d658c2", "cargo_balance": "be769e5a6591dde3",
        "cells": "2a3ff6fd692dd593", "fiber_frames": "80756947bdd89bd2",
        "fibers": "7f997ca4eec7a406", "field_balance": "387d69139199b5d3",
        "field_frames": "26b2370f8fcc6e7c", "mdnps": "a71b5572405f0c2a",
        "migrasome_frames": "ffcf197c3b259126", "migrasomes": "cb777c09d22cf89e",
        "recipient_frames": "cd5a451f6057569b", "sites": "2c9d3390be205f44",
        "tracks": "80124ee5de49a0ae",
    },
    "nrk-fibronectin+CCCP:2": {
        "cells": "a54cb59362a7e069", "fiber_frames": "a6b83dd8e9eb03aa",
        "fibers": "10b85b1d6c576904", "migrasome_frames": "f3a53b901571902a",
        "migrasomes": "91c3fa013445b105", "mitochondria_frames": "f548948212e349e1",
        "sites": "b37d8cb004fdb5ce", "tracks": "431adf7eb076ed4f",
    },
}


def test_default_run_tables_are_pinned():
    got = run_digests(simulate("nrk-fibronectin"))
    assert got == DEFAULT


@pytest.mark.parametrize("key", sorted(FUNCTIONS))
def test_function_module_tables_are_pinned(key):
    preset, *perturb = key.split("+")
    got = run_digests(simulate(preset, perturbations=perturb, hours=3, cells=10, seed=5))
    assert got == FUNCTIONS[key]

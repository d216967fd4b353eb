"""Behaviour pins: for a fixed scenario and seed, every table is identical, bit for bit.

A refactor must leave these digests unchanged (they are independent of the pandas major
version). A change of the model that is meant to change results updates them in the same
commit, and says so. History: the restructuring of the package left every table as it was
on the code before it; the RF geometry update moved before RF creation (so that joining
converges in dt) changed them on purpose.
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
    "cells": "023eb4eeccf0d3e1", "fiber_frames": "d3e0782fd0e52389",
    "fibers": "1e17eabdde01dcb2", "migrasome_frames": "269d2a70c4c797dc",
    "migrasomes": "68763fc5892afc7f", "sites": "e5ede281a3036985",
    "tracks": "d54b9fb32b965031",
}

#: Short runs with the function modules on: cargo and the signalling field (monocytes),
#: mitochondria under mild stress (CCCP 2 µM).
FUNCTIONS = {
    "monocyte-angiogenesis": {
        "cargo": "9c64da9b0efde4f9", "cargo_balance": "eb0a7aaf923698f1",
        "cells": "2a3ff6fd692dd593", "fiber_frames": "e233bd88a4265bd2",
        "fibers": "02bae54e56938d27", "field_balance": "eeea196443129994",
        "field_frames": "a79aab01ab0caa3e", "mdnps": "a71b5572405f0c2a",
        "migrasome_frames": "b1330973b00ac405", "migrasomes": "a74ea1c37f0f7ddb",
        "recipient_frames": "ea574eabb058d2fb", "sites": "d2ecd5873a2e9ee8",
        "tracks": "32777f7193c981ff",
    },
    "nrk-fibronectin+CCCP:2": {
        "cells": "a54cb59362a7e069", "fiber_frames": "a6b83dd8e9eb03aa",
        "fibers": "10b85b1d6c576904", "migrasome_frames": "f3a53b901571902a",
        "migrasomes": "91c3fa013445b105", "mitochondria_frames": "f548948212e349e1",
        "sites": "d61e75c16fd9c721", "tracks": "431adf7eb076ed4f",
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

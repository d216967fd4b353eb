"""Behaviour pins: for a fixed scenario and seed, every table is identical, bit for bit.

A refactor must leave these digests unchanged (they were computed on the code before the
restructuring, and are independent of the pandas major version). A change of the model
that is meant to change results updates them in the same commit, and says so.
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
    "cells": "023eb4eeccf0d3e1", "fiber_frames": "7b1f99f58d4f6c93",
    "fibers": "1000b3a73a2a6674", "migrasome_frames": "be5ebff38854bd0e",
    "migrasomes": "8f9562659ed7ac0d", "sites": "6bfe4bb67d77acb6",
    "tracks": "6912967053b5ab56",
}

#: Short runs with the function modules on: cargo and the signalling field (monocytes),
#: mitochondria under mild stress (CCCP 2 µM).
FUNCTIONS = {
    "monocyte-angiogenesis": {
        "cargo": "46cc98cb62db9466", "cargo_balance": "b5a66a3003949659",
        "cells": "2a3ff6fd692dd593", "fiber_frames": "5465169d4de36976",
        "fibers": "0093051df3f9d37a", "field_balance": "c1fdb35bcfecc778",
        "field_frames": "42f08bc727d5575f", "mdnps": "c284e78394fd1848",
        "migrasome_frames": "b63950c1397af21f", "migrasomes": "0a534924ccbb5f26",
        "recipient_frames": "baf2b8db0f3a0ec8", "sites": "b3fe243cbbc14fbb",
        "tracks": "69e844b3694a7be9",
    },
    "nrk-fibronectin+CCCP:2": {
        "cells": "a54cb59362a7e069", "fiber_frames": "f891a5a938ba64be",
        "fibers": "87e12c7d397759e6", "migrasome_frames": "8520306266436e03",
        "migrasomes": "33f02cd50429f84a", "mitochondria_frames": "9a21293950d0ec94",
        "sites": "6bfdfe33fbd380fc", "tracks": "82e3c81814e3a44e",
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

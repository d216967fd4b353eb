"""Behaviour pins: for a fixed scenario and seed, every table is identical, bit for bit.

A refactor must leave these digests unchanged. A change of the model that is meant to change
results updates them in the same commit, and says so.
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
        h.update(f"{name}:{col.dtype}".encode())
        if col.dtype == object or isinstance(col.dtype, pd.StringDtype):
            h.update("\x1f".join(map(str, col.tolist())).encode())
        else:
            h.update(np.ascontiguousarray(col.to_numpy()).tobytes())
    return h.hexdigest()[:16]


def run_digests(res) -> dict[str, str]:
    return {name: table_digest(df) for name, df in sorted(res.tables.items())}


#: The default run (`migrasome simulate`: nrk-fibronectin, 30 cells, 12 h, its seed).
DEFAULT = {
    "cells": "24c3e9d59f2ec7a8", "fiber_frames": "7b1f99f58d4f6c93",
    "fibers": "1000b3a73a2a6674", "migrasome_frames": "be5ebff38854bd0e",
    "migrasomes": "43fffba7806c698f", "sites": "3369e0fe9d128ce1",
    "tracks": "6912967053b5ab56",
}

#: Short runs with the function modules on: cargo and the signalling field (monocytes),
#: mitochondria under mild stress (CCCP 2 µM).
FUNCTIONS = {
    "monocyte-angiogenesis": {
        "cargo": "662e82190bc59126", "cargo_balance": "290a2ac40604ca2c",
        "cells": "b05ab8ce589143d2", "fiber_frames": "5465169d4de36976",
        "fibers": "0093051df3f9d37a", "field_balance": "e47bb9b7d8790d86",
        "field_frames": "4f64422700a4921a", "mdnps": "c284e78394fd1848",
        "migrasome_frames": "b63950c1397af21f", "migrasomes": "6cc3d2de18a3740b",
        "recipient_frames": "5912e487c000033b", "sites": "c0b192e3deb87e5b",
        "tracks": "69e844b3694a7be9",
    },
    "nrk-fibronectin+CCCP:2": {
        "cells": "9877083c08660c52", "fiber_frames": "f891a5a938ba64be",
        "fibers": "87e12c7d397759e6", "migrasome_frames": "8520306266436e03",
        "migrasomes": "fbf6abcad550f514", "mitochondria_frames": "9a21293950d0ec94",
        "sites": "46829ad3f08f1b3d", "tracks": "82e3c81814e3a44e",
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

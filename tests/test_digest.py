"""Behaviour pins: for a fixed scenario and seed, every table is identical, bit for bit.

A refactor must leave these digests unchanged (they are independent of the pandas major
version). A change of the model that is meant to change results updates them in the same
commit, and says so. History: the restructuring of the package left every table as it was
on the code before it; the RF geometry update moved before RF creation (so that joining
converges in dt) and SMS2 foci owned by their cell with a lifetime (so knockdowns do not
depend on cell density) changed them on purpose, and so did the mechanistic TEMA growth
(size and growth time from recruitment), the mechanical RF rupture, ROCK1 as adhesion
strength and the refit of the adhesion parameters.
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
    "cells": "023eb4eeccf0d3e1", "fiber_frames": "b0066e5ef997d938",
    "fibers": "7ca7c0456d5db239", "migrasome_frames": "718d922a8b58a489",
    "migrasomes": "6ec6bcf09de7d827", "sites": "6c0edbd891228311",
    "tracks": "4592791a27fe90ef",
}

#: Short runs with the function modules on: cargo and the signalling field (monocytes),
#: mitochondria under mild stress (CCCP 2 µM).
FUNCTIONS = {
    "monocyte-angiogenesis": {
        "cargo": "40f4bb7c8fc10268", "cargo_balance": "18c078b29fb3a4d3",
        "cells": "2a3ff6fd692dd593", "fiber_frames": "d96c9e82d4d05855",
        "fibers": "2ed44abf17742af1", "field_balance": "82c197043809968e",
        "field_frames": "ff24d7e0c13dcfab", "mdnps": "8a03c897dc2e5b15",
        "migrasome_frames": "e284f14fd52a9573", "migrasomes": "b0dbff898006a4b6",
        "recipient_frames": "185c54c96a723212", "sites": "62a5be9b14fef7fa",
        "tracks": "f1dc0ae194df8d45",
    },
    "nrk-fibronectin+CCCP:2": {
        "cells": "a54cb59362a7e069", "fiber_frames": "91f4c6dbca105479",
        "fibers": "d54e2baaa123e7b2", "migrasome_frames": "41d103e302d6f052",
        "migrasomes": "914e4ad23c065d8d", "mitochondria_frames": "9bc9622ffb2bc4e9",
        "sites": "0897f7e897a26629", "tracks": "788059236fecb8c7",
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

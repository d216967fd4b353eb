"""Behaviour pins: for a fixed scenario and seed, every table is identical, bit for bit.

A refactor must leave these digests unchanged (they are independent of the pandas major
version). A change of the model that is meant to change results updates them in the same
commit, and says so. History: the restructuring of the package left every table as it was
on the code before it; the RF geometry update moved before RF creation (so that joining
converges in dt) and SMS2 foci owned by their cell with a lifetime (so knockdowns do not
depend on cell density) changed them on purpose, and so did the mechanistic TEMA growth
(size and growth time from recruitment), the mechanical RF rupture, ROCK1 as adhesion
strength and the refit of the adhesion parameters; and the shipped calibration (every
fitted value from `migrasome calibrate` on the shipped specs).
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
    "cells": "023eb4eeccf0d3e1", "fiber_frames": "fa18ec132abd89be",
    "fibers": "5a80851c8b940cc6", "migrasome_frames": "06d9d98cd8920615",
    "migrasomes": "621b1d81051bd5b6", "sites": "7b40808e671c5d9b",
    "tracks": "792d04e35ad145d4",
}

#: Short runs with the function modules on: cargo and the signalling field (monocytes),
#: mitochondria under mild stress (CCCP 2 µM).
FUNCTIONS = {
    "monocyte-angiogenesis": {
        "cargo": "04ff6e67111ed9da", "cargo_balance": "bd7b6f867cbfc2e9",
        "cells": "2a3ff6fd692dd593", "fiber_frames": "ba47353e90445a6d",
        "fibers": "c56eb37654606b08", "field_balance": "ab797c08bc68b2e4",
        "field_frames": "ac13616aa21da223", "mdnps": "ea48b7422a5eb29f",
        "migrasome_frames": "a42eb783118c0c39", "migrasomes": "f97be2e5651ceb87",
        "recipient_frames": "3320fe0014179504", "sites": "7e44e1c9e7b65867",
        "tracks": "9254d147ccd72975",
    },
    "nrk-fibronectin+CCCP:2": {
        "cells": "a54cb59362a7e069", "fiber_frames": "bda5c56ec0eb96f0",
        "fibers": "e9f8acabd92eae6c", "migrasome_frames": "7ccb195041d5d802",
        "migrasomes": "6c4879555bced941", "mitochondria_frames": "59135b66d50dc16a",
        "sites": "f505c663c70da956", "tracks": "91fb7901ca7cb5fa",
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

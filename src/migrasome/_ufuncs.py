"""NumPy element-wise functions called without their Python wrappers, for hot loops.

``np.clip`` checks and dispatches in Python before it calls the ``clip`` ufunc: a few
microseconds a call, which the simulation step pays many times on short arrays. ``clip``
here is that same ufunc, so its results are the same, bit for bit.
"""

from __future__ import annotations

import importlib

import numpy as np

__all__ = ["clip"]


def _clip_ufunc():
    for name in ("numpy._core.umath", "numpy.core.umath"):
        try:
            f = importlib.import_module(name).clip
        except (ImportError, AttributeError):
            continue
        if isinstance(f, np.ufunc):
            return f
    return np.clip


#: ``clip(a, lo, hi)``: ``a`` limited to ``[lo, hi]`` element-wise (NaN stays NaN).
clip = _clip_ufunc()

"""The two response laws the mechanisms share: exponential relaxation and a normalised Hill law.

One home for each, so that every mechanism saturates and relaxes the same way.
"""

from __future__ import annotations

import numpy as np

__all__ = ["relax", "hill_norm"]


def relax(x, target, rate, dt: float):
    """Level after relaxing for ``dt`` towards ``target`` at ``rate``.

    Exact for a constant target, so stable for any time step.

    Parameters
    ----------
    x, target : array_like, shape (n_sites,) or scalar
        Current level and the level it relaxes towards (same units, e.g. relative to wild
        type).
    rate : array_like or float
        Relaxation rate, 1/min.
    dt : float
        Time step, min.

    Returns
    -------
    ndarray or float
        ``target + (x − target)·exp(−rate·dt)``, with the broadcast shape of the inputs.

    Examples
    --------
    >>> round(float(relax(0.0, 1.0, 0.1, 10.0)), 4)
    0.6321
    """
    return target + (x - target) * np.exp(-rate * dt)


def hill_norm(x, k: float, n: float = 1.0):
    """Saturating response ``xⁿ/(xⁿ + kⁿ)·(1 + kⁿ)``, normalised to 1 at x = 1.

    Levels in this model are relative to wild type, so the normalisation makes a response
    exactly 1 at wild type whatever its half-saturation ``k`` and cooperativity ``n``.

    Parameters
    ----------
    x : array_like
        Level relative to wild type (negative values count as 0).
    k : float
        Half-saturation level, relative to wild type.
    n : float
        Hill coefficient.

    Returns
    -------
    ndarray or float
        The response, ≥ 0; 1 at ``x = 1``; ``1 + kⁿ`` as ``x → ∞``.

    Examples
    --------
    >>> float(hill_norm(1.0, 0.3, 2))
    1.0
    """
    xn = np.maximum(x, 0.0) ** n
    kn = k**n
    return xn / (xn + kn) * (1 + kn)

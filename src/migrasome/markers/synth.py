"""Synthetic protein tables: known mixtures of fractions, with proteomics-like noise.

Each protein has a lysate abundance (log-normal), each fraction is a protein-mass mixture of
the reference profiles, and each measurement gets log-normal noise, a per-sample loading
factor and missing values that are missing not at random (low intensities go missing more
often, a logistic detection curve) plus a few missing at random. The profile of each marker
is perturbed once per dataset (real markers never follow a model exactly). This is what the
tests and the benchmark score against.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .purity import BACKGROUND_ROWS
from .sets import SETS

__all__ = ["synthetic_table"]


def synthetic_table(mixtures: dict[str, tuple[float, float, float]], profiles: pd.DataFrame,
                    *, rng: np.random.Generator, n_background: int = 400,
                    noise_sd_log2: float = 0.35, marker_sd_log2: float = 0.5,
                    detection_midpoint_quantile: float = 0.15, detection_width_log2: float = 0.7,
                    mcar_fraction: float = 0.02, membrane_share: float = 0.25,
                    drop_markers: tuple[str, ...] = ()) -> pd.DataFrame:
    """A plain protein table (``gene`` + one column per sample, linear, NaN missing).

    Parameters
    ----------
    mixtures : dict
        ``{sample: (migrasome, exosome, cell_body)}`` protein-mass fractions (summing to 1);
        a lysate is ``(0, 0, 1)``.
    profiles : DataFrame
        From :func:`migrasome.markers.reference_profiles`.
    rng : numpy.random.Generator
    n_background : int
        Proteins in no marker set (cytosolic or, with ``membrane_share``, membrane).
    noise_sd_log2 : float
        Measurement noise, log2 units.
    marker_sd_log2 : float
        Per-dataset deviation of each protein's profile from the model, log2 units.
    detection_midpoint_quantile, detection_width_log2 : float
        The log2 intensity at which half the values go missing (a quantile of all values)
        and the width of the logistic detection curve.
    mcar_fraction : float
        Values missing at random.
    drop_markers : tuple of str
        Markers left out of the table (not identified at all).

    Returns
    -------
    DataFrame
        ``gene`` then the samples in the order given.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from migrasome.markers import synthetic_table
    >>> prof = pd.DataFrame({"migrasome": [8, .1, .02, .3, 3], "exosome": [.05, 20, .02, .5, 2],
    ...                      "cell_body": 1.0}, index=["NDST1", "CD63", "LMNA", "_cytosol",
    ...                                                "_membrane"])
    >>> t = synthetic_table({"WCL": (0, 0, 1), "M": (1, 0, 0)}, prof,
    ...                     rng=np.random.default_rng(0), n_background=20)
    >>> list(t.columns), len(t)
    (['gene', 'WCL', 'M'], 23)
    """
    for s, f in mixtures.items():
        if len(f) != 3 or min(f) < 0 or abs(sum(f) - 1) > 1e-6:
            raise ValueError(f"mixture of {s!r} must be 3 non-negative fractions summing to "
                             f"1, got {f}")
    markers = [g for g in profiles.index if g not in BACKGROUND_ROWS and g not in drop_markers]
    kind = rng.random(n_background) < membrane_share
    bg = np.where(kind, "_membrane", "_cytosol")
    rows = markers + list(bg)
    genes = markers + [f"BG{i:04d}" for i in range(n_background)]
    P = profiles.loc[rows, list(SETS)].to_numpy(float)
    P[:, :2] *= np.exp2(rng.normal(0, marker_sd_log2, size=(len(rows), 2)))
    base = rng.normal(24.0, 2.0, len(rows))
    W = np.array([mixtures[s] for s in mixtures], float).T
    log_i = base[:, None] + np.log2(P @ W) + rng.normal(0, 0.3, len(W.T))[None, :]
    log_i = log_i + rng.normal(0, noise_sd_log2, log_i.shape)
    mid = np.quantile(log_i, detection_midpoint_quantile)
    p_miss = 1 / (1 + np.exp((log_i - mid) / detection_width_log2))
    miss = (rng.random(log_i.shape) < p_miss) | (rng.random(log_i.shape) < mcar_fraction)
    vals = np.where(miss, np.nan, np.exp2(log_i))
    out = pd.DataFrame(vals, columns=list(mixtures))
    out.insert(0, "gene", genes)
    return out
